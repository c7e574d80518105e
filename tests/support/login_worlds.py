"""The world the login tests run against."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tests.support.worlds import account, app, friend, link, world

SPLIT_LOGIN = {
    "profile_nickname": "required",
    "profile_image": "optional",
    "friends": "optional",
    "account_email": "optional",
    "openid": "optional",
}
XSS = "<script>alert(1)</script>"
RYAN_PASSWORD = "ryan's password"

APP = 3001  # split items, no client secret
SECRET_APP = 3002  # legacy profile item, a client secret
OTHER_APP = 3003  # same redirect URI as APP, another key
QUERY_APP = 3004  # a redirect URI that has a query of its own
XSS_APP = 3005  # an app name with markup in it

CLIENT = f"rk-{APP}"
SECRET_CLIENT = f"rk-{SECRET_APP}"
OTHER_CLIENT = f"rk-{OTHER_APP}"
QUERY_CLIENT = f"rk-{QUERY_APP}"
XSS_CLIENT = f"rk-{XSS_APP}"
CLIENT_SECRET = "s3cret-of-3002"
RYAN_ACCOUNT_PROFILE = {
    "nickname": "Ryan Kakao",
    "profile_image_url": "https://img.example/ryan-account_640.jpg",
    "thumbnail_url": "https://img.example/ryan-account_110.jpg",
    "email": "ryan@example.com",
}
QUERY_CALLBACK = "http://localhost:3000/cb?tenant=a&x=1"


FRESH_ACCOUNTS = 40


def fresh_accounts() -> Iterator[str]:
    """Keys of accounts no test has used yet on a module's shared server: each test takes its
    own, so that tests stay independent of each other and of their order."""
    return (f"user{i:02d}" for i in range(FRESH_ACCOUNTS))


def login_world(redirect_uri: str | None = None) -> dict[str, Any]:
    uris = ["http://localhost:3000/callback"] + ([redirect_uri] if redirect_uri else [])
    apps = [
        app(APP, SPLIT_LOGIN, redirect_uris=uris),
        app(
            SECRET_APP, {"profile": "optional", "friends": "optional"}, client_secret=CLIENT_SECRET
        ),
        app(OTHER_APP, SPLIT_LOGIN),
        app(QUERY_APP, SPLIT_LOGIN, redirect_uris=[QUERY_CALLBACK]),
        {**app(XSS_APP, SPLIT_LOGIN), "name": f"Evil {XSS} app"},
    ]
    accounts = [
        account(
            "ryan",
            "Ryan",
            password=RYAN_PASSWORD,
            account_profile=RYAN_ACCOUNT_PROFILE,
            friends=[friend("jordy"), friend("apeach", favorite=True)],
        ),
        account("apeach", "Apeach", friends=[friend("ryan")]),
        account("jordy", "Jordy", friends=[friend("ryan")]),
        account("muzi", "Muzi", images=False),
        account("mallory", XSS),
    ]
    accounts += [account(key, key.title()) for key in fresh_accounts()]
    links = [
        link(APP, "jordy", 501, ["profile_nickname", "profile_image", "friends"]),
        link(APP, "apeach", 502, ["profile_nickname", "friends"]),
    ]
    return world(apps, accounts, links, [])
