"""CORS for the Kakao APIs (`/v1/*`, `/v2/*`), as Kakao's JavaScript SDK needs it
(docs/reference/compatibility.md#cors).

A preflight carries no credential, so it is allowed (204) for an Origin that *any* app lists in
its `web_domains`. An actual answer carries `Access-Control-Allow-Origin` only when the Origin is
one the credential's app lists (the app the endpoint's credential check reported, `web.caller`).
Every other request gets no CORS headers. Origins compare exactly, as `domain.origins` spells
them.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from talksocial.web.caller import CALLER_APP_KEY

ALLOW_METHODS = "GET, POST"
ALLOW_HEADERS = "Authorization, KA, Content-Type"
_PREFIXES = ("/v1/", "/v2/")


class CorsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(_PREFIXES):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        reads = scope["app"].state.ctx.reads
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            allowed = origin in reads.all_web_domains()
            response_headers = [(b"vary", b"Origin"), (b"content-length", b"0")]
            if allowed:
                response_headers += [
                    (b"access-control-allow-origin", origin.encode("latin-1")),
                    (b"access-control-allow-methods", ALLOW_METHODS.encode()),
                    (b"access-control-allow-headers", ALLOW_HEADERS.encode()),
                    (b"access-control-max-age", b"600"),
                ]
            await send({"type": "http.response.start", "status": 204 if allowed else 403,
                        "headers": response_headers})
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [(b"vary", b"Origin")]
                app_id = scope.get(CALLER_APP_KEY)
                if app_id is not None and origin in reads.app_web_domains(app_id):
                    extra.append((b"access-control-allow-origin", origin.encode("latin-1")))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_cors)
