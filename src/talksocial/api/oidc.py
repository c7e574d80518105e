"""OpenID Connect's userinfo endpoint, `GET|POST /v1/oidc/userinfo`, served by the API host as
Kakao's is (docs/reference/kakao-login.md#openid): a Bearer access token whose user
agreed to `openid`, else -402."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from talksocial.api import wire
from talksocial.api.auth import bearer_token_owner
from talksocial.domain import errors
from talksocial.domain.consent import OPENID
from talksocial.storage.accounts import account_profile
from talksocial.storage.models import Account
from talksocial.web import responses
from talksocial.web.context import ServerContext


async def userinfo(request: Request) -> Response:
    ctx = ServerContext.of(request)
    owner = await bearer_token_owner(request, ctx.reads)
    if OPENID not in owner.scopes:
        raise errors.InsufficientScopes(
            api_type="OIDC_USERINFO", required_scopes=[OPENID], allowed_scopes=list(owner.scopes)
        )

    def work() -> dict[str, Any]:
        with ctx.sessions() as s:
            account = s.get(Account, owner.account_id)
            if account is None:  # deleted between the token check and now
                raise errors.token_not_found()
            nickname, _, thumbnail = account_profile(account)
            return wire.oidc_userinfo(
                user_id=owner.user_id,
                agreed=owner.scopes,
                nickname=nickname,
                thumbnail_url=thumbnail,
                email=account.email,
                email_valid=account.email_valid,
                email_verified=account.email_verified,
            )

    return responses.json_response(await run_in_threadpool(work))
