"""Walking the friends list by `after_url` (docs/reference/friends.md): every listable friend exactly once, in
the declared order, with consistent counts and URLs on every page.

The property test runs one server for all its examples: each example adds its own owner and
friends to that server's database with the real seed loader (the upsert of docs/reference/seed-format.md, as
`talksocial seed` does), then walks the list over HTTP. The expected order comes from an
independent model of the rules of docs/reference/friends.md, restricted to an alphabet where they are simple.
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from talksocial.storage.db import make_engine, make_sessionmaker, transaction
from talksocial.storage.seed import load_world
from tests.support.inprocess import start_inprocess_server
from tests.support.server import Server
from tests.support.worlds import account, app, bearer, expect, friend, link, token, world

PATH = "/v1/api/talk/friends"
APP = 70

# --- an independent model of the order, for nicknames over a small alphabet ------------------

HANGUL = "가나다"
LATIN = "abcABC"
DIGITS = "019"
SPECIAL = "-#"
ALPHABET = HANGUL + LATIN + DIGITS + SPECIAL

# docs/reference/friends.md group order: Korean: Hangul, special, numbers, English; English: special, numbers,
# English, (Japanese), Korean.
RANKS = {
    "ko": {"hangul": 0, "special": 1, "digit": 2, "latin": 3},
    "en": {"special": 0, "digit": 1, "latin": 2, "hangul": 4},
}


def _element(ch: str, lang: str) -> tuple[int, int]:
    if ch in HANGUL:
        # Precomposed syllables in code point order are in dictionary (가나다) order.
        return RANKS[lang]["hangul"], ord(ch)
    if ch in DIGITS:
        return RANKS[lang]["digit"], int(ch)
    if ch in LATIN:
        return RANKS[lang]["latin"], ord(ch.casefold())
    assert ch in SPECIAL
    return RANKS[lang]["special"], ord(ch)


def sort_key(nickname: str, user_id: int, lang: str) -> tuple[Any, ...]:
    """Character by character by (group, key); full ties by code points, then by id."""
    return (
        tuple(_element(ch, lang) for ch in nickname),
        tuple(ord(ch) for ch in nickname),
        user_id,
    )


@dataclass(frozen=True)
class Friend:
    user_id: int
    nickname: str
    favorite: bool


def expected_order(
    friends: list[Friend], lang: str, order: str, friend_order: str | None
) -> list[int]:
    def ordered(group: list[Friend]) -> list[Friend]:
        asc = sorted(group, key=lambda f: sort_key(f.nickname, f.user_id, lang))
        return asc if order == "asc" else asc[::-1]

    if friend_order == "nickname":
        result = ordered(friends)
    else:
        result = ordered([f for f in friends if f.favorite]) + ordered(
            [f for f in friends if not f.favorite]
        )
    return [f.user_id for f in result]


def test_model_matches_spec_examples() -> None:
    # The model itself, on the rules of docs/reference/friends.md: groups, case-insensitivity, code-point tie-break.
    def names(ns: list[str], lang: str) -> list[str]:
        return sorted(ns, key=lambda n: sort_key(n, 0, lang))

    ns = ["b", "가", "-", "1", "A", "a", "다"]
    assert names(ns, "ko") == ["가", "다", "-", "1", "A", "a", "b"]
    assert names(ns, "en") == ["-", "1", "A", "a", "b", "가", "다"]
    assert names(["10", "9"], "ko") == ["10", "9"]  # no number parsing


# --- walking ----------------------------------------------------------------------------------


def _params(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def walk(
    client: httpx.Client,
    tok: str,
    *,
    limit: int,
    order: str,
    friend_order: str | None,
    lang: str,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Follows after_url from the first page; returns (all elements, all page bodies), checking
    each page's URLs against docs/reference/friends.md on the way."""
    headers = bearer(tok)
    if lang == "en":
        headers["KA"] = "sdk/1.0 os/test lang/en-US"
    first: dict[str, str | int] = {"limit": limit, "order": order}
    if friend_order is not None:
        first["friend_order"] = friend_order
    response = client.get(PATH, params=first, headers=headers)
    elements: list[dict[str, Any]] = []
    pages: list[dict[str, Any]] = []
    offset = 0
    while True:
        body = expect(response, 200)
        pages.append(body)
        elements += body["elements"]
        total = body["total_count"]
        expected_tail = {"limit": str(limit), "order": order}
        if friend_order is not None:
            expected_tail["friend_order"] = friend_order
        if offset > 0:
            assert _params(body["before_url"]) == {
                "offset": str(max(0, offset - limit)),
                **expected_tail,
            }
        else:
            assert "before_url" not in body
        if offset + limit < total:
            assert len(body["elements"]) == limit
            after = body["after_url"]
            assert after.startswith(str(client.base_url).rstrip("/") + PATH + "?")
            assert _params(after) == {"offset": str(offset + limit), **expected_tail}
            offset += limit
            response = client.get(after, headers=headers)
        else:
            assert "after_url" not in body
            assert len(body["elements"]) == max(0, total - offset)
            return elements, pages


