"""GET /openapi.json: the OpenAPI 3.1 document of the API (built in `api.openapi_doc`)."""

from __future__ import annotations

from functools import lru_cache

import orjson
from starlette.requests import Request
from starlette.responses import Response

from talksocial.web import responses


@lru_cache(maxsize=1)
def _document_bytes() -> bytes:
    from talksocial.api.openapi_doc import document

    return orjson.dumps(document())


async def openapi_json(request: Request) -> Response:
    return responses.json_response(_document_bytes())
