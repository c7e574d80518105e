"""The ordered requests of the golden recording (`python -m tests.golden.record` sends them to a
fresh `talksocial serve --demo`; the replay reads them back from recording.json).

In order, so that the sequence replays identically on a fresh demo server:
1. the pristine world's export, then every curl line of README.md in the README's order (each
   step's note names its line; `$AT` and the other variables resolved to the demo world's fixed
   credentials or to what the README's own earlier steps minted), ending with the control
   plane's `reset`, which brings back the demo world;
2. every endpoint × every credential kind;
3. the parameter edge cases of docs/reference/friends.md/§6 and the README (friends, profiles by user list, the
   user APIs), 404s and 405s;
4. more of Kakao Login (OpenID Connect, PKCE, a code used twice, the token endpoint's errors);
5. the control plane's writes, then the logout matrix (it ends the demo tokens) and `reset`.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from talksocial import demo
from tests.golden.wire import PLACEHOLDER, Capture, request_template

FORM = ("Content-Type", "application/x-www-form-urlencoded")
#: What curl sends with `-d` and no Content-Type of its own.
CURL_FORM = FORM
#: `curl --json` (the docs' control-plane lines since operator writes take JSON only; the
#: unchanged server took both, so the recording made with it holds for either).
CURL_JSON = ("Content-Type", "application/json")
CALLBACK = "http://localhost:3000/callback"
CALLBACK_Q = quote(CALLBACK, safe="")
AUTHORIZE_Q = (
    f"client_id={demo.DEMO_REST_API_KEY}&redirect_uri={CALLBACK_Q}&response_type=code&state=xyz"
)

#: Every kind of credential the APIs tell apart (README "Try it", docs/reference/errors.md, demo.py).
CREDENTIALS: tuple[tuple[str, str | None], ...] = (
    ("no credential", None),
    ("Muzi, app 1001, every item", f"Bearer {demo.DEMO_ACCESS_TOKEN}"),
    ("Ryan, app 2001, legacy profile", "Bearer demo-token-ryan-full"),
    ("Ryan, app 2002, nickname only", "Bearer demo-token-ryan-nickname"),
    ("Ryan, app 2003, image only", "Bearer demo-token-ryan-image"),
    ("Ryan, app 2004, no profile item", "Bearer demo-token-ryan-none"),
    ("not a Talk user", "Bearer demo-token-not-talk"),
    ("without the friends item", "Bearer demo-token-no-friends-consent"),
    ("expired", "Bearer demo-token-expired"),
    ("Neo, friends in every script", "Bearer demo-token-neo"),
    ("made-up token", "Bearer no-such-token-0000"),
    ("Bearer without a token", "Bearer"),
    ("lower-case scheme", f"bearer {demo.DEMO_ACCESS_TOKEN}"),
    ("no scheme", demo.DEMO_ACCESS_TOKEN),
    ("admin key of app 1001", f"KakaoAK {demo.DEMO_ADMIN_KEY}"),
    ("admin key of app 1002", "KakaoAK demo-admin-key-nickname-only"),
    ("admin key of app 2001", "KakaoAK demo-admin-key-2001"),
    ("admin key of app 2002", "KakaoAK demo-admin-key-2002"),
    ("admin key of app 2003", "KakaoAK demo-admin-key-2003"),
    ("admin key of app 2004", "KakaoAK demo-admin-key-2004"),
    ("wrong admin key", "KakaoAK wrong-admin-key"),
    ("access token as KakaoAK (wrong scheme)", f"KakaoAK {demo.DEMO_ACCESS_TOKEN}"),
    ("admin key as Bearer (wrong scheme)", f"Bearer {demo.DEMO_ADMIN_KEY}"),
    ("REST API key as KakaoAK", f"KakaoAK {demo.DEMO_REST_API_KEY}"),
)


class Plan:
    """Builds the ordered steps."""

    def __init__(self) -> None:
        self.steps: list[dict[str, Any]] = []

    def add(
        self,
        note: str,
        method: str,
        path: str,
        *,
        headers: Sequence[tuple[str, str]] = (),
        body: str | None = None,
        captures: Sequence[Capture] = (),
    ) -> None:
        self.steps.append(
            {
                "note": note,
                "request": request_template(method, path, headers, body),
                "captures": [c.to_json() for c in captures],
            }
        )

    def readme(self, line: int, curl: str, method: str, path: str, **kwargs: Any) -> None:
        self.add(f"README.md:{line} {curl}", method, path, **kwargs)


def bearer(token: str) -> tuple[str, str]:
    return ("Authorization", f"Bearer {token}")


def admin(key: str = demo.DEMO_ADMIN_KEY) -> tuple[str, str]:
    return ("Authorization", f"KakaoAK {key}")


def auth(credential: str | None) -> list[tuple[str, str]]:
    return [] if credential is None else [("Authorization", credential)]


def login_cookie(name: str) -> tuple[str, str]:
    return ("Cookie", f"talksocial_login={{{{{name}}}}}")


def cookie_capture(name: str) -> Capture:
    return Capture(name, "header:set-cookie", r"talksocial_login=([A-Za-z0-9_-]+);")


def csrf_capture(name: str) -> Capture:
    return Capture(name, "body", r'name="csrf_token" value="([^"]+)"')


def code_capture(name: str) -> Capture:
    return Capture(name, "header:location", r"[?&]code=([^&]+)")


def token_captures(prefix: str, *, refresh: bool = True, id_token: bool = False) -> list[Capture]:
    found = [Capture(f"{prefix}_access_token", "body", r'"access_token":"([^"]+)"')]
    if refresh:
        found.append(Capture(f"{prefix}_refresh_token", "body", r'"refresh_token":"([^"]+)"'))
    if id_token:
        found.append(Capture(f"{prefix}_id_token", "body", r'"id_token":"([^"]+)"'))
    return found


def form(*pairs: tuple[str, str]) -> str:
    """An urlencoded body as `--data-urlencode` writes it (a `{{name}}` value, filled in when
    sent, is URL-safe)."""
    return "&".join(
        f"{quote(k, safe='')}={v if PLACEHOLDER.fullmatch(v) else quote(v, safe='')}"
        for k, v in pairs
    )


# --- 1. README.md -------------------------------------------------------------------------------


def readme_try_it(plan: Plan) -> None:
    """README "Try it against the demo world"."""
    for line, token in (
        (47, "demo-token-ryan-full"),
        (49, "demo-token-ryan-nickname"),
        (51, "demo-token-ryan-image"),
        (53, "demo-token-ryan-none"),
        (55, "demo-token-not-talk"),
    ):
        plan.readme(line, f'curl -s ".../v1/api/talk/profile" -H "Authorization: Bearer {token}"',
                    "GET", "/v1/api/talk/profile", headers=[bearer(token)])
    plan.readme(63, 'curl -s -G ".../v1/api/talk/friends" -H "Authorization: Bearer '
                'demo-access-token" -d "limit=3"', "GET", "/v1/api/talk/friends?limit=3",
                headers=[bearer(demo.DEMO_ACCESS_TOKEN)])
    plan.readme(68, 'curl -s -G ".../v1/api/talk/friends" -H "Authorization: Bearer '
                'demo-access-token" -d "offset=3" -d "limit=3" -d "order=asc"', "GET",
                "/v1/api/talk/friends?offset=3&limit=3&order=asc",
                headers=[bearer(demo.DEMO_ACCESS_TOKEN)])
    plan.readme(70, 'curl -s ".../v1/api/talk/friends" -H "Authorization: Bearer '
                'demo-token-no-friends-consent"', "GET", "/v1/api/talk/friends",
                headers=[bearer("demo-token-no-friends-consent")])
    plan.readme(72, 'curl -s ".../v1/api/talk/friends" -H "Authorization: Bearer '
                'demo-token-expired"', "GET", "/v1/api/talk/friends",
                headers=[bearer("demo-token-expired")])
    plan.readme(82, 'curl -s -G ".../v1/api/talk/friends" -H "Authorization: Bearer '
                'demo-token-neo" -d friend_order=nickname', "GET",
                "/v1/api/talk/friends?friend_order=nickname", headers=[bearer("demo-token-neo")])
    plan.readme(84, 'curl -s -G ".../v1/api/talk/friends" -H "Authorization: Bearer '
                'demo-token-neo" -H "KA: sdk/1.0 lang/en" -d friend_order=nickname', "GET",
                "/v1/api/talk/friends?friend_order=nickname",
                headers=[bearer("demo-token-neo"), ("KA", "sdk/1.0 lang/en")])
    plan.readme(92, 'curl -s -X GET ".../v2/api/talk/profiles" -H "Authorization: KakaoAK '
                'demo-admin-key" -H "Content-Type: application/x-www-form-urlencoded;charset=utf-8"'
                ' -d "viewer_id=12345" -d "viewer_id_type=user_id" -d "target_ids=[9876,5432]" '
                '-d "target_id_type=user_id"', "GET", "/v2/api/talk/profiles",
                headers=[admin(),
                         ("Content-Type", "application/x-www-form-urlencoded;charset=utf-8")],
                body="viewer_id=12345&viewer_id_type=user_id&target_ids=[9876,5432]"
                     "&target_id_type=user_id")
    plan.readme(98, 'curl -s ".../v2/api/talk/profiles" -H "Authorization: KakaoAK '
                'demo-admin-key-nickname-only" -d "target_ids=[9876]" -d "target_id_type=user_id"',
                "POST", "/v2/api/talk/profiles",
                headers=[admin("demo-admin-key-nickname-only"), CURL_FORM],
                body="target_ids=[9876]&target_id_type=user_id")
    plan.readme(100, 'curl -s ".../v2/api/talk/profiles" -H "Authorization: KakaoAK '
                'demo-admin-key" -d "viewer_id=99999" -d "target_ids=[9876]" '
                '-d "target_id_type=user_id"', "POST", "/v2/api/talk/profiles",
                headers=[admin(), CURL_FORM],
                body="viewer_id=99999&target_ids=[9876]&target_id_type=user_id")
    plan.readme(102, 'curl -s ".../v2/api/talk/profiles" -H "Authorization: KakaoAK '
                'demo-admin-key" -d "target_ids=[9876,777]" -d "target_id_type=user_id"',
                "POST", "/v2/api/talk/profiles", headers=[admin(), CURL_FORM],
                body="target_ids=[9876,777]&target_id_type=user_id")


def readme_login(plan: Plan) -> None:
    """README "Kakao Login, step by step", with the browser's part done as its "Everything with
    curl only" section does it (Nari logs in and ticks profile_image and friends)."""
    plan.readme(216, "curl -s -o /dev/null -w '%{http_code}\\n' \".../oauth/authorize?"
                "client_id=nope&redirect_uri=http://localhost:3000/callback&response_type=code\"",
                "GET", "/oauth/authorize?client_id=nope&redirect_uri=http://localhost:3000/"
                "callback&response_type=code")
    plan.readme(379, 'page=$(curl -s -c "$jar" -b "$jar" "$AUTH")  (the login page)', "GET",
                f"/oauth/authorize?{AUTHORIZE_Q}",
                captures=[cookie_capture("nari_login_cookie"), csrf_capture("nari_login_csrf")])
    plan.readme(381, 'curl -s -o /dev/null -c "$jar" -b "$jar" "$BASE/oauth/login" '
                '--data-urlencode "csrf_token=$csrf" --data-urlencode "q=$q" '
                "-d account=not-linked-friend", "POST", "/oauth/login",
                headers=[login_cookie("nari_login_cookie"), CURL_FORM],
                body=form(("csrf_token", "{{nari_login_csrf}}"), ("q", AUTHORIZE_Q))
                + "&account=not-linked-friend",
                captures=[cookie_capture("nari_cookie")])
    plan.readme(383, 'page=$(curl -s -c "$jar" -b "$jar" "$BASE/oauth/authorize?$q")  '
                "(the consent page)", "GET", f"/oauth/authorize?{AUTHORIZE_Q}",
                headers=[login_cookie("nari_cookie")], captures=[csrf_capture("nari_csrf")])
    plan.readme(385, "loc=$(curl -s -o /dev/null -w '%{redirect_url}' -c \"$jar\" -b \"$jar\" "
                '"$BASE/oauth/consent" --data-urlencode "csrf_token=$csrf" --data-urlencode '
                '"q=$q" -d scope=profile_image -d scope=friends -d action=agree)', "POST",
                "/oauth/consent", headers=[login_cookie("nari_cookie"), CURL_FORM],
                body=form(("csrf_token", "{{nari_csrf}}"), ("q", AUTHORIZE_Q))
                + "&scope=profile_image&scope=friends&action=agree",
                captures=[code_capture("nari_code")])
    plan.readme(389, 'curl -s "$BASE/oauth/token" -d grant_type=authorization_code -d client_id='
                "demo-rest-api-key --data-urlencode redirect_uri=http://localhost:3000/callback "
                '-d code="$code"  (also README.md:248, step 3)', "POST", "/oauth/token",
                headers=[CURL_FORM],
                body=f"grant_type=authorization_code&client_id={demo.DEMO_REST_API_KEY}"
                     f"&redirect_uri={CALLBACK_Q}&code={{{{nari_code}}}}",
                captures=token_captures("nari"))
    plan.add("Nari's new app-scoped user id and uuid (read for the steps below)", "GET",
             "/_talksocial/links/1001/not-linked-friend",
             captures=[Capture("nari_user_id", "body", r'"user_id":(\d+)'),
                       Capture("nari_uuid", "body", r'"uuid":"([^"]+)"')])
    plan.add("README step 2: the authorize URL again, logged in, nothing new: straight back "
             "with a new code (its tokens are $OTHER_AT of step 8)", "GET",
             f"/oauth/authorize?{AUTHORIZE_Q}", headers=[login_cookie("nari_cookie")],
             captures=[code_capture("nari_code_2")])
    plan.add("README step 3 (README.md:248): exchanging the second code", "POST", "/oauth/token",
             headers=[CURL_FORM],
             body=f"grant_type=authorization_code&client_id={demo.DEMO_REST_API_KEY}"
                  f"&redirect_uri={CALLBACK_Q}&code={{{{nari_code_2}}}}",
             captures=token_captures("other"))
    plan.readme(264, "curl -s .../.well-known/openid-configuration", "GET",
                "/.well-known/openid-configuration")
    plan.readme(265, "curl -s .../.well-known/jwks.json", "GET", "/.well-known/jwks.json")
    at = bearer("{{nari_access_token}}")
    plan.readme(286, 'curl -s .../v1/user/access_token_info -H "Authorization: Bearer $AT"',
                "GET", "/v1/user/access_token_info", headers=[at])
    plan.readme(288, 'curl -s .../v2/user/me -H "Authorization: Bearer $AT"', "GET",
                "/v2/user/me", headers=[at])
    plan.readme(292, 'curl -s .../v1/api/talk/profile -H "Authorization: Bearer $AT"', "GET",
                "/v1/api/talk/profile", headers=[at])
    plan.readme(293, 'curl -s ".../v1/api/talk/friends" -H "Authorization: Bearer $AT"', "GET",
                "/v1/api/talk/friends", headers=[at])
    plan.readme(299, 'curl -s ".../v1/api/talk/friends?limit=1" -H "Authorization: Bearer '
                'demo-access-token"', "GET", "/v1/api/talk/friends?limit=1",
                headers=[bearer(demo.DEMO_ACCESS_TOKEN)])
    plan.readme(305, "curl -s .../oauth/token -d grant_type=refresh_token -d client_id="
                "demo-rest-api-key -d refresh_token=PASTE_THE_REFRESH_TOKEN", "POST",
                "/oauth/token", headers=[CURL_FORM],
                body=f"grant_type=refresh_token&client_id={demo.DEMO_REST_API_KEY}"
                     "&refresh_token={{nari_refresh_token}}",
                captures=token_captures("refreshed", refresh=False))
    plan.readme(321, "curl -s .../_talksocial/clock", "GET", "/_talksocial/clock")
    plan.readme(322, "curl -s -X POST .../_talksocial/clock -d '{\"advance_seconds\": 21600}'",
                "POST", "/_talksocial/clock", headers=[CURL_JSON],
                body='{"advance_seconds": 21600}')
    plan.readme(323, 'curl -s .../v1/user/access_token_info -H "Authorization: Bearer $AT"',
                "GET", "/v1/user/access_token_info", headers=[at])
    plan.readme(325, "curl -s -X POST .../_talksocial/clock -d '{\"offset_seconds\": 0}'",
                "POST", "/_talksocial/clock", headers=[CURL_JSON], body='{"offset_seconds": 0}')
    plan.readme(336, 'curl -s .../v2/user/scopes -H "Authorization: Bearer $AT"', "GET",
                "/v2/user/scopes", headers=[at])
    friends_json = quote('["friends"]', safe="")
    plan.readme(337, "curl -s -G .../v2/user/scopes -H \"Authorization: Bearer $AT\" "
                "--data-urlencode 'scopes=[\"friends\"]'", "GET",
                f"/v2/user/scopes?scopes={friends_json}", headers=[at])
    plan.readme(338, "curl -s -X POST .../v2/user/revoke/scopes -H \"Authorization: Bearer $AT\""
                " --data-urlencode 'scopes=[\"friends\"]'", "POST", "/v2/user/revoke/scopes",
                headers=[at, CURL_FORM], body=f"scopes={friends_json}")
    plan.readme(339, "curl -s -X POST .../v2/user/revoke/scopes -H \"Authorization: Bearer $AT\""
                " --data-urlencode 'scopes=[\"profile_nickname\"]'", "POST",
                "/v2/user/revoke/scopes", headers=[at, CURL_FORM],
                body="scopes=" + quote('["profile_nickname"]', safe=""))
    more_q = (f"client_id={demo.DEMO_REST_API_KEY}&redirect_uri={CALLBACK}&response_type=code"
              "&scope=friends&state=more")
    plan.add("README step 7: the authorize URL with scope=friends (the consent page lists only "
             "friends)", "GET", f"/oauth/authorize?{more_q}",
             headers=[login_cookie("nari_cookie")], captures=[csrf_capture("nari_more_csrf")])
    plan.add("README step 7: agreeing to friends again", "POST", "/oauth/consent",
             headers=[login_cookie("nari_cookie"), FORM],
             body=form(("csrf_token", "{{nari_more_csrf}}"), ("q", more_q))
             + "&scope=friends&action=agree", captures=[code_capture("nari_more_code")])
    plan.add("README step 7: its tokens carry friends", "POST", "/oauth/token",
             headers=[FORM],
             body=f"grant_type=authorization_code&client_id={demo.DEMO_REST_API_KEY}"
                  f"&redirect_uri={CALLBACK_Q}&code={{{{nari_more_code}}}}",
             captures=token_captures("more"))
    plan.add("README step 7: Nari can list friends with the new token", "GET",
             "/v1/api/talk/friends", headers=[bearer("{{more_access_token}}")])
    plan.readme(356, 'curl -s -X POST .../v1/user/logout -H "Authorization: Bearer $AT"', "POST",
                "/v1/user/logout", headers=[at])
    plan.add("README step 8: after logout, $AT and its refresh token stop working", "GET",
             "/v1/user/access_token_info", headers=[at])
    plan.add("README step 8: the refresh token issued with $AT", "POST", "/oauth/token",
             headers=[FORM],
             body=f"grant_type=refresh_token&client_id={demo.DEMO_REST_API_KEY}"
                  "&refresh_token={{nari_refresh_token}}")
    plan.readme(358, 'curl -s -X POST .../v1/user/unlink -H "Authorization: Bearer $OTHER_AT"',
                "POST", "/v1/user/unlink", headers=[bearer("{{other_access_token}}")])
    plan.readme(360, 'curl -s -X POST .../v1/user/unlink -H "Authorization: KakaoAK '
                'demo-admin-key" -d target_id_type=user_id -d target_id=4820419871', "POST",
                "/v1/user/unlink", headers=[admin(), CURL_FORM],
                body="target_id_type=user_id&target_id={{nari_user_id}}")
    plan.add("README step 8: after the unlink, Muzi's list no longer counts Nari", "GET",
             "/v1/api/talk/friends?limit=1", headers=[bearer(demo.DEMO_ACCESS_TOKEN)])


