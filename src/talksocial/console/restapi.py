"""The REST API Test page (the seed's "[Tools] > [REST API Test]"): pick an app and an account
(the console issues it a token) or the app's admin key, pick an API, fill its parameters, send.
The console sends the request itself, over HTTP to this very server, so it takes the real
path (faults, quotas and the journal included), and shows it as curl with the answer."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from talksocial.console import queries
from talksocial.console.views import int_or_none, read, write
from talksocial.console.web import Console, page
from talksocial.storage import links, tokens
from talksocial.storage.errors import InvalidInput, StorageError
from talksocial.web.storage_errors import http_status

MAX_SHOWN_BODY = 200_000
#: Tokens the console issues live ten minutes: long enough to copy the curl line.
TOKEN_LIFETIME = 600


@dataclass(frozen=True)
class Param:
    name: str
    placeholder: str = ""
    choices: tuple[str, ...] = ()
    default: str = ""
    #: A JSON editor (a textarea) rather than one line.
    textarea: bool = False


@dataclass(frozen=True)
class Api:
    id: str
    title: str
    path: str
    methods: tuple[str, ...]
    #: "bearer" (a user's access token), "admin" (the app's admin key) or "either".
    auth: str
    params: tuple[Param, ...] = ()
    ka_header: bool = False
    group: str = "Talk Social"


APIS: tuple[Api, ...] = (
    Api("talk-profile", "Retrieve Talk profile", "/v1/api/talk/profile", ("GET",), "bearer",
        (Param("secure_resource", choices=("", "true", "false")),)),
    Api("talk-friends", "Retrieve list of friends", "/v1/api/talk/friends", ("GET",), "bearer",
        (Param("offset", "0"), Param("limit", "10"),
         Param("order", choices=("", "asc", "desc")),
         Param("friend_order", choices=("", "favorite", "nickname")),
         Param("secure_resource", choices=("", "true", "false"))),
        ka_header=True),
    Api("talk-profiles", "Retrieve multiple profiles", "/v2/api/talk/profiles", ("GET", "POST"),
        "admin",
        (Param("target_ids", "[9876,5432]"), Param("target_id_type", default="user_id"),
         Param("viewer_id", "12345"), Param("viewer_id_type", default="user_id"))),
    Api("access-token-info", "Access token information", "/v1/user/access_token_info",
        ("GET",), "bearer", group="Kakao Login"),
    Api("logout", "Logout", "/v1/user/logout", ("POST",), "bearer", group="Kakao Login"),
    Api("unlink", "Unlink", "/v1/user/unlink", ("POST",), "either",
        (Param("target_id_type", "user_id (admin key only)"),
         Param("target_id", "(admin key only)")), group="Kakao Login"),
    Api("scopes", "Consent details", "/v2/user/scopes", ("GET",), "bearer",
        (Param("scopes", '["friends"]'),), group="Kakao Login"),
    Api("revoke-scopes", "Revoke consent", "/v2/user/revoke/scopes", ("POST",), "bearer",
        (Param("scopes", '["friends"]'),), group="Kakao Login"),
    Api("me", "Retrieve user information", "/v2/user/me", ("GET", "POST"), "bearer",
        (Param("secure_resource", choices=("", "true", "false")),), group="Kakao Login"),
)

_SITE = "http://localhost:3000"


def _link(path: str) -> dict[str, str]:
    return {"web_url": _SITE + path, "mobile_web_url": _SITE + path}


#: The template editor's samples, one per template type (docs/reference/messages.md), on the
#: demo world's registered web domain.
SAMPLES: dict[str, dict[str, Any]] = {
    "feed": {
        "object_type": "feed",
        "content": {"title": "Strawberry cheesecake", "description": "#cake #strawberry",
                    "image_url": _SITE + "/images/cake.png", "link": _link("/cake")},
        "social": {"like_count": 286, "comment_count": 45, "shared_count": 845},
        "buttons": [{"title": "Open on the web", "link": _link("/cake")}],
    },
    "list": {
        "object_type": "list",
        "header_title": "WEEKLY MAGAZINE",
        "header_link": _link("/magazine"),
        "contents": [
            {"title": "Enjoying a weekend", "description": "Culture",
             "image_url": _SITE + "/images/1.png", "link": _link("/magazine/1")},
            {"title": "A lunch to remember", "description": "Food",
             "image_url": _SITE + "/images/2.png", "link": _link("/magazine/2")},
        ],
    },
    "location": {
        "object_type": "location",
        "content": {"title": "Kakao Pangyo office", "description": "Come and see us",
                    "image_url": _SITE + "/images/office.png", "link": _link("/office")},
        "address": "166 Pangyoyeok-ro, Bundang-gu, Seongnam-si",
        "address_title": "Kakao Pangyo Agit",
    },
    "commerce": {
        "object_type": "commerce",
        "content": {"title": "Ryan's pillow, now on sale",
                    "image_url": _SITE + "/images/pillow.png", "link": _link("/pillow")},
        "commerce": {"product_name": "Ryan pillow", "regular_price": 208800,
                     "discount_price": 146160, "discount_rate": 30},
    },
    "text": {"object_type": "text", "text": "Hello from the REST API Test tool",
             "link": _link("/"), "button_title": "Open"},
    "calendar": {
        "object_type": "calendar", "id_type": "event", "id": "evt-42",
        "content": {"title": "Team dinner", "description": "At the usual place",
                    "link": _link("/dinner")},
    },
}


def sample_json(kind: str) -> str:
    return json.dumps(SAMPLES[kind], indent=2, ensure_ascii=False)


_TEMPLATE = Param("template_object", default=sample_json("text"), textarea=True)
_RECEIVERS = Param("receiver_uuids", '["abcdefg0001"]', default='["abcdefg0001"]')
_TEMPLATE_ID = Param("template_id", "5678", default="5678")
_TEMPLATE_ARGS = Param("template_args", '{"name": "Apeach"}', default='{"name": "Apeach"}')
_SCRAP_ID = Param("template_id", "(optional) 1234")
_SCRAP_ARGS = Param("template_args", '(optional) {"name": "Apeach"}')
_REQUEST_URL = Param("request_url", _SITE, default=_SITE + "/")

APIS += (
    Api("memo-default", "Send to me (default template)", "/v2/api/talk/memo/default/send",
        ("POST",), "bearer", (_TEMPLATE,), group="Talk Message"),
    Api("memo-custom", "Send to me (custom template)", "/v2/api/talk/memo/send", ("POST",),
        "bearer", (_TEMPLATE_ID, _TEMPLATE_ARGS), group="Talk Message"),
    Api("memo-scrap", "Send to me (scrap)", "/v2/api/talk/memo/scrap/send", ("POST",),
        "bearer", (_REQUEST_URL, _SCRAP_ID, _SCRAP_ARGS), group="Talk Message"),
    Api("friends-default", "Send to friends (default template)",
        "/v1/api/talk/friends/message/default/send", ("POST",), "bearer",
        (_RECEIVERS, _TEMPLATE), group="Talk Message"),
    Api("friends-custom", "Send to friends (custom template)",
        "/v1/api/talk/friends/message/send", ("POST",), "bearer",
        (_RECEIVERS, _TEMPLATE_ID, _TEMPLATE_ARGS), group="Talk Message"),
    Api("friends-scrap", "Send to friends (scrap)", "/v1/api/talk/friends/message/scrap/send",
        ("POST",), "bearer", (_RECEIVERS, _REQUEST_URL, _SCRAP_ID, _SCRAP_ARGS),
        group="Talk Message"),
)
APIS_BY_ID = {api.id: api for api in APIS}


@dataclass
class Result:
    curl: str
    status: int | None = None
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""
    is_json: bool = False
    error: str | None = None


def internal_base_url(request: Request) -> str:
    """This server, as the console reaches it: the socket the request came in on (never the
    Host header, which the browser controls)."""
    server = request.scope.get("server")
    if server and server[1]:
        host = str(server[0])
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{server[1]}"
    return f"{request.url.scheme}://{request.url.netloc}"


def public_base_url(con: Console) -> str:
    return con.ctx.base_url(con.request)


def curl_line(method: str, url: str, headers: dict[str, str], form: list[tuple[str, str]]) -> str:
    parts = ["curl", "-v", "-X", method, shlex.quote(url)]
    for name, value in headers.items():
        parts += ["-H", shlex.quote(f"{name}: {value}")]
    for name, value in form:
        parts += ["--data-urlencode", shlex.quote(f"{name}={value}")]
    return " \\\n  ".join(
        [" ".join(parts[:5])] + [" ".join(parts[i : i + 2]) for i in range(5, len(parts), 2)]
    )


def _form_state(con: Console, api: Api) -> dict[str, str]:
    """The form's values: what was posted, else the query string, else defaults."""
    source: Any = con.form if con.request.method == "POST" else con.request.query_params
    state = {
        "app": source.get("app", ""),
        "credential": source.get("credential", "admin" if api.auth == "admin" else "account"),
        "account": source.get("account", ""),
        "token": source.get("token", ""),
        "method": source.get("method", api.methods[0]),
        "ka_lang": source.get("ka_lang", ""),
    }
    sample = con.request.query_params.get("sample", "")
    for param in api.params:
        default = param.default
        if param.name == "template_object" and sample in SAMPLES:
            default = sample_json(sample)
        state["p_" + param.name] = source.get("p_" + param.name, default)
    return state


