"""Eight clients across two workers hammer writes and reads on shared accounts; afterwards the
world is exactly what the writes said (no lost write) and every stored invariant holds.

Runs on SQLite in the first pass of `make test` and on PostgreSQL in the second. The writers
are of every kind the server has: the Kakao user APIs over HTTP (revoke a scope, unlink), the
control plane over HTTP (favorites, nicknames, consents, tokens), `talksocial token issue`
processes, and storage calls from this test process on the same database. Every client owns
a disjoint share of the attributes it writes (so the final value of each is known) while all
of them write to the same accounts and friend lists at once, and all of them read everything.
"""

from __future__ import annotations

import json
import random
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import text

from talksocial.storage import friends
from talksocial.storage.db import make_engine, make_sessionmaker, run_with_retry, transaction
from tests.support.server import LiveServer, Server, talksocial_command
from tests.support.worlds import LISTABLE, account, app, bearer, friend, link, token, world

APP = 7101
KEYS = [f"a{i:02d}" for i in range(12)]
CLIENTS = 8
OPS_PER_CLIENT = 36
NO_FRIENDS = ["profile_nickname", "profile_image"]


def hammer_world() -> dict[str, Any]:
    accounts = [
        account(k, f"{k} v0", friends=[friend(o) for o in KEYS if o != k]) for k in KEYS
    ]
    links = [link(APP, k, 1000 + i) for i, k in enumerate(KEYS)]
    tokens = [token(APP, k, f"tok-{k}") for k in KEYS]
    return world([app(APP)], accounts, links, tokens)


def owner_of_pair(i: int, j: int) -> int:
    return (i * len(KEYS) + j) % CLIENTS


def owner_of_account(k: int) -> int:
    return k % CLIENTS


