"""Driving Kakao Login over plain HTTP, as a browser would: a cookie jar, the HTML forms of the
login and consent pages (parsed, not guessed), and the redirects they answer with.

The browser end-to-end test (tests/browser) drives the same pages in a real chromium; these
helpers let the many other tests reach a code or a token quickly."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.support.server import Server

CALLBACK = "http://localhost:3000/callback"
HTML_CT = "text/html; charset=utf-8"


@dataclass
class Form:
    id: str | None
    action: str
    hidden: dict[str, str] = field(default_factory=dict)
    #: checkbox name/value -> (checked, disabled)
    checkboxes: dict[str, tuple[bool, bool]] = field(default_factory=dict)
    #: submit buttons: (name, value)
    buttons: list[tuple[str, str]] = field(default_factory=list)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._current: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._current = Form(id=a.get("id"), action=a.get("action", ""))
            self.forms.append(self._current)
        elif self._current is not None and tag == "input":
            kind = a.get("type", "text")
            if kind == "hidden":
                self._current.hidden[a["name"]] = a.get("value", "")
            elif kind == "checkbox":
                self._current.checkboxes[a.get("value", "")] = ("checked" in a, "disabled" in a)
        elif self._current is not None and tag == "button" and "name" in a:
            self._current.buttons.append((a["name"], a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def forms(html: str) -> dict[str | None, Form]:
    parser = _FormParser()
    parser.feed(html)
    return {f.id: f for f in parser.forms}


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


def redirect_params(response: httpx.Response, expected_base: str = CALLBACK) -> dict[str, str]:
    """The query of a redirect to the app's callback (asserting it is one)."""
    assert response.status_code == 302, (response.status_code, response.text[:500])
    location = response.headers["location"]
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == expected_base, location
    return {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}


class LoginBrowser:
    """One browser (one cookie jar) on the login pages of a live server."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.client = server.client(follow_redirects=False)

    def authorize(
        self, client_id: str, redirect_uri: str = CALLBACK, **params: str
    ) -> httpx.Response:
        query = {"client_id": client_id, "redirect_uri": redirect_uri, "response_type": "code"}
        query.update(params)
        return self.client.get("/oauth/authorize", params=query)

    def login(
        self, page: httpx.Response, account: str, password: str | None = None
    ) -> httpx.Response:
        """Submits the login form (with a password) or picks the account in the chooser."""
        assert page.status_code == 200, page.text[:500]
        f = forms(page.text)
        if password is None:
            form = f["account-chooser"]
            data = {**form.hidden, "account": account}
        else:
            form = f["login-form"]
            data = {**form.hidden, "account": account, "password": password}
        return self.client.post(form.action, data=data)

    def follow(self, response: httpx.Response) -> httpx.Response:
        assert response.status_code == 302, (response.status_code, response.text[:500])
        return self.client.get(response.headers["location"])

    def consent(
        self, page: httpx.Response, *, untick: tuple[str, ...] = (), action: str = "agree"
    ) -> httpx.Response:
        assert page.status_code == 200, page.text[:500]
        form = forms(page.text)["consent-form"]
        # A browser submits ticked, enabled boxes only.
        ticked = [
            value
            for value, (checked, disabled) in form.checkboxes.items()
            if checked and not disabled and value not in untick
        ]
        data: dict[str, Any] = {**form.hidden, "scope": ticked, "action": action}
        return self.client.post(form.action, data=data)

    def code(
        self,
        client_id: str,
        account: str,
        *,
        password: str | None = None,
        untick: tuple[str, ...] = (),
        redirect_uri: str = CALLBACK,
        **params: str,
    ) -> dict[str, str]:
        """The whole dance to a code: login when asked, agree when asked. Returns the
        callback's query (`code`, `state`)."""
        response = self.authorize(client_id, redirect_uri, **params)
        if response.status_code == 200 and "login-form" in forms(response.text):
            response = self.follow(self.login(response, account, password))
        if response.status_code == 200 and "consent-form" in forms(response.text):
            response = self.consent(response, untick=untick)
        return redirect_params(response, redirect_uri)


def exchange(
    server: Server,
    client_id: str,
    code: str,
    redirect_uri: str = CALLBACK,
    **extra: str,
) -> httpx.Response:
    data = {
        "grant_type": "authorization_code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "code": code,
        **extra,
    }
    return server.post("/oauth/token", data=data)


def refresh(server: Server, client_id: str, refresh_token: str, **extra: str) -> httpx.Response:
    data = {
        "grant_type": "refresh_token",
        "client_id": client_id,
        "refresh_token": refresh_token,
        **extra,
    }
    return server.post("/oauth/token", data=data)


def tokens_for(
    server: Server,
    client_id: str,
    account: str,
    *,
    client_secret: str | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """A fresh browser's login to tokens: the token endpoint's parsed answer."""
    browser = LoginBrowser(server)
    code = browser.code(client_id, account, **kwargs)["code"]
    extra = {"client_secret": client_secret} if client_secret is not None else {}
    response = exchange(server, client_id, code, **extra)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def advance_clock(server: Server, seconds: float) -> None:
    response = server.post("/_talksocial/clock", json={"advance_seconds": seconds})
    assert response.status_code == 200, response.text