#: A quota edit answers the stored counts, which the worker adds to every half second; reading
#: the quotas first writes them, so that the edit's answer does not depend on that timing.
FLUSH_NOTE = "the quotas, read to flush this worker's counts before a quota edit"


def readme_control_plane(plan: Plan) -> None:
    """README "Control plane" (B=.../_talksocial)."""
    lines: list[tuple[int, str, str, str | None]] = [
        (750, "POST", "/accounts", '{"key":"kiwi","profile":{"nickname":"Kiwi"}}'),
        (751, "POST", "/links", '{"app":1001,"account":"kiwi","scopes":["friends"]}'),
        (752, "PUT", "/accounts/muzi/friends/kiwi", '{"favorite":true}'),
        (753, "POST", "/tokens", '{"app":1001,"account":"kiwi","lifetime":60}'),
        (754, "POST", "/faults", '{"endpoint":"/v1/api/talk/friends","code":-1,"next":1}'),
        (755, "PUT", "/quotas/1001/talk_friends", '{"daily_limit":100}'),
        (756, "POST", "/clock", '{"advance_seconds":3600}'),
        (757, "GET", "/journal?limit=20", None),
        (758, "POST", "/reset", None),
    ]
    for line, method, path, body in lines:
        curl = "curl -s" + (f" -X {method}" if method == "PUT" or body is None and
                            method == "POST" else "")
        curl += f" $B{path}" + (f" -d '{body}'" if body is not None else "")
        captures: list[Capture] = []
        if line == 753:
            captures = token_captures("kiwi", refresh=False)
        headers = [CURL_JSON] if body is not None else []
        if line == 755:
            plan.add(FLUSH_NOTE, "GET", "/_talksocial/quotas")
        plan.readme(line, curl, method, f"/_talksocial{path}", headers=headers, body=body,
                    captures=captures)
        if line == 753:
            # What the README's block sets up, seen through the API before the reset.
            plan.add("README control plane: Muzi's list after the edits above",
                     "GET", "/v1/api/talk/friends?limit=2",
                     headers=[bearer(demo.DEMO_ACCESS_TOKEN)])
            plan.add("README control plane: Kiwi's token (linked by the token issue, with a "
                     "new user id)", "GET", "/v1/user/access_token_info",
                     headers=[bearer("{{kiwi_access_token}}")],
                     captures=[Capture("kiwi_user_id", "body", r'"id":(\d+)')])
        if line == 754:
            plan.add("README control plane: the next friends call fails as the fault says",
                     "GET", "/v1/api/talk/friends?limit=1",
                     headers=[bearer(demo.DEMO_ACCESS_TOKEN)])
            plan.add("README control plane: the fault was for the next call only", "GET",
                     "/v1/api/talk/friends?limit=1", headers=[bearer(demo.DEMO_ACCESS_TOKEN)])
        if line == 755:
            # Before the clock moves: an hour later may be another day in Korea.
            plan.add("README control plane: the quotas after the limit", "GET",
                     "/_talksocial/quotas")
        if line == 756:
            plan.add("README control plane: Kiwi's 60-second token after an hour", "GET",
                     "/v1/user/access_token_info", headers=[bearer("{{kiwi_access_token}}")])
    plan.add("after the reset: Muzi's first page as at start-up", "GET",
             "/v1/api/talk/friends?limit=3", headers=[bearer(demo.DEMO_ACCESS_TOKEN)])
    plan.add("after the reset: the clock is back", "GET", "/_talksocial/clock")


