"""The login server's endpoints: `/oauth/authorize` with its login and consent pages,
`/oauth/token`, and the OpenID Connect discovery and JWKS documents, `/oauth/logout`
(docs/reference/kakao-login.md).

Handlers read the request on the event loop and do their database work in a thread
(`run_in_threadpool`): a write may wait for a lock and a password check is deliberately slow.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from talksocial.domain.secrets import hash_password, verify_password
from talksocial.domain.throttle import ACCOUNT_RULE, ADDRESS_RULE, seconds_locked
from talksocial.oauth import codes, errors, idtoken, pages, sessions, tokens
from talksocial.oauth.authorize import (
    AuthorizeRequest,
    find_authorize_client,
    granted_scopes,
    items_to_ask,
    logout_redirect_uri_registered,
    parse_authorize,
    prompt_problem,
    redirect_with,
)
from talksocial.storage import accounts as accounts_store
from talksocial.storage import clock
from talksocial.storage import login as login_store
from talksocial.storage import tokens as stored_tokens
from talksocial.storage.accounts import account_profile
from talksocial.storage.db import run_with_retry, transaction
from talksocial.storage.errors import StorageError
from talksocial.storage.links import ensure_link
from talksocial.storage.models import Account, Link, LoginSession
from talksocial.web import responses
from talksocial.web.context import ServerContext
from talksocial.web.forms import html_form_pairs

log = logging.getLogger("talksocial.oauth")

MAX_FORM_BYTES = 64 * 1024
CHOOSER_LIMIT = 50
# Checked against when the account does not exist, so that a wrong account name takes as long
# as a wrong password.
_DUMMY_PASSWORD_HASH = hash_password("talksocial-no-such-account")


@dataclass(frozen=True)
class BrowserRequest:
    """What the handlers need of the request, read on the event loop."""

    cookie: str | None
    secure: bool
    base_url: str
    client_address: str


def _browser(request: Request, ctx: ServerContext) -> BrowserRequest:
    return BrowserRequest(
        cookie=request.cookies.get(sessions.COOKIE_NAME),
        secure=request.url.scheme == "https",
        base_url=ctx.base_url(request),
        client_address=request.client.host if request.client else "-",
    )


async def _form(request: Request) -> list[tuple[str, str]]:
    return await html_form_pairs(request, max_bytes=MAX_FORM_BYTES)


def _set_cookie(response: Response, cookie: str, secure: bool) -> None:
    response.set_cookie(
        sessions.COOKIE_NAME,
        cookie,
        max_age=sessions.SESSION_LIFETIME,
        path=sessions.COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=secure,
    )


def _redirect(location: str) -> Response:
    response = RedirectResponse(location, status_code=302)
    response.headers["Cache-Control"] = "no-store"
    return response


def _error_page(exc: errors.AuthorizeError) -> Response:
    return pages.error_page(exc.error_code, exc.title, exc.detail)


def _message_page(title: str, detail: str, retry_query: str | None) -> Response:
    return pages.render(
        "message.html", status_code=400, title=title, detail=detail, retry_query=retry_query
    )


def _state_params(areq: AuthorizeRequest) -> list[tuple[str, str]]:
    return [("state", areq.state)] if areq.state is not None else []


def _error_redirect(areq: AuthorizeRequest, error: str, description: str) -> Response:
    """An authorization the user or the request could not complete, answered to the app's
    redirect_uri (never for a bad client or redirect_uri: those are pages), with `state`."""
    return _redirect(
        redirect_with(
            areq.redirect_uri,
            [("error", error), ("error_description", description), *_state_params(areq)],
        )
    )


def _display_nickname(account: Account) -> str:
    return account_profile(account)[0] or account.key


# --- the pages ----------------------------------------------------------------------------------


def _login_page(
    s: Session,
    areq: AuthorizeRequest,
    login: LoginSession,
    *,
    error: str | None = None,
    account: str | None = None,
    status_code: int = 200,
    current: Account | None = None,
) -> Response:
    """The login form and the account chooser (accounts without a password). `current`: the
    account this browser is logged in as, offered first (`prompt=select_account`). With no
    account typed yet, `login_hint` pre-fills the field; the chooser's account whose key or
    email is the hint comes first, marked."""
    hint = areq.login_hint or ""
    hinted = _find_account(s, hint) if hint else None
    chooser = [
        pages.ChooserAccount(a.key, _display_nickname(a), hinted is not None and a.id == hinted.id)
        for a in s.scalars(
            select(Account)
            .where(Account.password_hash.is_(None))
            .order_by(Account.position, Account.id)
            .limit(CHOOSER_LIMIT)
        )
    ]
    chooser.sort(key=lambda acc: not acc.hinted)
    return pages.render(
        "login.html",
        status_code=status_code,
        app_name=areq.app.name,
        csrf_token=login.csrf_token,
        query=areq.continuation_query(),
        signup_query=areq.prompt_query("create"),
        chooser=chooser,
        current=None
        if current is None
        else pages.ChooserAccount(current.key, _display_nickname(current)),
        error=error,
        account=hint if account is None else account,
    )


def _signup_page(
    areq: AuthorizeRequest,
    login: LoginSession,
    *,
    error: str | None = None,
    key: str | None = None,
    nickname: str = "",
    status_code: int = 200,
) -> Response:
    return pages.render(
        "signup.html",
        status_code=status_code,
        app_name=areq.app.name,
        csrf_token=login.csrf_token,
        query=areq.continuation_query(),
        login_query=areq.prompt_query("login"),
        error=error,
        key=(areq.login_hint or "") if key is None else key,
        nickname=nickname,
        min_password=MIN_PASSWORD_LENGTH,
    )


def _consent_page(
    areq: AuthorizeRequest, login: LoginSession, account: Account, asked: list[str]
) -> Response:
    switch = [(k, v) for k, v in parse_qsl(areq.query, keep_blank_values=True) if k != "prompt"]
    return pages.render(
        "consent.html",
        app_name=areq.app.name,
        nickname=_display_nickname(account),
        csrf_token=login.csrf_token,
        query=areq.query,
        switch_query=urlencode([*switch, ("prompt", "login")]),
        items=[pages.consent_item(item, areq.consent_items[item]) for item in asked],
    )


def _code_redirect(
    s: Session, areq: AuthorizeRequest, login: LoginSession, account_id: int, now: float
) -> Response:
    code = codes.issue(
        s,
        app_id=areq.app.id,
        account_id=account_id,
        redirect_uri=areq.redirect_uri,
        code_challenge=areq.code_challenge,
        nonce=areq.nonce,
        auth_time=login.auth_time if login.auth_time is not None else now,
        now=now,
    )
    return _redirect(redirect_with(areq.redirect_uri, [("code", code), *_state_params(areq)]))


def _agreed(s: Session, app_id: int, account_id: int) -> list[str] | None:
    link = s.get(Link, (app_id, account_id))
    return None if link is None else list(json.loads(link.scopes))


# --- GET /oauth/authorize -----------------------------------------------------------------------


def _authorize(
    ctx: ServerContext, params: Mapping[str, str], query: str, br: BrowserRequest
) -> Response:
    with transaction(ctx.sessions) as s:
        now = clock.now(s)
        try:
            areq = parse_authorize(s, params, query)
        except errors.AuthorizeError as exc:
            return _error_page(exc)
        login = sessions.load(s, br.cookie, now)
        new_cookie: str | None = None
        if login is None:
            login, new_cookie = sessions.create(s, now)
        account = s.get(Account, login.account_id) if login.account_id is not None else None
        problem = prompt_problem(areq.prompt)
        if problem is not None:
            response = _error_redirect(areq, "invalid_request", problem)
        elif "create" in areq.prompt:
            response = _signup_page(areq, login)
        elif account is None or "login" in areq.prompt or "select_account" in areq.prompt:
            if "none" in areq.prompt:
                response = _error_redirect(areq, "login_required", "user authentication required.")
            else:
                current = account if "select_account" in areq.prompt else None
                response = _login_page(s, areq, login, current=current)
        else:
            asked = items_to_ask(
                areq.consent_items, _agreed(s, areq.app.id, account.id), areq.requested_scopes
            )
            if not asked:
                response = _code_redirect(s, areq, login, account.id, now)
            elif "none" in areq.prompt:
                response = _error_redirect(areq, "consent_required", "user consent required.")
            else:
                response = _consent_page(areq, login, account, asked)
        if new_cookie is not None:
            _set_cookie(response, new_cookie, br.secure)
        return response


async def authorize(request: Request) -> Response:
    ctx = ServerContext.of(request)
    params = dict(request.query_params)
    query = request.url.query
    br = _browser(request, ctx)
    return await run_in_threadpool(run_with_retry, lambda: _authorize(ctx, params, query, br))


# --- POST /oauth/login --------------------------------------------------------------------------


def _find_account(s: Session, name: str) -> Account | None:
    name = name.strip()
    if not name or len(name) > 400:
        return None
    account = s.scalar(select(Account).where(Account.key == name))
    if account is None:
        account = s.scalar(
            select(Account).where(Account.email == name).order_by(Account.id).limit(1)
        )
    return account


def _checked_form(
    s: Session, fields: dict[str, str], br: BrowserRequest, now: float, expired_title: str
) -> tuple[AuthorizeRequest, LoginSession] | Response:
    """The prologue of every form post: the original authorize query (`q`) is validated again,
    and the browser's session must exist and match the form's CSRF token; otherwise the page
    to answer with."""
    query = fields.get("q", "")
    try:
        areq = parse_authorize(s, dict(parse_qsl(query, keep_blank_values=True)), query)
    except errors.AuthorizeError as exc:
        return _error_page(exc)
    login = sessions.load(s, br.cookie, now)
    if login is None or not sessions.csrf_matches(login, fields.get("csrf_token")):
        return _message_page(
            expired_title,
            "This form is no longer valid (its session expired or it came from another "
            "page). Start again.",
            areq.continuation_query(),
        )
    return areq, login


def _logged_in(
    s: Session, login: LoginSession, account_id: int, now: float, areq: AuthorizeRequest,
    br: BrowserRequest,
) -> Response:
    """The browser's login session now names the account: on with the authorization."""
    _, cookie = sessions.log_in(s, login, account_id, now)
    response = _redirect("/oauth/authorize?" + areq.continuation_query())
    _set_cookie(response, cookie, br.secure)
    return response


