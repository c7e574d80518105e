"""The authorization request of `GET /oauth/authorize` (docs/reference/kakao-login.md) and the consent rules.

`parse_authorize` validates a request in Kakao's order (client_id, redirect_uri, response_type,
scope, PKCE); every failure is an `AuthorizeError`, shown as a page and never redirected. The
same parse runs again on every form post of the login and consent pages, which carry the
original query, so a tampered form is held to the same rules.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from talksocial.domain.consent import ALL_SCOPES, parse_scope_list
from talksocial.domain.secrets import sha256_hex
from talksocial.oauth import errors, pkce
from talksocial.storage.models import App

MAX_PARAM_LENGTH = 2000


@dataclass(frozen=True)
class AuthorizeRequest:
    app: App
    consent_items: dict[str, str]
    redirect_uri: str
    requested_scopes: tuple[str, ...]
    state: str | None
    prompt: frozenset[str]
    code_challenge: str | None
    nonce: str | None
    login_hint: str | None
    #: The request's own query, carried by the login and consent forms.
    query: str

    def continuation_query(self) -> str:
        """The query to come back to after logging in: the same request without `prompt`,
        so that `prompt=login` asks for the login once."""
        pairs = [(k, v) for k, v in parse_qsl(self.query, keep_blank_values=True) if k != "prompt"]
        return urlencode(pairs)

    def prompt_query(self, prompt: str) -> str:
        """The same request with `prompt` set to `prompt` (the login and sign-up pages' links
        to each other)."""
        pairs = [(k, v) for k, v in parse_qsl(self.query, keep_blank_values=True) if k != "prompt"]
        return urlencode([*pairs, ("prompt", prompt)])


#: The values `prompt` may list (docs/reference/kakao-login.md#prompt).
PROMPT_VALUES = ("login", "none", "create", "select_account")


def prompt_problem(prompt: frozenset[str]) -> str | None:
    """Why a `prompt` list is refused (an `invalid_request` redirect), or None."""
    unknown = sorted(value for value in prompt if value not in PROMPT_VALUES)
    if unknown:
        return f"prompt has an unsupported value: {unknown[0]}."
    if "none" in prompt and len(prompt) > 1:
        return "prompt=none cannot be combined with other values."
    return None


def find_app_by_rest_api_key(session: Session, key: str) -> App | None:
    return session.scalar(select(App).where(App.rest_api_key_sha256 == sha256_hex(key)))


def find_app_by_native_app_key(session: Session, key: str) -> App | None:
    return session.scalar(select(App).where(App.native_app_key_sha256 == sha256_hex(key)))


def find_authorize_client(session: Session, key: str) -> tuple[App, bool] | None:
    """The app whose REST API key, JavaScript key or native app key `client_id` is (Kakao's
    SDKs send the latter two), and whether it is the native app key
    (docs/reference/compatibility.md#keys)."""
    digest = sha256_hex(key)
    app = session.scalar(
        select(App).where(
            (App.rest_api_key_sha256 == digest)
            | (App.javascript_key_sha256 == digest)
            | (App.native_app_key_sha256 == digest)
        )
    )
    if app is None:
        return None
    return app, app.native_app_key_sha256 == digest


def native_redirect_uri(app: App) -> str:
    """The redirect URI Kakao's Android, iOS and Flutter SDKs send: accepted for a request
    whose client_id is the native app key, without registration."""
    return f"kakao{app.native_app_key}://oauth"


def _single(params: Mapping[str, str], name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    if len(value) > MAX_PARAM_LENGTH:
        raise errors.AuthorizeError("KOE001", "Invalid request", f"{name} is too long.")
    return value


def redirect_uri_registered(app: App, redirect_uri: str) -> bool:
    """Exact comparison with each registered URI (no prefix, no normalisation)."""
    registered: list[str] = json.loads(app.redirect_uris)
    found = False
    for uri in registered:
        # Every entry is compared, so the time taken does not tell which one matched.
        found |= hmac.compare_digest(uri.encode("utf-8"), redirect_uri.encode("utf-8"))
    return found


def logout_redirect_uri_registered(app: App, uri: str) -> bool:
    """Exact comparison with each of the app's `logout_redirect_uris`."""
    registered: list[str] = json.loads(app.logout_redirect_uris)
    found = False
    for candidate in registered:
        found |= hmac.compare_digest(candidate.encode("utf-8"), uri.encode("utf-8"))
    return found


def parse_authorize(session: Session, params: Mapping[str, str], query: str) -> AuthorizeRequest:
    if any("\x00" in name or "\x00" in value for name, value in params.items()):
        # No stored text may hold a NUL (PostgreSQL refuses one): bad input, not a crash.
        raise errors.AuthorizeError(
            "KOE001", "Invalid request", "parameters may not contain NUL characters."
        )
    client_id = _single(params, "client_id")
    client = find_authorize_client(session, client_id) if client_id else None
    if client is None:
        raise errors.unknown_client()
    app, native = client
    redirect_uri = _single(params, "redirect_uri")
    if not redirect_uri or not (
        redirect_uri_registered(app, redirect_uri)
        or (native and hmac.compare_digest(redirect_uri.encode("utf-8"),
                                           native_redirect_uri(app).encode("utf-8")))
    ):
        raise errors.unregistered_redirect_uri()
    if _single(params, "response_type") != "code":
        raise errors.bad_response_type()
    items: dict[str, str] = json.loads(app.consent_items)
    requested: list[str] = []
    raw_scope = _single(params, "scope")
    if raw_scope:
        for scope in parse_scope_list(raw_scope):
            if scope not in items:
                raise errors.scope_not_used(scope)
            if scope not in requested:
                requested.append(scope)
    challenge = _single(params, "code_challenge")
    method = _single(params, "code_challenge_method")
    if challenge is not None or method is not None:
        if method != pkce.METHOD_S256:
            raise errors.AuthorizeError(
                "KOE001", "Invalid request", "code_challenge_method must be S256."
            )
        if challenge is None or not pkce.is_valid_challenge(challenge):
            raise errors.AuthorizeError(
                "KOE001",
                "Invalid request",
                "code_challenge must be the base64url S256 hash of the code_verifier.",
            )
    prompt = frozenset(parse_scope_list(_single(params, "prompt") or ""))
    return AuthorizeRequest(
        app=app,
        consent_items=items,
        redirect_uri=redirect_uri,
        requested_scopes=tuple(requested),
        state=_single(params, "state"),
        prompt=prompt,
        code_challenge=challenge,
        nonce=_single(params, "nonce"),
        login_hint=_single(params, "login_hint"),
        query=query,
    )


def items_to_ask(
    consent_items: Mapping[str, str], agreed: list[str] | None, requested: tuple[str, ...]
) -> list[str]:
    """The consent page's items. A user not yet linked is asked every item the app uses; a
    linked user only required items not agreed yet (the app may have added one) and the items
    `scope` asks for that are not agreed yet. Nothing to ask: the code comes at once."""
    used = [item for item in ALL_SCOPES if item in consent_items]
    if agreed is None:
        return used
    return [
        item
        for item in used
        if item not in agreed and (consent_items[item] == "required" or item in requested)
    ]


def granted_scopes(
    consent_items: Mapping[str, str],
    agreed: list[str] | None,
    asked: list[str],
    checked: set[str],
) -> list[str]:
    """The agreed items after the consent form: what was agreed before, the asked required
    items, and the asked optional items that were left ticked; in Kakao's item order."""
    result = set(agreed or [])
    for item in asked:
        if consent_items.get(item) == "required" or item in checked:
            result.add(item)
    return [item for item in ALL_SCOPES if item in result and item in consent_items]


def redirect_with(redirect_uri: str, params: list[tuple[str, str]]) -> str:
    """`redirect_uri` with `params` added to its query (an existing query is kept)."""
    parts = urlsplit(redirect_uri)
    query = parts.query
    extra = urlencode(params)
    query = f"{query}&{extra}" if query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