def readme_generator(plan: Plan) -> None:
    plan.readme(870, 'curl -s ".../v1/api/talk/friends?limit=3" -H "Authorization: Bearer '
                "$(jq -r '.owners[0].access_token' big.json)\"  (a generated world's owner; here "
                "the demo world's Muzi)", "GET", "/v1/api/talk/friends?limit=3",
                headers=[bearer(demo.DEMO_ACCESS_TOKEN)])


# --- 2. every endpoint × every credential ------------------------------------------------------

TARGET_9876 = "target_ids=%5B9876%5D&target_id_type=user_id"

#: The endpoints whose answer depends on the credential, with a request each that changes
#: nothing whatever the credential (the writes with a live token come in part 5).
CREDENTIAL_ENDPOINTS: tuple[tuple[str, str, str | None], ...] = (
    ("GET", "/v1/api/talk/profile", None),
    ("GET", "/v1/api/talk/friends", None),
    ("GET", f"/v2/api/talk/profiles?{TARGET_9876}", None),
    ("GET", "/v1/user/access_token_info", None),
    ("GET", "/v2/user/me", None),
    ("GET", "/v2/user/scopes", None),
    ("POST", "/v2/user/revoke/scopes", "scopes=%5B%22no_such_item%22%5D"),
)
#: The same handlers by another method or form: a few credential kinds each.
SECOND_FORMS: tuple[tuple[str, str, str | None], ...] = (
    ("POST", "/v2/api/talk/profiles", "target_ids=[9876]&target_id_type=user_id"),
    ("POST", "/v2/user/me", ""),
    ("POST", "/v1/user/unlink", "target_id_type=user_id"),
)

