"""The Kakao REST APIs' routes: Talk Social (`talk`), the Talk Message API (`messages`), the user
APIs (`user`), and the OpenAPI
document that describes them."""

from __future__ import annotations

from starlette.routing import Route

from talksocial.api import messages, oidc, talk, user
from talksocial.api.openapi import openapi_json
from talksocial.domain import messages as rules


def routes() -> list[Route]:
    return [
        Route("/v1/api/talk/profile", talk.talk_profile, methods=["GET"]),
        Route("/v1/api/talk/friends", talk.talk_friends, methods=["GET"]),
        Route("/v2/api/talk/profiles", talk.talk_profiles, methods=["GET", "POST"]),
        Route("/openapi.json", openapi_json, methods=["GET"]),
        Route(rules.MEMO_DEFAULT, messages.memo_default_send, methods=["POST"]),
        Route(rules.MEMO_CUSTOM, messages.memo_send, methods=["POST"]),
        Route(rules.MEMO_SCRAP, messages.memo_scrap_send, methods=["POST"]),
        Route(rules.FRIENDS_DEFAULT, messages.friends_default_send, methods=["POST"]),
        Route(rules.FRIENDS_CUSTOM, messages.friends_send, methods=["POST"]),
        Route(rules.FRIENDS_SCRAP, messages.friends_scrap_send, methods=["POST"]),
        Route("/v1/user/access_token_info", user.access_token_info, methods=["GET"]),
        Route("/v1/user/logout", user.logout, methods=["POST"]),
        Route("/v1/user/unlink", user.unlink, methods=["POST"]),
        Route("/v2/user/scopes", user.scopes, methods=["GET"]),
        Route("/v2/user/revoke/scopes", user.revoke_scopes, methods=["POST"]),
        Route("/v2/user/me", user.me, methods=["GET", "POST"]),
        Route("/v2/app/users", user.app_users, methods=["GET", "POST"]),
        Route("/v1/user/ids", user.user_ids, methods=["GET", "POST"]),
        Route("/v1/user/update_profile", user.update_profile, methods=["POST"]),
        Route("/v1/oidc/userinfo", oidc.userinfo, methods=["GET", "POST"]),
    ]