def _login(ctx: ServerContext, form: list[tuple[str, str]], br: BrowserRequest) -> Response:
    fields = dict(form)
    with transaction(ctx.sessions) as s:
        now = clock.now(s)
        prologue = _checked_form(s, fields, br, now, "Your login page expired")
        if isinstance(prologue, Response):
            return prologue
        areq, login = prologue
        name = fields.get("account", "")
        password = fields.get("password", "")
        if fields.get("session_account") == "1":
            # "Continue as ..." of the account chooser (`prompt=select_account`): the account
            # this browser is already logged in as, so no password; the session is kept.
            chosen = _find_account(s, name)
            if chosen is None or login.account_id is None or chosen.id != login.account_id:
                return _login_page(
                    s, areq, login, error="Log in to that account first.", account=name,
                    status_code=400,
                )
            return _redirect("/oauth/authorize?" + areq.continuation_query())
        # Wrong passwords are counted per account name and per client address; while either
        # is locked the password is not even checked (docs/server/security.md#login).
        account_key, address_key = f"account:{name[:200]}", f"address:{br.client_address}"
        locked = max(
            seconds_locked(login_store.failure_count(s, account_key), now),
            seconds_locked(login_store.failure_count(s, address_key), now),
        )
        if locked > 0:
            minutes = max(1, math.ceil(locked / 60))
            return _login_page(
                s,
                areq,
                login,
                error=f"Too many wrong passwords. Logging in is paused for this account or "
                f"this network; try again in {minutes} minute{'s' if minutes != 1 else ''}.",
                account=name,
                status_code=429,
            )
        account = _find_account(s, name)
        if account is None:
            verify_password(password, _DUMMY_PASSWORD_HASH)
            ok = False
        elif account.password_hash is not None:
            ok = verify_password(password, account.password_hash)
        else:
            ok = True  # an account without a password (the account chooser)
        if not ok or account is None:
            login_store.record_failure(s, account_key, ACCOUNT_RULE, now)
            login_store.record_failure(s, address_key, ADDRESS_RULE, now)
            return _login_page(
                s,
                areq,
                login,
                error="The account or the password is not correct.",
                account=name,
                status_code=400,
            )
        login_store.clear_failures(s, account_key)
        return _logged_in(s, login, account.id, now, areq, br)