#: Endpoints that take no credential: each with a few kinds, to show they are ignored.
PUBLIC_ENDPOINTS: tuple[str, ...] = (
    "/healthz",
    "/.well-known/openid-configuration",
    "/.well-known/jwks.json",
    "/_talksocial/avatars/Neo.svg",
    "/_talksocial/clock",
    "/_talksocial/apps/1001",
    "/_talksocial/faults",
)
FEW_CREDENTIALS = ("no credential", "Muzi, app 1001, every item", "admin key of app 1001",
                   "made-up token")
SECOND_FORM_CREDENTIALS = FEW_CREDENTIALS + (
    "expired", "wrong admin key", "access token as KakaoAK (wrong scheme)",
    "admin key as Bearer (wrong scheme)",
)


def credential_matrix(plan: Plan) -> None:
    for method, path, body in CREDENTIAL_ENDPOINTS:
        for label, credential in CREDENTIALS:
            headers = auth(credential) + ([FORM] if body is not None else [])
            plan.add(f"{method} {path.split('?')[0]} × {label}", method, path, headers=headers,
                     body=body)
    kinds = dict(CREDENTIALS)
    for method, path, body in SECOND_FORMS:
        for label in SECOND_FORM_CREDENTIALS:
            if path == "/v1/user/unlink" and label == "Muzi, app 1001, every item":
                continue  # a live token's unlink comes last (part 5)
            plan.add(f"{method} {path} × {label}", method, path,
                     headers=auth(kinds[label]) + [FORM], body=body)
    for path in PUBLIC_ENDPOINTS:
        for label in FEW_CREDENTIALS:
            plan.add(f"GET {path} × {label}", "GET", path, headers=auth(kinds[label]))
    plan.add("GET /openapi.json × no credential", "GET", "/openapi.json")
    plan.add("GET /openapi.json × Muzi's token (ignored)", "HEAD", "/openapi.json",
             headers=[bearer(demo.DEMO_ACCESS_TOKEN)])
    plan.add("control plane × X-Talksocial-Operator-Token (no operator token is configured)",
             "GET", "/_talksocial/faults", headers=[("X-Talksocial-Operator-Token", "anything")])
    plan.add("access_token query parameter instead of the header (docs/reference/errors.md)", "GET",
             f"/v1/api/talk/profile?access_token={demo.DEMO_ACCESS_TOKEN}")
    plan.add("access_token form parameter instead of the header (docs/reference/errors.md)", "POST",
             "/v2/user/me", headers=[FORM], body=f"access_token={demo.DEMO_ACCESS_TOKEN}")
    plan.add("header and access_token query: the header wins", "GET",
             "/v1/api/talk/profile?access_token=demo-token-ryan-full",
             headers=[bearer(demo.DEMO_ACCESS_TOKEN)])
    plan.add("made-up access_token query", "GET",
             "/v1/api/talk/friends?access_token=no-such-token-0000")
    plan.add("expired access_token query", "GET",
             "/v1/user/access_token_info?access_token=demo-token-expired")


