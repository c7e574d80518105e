"""CORS of the Kakao APIs (docs/reference/compatibility.md#cors): preflights allowed for an
origin any app registered, actual answers readable only by an origin of the credential's app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.server import LiveServer
from tests.support.worlds import account, app, bearer, kakao_ak, link, serve, token, world

A, B = "http://localhost:3000", "https://b.example"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    seed = world(
        [app(1, web_domains=[A]), app(2, web_domains=[B]), app(3)],
        [account("ryan")],
        [link(1, "ryan", 11), link(2, "ryan", 12)],
        [token(1, "ryan", "tok-1"), token(2, "ryan", "tok-2")],
    )
    yield from serve(tmp_path_factory, seed, "cors")


def _preflight(server: LiveServer, origin: str, path: str = "/v1/api/talk/profile") -> object:
    return server.request(
        "OPTIONS", path,
        headers={"Origin": origin, "Access-Control-Request-Method": "GET",
                 "Access-Control-Request-Headers": "authorization"},
    )


@pytest.mark.parametrize("origin", [A, B])
def test_preflight_for_any_registered_origin(server: LiveServer, origin: str) -> None:
    response = _preflight(server, origin)
    assert response.status_code == 204  # type: ignore[attr-defined]
    h = response.headers  # type: ignore[attr-defined]
    assert h["access-control-allow-origin"] == origin
    assert h["access-control-allow-methods"] == "GET, POST"
    assert h["access-control-allow-headers"] == "Authorization, KA, Content-Type"


@pytest.mark.parametrize(
    "origin", ["http://localhost:3001", "https://localhost:3000", "http://evil.example", "null",
               "HTTP://LOCALHOST:3000", A + "/"],
)
def test_preflight_refused_for_other_origins(server: LiveServer, origin: str) -> None:
    response = _preflight(server, origin)
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert "access-control-allow-origin" not in response.headers  # type: ignore[attr-defined]


def test_actual_answer_only_for_the_credentials_app(server: LiveServer) -> None:
    own = server.get("/v1/api/talk/profile", headers={"Origin": A, **bearer("tok-1")})
    assert own.status_code == 200 and own.headers["access-control-allow-origin"] == A
    assert "Origin" in own.headers["vary"]
    # B is registered, but by another app than the token's.
    other = server.get("/v1/api/talk/profile", headers={"Origin": B, **bearer("tok-1")})
    assert other.status_code == 200 and "access-control-allow-origin" not in other.headers
    assert server.get(
        "/v1/api/talk/profile", headers={"Origin": B, **bearer("tok-2")}
    ).headers["access-control-allow-origin"] == B
    # The credential's app's errors are readable too; no credential: no CORS.
    friends = server.get("/v1/api/talk/friends", headers={"Origin": A, **bearer("tok-1")})
    assert friends.headers["access-control-allow-origin"] == A
    missing = server.get("/v1/api/talk/profile", headers={"Origin": A})
    assert missing.status_code == 401 and "access-control-allow-origin" not in missing.headers
    # The admin key's app.
    profiles = server.get(
        "/v2/api/talk/profiles", params={"target_ids": "[11]"},
        headers={"Origin": A, **kakao_ak("ak-1")},
    )
    assert profiles.headers["access-control-allow-origin"] == A


def test_no_cors_outside_the_apis(server: LiveServer) -> None:
    for path in ("/_talksocial/apps", "/oauth/token", "/console"):
        response = _preflight(server, A, path)
        assert "access-control-allow-origin" not in response.headers  # type: ignore[attr-defined]
    no_origin = server.get("/v1/api/talk/profile", headers=bearer("tok-1"))
    assert "access-control-allow-origin" not in no_origin.headers
