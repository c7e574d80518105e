"""The JSON response of every API answer: Kakao's exact Content-Type, orjson bodies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import Response

from talksocial.domain.errors import KakaoError

JSON_MEDIA_TYPE = "application/json;charset=UTF-8"
_JSON_MEDIA_TYPE_BYTES = JSON_MEDIA_TYPE.encode("latin-1")


class KakaoJSONResponse(Response):
    media_type = JSON_MEDIA_TYPE

    def init_headers(self, headers: Any = None) -> None:
        if headers is None:
            # The hot path: the two headers every answer has, built directly.
            self.raw_headers = [
                (b"content-length", str(len(self.body)).encode("latin-1")),
                (b"content-type", _JSON_MEDIA_TYPE_BYTES),
            ]
            return
        super().init_headers(headers)
        # Starlette appends "; charset=utf-8" to text types only; set Kakao's exact spelling.
        self.raw_headers = [
            (k, v) for k, v in self.raw_headers if k != b"content-type"
        ] + [(b"content-type", _JSON_MEDIA_TYPE_BYTES)]

    def render(self, content: Any) -> bytes:
        if isinstance(content, bytes):
            return content
        return orjson.dumps(content)


def json_response(
    body: Any, status_code: int = 200, headers: Mapping[str, str] | None = None
) -> KakaoJSONResponse:
    return KakaoJSONResponse(body, status_code=status_code, headers=headers)


def error_response(error: KakaoError) -> KakaoJSONResponse:
    return KakaoJSONResponse(error.body(), status_code=error.http_status)