# --- 3. parameter edge cases -------------------------------------------------------------------

FRIENDS_QUERIES: tuple[str, ...] = (
    "offset=0", "offset=3&limit=3", "offset=10", "offset=11", "offset=12", "offset=2147483647",
    "offset=2147483648", "offset=-1", "offset=abc", "offset=", "offset=%2B1", "offset=%201",
    "offset=%EF%BC%91", "offset=00003&limit=2",
    "limit=1", "limit=100", "limit=101", "limit=0", "limit=-1", "limit=abc", "limit=",
    "limit=3&limit=5", "limit=1.5",
    "order=asc", "order=desc", "order=ASC", "order=foo", "order=",
    "friend_order=favorite", "friend_order=nickname", "friend_order=foo", "friend_order=",
    "order=desc&friend_order=favorite", "order=desc&friend_order=nickname&limit=5&offset=2",
    "friend_order=favorite&limit=4&offset=4",
    "secure_resource=true&limit=2", "foo=bar&limit=2", "limit=2&offset=9&order=desc",
)

NEO_KA: tuple[str | None, ...] = (
    None, "sdk/1.0 lang/ko", "sdk/1.0 lang/en", "lang/ko-KR", "sdk/1.0 lang/ja", "sdk/1.0",
    "", "os/android lang/EN",
)

PROFILES_QUERIES: tuple[str, ...] = (
    "target_ids=%5B9876%2C5432%5D&target_id_type=user_id",
    "target_ids=9876,5432&target_id_type=user_id",
    "target_ids=9876&target_id_type=user_id",
    "target_ids=%5B%5D&target_id_type=user_id",
    "target_ids=&target_id_type=user_id",
    "target_ids=%5B9876%2C9876%5D&target_id_type=user_id",
    "target_ids=%5B%209876%20%2C%205432%20%5D&target_id_type=user_id",
    "target_ids=%5B%229876%22%5D&target_id_type=user_id",
    "target_ids=%5Babc%5D&target_id_type=user_id",
    "target_ids=%5B9876%5D",
    "target_ids=%5B9876%5D&target_id_type=uuid",
    "target_id_type=user_id",
    "target_ids=%5B106%5D&target_id_type=user_id",
    "target_ids=%5B777%5D&target_id_type=user_id",
    "target_ids=%5B1000%2C1%2C2%2C5%5D&target_id_type=user_id",
    "target_ids=%5B9876%5D&target_id_type=user_id&viewer_id=12345",
    "target_ids=%5B5432%5D&target_id_type=user_id&viewer_id=12345&viewer_id_type=user_id",
    "target_ids=%5B5432%5D&target_id_type=user_id&viewer_id=12345&viewer_id_type=uuid",
    "target_ids=%5B5432%5D&target_id_type=user_id&viewer_id=99999",
    "target_ids=%5B5432%5D&target_id_type=user_id&viewer_id=abc",
    "target_ids=%5B5432%5D&target_id_type=user_id&viewer_id=",
    "target_ids=%5B5%5D&target_id_type=user_id&viewer_id=1000",
    "target_ids=%5B777%5D&target_id_type=user_id&viewer_id=99999",
    "target_ids=%5B9876%5D&target_id_type=user_id&target_ids=%5B5432%5D",
)


def many_ids(count: int) -> str:
    return quote(json.dumps([9876] * count, separators=(",", ":")), safe="")


def friends_edge_cases(plan: Plan) -> None:
    muzi = bearer(demo.DEMO_ACCESS_TOKEN)
    for query in FRIENDS_QUERIES:
        plan.add(f"friends ?{query}", "GET", f"/v1/api/talk/friends?{query}", headers=[muzi])
    for ka in NEO_KA:
        for query in ("friend_order=nickname&limit=100", "friend_order=nickname&order=desc"):
            headers = [bearer("demo-token-neo")] + ([("KA", ka)] if ka is not None else [])
            plan.add(f"Neo's friends ?{query} with KA {ka!r}", "GET",
                     f"/v1/api/talk/friends?{query}", headers=headers)
    plan.add("Muzi's friends, English order by nickname", "GET",
             "/v1/api/talk/friends?friend_order=nickname&limit=100",
             headers=[muzi, ("KA", "sdk/1.0 lang/en")])
    plan.add("Ryan (app 2001, which has no friends item): -3", "GET",
             "/v1/api/talk/friends?limit=1", headers=[bearer("demo-token-ryan-full")])


def profiles_edge_cases(plan: Plan) -> None:
    for query in PROFILES_QUERIES:
        plan.add(f"profiles ?{query}", "GET", f"/v2/api/talk/profiles?{query}",
                 headers=[admin()])
    for count in (100, 101):
        plan.add(f"profiles with {count} target ids", "GET",
                 f"/v2/api/talk/profiles?target_ids={many_ids(count)}&target_id_type=user_id",
                 headers=[admin()])
    plan.add("profiles POST: form body", "POST", "/v2/api/talk/profiles",
             headers=[admin(), FORM],
             body="target_ids=[9876,5432]&target_id_type=user_id&viewer_id=12345")
    plan.add("profiles POST: query and form, the form wins", "POST",
             "/v2/api/talk/profiles?target_ids=%5B777%5D&target_id_type=user_id",
             headers=[admin(), FORM], body="target_ids=[5432]")
    plan.add("profiles POST: JSON body (not read)", "POST", "/v2/api/talk/profiles",
             headers=[admin(), ("Content-Type", "application/json")],
             body='{"target_ids":[9876],"target_id_type":"user_id"}')
    plan.add("profiles POST: a form field that decodes to no UTF-8 text (%FF)", "POST",
             "/v2/api/talk/profiles", headers=[admin(), FORM],
             body="target_ids=[9876]&target_id_type=user_id&x=%FF")
    plan.add("profiles of app 1002: 5432 is not its user", "GET",
             "/v2/api/talk/profiles?target_ids=%5B5432%5D&target_id_type=user_id",
             headers=[admin("demo-admin-key-nickname-only")])
    plan.add("profiles of app 2001 (legacy profile): Ryan", "GET",
             "/v2/api/talk/profiles?target_ids=%5B1234567%5D&target_id_type=user_id",
             headers=[admin("demo-admin-key-2001")])
    plan.add("profiles of app 2004 (no profile item)", "GET",
             "/v2/api/talk/profiles?target_ids=%5B1234567%5D&target_id_type=user_id",
             headers=[admin("demo-admin-key-2004")])


