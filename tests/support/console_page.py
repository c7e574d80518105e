"""One browser on the console over HTTP: its cookie, and the CSRF token of the page it last read
(the console's forms all carry it)."""

from __future__ import annotations

import re

import httpx

from tests.support.server import Server


class Page:
    """One browser on the console: its cookie, and the CSRF token of the page it last read."""

    def __init__(self, server: Server) -> None:
        self.client = server.client(follow_redirects=False)
        self.token = ""

    def get(self, path: str) -> str:
        response = self.client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        found = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
        assert found is not None
        self.token = found.group(1)
        return response.text

    def post(self, path: str, **form: str) -> httpx.Response:
        return self.client.post(path, data={**form, "csrf_token": self.token})
