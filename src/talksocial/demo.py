"""The built-in demo world (`talksocial serve --demo`): it reproduces every sample of the seed
document, with fixed, documented credentials so the README's curl lines paste as they are.

| credential | what it is |
|---|---|
| `demo-access-token` | Muzi in app 1001: 11 listable friends, Apeach the one favorite |
| `demo-token-ryan-full` | Ryan (id 1234567) in app 2001, agreed to `profile` |
| `demo-token-ryan-nickname` | Ryan in app 2002, agreed to `profile_nickname` only |
| `demo-token-ryan-image` | Ryan in app 2003, agreed to `profile_image` only |
| `demo-token-ryan-none` | Ryan in app 2004, agreed to no profile item |
| `demo-token-not-talk` | an account of app 1001 not linked to Kakao Talk |
| `demo-token-no-friends-consent` | Dana in app 1001, linked without the `friends` item |
| `demo-token-expired` | Muzi in app 1001, already expired |
| `demo-token-neo` | Neo in app 1001: friends in every script, to see ko/en ordering |
| `demo-admin-key` | admin key of app 1001 (viewer 12345, targets 9876 and 5432) |
| `demo-admin-key-nickname-only` | admin key of app 1002 (target 9876 agreed to nickname only) |

For the Talk Message API, Muzi, Apeach, Ryan and Jordy agreed to `talk_message` in app 1001
(Muzi's other friends did not: a send to them fails with -530); Vivi (`abcdefg0006`) also
refuses the app's messages; app 1001 registers the web
domain `http://localhost:3000` and the custom templates 1234 (a feed with `${name}` and
`${product}`) and 5678 (a text with `${name}`).
| `demo-javascript-key` | JavaScript key of app 1001 (web domains `http://localhost:3000`, `http://127.0.0.1:3000`) |
| `demo-native-app-key` | native app key of app 1001 (redirect `kakaodemo-native-app-key://oauth`) |
"""

from __future__ import annotations

import copy
from typing import Any

from talksocial.domain.avatars import avatar_path

DEMO_ACCESS_TOKEN = "demo-access-token"
DEMO_ADMIN_KEY = "demo-admin-key"
DEMO_REST_API_KEY = "demo-rest-api-key"
DEMO_JAVASCRIPT_KEY = "demo-javascript-key"
DEMO_NATIVE_APP_KEY = "demo-native-app-key"
DEMO_APP_ID = 1001

_IMG = "https://xxx.kakao.co.kr/.../"
_V2_IMAGE = "http://yyy.kakao.com/dn/.../img_640x640.jpg"
_V2_THUMB = "http://yyy.kakao.com/.../img_110x110.jpg"

DEMO_MESSAGE_TEMPLATES: list[dict[str, Any]] = [
    {
        "id": 1234,
        "template_object": {
            "object_type": "feed",
            "content": {
                "title": "${name}, your ${product} is ready",
                "description": "Pick it up today at the counter.",
                "image_url": "http://localhost:3000/images/ready.png",
                "link": {"web_url": "http://localhost:3000/orders",
                         "mobile_web_url": "http://localhost:3000/orders"},
            },
            "buttons": [
                {"title": "See the order", "link": {"web_url": "http://localhost:3000/orders"}},
            ],
        },
    },
    {
        "id": 5678,
        "template_object": {
            "object_type": "text",
            "text": "Hello ${name}!",
            "link": {"web_url": "http://localhost:3000", "mobile_web_url": "http://localhost:3000"},
        },
    },
]

_SPLIT_OPTIONAL = {"profile_nickname": "optional", "profile_image": "optional"}


def _account(key: str, nickname: str, thumb: str | None = None, **extra: Any) -> dict[str, Any]:
    profile: dict[str, Any] = {"nickname": nickname}
    if thumb is not None:
        profile["profile_image_url"] = _IMG + thumb.replace(".jpg", "_640.jpg")
        profile["thumbnail_url"] = _IMG + thumb
    return {"key": key, "profile": profile, **extra}


# Muzi's other eight listable friends sort after Apeach, Jordy and Ryan in both orders, so the
# first page of three holds the seed sample's friends.
_MORE_FRIENDS = [
    ("scappy", "Scappy", 4),
    ("tube", "Tube", 5),
    ("vivi", "Vivi", 6),
    ("winnie", "Winnie", 7),
    ("yuri", "Yuri", 8),
    ("zeze", "Zeze", 9),
    ("neko", "ネコ", 10),
    ("piyo", "🐥 Piyo", 11),
]