@dataclass
class Model:
    """What the writes said, and what the readers saw go wrong."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    tokens: dict[str, str] = field(default_factory=lambda: {k: f"tok-{k}" for k in KEYS})
    state: dict[str, str] = field(default_factory=lambda: dict.fromkeys(KEYS, "full"))
    nickname: dict[str, str] = field(default_factory=lambda: {k: f"{k} v0" for k in KEYS})
    favorite: dict[tuple[str, str], bool] = field(
        default_factory=lambda: {(a, b): False for a in KEYS for b in KEYS if a != b}
    )
    problems: list[str] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)

    def token(self, key: str) -> str:
        with self.lock:
            return self.tokens[key]

    def problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text)


class Client:
    def __init__(self, index: int, server: Server, model: Model, storage: Any) -> None:
        self.index = index
        self.server = server
        self.model = model
        self.storage = storage
        self.rng = random.Random(1000 + index)
        self.http = httpx.Client(base_url=server.base_url, timeout=60.0)
        self.my_pairs = [
            (a, b)
            for i, a in enumerate(KEYS)
            for j, b in enumerate(KEYS)
            if a != b and owner_of_pair(i, j) == index
        ]
        self.my_accounts = [k for i, k in enumerate(KEYS) if owner_of_account(i) == index]
        self.cli_relinks = 1 if index == 5 else 0
        self.version = 0

    def check(self, response: httpx.Response, what: str) -> httpx.Response:
        self.model.statuses.append(response.status_code)
        if response.status_code >= 500:
            self.model.problem(f"{what}: HTTP {response.status_code} {response.text[:200]}")
        elif response.headers.get("content-type", "").startswith("application/json"):
            body = response.json()
            if isinstance(body, dict) and body.get("code") == -1:
                self.model.problem(f"{what}: internal error {body}")
        return response

    def run(self) -> None:
        try:
            for _ in range(OPS_PER_CLIENT):
                self.step()
        except Exception as exc:  # reported by the test, with the client's number
            self.model.problem(f"client {self.index}: {exc!r}")
        finally:
            self.http.close()

    def step(self) -> None:
        roll = self.rng.random()
        if roll < 0.4 or not (self.my_pairs or self.my_accounts):
            self.read()
        elif roll < 0.65 and self.my_pairs:
            self.toggle_favorite()
        elif roll < 0.8 and self.my_accounts:
            self.rename()
        elif self.my_accounts:
            self.change_link()
        else:
            self.read()

    # --- reads ---------------------------------------------------------------------------

    def read(self) -> None:
        key = self.rng.choice(KEYS)
        response = self.check(
            self.http.get("/v1/api/talk/friends", params={"limit": 100},
                          headers=bearer(self.model.token(key))),
            f"friends of {key}",
        )
        if response.status_code == 200:
            body = response.json()
            elements = body["elements"]
            ids = [e["id"] for e in elements]
            if body["total_count"] != len(elements) or len(set(ids)) != len(ids):
                self.model.problem(f"torn page of {key}: {body}")
            if body["favorite_count"] != sum(1 for e in elements if e["favorite"]):
                self.model.problem(f"favorite_count of {key} disagrees: {body}")
        elif response.status_code not in (401, 403):
            self.model.problem(f"friends of {key}: {response.status_code} {response.text}")

    # --- writes --------------------------------------------------------------------------

    def toggle_favorite(self) -> None:
        owner, other = self.rng.choice(self.my_pairs)
        value = not self.model.favorite[(owner, other)]
        if self.index >= 6:
            # A writer in this process, on the same database, beside the servers.
            def work() -> None:
                with transaction(self.storage) as s:
                    friends.set_friend(s, owner, other, {"favorite": value})

            run_with_retry(work)
        else:
            response = self.check(
                self.http.put(f"/_talksocial/accounts/{owner}/friends/{other}",
                              json={"favorite": value}),
                f"favorite {owner}->{other}",
            )
            assert response.status_code == 200, response.text
        with self.model.lock:
            self.model.favorite[(owner, other)] = value

    def rename(self) -> None:
        key = self.rng.choice(self.my_accounts)
        self.version += 1
        # Mixed scripts: the sort keys of every list the account is in change.
        nickname = self.rng.choice(["가", "Zed", "ん", "9", "😀", "a"]) + f" {key} v{self.version}"
        response = self.check(
            self.http.put(f"/_talksocial/accounts/{key}/profile", json={"nickname": nickname}),
            f"rename {key}",
        )
        assert response.status_code == 200, response.text
        with self.model.lock:
            self.model.nickname[key] = nickname

    def change_link(self) -> None:
        key = self.rng.choice(self.my_accounts)
        state = self.model.state[key]
        tok = self.model.token(key)
        if state == "full" and self.rng.random() < 0.5:
            response = self.check(
                self.http.post("/v2/user/revoke/scopes", data={"scopes": '["friends"]'},
                               headers=bearer(tok)),
                f"revoke {key}",
            )
            assert response.status_code == 200, response.text
            new_state, new_token = "no-friends", tok
        elif state == "no-friends" and self.rng.random() < 0.5:
            response = self.check(
                self.http.put(f"/_talksocial/links/{APP}/{key}/scopes",
                              json={"scopes": LISTABLE}),
                f"consent {key}",
            )
            assert response.status_code == 200, response.text
            new_state, new_token = "full", tok
        elif state in ("full", "no-friends"):
            response = self.check(
                self.http.post("/v1/user/unlink", headers=bearer(tok)), f"unlink {key}"
            )
            assert response.status_code == 200, response.text
            new_state, new_token = "unlinked", tok
        elif self.cli_relinks:
            self.cli_relinks -= 1
            result = subprocess.run(
                [*talksocial_command(), "token", "issue", "--app", str(APP), "--account", key,
                 "--scopes", ",".join(LISTABLE), "--database", self.server.database_url],
                capture_output=True, text=True, timeout=120,
            )
            assert result.returncode == 0, result.stderr
            new_state, new_token = "full", result.stdout.strip()
        else:
            response = self.check(
                self.http.post("/_talksocial/tokens",
                               json={"app": APP, "account": key, "scopes": LISTABLE}),
                f"relink {key}",
            )
            assert response.status_code == 201, response.text
            new_state, new_token = "full", response.json()["access_token"]
        with self.model.lock:
            self.model.state[key] = new_state
            self.model.tokens[key] = new_token


def expected_friends(model: Model, owner: str) -> dict[str, tuple[str, bool]]:
    return {
        other: (model.nickname[other], model.favorite[(owner, other)])
        for other in KEYS
        if other != owner and model.state[other] == "full"
    }


def test_eight_clients_two_workers_no_lost_write(
    make_live_server: Callable[..., LiveServer],
) -> None:
    server = make_live_server(seed=hammer_world(), workers=2)
    model = Model()
    engine = make_engine(server.database_url, pool_size=2)
    try:
        storage = make_sessionmaker(engine)
        clients = [Client(i, server, model, storage) for i in range(CLIENTS)]
        threads = [threading.Thread(target=c.run) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=600)
        assert not any(t.is_alive() for t in threads)
        assert model.problems == [], model.problems[:10]
        assert all(status < 500 for status in model.statuses)
        assert len(model.statuses) >= CLIENTS * OPS_PER_CLIENT * 0.8

        # The world as the API now shows it is the one the writes made.
        user_ids: dict[str, int] = {}
        for key in KEYS:
            response = server.get("/v1/api/talk/friends", params={"limit": 100},
                                  headers=bearer(model.tokens[key]))
            state = model.state[key]
            if state == "unlinked":
                assert response.status_code == 401, (key, response.text)
                continue
            if state == "no-friends":
                assert response.status_code == 403, (key, response.text)
                assert response.json()["code"] == -402
                continue
            assert response.status_code == 200, (key, response.text)
            body = response.json()
            expected = expected_friends(model, key)
            seen = {e["uuid"]: (e["profile_nickname"], e["favorite"]) for e in body["elements"]}
            assert body["total_count"] == len(expected), (key, body)
            assert body["favorite_count"] == sum(f for _, f in expected.values())
            assert sorted(seen.values()) == sorted(expected.values()), (key, seen, expected)
            info = server.get("/v1/user/access_token_info", headers=bearer(model.tokens[key]))
            user_ids[key] = info.json()["id"]
        assert len(set(user_ids.values())) == len(user_ids)

        # The stored invariants, straight from the database.
        with engine.connect() as conn:
            counts = {
                (r[0], r[1]): (r[2], r[3])
                for r in conn.execute(text(
                    "SELECT app_id, owner_id, total_count, favorite_count FROM friend_counts"))
            }
            rows: dict[tuple[int, int], tuple[int, int]] = {}
            for r in conn.execute(text(
                "SELECT app_id, owner_id, count(*), sum(favorite) FROM friend_rows "
                "GROUP BY app_id, owner_id"
            )):
                rows[(r[0], r[1])] = (r[2], r[3])
            for pair, (total, favorites) in counts.items():
                assert rows.get(pair, (0, 0)) == (total, favorites or 0), pair
            assert set(rows) <= set(counts)
            for column in ("user_id", "uuid"):
                dupes = conn.execute(text(
                    f"SELECT app_id, {column} FROM links GROUP BY app_id, {column} "
                    "HAVING count(*) > 1")).all()
                assert dupes == []
            linked = {r[0] for r in conn.execute(text(
                "SELECT a.key FROM links l JOIN accounts a ON a.id = l.account_id"))}
            assert linked == {k for k in KEYS if model.state[k] != "unlinked"}
            agreed = {
                r[0]: json.loads(r[1])
                for r in conn.execute(text(
                    "SELECT a.key, l.scopes FROM links l JOIN accounts a ON a.id = l.account_id"))
            }
            for key, scopes in agreed.items():
                assert scopes == (LISTABLE if model.state[key] == "full" else NO_FRIENDS), key
    finally:
        engine.dispose()