def user_api_edge_cases(plan: Plan) -> None:
    muzi = bearer(demo.DEMO_ACCESS_TOKEN)
    for query in ("scopes=%5B%22friends%22%2C%22profile_image%22%5D", "scopes=friends",
                  "scopes=%5B%5D", "scopes=", "scopes=%5B%22nope%22%5D", "scopes=%5B1%5D"):
        plan.add(f"scopes ?{query}", "GET", f"/v2/user/scopes?{query}", headers=[muzi])
    plan.add("scopes of Ryan in app 2001", "GET", "/v2/user/scopes",
             headers=[bearer("demo-token-ryan-full")])
    for body in ("", "scopes=", "scopes=friends", "scopes=%5B%22profile_nickname%22%5D",
                 "scopes=%5B%22talk_message%22%5D"):
        plan.add(f"revoke scopes {body!r}", "POST", "/v2/user/revoke/scopes",
                 headers=[muzi, FORM], body=body)
    for body in ("", "target_id_type=user_id", "target_id=9876", "target_id_type=uuid&"
                 "target_id=9876", "target_id_type=user_id&target_id=abc",
                 "target_id_type=user_id&target_id=0", "target_id_type=user_id&target_id=424242"):
        plan.add(f"admin unlink {body!r}", "POST", "/v1/user/unlink", headers=[admin(), FORM],
                 body=body)
    plan.add("me with property_keys", "GET",
             "/v2/user/me?property_keys=%5B%22kakao_account.email%22%5D", headers=[muzi])
    plan.add("me of the not-Talk account", "GET", "/v2/user/me",
             headers=[bearer("demo-token-not-talk")])


def not_found_and_methods(plan: Plan) -> None:
    for method, path in (
        ("GET", "/"), ("GET", "/nope"), ("GET", "/v1/api/talk/nope"),
        ("GET", "/v1/api/talk/profile/"), ("GET", "/V1/api/talk/profile"),
        ("POST", "/v1/api/talk/profile"), ("PUT", "/v1/api/talk/friends"),
        ("DELETE", "/v2/api/talk/profiles"), ("GET", "/oauth/token"), ("GET", "/oauth/login"),
        ("PUT", "/oauth/authorize"), ("POST", "/openapi.json"), ("POST", "/healthz"),
        ("DELETE", "/v2/user/me"), ("GET", "/v1/user/logout"), ("GET", "/v1/user/unlink"),
        ("OPTIONS", "/v1/api/talk/profile"), ("HEAD", "/v1/api/talk/profile"),
        ("HEAD", "/healthz"), ("GET", "/_talksocial"), ("GET", "/_talksocial/nope"),
        ("GET", "/_talksocial/apps/999"), ("GET", "/_talksocial/apps/abc"),
        ("GET", "/_talksocial/accounts/nobody"), ("GET", "/_talksocial/links/1001/nobody"),
        ("GET", "/_talksocial/faults/999"), ("PUT", "/_talksocial/clock"),
        ("DELETE", "/_talksocial/apps"), ("GET", "/_talksocial/tokens"),
        ("GET", "/_talksocial/reset"), ("GET", "/.well-known/nope"),
        ("GET", "/_talksocial/avatars/%ED%95%9C.svg"), ("GET", "/console/nope"),
        ("GET", "/console/static/nope.css"), ("GET", "/console/apps/999"),
        ("GET", "/console/accounts/nobody"), ("DELETE", "/console"),
    ):
        plan.add(f"{method} {path}", method, path,
                 headers=[bearer(demo.DEMO_ACCESS_TOKEN)] if path.startswith("/v") else [])


def control_plane_reads(plan: Plan) -> None:
    for path in (
        "/_talksocial/apps", "/_talksocial/accounts", "/_talksocial/accounts/muzi",
        "/_talksocial/accounts/muzi/profile", "/_talksocial/accounts/tube/multi_profiles",
        "/_talksocial/accounts/muzi/friends", "/_talksocial/links", "/_talksocial/links/1001/muzi",
        "/_talksocial/quotas", "/_talksocial/journal?limit=5", "/_talksocial/journal?limit=abc",
    ):
        plan.add(f"control plane GET {path}", "GET", path)


def console_pages(plan: Plan) -> None:
    """The console's pages: open without a session on a loopback bind (each visit starts an
    anonymous session of its own). The journal page shows what the workers flushed, so the
    control plane's journal, which flushes, is read right before it."""
    for path in (
        "/console", "/console/", "/console/apps", "/console/apps/1001", "/console/accounts",
        "/console/accounts?q=ry", "/console/accounts/muzi", "/console/accounts/tube",
        "/console/links", "/console/links?app=1002", "/_talksocial/journal?limit=1",
        "/console/journal", "/console/faults",
        "/console/clock", "/console/rest-api-test", "/console/login",
        "/console/static/console.css", "/console/static/console.js",
    ):
        plan.add(f"console GET {path}", "GET", path)
    plan.add("console POST without a CSRF token", "POST", "/console/accounts", headers=[FORM],
             body="key=nope")


# --- 4. more of Kakao Login ---------------------------------------------------------------------