async def login(request: Request) -> Response:
    ctx = ServerContext.of(request)
    form = await _form(request)
    br = _browser(request, ctx)
    return await run_in_threadpool(run_with_retry, lambda: _login(ctx, form, br))


# --- POST /oauth/signup (prompt=create) ---------------------------------------------------------


MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 200
MAX_KEY_LENGTH = 64
MAX_NICKNAME_LENGTH = 100
_KEY_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@")


def signup_problem(key: str, nickname: str, password: str) -> str | None:
    """What is wrong with a sign-up form, in the words the page shows; None when it is fine."""
    if not key:
        return "Choose an account ID."
    if len(key) > MAX_KEY_LENGTH or not set(key) <= _KEY_CHARACTERS:
        return (
            f"The account ID may have up to {MAX_KEY_LENGTH} letters, digits and the "
            "characters . _ - @."
        )
    if not nickname.strip():
        return "Choose a nickname."
    if len(nickname) > MAX_NICKNAME_LENGTH or any(
        ord(c) < 32 or ord(c) == 127 for c in nickname
    ):
        return f"The nickname may have up to {MAX_NICKNAME_LENGTH} characters, on one line."
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"The password needs at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH or "\x00" in password:
        return f"The password may have up to {MAX_PASSWORD_LENGTH} characters."
    return None


