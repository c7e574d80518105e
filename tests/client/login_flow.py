"""A browser's walk through talksocial's login and consent pages, with plain HTTP: what a user
does between `authorization_url()` and the redirect that carries the code."""

from __future__ import annotations

import html
import re
from collections.abc import Collection
from urllib.parse import parse_qs, urlsplit

import httpx


def _hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found is not None, f"no {name} on the page:\n{page}"
    return html.unescape(found.group(1))


def log_in_and_agree(
    base_url: str, authorization_url: str, account: str, *, refuse: Collection[str] = (),
    transport: httpx.BaseTransport | None = None,
) -> dict[str, str]:
    """The query of the redirect to the app (`code` and `state`, or `error`). The user picks
    `account` in the chooser and, if asked, agrees to every optional item except `refuse`.
    `transport`: the server's, for an in-process one."""
    with httpx.Client(
        base_url=base_url, follow_redirects=False, timeout=30.0, transport=transport
    ) as browser:
        response = browser.get(authorization_url)
        for _ in range(8):
            if response.status_code == 302:
                location = response.headers["location"]
                if location.startswith("/"):
                    response = browser.get(location)
                    continue
                return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
            page = response.text
            assert response.status_code == 200, page
            form = {"csrf_token": _hidden(page, "csrf_token"), "q": _hidden(page, "q")}
            if 'id="consent-form"' in page:
                optional = re.findall(r'name="scope" value="([^"]+)"[^>]*checked>', page)
                scopes = [s for s in optional if s not in refuse]
                response = browser.post(
                    "/oauth/consent",
                    data={**form, "action": "agree", "scope": scopes},
                )
            else:
                response = browser.post("/oauth/login", data={**form, "account": account})
        raise AssertionError("the login flow did not end in a redirect to the app")