def login_edge_cases(plan: Plan) -> None:
    base = f"client_id={demo.DEMO_REST_API_KEY}&redirect_uri={CALLBACK_Q}"
    for query in (
        f"{base}&response_type=code",
        f"client_id=nope&redirect_uri={CALLBACK_Q}&response_type=code",
        f"{base}/&response_type=code",
        f"client_id={demo.DEMO_REST_API_KEY}&redirect_uri=http%3A%2F%2Fevil.example%2Fcb"
        "&response_type=code",
        f"{base}&response_type=token",
        f"{base}&response_type=code&scope=bogus",
        f"{base}&response_type=code&code_challenge=abc&code_challenge_method=plain",
        f"redirect_uri={CALLBACK_Q}&response_type=code",
        f"{base}",
        "",
        f"{base}&response_type=code&prompt=none",
        f"{base}&response_type=code&prompt=login&state=%3Cscript%3E",
    ):
        plan.add(f"authorize ?{query}", "GET", f"/oauth/authorize?{query}")
    token_bodies = (
        "",
        "grant_type=password",
        f"grant_type=authorization_code&client_id={demo.DEMO_REST_API_KEY}"
        f"&redirect_uri={CALLBACK_Q}&code=no-such-code",
        f"grant_type=authorization_code&client_id=nope&redirect_uri={CALLBACK_Q}&code=x",
        f"grant_type=refresh_token&client_id={demo.DEMO_REST_API_KEY}&refresh_token=nope",
        f"grant_type=refresh_token&client_id={demo.DEMO_REST_API_KEY}",
        "grant_type=authorization_code",
    )
    for body in token_bodies:
        plan.add(f"token {body!r}", "POST", "/oauth/token", headers=[FORM], body=body)
    plan.add("login form without a session", "POST", "/oauth/login", headers=[FORM],
             body=form(("csrf_token", "x"), ("q", AUTHORIZE_Q)) + "&account=muzi")
    plan.add("consent form without a session", "POST", "/oauth/consent", headers=[FORM],
             body=form(("csrf_token", "x"), ("q", AUTHORIZE_Q)) + "&action=agree")

    # Winnie: OpenID Connect with a nonce and PKCE (a fixed verifier), then her code twice.
    verifier = "golden-recording-pkce-verifier-0123456789-abcdefghijklmnop"
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    challenge = challenge.rstrip(b"=").decode()
    query = (f"{base}&response_type=code&scope=openid%20account_email&nonce=n-0S6"
             f"&code_challenge={challenge}&code_challenge_method=S256&state=oidc")
    plan.add("Winnie: authorize with openid, a nonce and PKCE", "GET",
             f"/oauth/authorize?{query}",
             captures=[cookie_capture("winnie_login_cookie"), csrf_capture("winnie_login_csrf")])
    plan.add("Winnie: login with a wrong CSRF token", "POST", "/oauth/login",
             headers=[login_cookie("winnie_login_cookie"), FORM],
             body=form(("csrf_token", "wrong"), ("q", query)) + "&account=winnie")
    plan.add("Winnie: login with an unknown account", "POST", "/oauth/login",
             headers=[login_cookie("winnie_login_cookie"), FORM],
             body=form(("csrf_token", "{{winnie_login_csrf}}"), ("q", query)) + "&account=nobody")
    plan.add("Winnie: login", "POST", "/oauth/login",
             headers=[login_cookie("winnie_login_cookie"), FORM],
             body=form(("csrf_token", "{{winnie_login_csrf}}"), ("q", query)) + "&account=winnie",
             captures=[cookie_capture("winnie_cookie")])
    plan.add("Winnie: the consent page (openid and account_email)", "GET",
             f"/oauth/authorize?{query}", headers=[login_cookie("winnie_cookie")],
             captures=[csrf_capture("winnie_csrf")])
    plan.add("Winnie: agree", "POST", "/oauth/consent",
             headers=[login_cookie("winnie_cookie"), FORM],
             body=form(("csrf_token", "{{winnie_csrf}}"), ("q", query))
             + "&scope=openid&scope=account_email&action=agree",
             captures=[code_capture("winnie_code")])
    exchange = (f"grant_type=authorization_code&client_id={demo.DEMO_REST_API_KEY}"
                f"&redirect_uri={CALLBACK_Q}&code={{{{winnie_code}}}}")
    plan.add("Winnie: exchange without the PKCE verifier", "POST", "/oauth/token",
             headers=[FORM], body=exchange)
    plan.add("Winnie: exchange with the verifier: tokens and an id_token", "POST",
             "/oauth/token", headers=[FORM], body=f"{exchange}&code_verifier={verifier}",
             captures=token_captures("winnie", id_token=True))
    plan.add("Winnie: me with openid and account_email", "GET", "/v2/user/me",
             headers=[bearer("{{winnie_access_token}}")])
    plan.add("Winnie: the same code again (KOE320, and her tokens from it are revoked)",
             "POST", "/oauth/token", headers=[FORM], body=f"{exchange}&code_verifier={verifier}")
    plan.add("Winnie: the revoked token", "GET", "/v1/user/access_token_info",
             headers=[bearer("{{winnie_access_token}}")])
    plan.add("Winnie: cancel on the consent page", "GET",
             f"/oauth/authorize?{base}&response_type=code&scope=talk_message&state=no",
             headers=[login_cookie("winnie_cookie")], captures=[csrf_capture("winnie_csrf_2")])
    plan.add("Winnie: cancel", "POST", "/oauth/consent",
             headers=[login_cookie("winnie_cookie"), FORM],
             body=form(("csrf_token", "{{winnie_csrf_2}}"),
                       ("q", f"{base}&response_type=code&scope=talk_message&state=no"))
             + "&action=cancel")


# --- 5. the control plane's writes, then the logout matrix ----------------------------------------


