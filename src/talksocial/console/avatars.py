"""Placeholder avatars the server draws itself (`GET /_talksocial/avatars/{seed}.svg`): the
seed's initials on a colour picked from its hash, so a profile image shows something sensible
offline. The demo world points its profiles here and the console falls back to it whenever a
profile image lives off this machine.

The endpoint is public like an image host: API answers carry these URLs to apps' own pages."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from html import escape

from starlette.requests import Request
from starlette.responses import Response

from talksocial.domain.avatars import MAX_SEED, PATH_PREFIX, avatar_path

__all__ = ["HEADERS", "PATH_PREFIX", "avatar", "avatar_path", "colour", "initials", "render_svg"]

_SEPARATORS = re.compile(r"[\s\-_.()\[\]]+")

HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "public, max-age=86400",
}


def _first_character(word: str) -> str:
    """The first user-perceived character, near enough: a base code point and the combining
    marks, variation selectors and joiners that follow it."""
    out = ""
    for ch in word:
        if out and not (
            unicodedata.combining(ch)
            or ch in "\u200d\ufe0e\ufe0f"
            or 0x1F3FB <= ord(ch) <= 0x1F3FF
            or (out[-1] == "\u200d")
        ):
            break
        out += ch
    return out


def initials(seed: str) -> str:
    words = [w for w in _SEPARATORS.split(seed.strip()) if w]
    if not words:
        return "?"
    first = _first_character(words[0])
    if len(words) > 1:
        return (first + _first_character(words[1])).upper()
    return first.upper()


def colour(seed: str) -> str:
    digest = hashlib.sha256(seed.encode("utf-8", "surrogatepass")).digest()
    hue = int.from_bytes(digest[:2], "big") % 360
    return f"hsl({hue}, 55%, 45%)"


def render_svg(seed: str) -> str:
    seed = seed[:MAX_SEED]
    text = escape(initials(seed), quote=True)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="640" '
        'viewBox="0 0 640 640" role="img">'
        f'<rect width="640" height="640" fill="{colour(seed)}"/>'
        '<text x="320" y="320" dy=".35em" text-anchor="middle" '
        'font-family="system-ui, sans-serif" font-size="260" font-weight="600" '
        f'fill="#ffffff">{text}</text></svg>'
    )


async def avatar(request: Request) -> Response:
    seed = str(request.path_params["seed"])
    return Response(
        render_svg(seed), media_type="image/svg+xml; charset=utf-8", headers=dict(HEADERS)
    )