def _signup(ctx: ServerContext, form: list[tuple[str, str]], br: BrowserRequest) -> Response:
    fields = dict(form)
    with transaction(ctx.sessions) as s:
        now = clock.now(s)
        prologue = _checked_form(s, fields, br, now, "Your sign-up page expired")
        if isinstance(prologue, Response):
            return prologue
        areq, login = prologue
        key = fields.get("key", "").strip()
        nickname = fields.get("nickname", "").strip()
        password = fields.get("password", "")
        problem = signup_problem(key, nickname, password)
        if problem is None and _find_account(s, key) is not None:
            problem = "That account ID is taken; choose another one or log in."
        if problem is None:
            try:
                account = accounts_store.create_account(
                    s, {"key": key, "profile": {"nickname": nickname}, "password": password}
                )
            except StorageError as exc:
                problem = str(exc)
        if problem is not None:
            return _signup_page(
                areq, login, error=problem, key=key[:400], nickname=nickname[:400],
                status_code=400,
            )
        # The new account is logged in on this browser; the authorization goes on to consent.
        return _logged_in(s, login, account.id, now, areq, br)


async def signup(request: Request) -> Response:
    ctx = ServerContext.of(request)
    form = await _form(request)
    br = _browser(request, ctx)

    def attempt() -> Response:
        try:
            return _signup(ctx, form, br)
        except IntegrityError:
            # Another sign-up took the same account ID between the check and the insert (it
            # rolled back): the form again, which now says the ID is taken.
            return _signup(ctx, form, br)

    return await run_in_threadpool(run_with_retry, attempt)


# --- GET /oauth/logout --------------------------------------------------------------------------


def _logout(ctx: ServerContext, params: Mapping[str, str], br: BrowserRequest) -> Response:
    if any("\x00" in name or "\x00" in value for name, value in params.items()):
        return pages.error_page("KOE001", "Invalid request", "parameters may not contain NUL.")
    client_id = params.get("client_id", "")
    uri = params.get("logout_redirect_uri", "")
    state = params.get("state")
    if len(client_id) > 2000 or len(uri) > 2000 or (state is not None and len(state) > 2000):
        return pages.error_page("KOE001", "Invalid request", "A parameter is too long.")
    with transaction(ctx.sessions) as s:
        now = clock.now(s)
        client = find_authorize_client(s, client_id) if client_id else None
        if client is None:
            return _error_page(errors.unknown_client())
        app, _ = client
        if not uri or not logout_redirect_uri_registered(app, uri):
            return _error_page(errors.unregistered_logout_redirect_uri())
        login = sessions.load(s, br.cookie, now)
        if login is not None:
            login_store.delete_login_session(s, login)
    response = _redirect(redirect_with(uri, [("state", state)] if state is not None else []))
    response.delete_cookie(
        sessions.COOKIE_NAME, path=sessions.COOKIE_PATH, httponly=True, samesite="lax",
        secure=br.secure,
    )
    return response


async def logout(request: Request) -> Response:
    """`GET /oauth/logout`: ends this browser's login session and sends it back to one of the
    app's `logout_redirect_uris` with `state` (docs/reference/kakao-login.md#oauth-logout)."""
    ctx = ServerContext.of(request)
    params = dict(request.query_params)
    br = _browser(request, ctx)
    return await run_in_threadpool(run_with_retry, lambda: _logout(ctx, params, br))


# --- POST /oauth/consent ------------------------------------------------------------------------