# Neo's friends show the two orders of docs/reference/friends.md: Korean first with KA lang/ko (or no KA),
# special characters, numbers and Latin first with lang/en.
_NEO_FRIENDS = [
    ("choonsik", "춘식이", 21),
    ("frodo", "Frodo", 22),
    ("kon", "콘", 23),
    ("seven", "7seven", 24),
    ("ten", "10ten", 25),
    ("star", "★Star", 26),
    ("dash", "-dash-", 27),
    ("sakura", "さくら", 28),
    ("ivan", "Иван", 29),
]


def _build() -> dict[str, Any]:
    app_1001_items = {
        "profile_nickname": "required",
        "profile_image": "optional",
        "friends": "optional",
        "talk_message": "optional",
        "account_email": "optional",
        "openid": "optional",
    }
    apps = [
        {
            "id": DEMO_APP_ID,
            "name": "talksocial demo",
            "rest_api_key": DEMO_REST_API_KEY,
            "admin_key": DEMO_ADMIN_KEY,
            "javascript_key": DEMO_JAVASCRIPT_KEY,
            "native_app_key": DEMO_NATIVE_APP_KEY,
            "redirect_uris": [
                "http://localhost:3000/callback",
                "http://127.0.0.1:3000/callback",
            ],
            "logout_redirect_uris": ["http://localhost:3000/", "http://127.0.0.1:3000/"],
            "web_domains": ["http://localhost:3000", "http://127.0.0.1:3000"],
            "consent_items": app_1001_items,
            "message_templates": DEMO_MESSAGE_TEMPLATES,
        },
        {
            "id": 1002,
            "name": "nickname-only demo",
            "rest_api_key": "demo-rest-api-key-nickname-only",
            "admin_key": "demo-admin-key-nickname-only",
            "javascript_key": "demo-javascript-key-nickname-only",
            "native_app_key": "demo-native-app-key-nickname-only",
            "redirect_uris": ["http://localhost:3000/callback"],
            "consent_items": {"profile_nickname": "required"},
        },
        {
            "id": 2001,
            "name": "legacy profile demo",
            "rest_api_key": "demo-rest-api-key-2001",
            "admin_key": "demo-admin-key-2001",
            "javascript_key": "demo-javascript-key-2001",
            "native_app_key": "demo-native-app-key-2001",
            "redirect_uris": ["http://localhost:3000/callback"],
            "consent_items": {"profile": "optional"},
        },
    ] + [
        {
            "id": app_id,
            "name": name,
            "rest_api_key": f"demo-rest-api-key-{app_id}",
            "admin_key": f"demo-admin-key-{app_id}",
            "javascript_key": f"demo-javascript-key-{app_id}",
            "native_app_key": f"demo-native-app-key-{app_id}",
            "redirect_uris": ["http://localhost:3000/callback"],
            "consent_items": dict(_SPLIT_OPTIONAL),
        }
        for app_id, name in (
            (2002, "nickname consent demo"),
            (2003, "image consent demo"),
            (2004, "no consent demo"),
        )
    ]

    muzi_friends: list[dict[str, Any]] = [
        {"account": "apeach", "favorite": True},
        {"account": "ryan"},
        {"account": "jordy"},
        *({"account": key} for key, _, _ in _MORE_FRIENDS),
        # Entries that are not listed (docs/reference/friends.md), so total_count stays 11:
        {"account": "hidden-friend", "hidden": True},
        {"account": "blocked-friend", "blocked": True},
        {"account": "not-linked-friend"},
        {"account": "no-consent-friend"},
        {"account": "not-talk-friend"},
    ]
    accounts: list[dict[str, Any]] = [
        _account(
            "muzi",
            "Muzi",
            "muzi.jpg",
            friends=muzi_friends,
            account_profile={
                "nickname": "Muzi",
                "profile_image_url": _IMG + "muzi_640.jpg",
                "thumbnail_url": _IMG + "muzi.jpg",
                "email": "muzi@example.com",
            },
        ),
        _account("apeach", "Apeach", "aaa.jpg"),
        {
            "key": "ryan",
            "profile": {
                "nickname": "Ryan",
                "profile_image_url": _IMG + "aaa.jpg",
                "thumbnail_url": _IMG + "bbb.jpg",
            },
            "friends": [{"account": "muzi"}, {"account": "apeach", "favorite": True}],
        },
        _account("jordy", "Jordy", "ccc.jpg", friends=[{"account": "muzi"}]),
    ]
    for key, nickname, _ in _MORE_FRIENDS:
        accounts.append(_account(key, nickname, f"{key}.jpg"))
    # Tube shows Muzi a multi-profile: Muzi lists Tube as "Tube (work)".
    tube = next(a for a in accounts if a["key"] == "tube")
    tube["friends"] = [{"account": "muzi"}]
    tube["multi_profiles"] = [
        {
            "key": "work",
            "nickname": "Tube (work)",
            "profile_image_url": _IMG + "tube_work_640.jpg",
            "thumbnail_url": _IMG + "tube_work.jpg",
            "shown_to": ["muzi"],
        }
    ]
    accounts += [
        _account("hidden-friend", "Hana (hidden)", "hana.jpg"),
        _account("blocked-friend", "Bora (blocked)", "bora.jpg"),
        _account("not-linked-friend", "Nari (not linked)", "nari.jpg"),
        _account("no-consent-friend", "Dana (no friends consent)", "dana.jpg"),
        _account("not-talk-friend", "Tara (not on Talk)", "tara.jpg", talk_user=False),
        _account("not-talk", "Kim (not on Talk)", "kim.jpg", talk_user=False),
        _account(
            "neo",
            "Neo",
            "neo.jpg",
            friends=[{"account": key} for key, _, _ in _NEO_FRIENDS],
        ),
    ]
    accounts += [_account(key, nickname, f"{key}.jpg") for key, nickname, _ in _NEO_FRIENDS]
    accounts += [
        {
            "key": "viewer-xxx",
            "profile": {
                "nickname": "xxx",
                "profile_image_url": _V2_IMAGE,
                "thumbnail_url": _V2_THUMB,
            },
            "friends": [{"account": "target-yyy"}, {"account": "target-zzz"}],
        },
        {
            "key": "target-yyy",
            "profile": {
                "nickname": "yyy",
                "profile_image_url": _V2_IMAGE,
                "thumbnail_url": _V2_THUMB,
            },
        },
        {
            "key": "target-zzz",
            "profile": {"nickname": "Zed", "profile_image_url": _V2_IMAGE, "thumbnail_url": _V2_THUMB},
            "friends": [{"account": "viewer-xxx"}],
            # What viewer 12345 sees of 5432 is this multi-profile (docs/reference/profiles.md).
            "multi_profiles": [
                {
                    "key": "for-xxx",
                    "nickname": "zzz",
                    "profile_image_url": _V2_IMAGE,
                    "thumbnail_url": _V2_THUMB,
                    "shown_to": ["viewer-xxx"],
                }
            ],
        },
    ]

    all_1001 = ["profile_nickname", "profile_image", "friends"]
    # Muzi and the friends of the seed's sample page may exchange Talk messages (docs/reference/messages.md).
    talk_1001 = [*all_1001, "talk_message"]
    links: list[dict[str, Any]] = [
        {"app": DEMO_APP_ID, "account": "muzi", "user_id": 1000, "uuid": "abcdefg0000",
         "scopes": talk_1001},
        {"app": DEMO_APP_ID, "account": "apeach", "user_id": 1, "uuid": "abcdefg0001",
         "scopes": talk_1001},
        {"app": DEMO_APP_ID, "account": "ryan", "user_id": 2, "uuid": "abcdefg0002",
         "scopes": talk_1001},
        {"app": DEMO_APP_ID, "account": "jordy", "user_id": 3, "uuid": "abcdefg0003",
         "scopes": talk_1001},
    ]
    links += [
        {"app": DEMO_APP_ID, "account": key, "user_id": uid, "uuid": f"abcdefg{uid:04d}",
         "scopes": all_1001, **({"accepts_messages": False} if key == "vivi" else {})}
        for key, _, uid in _MORE_FRIENDS + _NEO_FRIENDS
    ]
    links += [
        {"app": DEMO_APP_ID, "account": "hidden-friend", "user_id": 101, "uuid": "abcdefg0101",
         "scopes": all_1001},
        {"app": DEMO_APP_ID, "account": "blocked-friend", "user_id": 102, "uuid": "abcdefg0102",
         "scopes": all_1001},
        {"app": DEMO_APP_ID, "account": "no-consent-friend", "user_id": 104,
         "uuid": "abcdefg0104", "scopes": ["profile_nickname", "profile_image"]},
        {"app": DEMO_APP_ID, "account": "not-talk-friend", "user_id": 105, "uuid": "abcdefg0105",
         "scopes": all_1001},
        {"app": DEMO_APP_ID, "account": "not-talk", "user_id": 106, "uuid": "abcdefg0106",
         "scopes": all_1001},
        {"app": DEMO_APP_ID, "account": "neo", "user_id": 20, "uuid": "abcdefg0020",
         "scopes": all_1001},
        {"app": DEMO_APP_ID, "account": "viewer-xxx", "user_id": 12345, "uuid": "uuid-12345",
         "scopes": ["profile_nickname", "profile_image"]},
        {"app": DEMO_APP_ID, "account": "target-yyy", "user_id": 9876, "uuid": "uuid-9876",
         "scopes": ["profile_nickname", "profile_image"]},
        {"app": DEMO_APP_ID, "account": "target-zzz", "user_id": 5432, "uuid": "uuid-5432",
         "scopes": ["profile_nickname", "profile_image"]},
        {"app": 1002, "account": "target-yyy", "user_id": 9876, "uuid": "uuid-9876-1002",
         "scopes": ["profile_nickname"]},
        {"app": 2001, "account": "ryan", "user_id": 1234567, "uuid": "uuid-ryan-2001",
         "scopes": ["profile"]},
        {"app": 2002, "account": "ryan", "user_id": 1234567, "uuid": "uuid-ryan-2002",
         "scopes": ["profile_nickname"]},
        {"app": 2003, "account": "ryan", "user_id": 1234567, "uuid": "uuid-ryan-2003",
         "scopes": ["profile_image"]},
        {"app": 2004, "account": "ryan", "user_id": 1234567, "uuid": "uuid-ryan-2004",
         "scopes": []},
    ]
    # The "not linked" friend has no link to app 1001 on purpose.
    tokens = [
        {"app": DEMO_APP_ID, "account": "muzi", "access_token": DEMO_ACCESS_TOKEN,
         "expires_in": 10 * 365 * 86400},
        {"app": 2001, "account": "ryan", "access_token": "demo-token-ryan-full",
         "expires_in": 10 * 365 * 86400},
        {"app": 2002, "account": "ryan", "access_token": "demo-token-ryan-nickname",
         "expires_in": 10 * 365 * 86400},
        {"app": 2003, "account": "ryan", "access_token": "demo-token-ryan-image",
         "expires_in": 10 * 365 * 86400},
        {"app": 2004, "account": "ryan", "access_token": "demo-token-ryan-none",
         "expires_in": 10 * 365 * 86400},
        {"app": DEMO_APP_ID, "account": "not-talk", "access_token": "demo-token-not-talk",
         "expires_in": 10 * 365 * 86400},
        {"app": DEMO_APP_ID, "account": "no-consent-friend",
         "access_token": "demo-token-no-friends-consent", "expires_in": 10 * 365 * 86400},
        {"app": DEMO_APP_ID, "account": "muzi", "access_token": "demo-token-expired",
         "expires_in": 0},
        {"app": DEMO_APP_ID, "account": "neo", "access_token": "demo-token-neo",
         "expires_in": 10 * 365 * 86400},
    ]
    return {"apps": apps, "accounts": accounts, "links": links, "tokens": tokens}


