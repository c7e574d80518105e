"""The one drawer of app-scoped ids: every writer's user ids and uuids look alike, skip the ones
taken, and the generator's seeded bits give the same ids run after run."""

from __future__ import annotations

import random
import re

from talksocial.storage.ids import USER_ID_BASE, new_user_id, new_uuid


def test_a_user_id_is_the_base_plus_forty_random_bits() -> None:
    for _ in range(200):
        user_id = new_user_id(lambda _candidate: False)
        assert USER_ID_BASE <= user_id < USER_ID_BASE + 2**40


def test_a_uuid_is_32_url_safe_characters_as_token_urlsafe_24() -> None:
    for _ in range(200):
        assert re.fullmatch(r"[A-Za-z0-9_-]{32}", new_uuid(lambda _candidate: False))


def test_taken_ids_are_skipped() -> None:
    bits = iter([5, 5, 7])
    taken = {USER_ID_BASE + 5}
    assert new_user_id(taken.__contains__, lambda _n: next(bits)) == USER_ID_BASE + 7
    draws = iter([0, 0, 1])
    taken_uuids = {"A" * 32}
    assert new_uuid(taken_uuids.__contains__, lambda _n: next(draws)) == "A" * 31 + "B"


def test_seeded_bits_give_the_same_ids() -> None:
    first, second = random.Random("seed"), random.Random("seed")
    assert [new_user_id(lambda _c: False, first.getrandbits) for _ in range(5)] == [
        new_user_id(lambda _c: False, second.getrandbits) for _ in range(5)
    ]
    assert new_uuid(lambda _c: False, first.getrandbits) == new_uuid(
        lambda _c: False, second.getrandbits
    )
