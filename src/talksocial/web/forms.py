"""Reading what a request sends: the query and a urlencoded body together (the Kakao APIs), and
a page's form (the login pages and the console)."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import parse_qsl

from starlette.datastructures import QueryParams
from starlette.requests import Request

from talksocial.domain.errors import InvalidArgument
from talksocial.web.limits import MSG_NUL, has_nul

#: Query strings up to this long are parsed once per worker (`query_params`): an API client
#: repeats the same few (a friends page's offset and limit); longer ones are not kept.
_CACHED_QUERY_MAX = 256


def query_params(request: Request) -> QueryParams:
    """`request.query_params`, parsed once per distinct short query string and shared (the
    value is immutable)."""
    raw: bytes = request.scope.get("query_string", b"")
    if len(raw) > _CACHED_QUERY_MAX:
        return request.query_params
    return _parsed_query(raw)


@lru_cache(maxsize=256)
def _parsed_query(raw: bytes) -> QueryParams:
    return QueryParams(raw)


async def query_and_form(request: Request) -> dict[str, str]:
    """Query string and form body alike, for GET and POST (the seed's own sample sends a form
    body with `curl -X GET`). A form value wins over the same name in the query."""
    params = dict(query_params(request))
    if "application/x-www-form-urlencoded" in request.headers.get("content-type", ""):
        raw = await request.body()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidArgument("the form body is not valid UTF-8") from None
        params.update(parse_qsl(text, keep_blank_values=True))
    if any(has_nul(name) or has_nul(value) for name, value in params.items()):
        raise InvalidArgument(MSG_NUL)
    return params


async def html_form_pairs(request: Request, *, max_bytes: int) -> list[tuple[str, str]]:
    """The (name, value) pairs of a page's urlencoded form, in order. A form that is not
    urlencoded, too large, not UTF-8 or holding a NUL character reads as empty (the page then asks again), never as an
    error body: these are browser forms, not API calls."""
    if "application/x-www-form-urlencoded" not in request.headers.get("content-type", ""):
        return []
    body = await request.body()
    if len(body) > max_bytes:
        return []
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return []
    pairs = parse_qsl(text, keep_blank_values=True)
    if any(has_nul(name) or has_nul(value) for name, value in pairs):
        return []
    return pairs
