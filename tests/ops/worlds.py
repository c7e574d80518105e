"""Small worlds for the operations tests."""

from __future__ import annotations

from typing import Any

from tests.support.worlds import account, app, friend, link, token, world

APP = 7001
CLIENT = f"rk-{APP}"
TOKEN = "ops-token-ryan"
LOGIN_ITEMS = {"profile_nickname": "required", "profile_image": "optional", "friends": "optional"}


def small_world() -> dict[str, Any]:
    """Ryan with three listable friends and a token; accounts that can log in."""
    names = ["apeach", "jordy", "muzi"]
    accounts = [account("ryan", "Ryan", friends=[friend(n) for n in names])]
    accounts += [account(n, n.title(), friends=[friend("ryan")]) for n in names]
    accounts += [account(f"login{i}", f"Login {i}") for i in range(4)]
    links = [link(APP, "ryan", 100)] + [link(APP, n, 101 + i) for i, n in enumerate(names)]
    return world(
        [app(APP, LOGIN_ITEMS)], accounts, links, [token(APP, "ryan", TOKEN)]
    )
