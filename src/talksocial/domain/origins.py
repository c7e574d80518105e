"""Web origins (scheme, host, port), as an app registers its web domains and as a browser's
`Origin` header names a page: compared exactly, in the one spelling `origin_of` gives."""

from __future__ import annotations

from urllib.parse import urlsplit


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]`, lowercased, with the default port left out; None for anything
    that is not an absolute http(s) URL."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    default = 443 if parts.scheme == "https" else 80
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def is_origin(value: str) -> bool:
    """A registered web domain must be an origin as written: no path, query, user info or
    default port, lower case."""
    return origin_of(value) == value