def _consent(ctx: ServerContext, form: list[tuple[str, str]], br: BrowserRequest) -> Response:
    fields = dict(form)
    with transaction(ctx.sessions) as s:
        now = clock.now(s)
        prologue = _checked_form(s, fields, br, now, "Your consent page expired")
        if isinstance(prologue, Response):
            return prologue
        areq, login = prologue
        account = s.get(Account, login.account_id) if login.account_id is not None else None
        if account is None:
            return _redirect("/oauth/authorize?" + areq.continuation_query())
        if fields.get("action") != "agree":
            return _error_redirect(areq, "access_denied", "User denied access")
        agreed = _agreed(s, areq.app.id, account.id)
        asked = items_to_ask(areq.consent_items, agreed, areq.requested_scopes)
        checked = {value for key, value in form if key == "scope"}
        scopes = granted_scopes(areq.consent_items, agreed, asked, checked)
        # Creates the link (new app-scoped user id and uuid) or updates its scopes, and keeps
        # the friend index in step.
        ensure_link(s, areq.app, account, scopes)
        return _code_redirect(s, areq, login, account.id, now)


async def consent(request: Request) -> Response:
    ctx = ServerContext.of(request)
    form = await _form(request)
    br = _browser(request, ctx)
    return await run_in_threadpool(run_with_retry, lambda: _consent(ctx, form, br))


# --- POST /oauth/token --------------------------------------------------------------------------


def _oauth_error(exc: errors.OAuthError) -> Response:
    return responses.json_response(exc.body(), status_code=exc.http_status)


def _token(ctx: ServerContext, params: dict[str, str], issuer: str) -> Response:
    grant_type = params.get("grant_type")
    try:
        with transaction(ctx.sessions) as s:
            now = clock.now(s)
            if grant_type not in (tokens.GRANT_AUTHORIZATION_CODE, tokens.GRANT_REFRESH_TOKEN):
                raise errors.UnsupportedGrantType(
                    "KOE001", "grant_type must be authorization_code or refresh_token"
                )
            app = tokens.authenticate_client(s, params)
            if grant_type == tokens.GRANT_AUTHORIZATION_CODE:
                body = tokens.exchange_code(s, app, params, issuer=issuer, now=now)
            else:
                body = tokens.refresh(s, app, params, issuer=issuer, now=now)
        return responses.json_response(body)
    except errors.OAuthError as exc:
        return _oauth_error(exc)
    except codes.CodeReused as reused:
        # The failed exchange rolled back; the revocation is its own unit of work.
        with transaction(ctx.sessions) as s:
            revoked = stored_tokens.revoke_code_tokens(s, reused.code_id)
        log.warning("authorization code reused: revoked %d token(s)", revoked)
        return _oauth_error(errors.code_not_found())
    except tokens.RefreshTokenReplayed as replayed:
        with transaction(ctx.sessions) as s:
            revoked = stored_tokens.revoke_refresh_chain(s, replayed.token_id)
        log.warning("rotated refresh token presented again: revoked %d token(s)", revoked)
        return _oauth_error(errors.bad_refresh_token())


async def token(request: Request) -> Response:
    ctx = ServerContext.of(request)
    params = dict(request.query_params)
    params.update(await _form(request))
    issuer = ctx.auth_base_url(request)
    response = await run_in_threadpool(run_with_retry, lambda: _token(ctx, params, issuer))
    # Tokens must not be kept by any cache on the way (RFC 6749 §5.1), errors included.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


# --- OpenID Connect -----------------------------------------------------------------------------


async def openid_configuration(request: Request) -> Response:
    ctx = ServerContext.of(request)
    return responses.json_response(
        idtoken.discovery(ctx.auth_base_url(request), ctx.api_base_url(request))
    )


def _tokeninfo(ctx: ServerContext, id_token: str | None, issuer: str) -> Response:
    try:
        if not id_token:
            raise errors.InvalidToken("KOE400", "id_token is required")
        with ctx.sessions() as s:
            claims = idtoken.verify(s, id_token, issuer=issuer, now=clock.now(s))
        return responses.json_response(claims)
    except errors.OAuthError as exc:
        return _oauth_error(exc)


async def tokeninfo(request: Request) -> Response:
    """`POST /oauth/tokeninfo` (form `id_token`): the claims of a valid id_token."""
    ctx = ServerContext.of(request)
    params = dict(request.query_params)
    params.update(await _form(request))
    issuer = ctx.auth_base_url(request)
    id_token = params.get("id_token")
    response = await run_in_threadpool(lambda: _tokeninfo(ctx, id_token, issuer))
    response.headers["Cache-Control"] = "no-store"
    return response


def _jwks(ctx: ServerContext) -> Response:
    with transaction(ctx.sessions) as s:
        # The key is created on first use, so that the JWKS is never empty.
        idtoken.signing_key(s, clock.now(s))
        return responses.json_response(idtoken.jwks(s))


async def jwks(request: Request) -> Response:
    ctx = ServerContext.of(request)
    return await run_in_threadpool(run_with_retry, lambda: _jwks(ctx))