# --- the property: random small lists ---------------------------------------------------------

STATUSES = ["listable"] * 6 + ["hidden", "blocked", "unlinked", "no_consent", "not_talk"]


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    entries = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "nickname": st.text(alphabet=ALPHABET, min_size=1, max_size=4),
                    "multi_nickname": st.none()
                    | st.text(alphabet=ALPHABET, min_size=1, max_size=4),
                    "favorite": st.booleans(),
                    "status": st.sampled_from(STATUSES),
                }
            ),
            max_size=30,
        )
    )
    return {
        "entries": entries,
        "limit": draw(st.integers(min_value=1, max_value=12)),
        "order": draw(st.sampled_from(["asc", "desc"])),
        "friend_order": draw(st.sampled_from([None, "favorite", "nickname"])),
        "lang": draw(st.sampled_from(["ko", "en"])),
    }


@pytest.fixture(scope="module")
def walk_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    seed = world(apps=[app(APP)], accounts=[], links=[], tokens=[])
    server = start_inprocess_server(tmp_path_factory.mktemp("walk"), seed=seed)
    try:
        yield server
    finally:
        server.stop()
        assert "Traceback" not in server.log(), server.log()


@pytest.fixture(scope="module")
def add_world(walk_server: Server) -> Iterator[Callable[[dict[str, Any]], None]]:
    """Loads a seed document into the running server's database (the real loader, one
    transaction, as `talksocial seed --database` does)."""
    engine = make_engine(walk_server.database_url)
    sessions = make_sessionmaker(engine)

    def add(data: dict[str, Any]) -> None:
        with transaction(sessions) as session:
            load_world(session, data)

    try:
        yield add
    finally:
        engine.dispose()


_example_ids = itertools.count(1)