async def _render(
    con: Console, api: Api, state: dict[str, str], result: Result | None = None,
    error: str | None = None, status_code: int = 200,
) -> Response:
    def load(s: Session) -> Any:
        return queries.apps(s), queries.account_keys(s)

    apps, keys = await read(con, load)
    if not state["app"] and apps:
        state["app"] = str(apps[0].id)
    return con.render(
        "rest_api_test.html", status_code=status_code, apis=APIS, api=api, state=state,
        apps=apps, account_keys=keys, result=result, error=error, samples=list(SAMPLES),
    )


def _chosen_api(con: Console) -> Api:
    source: Any = con.form if con.request.method == "POST" else con.request.query_params
    return APIS_BY_ID.get(source.get("api", ""), APIS_BY_ID["talk-friends"])


@page
async def rest_api_test(con: Console) -> Response:
    api = _chosen_api(con)
    return await _render(con, api, _form_state(con, api))


async def _credential(con: Console, api: Api, state: dict[str, str]) -> str:
    """The Authorization header's value for the chosen credential."""
    kind = state["credential"]
    app_id = int_or_none(state["app"])
    if kind == "admin":
        if api.auth == "bearer":
            raise InvalidInput(f"{api.path} takes a user's access token, not the admin key")
        if app_id is None:
            raise InvalidInput("choose an app")
        found = await read(con, lambda s: queries.app(s, app_id))
        if found is None:
            raise InvalidInput(f"unknown app {app_id}")
        return f"KakaoAK {found.admin_key}"
    if api.auth == "admin":
        raise InvalidInput(f"{api.path} takes the app's admin key")
    if kind == "token":
        token = state["token"].strip()
        if not token:
            raise InvalidInput("paste an access token, or choose an account")
        return f"Bearer {token}"
    if app_id is None:
        raise InvalidInput("choose an app")
    account_key = state["account"].strip()

    def issue(s: Session) -> str:
        # Only for a linked account: the test page never links one behind the operator's back.
        links.get_link(s, app_id, account_key)
        value, _ = tokens.issue_token(s, app_id, account_key, lifetime=TOKEN_LIFETIME)
        return value

    token = await write(con, issue)
    state["token"] = ""
    return f"Bearer {token}"


