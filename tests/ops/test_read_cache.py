"""The worker's kept reads (storage.reads.ReadStore on SQLite): a page or a token's caller
kept by a worker is dropped as soon as anything is written, by any process, so the very next
request on every worker sees a friend-list write, a consent change, a revoked token and an
expiry (docs/benchmarks.md explains why the worker keeps them).

Every step first warms both workers (many requests, each on a new connection, so that the two
workers of `serve --workers 2` both answer some), then writes through another server over the
same database (another process: nothing in the serving workers learns of the write but the
database itself), then checks every one of many requests, again on new connections."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from tests.support.server import LiveServer
from tests.support.worlds import TOKEN_EXPIRED, TOKEN_NOT_FOUND, bearer

PATH = "/v1/api/talk/friends"
TOKEN = "demo-access-token"
ROUNDS = 24


def answers(server: LiveServer, token: str = TOKEN, **params: Any) -> list[httpx.Response]:
    """ROUNDS answers of the same request, each on a connection of its own."""
    out = []
    for _ in range(ROUNDS):
        with httpx.Client(base_url=server.base_url, timeout=30.0) as client:
            out.append(client.get(PATH, params={"limit": 100, **params}, headers=bearer(token)))
    return out


def ids(response: httpx.Response) -> list[int]:
    assert response.status_code == 200, response.text
    return [e["id"] for e in response.json()["elements"]]


def test_every_worker_sees_every_write_at_once(
    make_live_server: Callable[..., LiveServer],
) -> None:
    serving = make_live_server(demo=True, workers=2)
    writer = make_live_server(database_url=serving.database_url)
    control = writer.base_url + "/_talksocial"

    before = answers(serving)
    first = ids(before[0])
    assert len(first) == 11 and all(ids(r) == first for r in before)
    # (Which worker answers a new connection is the kernel's choice; with this many both
    # answer some. What is asserted is that no answer after a write is from before it.)

    # A friend-list write: Muzi hides Apeach (the favorite).
    hidden = httpx.patch(f"{control}/accounts/muzi/friends/apeach", json={"hidden": True})
    assert hidden.status_code == 200, hidden.text
    after = answers(serving)
    assert all(ids(r) == [i for i in first if i != 1] for r in after), [ids(r) for r in after]
    assert all(r.json()["favorite_count"] == 0 for r in after)

    # A consent change: Muzi's link loses `friends`.
    link = httpx.get(f"{control}/links/1001/muzi").json()
    scopes = [s for s in link["scopes"] if s != "friends"]
    changed = httpx.put(f"{control}/links/1001/muzi/scopes", json={"scopes": scopes})
    assert changed.status_code == 200, changed.text
    assert {(r.status_code, r.json()["code"]) for r in answers(serving)} == {(403, -402)}
    restored = httpx.put(f"{control}/links/1001/muzi/scopes", json={"scopes": link["scopes"]})
    assert restored.status_code == 200, restored.text
    assert all(len(ids(r)) == 10 for r in answers(serving))

    # An expiry: the server clock moves past the token's lifetime (the demo's tokens last ten
    # years). Moving the clock is a write too, but the answer is the clock's, kept or not.
    moved = httpx.post(f"{control}/clock", json={"advance_seconds": 11 * 365 * 86400})
    assert moved.status_code == 200, moved.text
    assert {r.json()["code"] for r in answers(serving)} == {-401}
    assert all(r.json() == TOKEN_EXPIRED for r in answers(serving))
    reset = httpx.post(f"{control}/clock", json={"offset_seconds": 0})
    assert reset.status_code == 200, reset.text
    assert all(len(ids(r)) == 10 for r in answers(serving))

    # A revoked token: logout at the other server.
    out = httpx.post(writer.base_url + "/v1/user/logout", headers=bearer(TOKEN))
    assert out.status_code == 200, out.text
    assert all(r.json() == TOKEN_NOT_FOUND for r in answers(serving))
    assert all(r.status_code == 401 for r in answers(serving))