def build_owner(n: int, entries: list[dict[str, Any]]) -> tuple[dict[str, Any], list[Friend]]:
    """A seed document adding owner `o{n}` and its friends; returns it and the listable ones."""
    owner = f"o{n}"
    base = n * 1000
    accounts: list[dict[str, Any]] = []
    links = [link(APP, owner, base)]
    owner_friends: list[dict[str, Any]] = []
    listable: list[Friend] = []
    for i, e in enumerate(entries):
        key = f"o{n}-f{i}"
        user_id = base + 1 + i
        status = e["status"]
        acc = account(key, e["nickname"], talk_user=status != "not_talk")
        if e["multi_nickname"] is not None:
            acc["friends"] = [friend(owner)]
            acc["multi_profiles"] = [
                {"key": "mp", "nickname": e["multi_nickname"], "shown_to": [owner]}
            ]
        accounts.append(acc)
        owner_friends.append(
            friend(
                key,
                favorite=e["favorite"],
                hidden=status == "hidden",
                blocked=status == "blocked",
            )
        )
        if status == "no_consent":
            links.append(link(APP, key, user_id, ["profile_nickname"]))
        elif status != "unlinked":
            links.append(link(APP, key, user_id))
        if status == "listable":
            shown = e["multi_nickname"] if e["multi_nickname"] is not None else e["nickname"]
            listable.append(Friend(user_id, shown, e["favorite"]))
    accounts.insert(0, account(owner, "Owner", friends=owner_friends))
    seed = world(
        apps=[], accounts=accounts, links=links, tokens=[token(APP, owner, f"tok-{owner}")]
    )
    return seed, listable


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios())
def test_walk_returns_every_friend_once_in_order(
    walk_server: Server,
    add_world: Callable[[dict[str, Any]], None],
    scenario: dict[str, Any],
) -> None:
    n = next(_example_ids)
    seed, listable = build_owner(n, scenario["entries"])
    add_world(seed)
    with walk_server.client() as client:
        elements, pages = walk(
            client,
            f"tok-o{n}",
            limit=scenario["limit"],
            order=scenario["order"],
            friend_order=scenario["friend_order"],
            lang=scenario["lang"],
        )
    want = expected_order(listable, scenario["lang"], scenario["order"], scenario["friend_order"])
    ids = [e["id"] for e in elements]
    assert len(ids) == len(set(ids))
    assert ids == want
    by_id = {f.user_id: f for f in listable}
    for e in elements:
        assert e["profile_nickname"] == by_id[e["id"]].nickname
        assert e["favorite"] is by_id[e["id"]].favorite
        assert e["uuid"] == f"uuid-o{n}-f{e['id'] - n * 1000 - 1}-{APP}"
    favorites = sum(f.favorite for f in listable)
    for body in pages:
        assert body["total_count"] == len(listable)
        assert body["favorite_count"] == favorites


# --- one owner with 10,000 listable friends ---------------------------------------------------

BIG = 10_000


def _big_world() -> tuple[dict[str, Any], list[Friend]]:
    rng = random.Random(20240611)
    accounts: list[dict[str, Any]] = []
    links = [link(APP, "big", 1)]
    owner_friends: list[dict[str, Any]] = []
    listable: list[Friend] = []
    for i in range(BIG):
        key = f"f{i}"
        nickname = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 5)))
        favorite = i % 97 == 0
        accounts.append({"key": key, "profile": {"nickname": nickname}})
        owner_friends.append({"account": key, "favorite": favorite})
        links.append(
            {"app": APP, "account": key, "user_id": 10 + i, "uuid": f"u{i}", "scopes": ["friends"]}
        )
        listable.append(Friend(10 + i, nickname, favorite))
    # A few entries that must not be listed or counted.
    for i in range(20):
        key = f"h{i}"
        accounts.append({"key": key, "profile": {"nickname": "a"}})
        owner_friends.append({"account": key, "hidden": True, "favorite": True})
        links.append({"app": APP, "account": key, "user_id": 100_000 + i, "scopes": ["friends"]})
    accounts.insert(0, {"key": "big", "profile": {"nickname": "Big"}, "friends": owner_friends})
    seed = world(
        apps=[app(APP)], accounts=accounts, links=links, tokens=[token(APP, "big", "tok-big")]
    )
    return seed, listable


def test_walk_of_ten_thousand_friends(make_server: Callable[..., Server]) -> None:
    seed, listable = _big_world()
    # Speed targets live in `make bench`, not in timed tests: this one checks the walk only.
    server = make_server(seed=seed)
    with server.client() as client:
        elements, pages = walk(
            client, "tok-big", limit=100, order="asc", friend_order=None, lang="ko"
        )
    assert len(pages) == 100
    ids = [e["id"] for e in elements]
    assert len(ids) == BIG and len(set(ids)) == BIG
    assert ids == expected_order(listable, "ko", "asc", None)
    favorites = sum(f.favorite for f in listable)
    for body in pages:
        assert body["total_count"] == BIG
        assert body["favorite_count"] == favorites
    assert json.dumps(pages[-1]).count("after_url") == 0

    # The same list the other way round: English order, by nickname, descending.
    with server.client() as client:
        elements, pages = walk(
            client, "tok-big", limit=100, order="desc", friend_order="nickname", lang="en"
        )
    assert len(pages) == 100
    assert [e["id"] for e in elements] == expected_order(listable, "en", "desc", "nickname")
