"""The Kakao Talk Message API (docs/reference/messages.md): three sends "to me", three to
friends, each with a template object, a custom template or a page's preview (scrap).

Checks run in the order of docs/reference/errors.md: the credential (-401), the app's
`talk_message` item (-3), the user's agreement to it (-402), a Talk user (-501), then the
parameters (-2). The receivers, the daily limits and the message itself are decided and stored
in one write transaction (`storage.messages`), so a limit holds on every worker.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from talksocial.api import wire
from talksocial.api.auth import bearer_token_owner
from talksocial.domain import errors
from talksocial.domain import messages as rules
from talksocial.domain.consent import TALK_MESSAGE
from talksocial.domain.origins import origin_of
from talksocial.domain.scrap import decode_page, preview_of
from talksocial.storage import messages as inbox
from talksocial.storage.apps import get_app
from talksocial.storage.db import run_with_retry, transaction
from talksocial.storage.message_templates import find_template
from talksocial.storage.models import Link
from talksocial.storage.reads import TokenOwner
from talksocial.web import outbound, responses
from talksocial.web.context import ServerContext
from talksocial.web.forms import query_and_form

#: The failure classes by code, for `failure_info` and an all-failed answer.
_FAILURES: dict[int, type[errors.MessageNotSent]] = {
    cls.code: cls
    for cls in (errors.NotAFriend, errors.MessageRefused, errors.SenderDailyLimit,
                errors.ReceiverDailyLimit, errors.PairDailyLimit)
}
MAX_URL_CHARS = 2000


async def _checked_caller(request: Request, ctx: ServerContext, endpoint: str) -> TokenOwner:
    owner = await bearer_token_owner(request, ctx.reads)
    api_type = rules.API_TYPES[endpoint]
    if TALK_MESSAGE not in owner.consent_items:
        raise errors.AppConsentNotEnabled(
            f"App disabled [{TALK_MESSAGE}] scopes for [{api_type}] API on developers.kakao.com. "
            "Enable it first."
        )
    if TALK_MESSAGE not in owner.scopes:
        raise errors.InsufficientScopes(
            api_type=api_type, required_scopes=[TALK_MESSAGE], allowed_scopes=list(owner.scopes)
        )
    if not owner.talk_user:
        raise errors.NotTalkUser(errors.MSG_NOT_TALK_USER_PROFILE)
    return owner


@dataclass(frozen=True)
class _AppFacts:
    web_domains: list[str]
    template: dict[str, Any] | None
    known_receivers: bool


def _app_facts(ctx: ServerContext, app_id: int, template_id: int | None,
               receivers: list[str] | None) -> _AppFacts:
    with ctx.sessions() as s:
        app = get_app(s, app_id)
        template = find_template(s, app_id, template_id) if template_id is not None else None
        known = True
        if receivers:
            found = set(s.scalars(
                select(Link.uuid).where(Link.app_id == app_id, Link.uuid.in_(receivers))
            ))
            known = len(found) == len(receivers)
        return _AppFacts(json.loads(app.web_domains), template, known)


async def _template(request: Request, ctx: ServerContext, owner: TokenOwner, endpoint: str,
                    receivers: list[str] | None) -> dict[str, Any]:
    """The final template object the endpoint sends (after template arguments and scrap)."""
    params = await query_and_form(request)
    scrap = endpoint in (rules.MEMO_SCRAP, rules.FRIENDS_SCRAP)
    custom = endpoint in (rules.MEMO_CUSTOM, rules.FRIENDS_CUSTOM)
    template: dict[str, Any] | None = None
    if not scrap and not custom:
        template = rules.validate_template(
            rules.parse_json_object(params.get("template_object"), "template_object")
        )
    template_id: int | None = None
    args: dict[str, str] = {}
    if custom or (scrap and params.get("template_id", "").strip()):
        template_id = rules.parse_template_id(params.get("template_id"))
        args = rules.parse_template_args(params.get("template_args"))
    url = ""
    if scrap:
        url = (params.get("request_url") or "").strip()
        if not url:
            raise errors.InvalidArgument("request_url is required")
        if len(url) > MAX_URL_CHARS or origin_of(url) is None:
            raise errors.InvalidArgument("request_url must be an http(s) URL")
    facts = await run_in_threadpool(_app_facts, ctx, owner.app_id, template_id, receivers)
    if template_id is not None:
        if facts.template is None:
            raise errors.InvalidArgument(
                f"template_id {template_id} is no message template of this app"
            )
        template = rules.fill_args(facts.template, args)
    if scrap and origin_of(url) not in facts.web_domains:
        raise errors.InvalidArgument(
            "request_url must be on one of the app's registered web domains"
        )
    if not facts.known_receivers:
        raise errors.InvalidArgument(rules.MSG_RECEIVERS_UNKNOWN)
    if scrap:
        fetched = await outbound.fetch(url, allowed_origins=facts.web_domains, max_redirects=3)
        html = decode_page(fetched.body, fetched.content_type) if fetched.ok else None
        preview = preview_of(html, url)
        if template is None:
            return rules.scrap_feed(preview.title, preview.description, preview.image_url, url)
        return rules.fill_scrap(template, preview.title, preview.description,
                                preview.image_url, url)
    assert template is not None
    return template


async def _send_to_me(request: Request, endpoint: str) -> Response:
    ctx = ServerContext.of(request)
    owner = await _checked_caller(request, ctx, endpoint)
    template = await _template(request, ctx, owner, endpoint, None)

    def work() -> bool:
        with transaction(ctx.sessions) as s:
            return inbox.send_to_me(s, owner.app_id, owner.account_id, endpoint, template)

    if not await run_in_threadpool(run_with_retry, work):
        raise errors.QuotaExceeded()
    return responses.json_response(wire.message_sent())


async def _send_to_friends(request: Request, endpoint: str) -> Response:
    ctx = ServerContext.of(request)
    owner = await _checked_caller(request, ctx, endpoint)
    params = await query_and_form(request)
    receivers = rules.parse_receivers(params.get("receiver_uuids"))
    template = await _template(request, ctx, owner, endpoint, receivers)

    def work() -> inbox.FriendsOutcome:
        with transaction(ctx.sessions) as s:
            return inbox.send_to_friends(s, owner.app_id, owner.account_id, endpoint, template,
                                         receivers)

    outcome = await run_in_threadpool(run_with_retry, work)
    if outcome.unknown_receivers:
        raise errors.InvalidArgument(rules.MSG_RECEIVERS_UNKNOWN)
    if outcome.app_limit:
        raise errors.QuotaExceeded()
    failures = [(code, _FAILURES[code].default_msg, uuids)
                for code, uuids in outcome.failures.items()]
    if not outcome.delivered:
        raise _FAILURES[failures[0][0]]()
    return responses.json_response(wire.friends_message_result(outcome.delivered, failures))


async def memo_default_send(request: Request) -> Response:
    return await _send_to_me(request, rules.MEMO_DEFAULT)


async def memo_send(request: Request) -> Response:
    return await _send_to_me(request, rules.MEMO_CUSTOM)


async def memo_scrap_send(request: Request) -> Response:
    return await _send_to_me(request, rules.MEMO_SCRAP)


async def friends_default_send(request: Request) -> Response:
    return await _send_to_friends(request, rules.FRIENDS_DEFAULT)


async def friends_send(request: Request) -> Response:
    return await _send_to_friends(request, rules.FRIENDS_CUSTOM)


async def friends_scrap_send(request: Request) -> Response:
    return await _send_to_friends(request, rules.FRIENDS_SCRAP)
