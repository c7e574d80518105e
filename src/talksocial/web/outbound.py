"""talksocial's own requests to other servers (the Message API's scrap of an app's page, the
unlink callback to an app's back-end), under one set of bounds (docs/server/security.md):

- 3 s for the whole exchange (connect, headers and body), then it is given up;
- at most 1 MB of the answer's body is read; the rest is never downloaded;
- redirects are followed by hand, at most `max_redirects`, each only to an origin the caller
  allows (an app's registered web domains); a redirect anywhere else ends the fetch;
- nothing raises: every failure is an `OutboundResult` with `error` set, so a caller can turn it
  into a recorded failure or a fallback, never into a 5xx for its own client.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from urllib.parse import urljoin

import httpx

from talksocial.domain.origins import origin_of

__all__ = ["MAX_BODY_BYTES", "TIMEOUT_SECONDS", "OutboundResult", "fetch", "origin_of"]

TIMEOUT_SECONDS = 3.0
MAX_BODY_BYTES = 1_000_000
USER_AGENT = "talksocial (+https://github.com/talksocial)"


@dataclass(frozen=True)
class OutboundResult:
    url: str  # the last URL asked (after redirects)
    status: int | None = None
    body: bytes = b""
    content_type: str = ""
    truncated: bool = False  # the body was longer than the cap
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300


async def fetch(
    url: str,
    *,
    allowed_origins: Collection[str],
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
    form: Mapping[str, str] | None = None,
    max_redirects: int = 0,
    timeout: float = TIMEOUT_SECONDS,
    max_body_bytes: int = MAX_BODY_BYTES,
    transport: httpx.AsyncBaseTransport | None = None,
) -> OutboundResult:
    """One bounded request. `allowed_origins` are origins as `origin_of` spells them; the first
    URL must be in them too. A redirect (301/302/303/307/308) is followed as a GET (303, or
    301/302 after a POST) or as the same request (307/308)."""
    allowed = {o for o in (origin_of(a) for a in allowed_origins) if o}
    sent = {"User-Agent": USER_AGENT, **(headers or {})}
    try:
        async with httpx.AsyncClient(
            timeout=httpx.Timeout(timeout), follow_redirects=False, transport=transport,
            trust_env=False,
        ) as client:
            return await _fetch(client, url, allowed, method, sent, params, form,
                                max_redirects, timeout, max_body_bytes)
    except Exception as exc:  # the bound: nothing an outbound request does reaches the caller
        return OutboundResult(url, error=f"{type(exc).__name__}: {exc}"[:300])


async def _fetch(
    client: httpx.AsyncClient, url: str, allowed: set[str], method: str,
    headers: Mapping[str, str], params: Mapping[str, str] | None,
    form: Mapping[str, str] | None, redirects_left: int, timeout: float, max_body_bytes: int,
) -> OutboundResult:

    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        if origin_of(url) not in allowed:
            return OutboundResult(url, error=f"not an allowed origin: {origin_of(url) or url}")
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            return OutboundResult(url, error=f"timed out after {timeout:g} s")
        try:
            async with asyncio.timeout(remaining):
                request = client.build_request(method, url, headers=headers, params=params,
                                               data=form)
                response = await client.send(request, stream=True)
                try:
                    if response.is_redirect and "location" in response.headers:
                        target = urljoin(str(response.url), response.headers["location"])
                        if redirects_left <= 0:
                            return OutboundResult(url, status=response.status_code,
                                                  error="redirect not followed")
                        redirects_left -= 1
                        if response.status_code == 303 or (
                            response.status_code in (301, 302) and method != "GET"
                        ):
                            method, form = "GET", None
                        url, params = target, None
                        continue
                    body, truncated = await _read_capped(response, max_body_bytes)
                    return OutboundResult(
                        url, status=response.status_code, body=body,
                        content_type=response.headers.get("content-type", ""),
                        truncated=truncated,
                    )
                finally:
                    await response.aclose()
        except TimeoutError:
            return OutboundResult(url, error=f"timed out after {timeout:g} s")
        except httpx.HTTPError as exc:
            return OutboundResult(url, error=f"{type(exc).__name__}: {exc}"[:300])


async def _read_capped(response: httpx.Response, max_body_bytes: int) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        room = max_body_bytes - size
        if len(chunk) > room:
            chunks.append(chunk[:room])
            return b"".join(chunks), True
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks), False
