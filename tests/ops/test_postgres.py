"""PostgreSQL answers byte for byte what SQLite answers (runs in the PostgreSQL pass of
`make test`, where TALKSOCIAL_TEST_POSTGRES_URL is set; skipped otherwise).

Sort keys are bytes (bytea on PostgreSQL, BLOB on SQLite) compared as bytes on both, so one
world walked page by page in every order and language gives the same bytes on both."""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.support.server import ENV_TEST_POSTGRES, Server
from tests.support.worlds import account, app, bearer, friend, kakao_ak, link, token, world

pytestmark = pytest.mark.skipif(
    not os.environ.get(ENV_TEST_POSTGRES), reason="the PostgreSQL pass only"
)

APP = 7201
PUBLIC = "http://talksocial.test"
FRIENDS = 600
#: Hangul, Latin of both cases, digits, kana, emoji, punctuation, a space, a combining mark.
PIECES = list("가나다라마바사아자차카타파하각힣") + list("AaBbZz") + list("0129") \
    + list("あアんン") + ["😀", "🐻", "★", "!", "_", "-", " ", "é", "e\u0301", "中", "ß"]


def mixed_world() -> dict[str, Any]:
    rng = random.Random(7201)
    accounts = []
    links = [link(APP, "owner", 1)]
    entries = []
    for i in range(FRIENDS):
        key = f"f{i:03d}"
        nickname = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 4)))
        if i % 50 == 0:
            nickname = "Same name"  # ties broken by user_id
        accounts.append(account(key, nickname, images=i % 3 != 0))
        entries.append(friend(key, favorite=i % 7 == 0, hidden=i % 97 == 5))
        scopes = ["profile_nickname", "friends"] if i % 11 == 0 else None
        links.append(link(APP, key, 5000 - i * 3, scopes))
    accounts.insert(0, account("owner", "Owner", friends=entries))
    return world([app(APP)], accounts, links, [token(APP, "owner", "tok-owner")])


def local(server: Server, url: str) -> str:
    parts = urlsplit(url)
    return f"{server.base_url}{parts.path}?{parts.query}"


def transcript(server: Server) -> list[bytes]:
    """Every page of every walk, and a few other answers, as raw bytes."""
    out: list[bytes] = []
    with server.client() as client:
        for lang in ("ko", "en"):
            headers = bearer("tok-owner")
            if lang == "en":
                headers["KA"] = "sdk/1.0 os/test lang/en-US"
            for order in ("asc", "desc"):
                for friend_order in ("favorite", "nickname"):
                    url: str | None = (
                        f"{server.base_url}/v1/api/talk/friends?limit=37&order={order}"
                        f"&friend_order={friend_order}"
                    )
                    while url:
                        response = client.get(url, headers=headers)
                        assert response.status_code == 200, response.text
                        out.append(response.content)
                        after = response.json().get("after_url")
                        url = local(server, after) if after else None
        out.append(client.get(f"{server.base_url}/v1/api/talk/profile",
                              headers=bearer("tok-owner")).content)
        out.append(client.post(
            f"{server.base_url}/v2/api/talk/profiles", headers=kakao_ak(f"ak-{APP}"),
            data={"target_ids": str([5000 - i * 3 for i in range(0, 60, 7)]),
                  "target_id_type": "user_id", "viewer_id": "1", "viewer_id_type": "user_id"},
        ).content)
    return out


def test_sqlite_and_postgresql_answer_the_same_bytes(
    make_server: Callable[..., Server], tmp_path: Path
) -> None:
    seed = mixed_world()
    args = ["--public-url", PUBLIC]
    pg = make_server(seed=seed, extra_args=args)
    assert pg.database_url.startswith("postgresql")
    lite = make_server(seed=seed, extra_args=args,
                       database_url=f"sqlite:///{tmp_path / 'same-world.db'}")
    on_pg, on_lite = transcript(pg), transcript(lite)
    assert len(on_pg) == len(on_lite) > 4 * (FRIENDS // 37)
    for i, (a, b) in enumerate(zip(on_pg, on_lite, strict=True)):
        assert a == b, (i, a[:400], b[:400])