_DEMO = _build()

#: Accounts whose image URLs the seed's samples (and the golden tests) spell out; every other
#: demo profile shows a server-drawn avatar when the world is served.
_LITERAL_IMAGES = {
    "muzi", "apeach", "ryan", "jordy", "scappy", "tube", "vivi",
    "viewer-xxx", "target-yyy", "target-zzz",
}


def _use_avatars(world: dict[str, Any], base_url: str) -> None:
    def point(profile: dict[str, Any]) -> None:
        if "profile_image_url" in profile:
            url = base_url.rstrip("/") + avatar_path(profile["nickname"])
            profile["profile_image_url"] = url
            profile["thumbnail_url"] = url

    for account in world["accounts"]:
        if account["key"] in _LITERAL_IMAGES:
            continue
        point(account["profile"])
        for mp in account.get("multi_profiles", []):
            point(mp)


def demo_world(avatar_base_url: str | None = None) -> dict[str, Any]:
    """A fresh copy of the demo seed document. With `avatar_base_url` (the served base URL),
    the profiles the seed's samples do not spell out point at the server's own placeholder
    avatars (`/_talksocial/avatars/{nickname}.svg`), which load offline."""
    world = copy.deepcopy(_DEMO)
    if avatar_base_url is not None:
        _use_avatars(world, avatar_base_url)
    return world