def control_plane_writes(plan: Plan) -> None:
    def call(note: str, method: str, path: str, body: str | None = None,
             captures: Sequence[Capture] = ()) -> None:
        headers = [("Content-Type", "application/json")] if body is not None else []
        plan.add(f"control plane: {note}", method, f"/_talksocial{path}", headers=headers,
                 body=body, captures=captures)

    call("create an app", "POST", "/apps",
         '{"id":3001,"name":"Golden","rest_api_key":"golden-rest","admin_key":"golden-admin",'
         '"javascript_key":"golden-js","native_app_key":"golden-native",'
         '"redirect_uris":["http://localhost:3000/callback"],'
         '"consent_items":{"profile_nickname":"required","friends":"optional"}}')
    call("create an app that exists", "POST", "/apps", '{"id":3001,"name":"Again"}')
    call("create an app with a bad item", "POST", "/apps",
         '{"id":3002,"name":"Bad","consent_items":{"nope":"required"}}')
    call("create an app: not JSON", "POST", "/apps", "{nope")
    call("rename the app", "PATCH", "/apps/3001", '{"name":"Golden 2"}')
    call("create an account", "POST", "/accounts",
         '{"key":"gold","profile":{"nickname":"Gold","profile_image_url":"https://x/g.jpg",'
         '"thumbnail_url":"https://x/g_s.jpg"}}')
    call("create an account without a key", "POST", "/accounts", '{"profile":{}}')
    call("update an account", "PATCH", "/accounts/gold", '{"talk_user":true}')
    call("set a profile", "PUT", "/accounts/gold/profile", '{"nickname":"Goldie"}')
    call("set an account profile", "PUT", "/accounts/gold/account_profile",
         '{"nickname":"Goldie","email":"gold@example.com"}')
    call("delete the account profile", "DELETE", "/accounts/gold/account_profile")
    call("add a multi-profile", "POST", "/accounts/gold/multi_profiles",
         '{"key":"work","nickname":"Gold (work)","shown_to":[]}')
    call("change the multi-profile", "PATCH", "/accounts/gold/multi_profiles/work",
         '{"nickname":"Gold at work"}')
    call("Muzi befriends Gold", "PUT", "/accounts/muzi/friends/gold", '{"favorite":false}')
    call("Gold befriends Muzi, showing the multi-profile", "PUT", "/accounts/gold/friends/muzi",
         '{"multi_profile":"work"}')
    call("link Gold to app 1001", "POST", "/links",
         '{"app":1001,"account":"gold","user_id":777777,"uuid":"uuid-gold",'
         '"scopes":["profile_nickname","friends"]}')
    call("link Gold again", "POST", "/links", '{"app":1001,"account":"gold"}')
    call("a link with a taken user_id", "POST", "/links",
         '{"app":3001,"account":"muzi","user_id":1,"uuid":"u-1"}')
    call("link Muzi to app 3001", "POST", "/links",
         '{"app":3001,"account":"muzi","user_id":31,"uuid":"uuid-muzi-3001",'
         '"scopes":["profile_nickname"]}')
    call("Gold's link", "GET", "/links/1001/gold")
    call("change Gold's uuid", "PATCH", "/links/1001/gold", '{"uuid":"uuid-gold-2"}')
    call("set Gold's consents", "PUT", "/links/1001/gold/scopes",
         '{"scopes":["profile_nickname","profile_image","friends"]}')
    call("consents the app does not use", "PUT", "/links/1001/gold/scopes",
         '{"scopes":["profile"]}')
    call("a token for Gold", "POST", "/tokens", '{"app":1001,"account":"gold"}',
         captures=token_captures("gold", refresh=False))
    call("a token for an account not linked to the app (links it, with a new user id)",
         "POST", "/tokens", '{"app":3001,"account":"gold"}',
         captures=token_captures("gold_3001", refresh=False))
    call("that new link", "GET", "/links/3001/gold",
         captures=[Capture("gold_3001_user_id", "body", r'"user_id":(\d+)'),
                   Capture("gold_3001_uuid", "body", r'"uuid":"([^"]+)"')])
    plan.add("Gold's friends: Muzi", "GET", "/v1/api/talk/friends",
             headers=[bearer("{{gold_access_token}}")])
    plan.add("Muzi's friends now list Gold", "GET",
             "/v1/api/talk/friends?friend_order=nickname&limit=4",
             headers=[bearer(demo.DEMO_ACCESS_TOKEN)])
    plan.add("Gold by user list, seen by Muzi", "GET",
             "/v2/api/talk/profiles?target_ids=%5B777777%5D&target_id_type=user_id"
             "&viewer_id=1000", headers=[admin()])
    call("faults: add one with a glob and a KOE code", "POST", "/faults",
         '{"endpoint":"/oauth/*","koe_code":"KOE999","next":1}')
    call("faults: add a bad one", "POST", "/faults", '{"endpoint":"/x","code":12345}')
    call("faults: add a latency one for an account", "POST", "/faults",
         '{"endpoint":"/v1/api/talk/profile","latency_ms":1,"account":"gold","method":"GET"}')
    call("faults: list", "GET", "/faults")
    call("faults: one", "GET", "/faults/1")
    plan.add("the KOE fault on the token endpoint", "POST", "/oauth/token", headers=[FORM],
             body="grant_type=password")
    call("faults: delete one", "DELETE", "/faults/1")
    call("faults: delete all", "DELETE", "/faults")
    plan.add(FLUSH_NOTE, "GET", "/_talksocial/quotas")
    call("quotas: a limit of 1", "PUT", "/quotas/1001/talk_profile", '{"daily_limit":1}')
    call("quotas: unknown api", "PUT", "/quotas/1001/nope", '{"daily_limit":1}')
    plan.add("quota: a call past the limit (Muzi used talk_profile before)", "GET", "/v1/api/talk/profile",
             headers=[bearer(demo.DEMO_ACCESS_TOKEN)])
    plan.add("quota: another call", "GET", "/v1/api/talk/profile",
             headers=[bearer(demo.DEMO_ACCESS_TOKEN)])
    call("quotas: list", "GET", "/quotas")
    call("quotas: clear the limit", "DELETE", "/quotas/1001/talk_profile")
    call("quotas: Kakao's own", "POST", "/quotas/2001/kakao")
    call("clock: a bad body", "POST", "/clock", '{"advance_seconds":"x"}')
    call("clock: two keys", "POST", "/clock", '{"advance_seconds":1,"offset_seconds":2}')
    call("clock: a bad instant", "POST", "/clock", '{"now":"yesterday"}')
    call("clock: too far", "POST", "/clock", '{"offset_seconds":1e12}')
    call("journal: clear", "DELETE", "/journal")
    call("journal: empty", "GET", "/journal")
    call("delete the multi-profile", "DELETE", "/accounts/gold/multi_profiles/work")
    call("Muzi unfriends Gold", "DELETE", "/accounts/muzi/friends/gold")
    call("unlink Gold", "DELETE", "/links/1001/gold")
    call("delete the account", "DELETE", "/accounts/gold")
    call("delete the app", "DELETE", "/apps/3001")
    call("import a small world on top", "POST", "/import",
         '{"accounts":[{"key":"imported","profile":{"nickname":"Imported"}}]}')
    call("import a bad world", "POST", "/import", '{"accounts":[{"key":1}]}')


def unlink_and_logout(plan: Plan) -> None:
    plan.add("admin unlink of 9876 in app 1002", "POST", "/v1/user/unlink",
             headers=[admin("demo-admin-key-nickname-only"), FORM],
             body="target_id_type=user_id&target_id=9876")
    plan.add("unlink by Ryan's app 2004 token", "POST", "/v1/user/unlink",
             headers=[bearer("demo-token-ryan-none")])
    plan.add("the unlinked token", "GET", "/v1/api/talk/profile",
             headers=[bearer("demo-token-ryan-none")])
    for label, credential in CREDENTIALS:
        plan.add(f"POST /v1/user/logout × {label}", "POST", "/v1/user/logout",
                 headers=auth(credential))
    plan.add("after the logouts: Muzi's token", "GET", "/v1/api/talk/profile",
             headers=[bearer(demo.DEMO_ACCESS_TOKEN)])
    plan.add("the journal's last entries", "GET", "/_talksocial/journal?limit=30")
    plan.add("the quotas at the end", "GET", "/_talksocial/quotas")
    plan.add("reset", "POST", "/_talksocial/reset")
    plan.add("after the reset: Muzi's token works again", "GET", "/v1/api/talk/profile",
             headers=[bearer(demo.DEMO_ACCESS_TOKEN)])


def build() -> list[dict[str, Any]]:
    plan = Plan()
    plan.add("the pristine demo world as a seed document", "GET", "/_talksocial/export")
    readme_try_it(plan)
    readme_login(plan)
    readme_control_plane(plan)
    readme_generator(plan)
    credential_matrix(plan)
    friends_edge_cases(plan)
    profiles_edge_cases(plan)
    user_api_edge_cases(plan)
    not_found_and_methods(plan)
    control_plane_reads(plan)
    console_pages(plan)
    login_edge_cases(plan)
    control_plane_writes(plan)
    unlink_and_logout(plan)
    return plan.steps
