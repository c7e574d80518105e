"""The console's request plumbing: who may see it (the operator rule), its session cookie, the
CSRF check on every form, and rendering (Jinja2 with autoescaping on: everything a user typed
renders as text)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from talksocial.console import sessions
from talksocial.console.avatars import avatar_path
from talksocial.web import operator
from talksocial.web.context import ServerContext
from talksocial.web.forms import html_form_pairs

MAX_FORM_BYTES = 256 * 1024

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

#: Nothing is loaded from elsewhere (the console works offline); images from loopback only,
#: where the demo world's avatars and a developer's own image server live.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; "
        "img-src 'self' data: http://127.0.0.1:* http://localhost:*; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class Mode(Enum):
    OPEN = "open"  # no operator token, bound to loopback (or opened: --open-control-plane)
    TOKEN = "token"  # an operator token is configured: log in with it
    CLOSED = "closed"  # no operator token, reachable from other machines, not opened
    FOREIGN_HOST = "foreign_host"  # no operator token and a Host that does not name us


@dataclass(frozen=True)
class Rule:
    mode: Mode
    operator_token: str | None


def operator_rule(request: Request) -> Rule:
    """The control API's rule (`web.operator`), with a login form instead of a header."""
    config = ServerContext.of(request).config
    token = config.operator_token
    if token is not None:
        return Rule(Mode.TOKEN, token)
    if operator.is_off(config, request.scope):
        return Rule(Mode.CLOSED, None)
    if not operator.host_names_this_server(config, request.scope):
        return Rule(Mode.FOREIGN_HOST, None)
    return Rule(Mode.OPEN, None)


# --- rendering ----------------------------------------------------------------------------------


def is_loopback_url(url: str | None) -> bool:
    if not url:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and operator.is_loopback(parts.hostname)


def image(url: str | None, seed: str) -> dict[str, str]:
    """What an <img> shows: a loopback image (falling back to the avatar when it fails to
    load, by static/console.js), else the server's own avatar, so that pages work offline."""
    fallback = avatar_path(seed)
    if url and is_loopback_url(url):
        return {"src": url, "fallback": fallback}
    return {"src": fallback, "fallback": fallback}


def host_of(url: str) -> str:
    try:
        return urlsplit(url).netloc or url[:60]
    except ValueError:
        return url[:60]


_env.globals["image"] = image
_env.globals["loopback"] = is_loopback_url
_env.filters["host"] = host_of
_env.filters["urlpart"] = lambda value: quote(str(value), safe="")


def render_html(template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = _env.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status_code, headers=dict(SECURITY_HEADERS))


def redirect(location: str) -> Response:
    response = RedirectResponse(location, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    return response


async def read_form_pairs(request: Request) -> list[tuple[str, str]]:
    return await html_form_pairs(request, max_bytes=MAX_FORM_BYTES)


async def read_form(request: Request) -> dict[str, str]:
    """The form with the last value of each name."""
    return dict(await read_form_pairs(request))


# --- the console's request ----------------------------------------------------------------------


@dataclass
class Console:
    """One console request that passed the operator rule (and, for a POST, the CSRF check)."""

    request: Request
    ctx: ServerContext
    rule: Rule
    session: sessions.ConsoleSession
    form: dict[str, str] = field(default_factory=dict)
    form_pairs: list[tuple[str, str]] = field(default_factory=list)

    def form_list(self, name: str) -> list[str]:
        """Every value of a repeated field (checkboxes)."""
        return [v for k, v in self.form_pairs if k == name]

    def render(self, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        return render_html(
            template,
            status_code=status_code,
            csrf_token=self.session.csrf_token,
            logged_in=self.rule.mode is Mode.TOKEN,
            path=self.request.url.path,
            **context,
        )


Handler = Callable[[Console], Awaitable[Response]]


def closed_page(mode: Mode = Mode.CLOSED) -> Response:
    return render_html(
        "closed.html", status_code=403, csrf_token="", logged_in=False, path="",
        foreign_host=mode is Mode.FOREIGN_HOST,
    )


def set_cookie(request: Request, response: Response, cookie: str) -> None:
    response.set_cookie(
        sessions.COOKIE_NAME,
        cookie,
        max_age=sessions.LIFETIME,
        path=sessions.COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


async def load_session(
    request: Request, ctx: ServerContext, rule: Rule
) -> tuple[bytes, sessions.ConsoleSession | None]:
    key = await run_in_threadpool(sessions.secret, ctx.sessions)
    fingerprint = sessions.operator_fingerprint(rule.operator_token)
    found = sessions.verify(key, request.cookies.get(sessions.COOKIE_NAME), fingerprint)
    return key, found


def page(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Wraps a console page: the operator rule, the session, the CSRF check of a POST."""

    async def endpoint(request: Request) -> Response:
        ctx = ServerContext.of(request)
        rule = operator_rule(request)
        if rule.mode in (Mode.CLOSED, Mode.FOREIGN_HOST):
            return closed_page(rule.mode)
        key, session = await load_session(request, ctx, rule)
        new_cookie: str | None = None
        if session is None or not session.is_operator:
            if rule.mode is Mode.TOKEN:
                if request.method == "GET":
                    target = request.url.path + (
                        "?" + request.url.query if request.url.query else ""
                    )
                    return redirect("/console/login?next=" + quote(target, safe=""))
                return render_html(
                    "message.html", status_code=403, csrf_token="", logged_in=False, path="",
                    title="Not logged in", detail="Log in to the console first.",
                )
            # Open console: every browser gets an operator session (for its CSRF token).
            session, new_cookie = sessions.issue(
                key, sessions.OPERATOR, sessions.operator_fingerprint(None)
            )
        con = Console(request, ctx, rule, session)
        if request.method == "POST":
            con.form_pairs = await read_form_pairs(request)
            con.form = dict(con.form_pairs)
            if new_cookie is not None or not sessions.csrf_matches(
                session, con.form.get("csrf_token")
            ):
                return con.render(
                    "message.html", status_code=403, title="Form expired",
                    detail="The form's CSRF token did not match this session. Reload the page "
                    "and send it again.",
                )
        response = await handler(con)
        if new_cookie is not None:
            set_cookie(request, response, new_cookie)
        return response

    return endpoint
