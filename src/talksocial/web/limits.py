"""Bounds on what a request may send: its body's size and how long it may take to arrive, and
no NUL character in its parameters.

A body past its limit is answered 413 at once: from the `Content-Length` header before a byte of
it is read, or as soon as a streamed body passes the limit. A body that stops arriving is
answered 408 after `body_timeout` seconds of silence, so a client that sends headers and then
nothing holds its connection for a bounded time (docs/server/security.md). The limit is
`max_body_bytes` (1 MiB) everywhere except `POST /_talksocial/import`, which carries whole
worlds and has a larger limit of its own.

The endpoints read bodies through `receive`; the two refusals are raised from there as Starlette
HTTP errors, which the app's error handler answers in the API's `{"msg","code"}` form. A body read
by a middleware ahead of the routes (the control plane reads a login form's `client_id`) raises
the same errors up to this middleware, which answers them itself.
"""

from __future__ import annotations

import asyncio

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from talksocial.web import pages
from talksocial.web.responses import json_response

IMPORT_PATH = "/_talksocial/import"


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")


class BodyTimeout(HTTPException):
    def __init__(self, seconds: float) -> None:
        super().__init__(408, f"the request body did not arrive within {seconds:g} s")


class BodyLimitMiddleware:
    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, max_import_bytes: int, body_timeout: float
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_import_bytes = max_import_bytes
        self.body_timeout = body_timeout

    def limit_for(self, scope: Scope) -> int:
        if scope.get("path") == IMPORT_PATH:
            return self.max_import_bytes
        return self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared, chunked = _declared_body(scope)
        if declared is None and not chunked:
            # No body at all (a GET on the hot path): nothing to bound, nothing to wrap.
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        if declared is not None and declared > limit:
            await _refuse(BodyTooLarge(limit), scope, receive, send)
            return
        timeout = self.body_timeout
        received = 0
        started = False

        async def bounded_receive() -> Message:
            nonlocal received
            try:
                message = await asyncio.wait_for(receive(), timeout)
            except TimeoutError:
                raise BodyTimeout(timeout) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, bounded_receive, tracking_send)
        except (BodyTooLarge, BodyTimeout) as exc:
            if started:
                raise
            await _refuse(exc, scope, receive, send)


def _declared_body(scope: Scope) -> tuple[int | None, bool]:
    """The Content-Length (None without one), and whether a Transfer-Encoding streams a body."""
    length: int | None = None
    chunked = False
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.strip()
            length = int(text) if text.isdigit() and len(text) < 20 else 2**63
        elif name == b"transfer-encoding":
            chunked = True
    return length, chunked


async def _refuse(exc: HTTPException, scope: Scope, receive: Receive, send: Send) -> None:
    response = json_response({"msg": exc.detail, "code": -1}, status_code=exc.status_code)
    # The rest of the body is not read: the connection is closed after the answer.
    response.headers["Connection"] = "close"
    await response(scope, receive, send)


MSG_NUL = "parameters may not contain NUL characters"


def has_nul(text: str) -> bool:
    """A NUL character: no stored text may hold one (PostgreSQL refuses it outright)."""
    return "\x00" in text


class NulQueryMiddleware:
    """A query string or path with an (encoded) NUL character is bad input, answered in the
    form of the path asked: an HTML page for the login and console pages, the KOE form on
    `/oauth/token`, `{"msg","code":-2}` elsewhere. Bodies are checked where they are read
    (`web.forms`, the control plane's JSON)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query = scope.get("query_string", b"")
            if b"%00" in query or b"\x00" in query or has_nul(scope.get("path", "")):
                await _nul_answer(scope)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _nul_answer(scope: Scope) -> Response:
    path: str = scope.get("path", "")
    if pages.is_page(path):
        return pages.error_page("KOE001", "Invalid request", MSG_NUL + ".")
    if path.startswith("/oauth/"):
        return json_response(
            {"error": "invalid_request", "error_description": MSG_NUL, "error_code": "KOE001"},
            status_code=400,
        )
    return json_response({"msg": MSG_NUL, "code": -2}, status_code=400)
