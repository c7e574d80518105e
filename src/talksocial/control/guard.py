"""What an operator write (`POST`/`PUT`/`PATCH`/`DELETE` under `/_talksocial/`) must look like,
so that no web page a developer happens to open can change their world.

A page on another site can make the browser send a "simple" request without asking first: a
form post, or `fetch` with `text/plain`. So an operator write must carry JSON
(`Content-Type: application/json`, which a page can only send after a CORS preflight that this
server never grants) and must not come from another origin: an `Origin` header naming anything
but this server's own Host, `Origin: null` (sandboxed frames, `file:` pages), or
`Sec-Fetch-Site: cross-site`/`same-site` is refused. A write with no body and no Content-Type
(`curl -X POST .../reset`) is not a browser's cross-site shape and passes. The console's own
forms post to `/console/...` and carry their CSRF token instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.types import Scope

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MSG_JSON_ONLY = "operator writes take Content-Type: application/json"
MSG_CROSS_SITE = "cross-site requests may not write to the control plane"


@dataclass(frozen=True, slots=True)
class WriteRefusal:
    status: int  # 403 or 415
    msg: str


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return {name: value for name, value in scope.get("headers", ())}


def _is_json(content_type: bytes) -> bool:
    media_type = content_type.split(b";", 1)[0].strip().lower()
    return media_type == b"application/json"


def _same_origin(origin: bytes, host: bytes | None) -> bool:
    if host is None:
        return False
    try:
        parts = urlsplit(origin.decode("latin-1"))
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host.decode(
        "latin-1"
    ).strip().lower()


def write_refusal(scope: Scope) -> WriteRefusal | None:
    """None when the request is no write, or a write this server takes; else why not."""
    if scope.get("method") not in WRITE_METHODS:
        return None
    headers = _headers(scope)
    origin = headers.get(b"origin")
    if origin is not None and not _same_origin(origin.strip(), headers.get(b"host")):
        return WriteRefusal(403, MSG_CROSS_SITE)
    if headers.get(b"sec-fetch-site", b"").strip().lower() in (b"cross-site", b"same-site"):
        return WriteRefusal(403, MSG_CROSS_SITE)
    content_type = headers.get(b"content-type")
    if content_type is None:
        length = headers.get(b"content-length", b"0").strip()
        if length in (b"", b"0") and b"transfer-encoding" not in headers:
            return None  # no body at all
        return WriteRefusal(415, MSG_JSON_ONLY)
    if not _is_json(content_type):
        return WriteRefusal(415, MSG_JSON_ONLY)
    return None