@page
async def send(con: Console) -> Response:
    api = _chosen_api(con)
    state = _form_state(con, api)
    method = state["method"] if state["method"] in api.methods else api.methods[0]
    try:
        authorization = await _credential(con, api, state)
    except StorageError as exc:
        return await _render(con, api, state, error=str(exc), status_code=http_status(exc))
    headers = {"Authorization": authorization}
    if api.ka_header and state["ka_lang"].strip():
        headers["KA"] = f"sdk/console os/web lang/{state['ka_lang'].strip()}"
    params = [
        (p.name, state["p_" + p.name]) for p in api.params if state["p_" + p.name].strip() != ""
    ]
    public_url = public_base_url(con) + api.path
    target = internal_base_url(con.request) + api.path
    if method == "GET":
        query = ("?" + urlencode(params)) if params else ""
        result = Result(curl_line("GET", public_url + query, headers, []))
        request_kwargs: dict[str, Any] = {"params": params}
    else:
        result = Result(curl_line("POST", public_url, headers, params))
        request_kwargs = {"data": dict(params)}
    try:
        async with httpx.AsyncClient(timeout=70.0, follow_redirects=False) as client:
            response = await client.request(method, target, headers=headers, **request_kwargs)
    except httpx.HTTPError as exc:
        result.error = f"the request failed: {exc.__class__.__name__}: {exc}"
        return await _render(con, api, state, result=result)
    result.status = response.status_code
    result.reason = response.reason_phrase
    result.headers = list(response.headers.items())
    text = response.text[:MAX_SHOWN_BODY]
    try:
        result.body = json.dumps(response.json(), indent=2, ensure_ascii=False)
        result.is_json = True
    except ValueError:
        result.body = text
    return await _render(con, api, state, result=result)
