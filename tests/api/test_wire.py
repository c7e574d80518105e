"""The wire encoders (api/wire.py), without a server: Kakao's field names, the omitted nulls,
and the stored-element page encoding equal to encoding the whole page."""

from __future__ import annotations

import json

import orjson
from hypothesis import given
from hypothesis import strategies as st

from talksocial.api import wire
from talksocial.domain.consent import (
    ACCOUNT_EMAIL,
    FRIENDS,
    PROFILE,
    PROFILE_IMAGE,
    PROFILE_NICKNAME,
    VisibleFields,
)

IMG, THUMB = "https://img/640.jpg", "https://img/110.jpg"
BOTH, NICK, IMAGE, NONE = (VisibleFields(True, True), VisibleFields(True, False),
                           VisibleFields(False, True), VisibleFields(False, False))


def test_talk_profile_is_camel_case_and_omits_what_is_not_visible() -> None:
    assert wire.talk_profile(7, BOTH, "Muzi", IMG, THUMB) == {
        "id": 7, "nickName": "Muzi", "profileImageURL": IMG, "thumbnailURL": THUMB}
    assert wire.talk_profile(7, NICK, "Muzi", IMG, THUMB) == {"id": 7, "nickName": "Muzi"}
    assert wire.talk_profile(7, IMAGE, "Muzi", IMG, None) == {"id": 7, "profileImageURL": IMG}
    assert wire.talk_profile(7, BOTH, "Muzi", None, None) == {"id": 7, "nickName": "Muzi"}
    assert wire.talk_profile(7, NONE, "Muzi", IMG, THUMB) == {"id": 7}
    # The key order is the wire's.
    assert list(wire.talk_profile(7, BOTH, "M", IMG, THUMB)) == [
        "id", "nickName", "profileImageURL", "thumbnailURL"]


def test_friend_element() -> None:
    element = wire.friend_element(3, "abc", "Jordy", THUMB, 1)
    assert element == {"profile_nickname": "Jordy", "profile_thumbnail_image": THUMB, "id": 3,
                       "uuid": "abc", "favorite": True}
    assert list(element) == ["profile_nickname", "profile_thumbnail_image", "id", "uuid",
                             "favorite"]
    assert wire.friend_element(3, "abc", "Jordy", None, 0) == {
        "profile_nickname": "Jordy", "id": 3, "uuid": "abc", "favorite": False}
    assert wire.friend_element_json(3, "abc", "Jordy", None, 0) == (
        b'{"profile_nickname":"Jordy","id":3,"uuid":"abc","favorite":false}')


def test_friends_page_orders_keys_and_omits_absent_urls() -> None:
    page = wire.friends_page([], 0, 0, None, None)
    assert page == {"elements": [], "total_count": 0, "favorite_count": 0}
    page = wire.friends_page((e for e in [{"id": 1}]), 11, 2, "b", "a")
    assert list(page) == ["elements", "total_count", "before_url", "after_url", "favorite_count"]
    assert page["elements"] == [{"id": 1}]


element_args = st.tuples(
    st.integers(1, 2**63 - 1),
    st.text(min_size=1, max_size=12),
    st.text(max_size=20),
    st.none() | st.text(max_size=30),
    st.integers(0, 1),
)


@given(
    elements=st.lists(element_args, max_size=6),
    total=st.integers(0, 10**6),
    favorites=st.integers(0, 10**6),
    before=st.none() | st.text(max_size=40),
    after=st.none() | st.text(max_size=40),
)
def test_the_page_from_stored_elements_is_the_page_encoded_whole(
    elements: list[tuple[int, str, str, str | None, int]],
    total: int,
    favorites: int,
    before: str | None,
    after: str | None,
) -> None:
    stored = b",".join(wire.friend_element_json(*args) for args in elements)
    whole = wire.friends_page(
        [wire.friend_element(*args) for args in elements], total, favorites, before, after
    )
    assert wire.friends_page_json(stored, total, favorites, before, after) == orjson.dumps(whole)
    assert json.loads(wire.friends_page_json(stored, total, favorites, before, after)) == whole


def test_talk_profile_info_is_snake_case() -> None:
    assert wire.talk_profile_info(5, BOTH, "Neo", IMG, THUMB) == {
        "user_id": 5, "nickname": "Neo", "profile_image_url": IMG, "thumbnail_image_url": THUMB}
    assert wire.talk_profile_info(5, NICK, "Neo", IMG, THUMB) == {"user_id": 5, "nickname": "Neo"}
    assert wire.talk_profile_info(5, IMAGE, "Neo", None, THUMB) == {
        "user_id": 5, "thumbnail_image_url": THUMB}
    assert wire.talk_profile_info(5, BOTH, None, None, None) == {"user_id": 5}
    # Not a Talk user: the id alone, whatever the scopes.
    assert wire.talk_profile_info(5, None, "Neo", IMG, THUMB) == {"user_id": 5}


def test_user_scopes_lists_the_apps_items_in_order() -> None:
    items = {FRIENDS: "optional", PROFILE_NICKNAME: "required", ACCOUNT_EMAIL: "optional"}
    body = wire.user_scopes(9, items, agreed=[PROFILE_NICKNAME, FRIENDS], only=None)
    assert body["id"] == 9
    assert [(s["id"], s["agreed"], s.get("revocable")) for s in body["scopes"]] == [
        (PROFILE_NICKNAME, True, False),
        (FRIENDS, True, True),
        (ACCOUNT_EMAIL, False, None),
    ]
    first = body["scopes"][0]
    assert first == {"id": PROFILE_NICKNAME, "display_name": "Nickname", "type": "PRIVACY",
                     "using": True, "agreed": True, "revocable": False}
    only = wire.user_scopes(9, items, agreed=[FRIENDS], only=[FRIENDS, "talk_message"])
    assert [s["id"] for s in only["scopes"]] == [FRIENDS]


def me(**overrides: object) -> dict[str, object]:
    args: dict[str, object] = dict(
        user_id=1, connected_at="2024-01-01T00:00:00Z",
        consent_items={PROFILE_NICKNAME: "required", PROFILE_IMAGE: "optional"},
        agreed=[PROFILE_NICKNAME, PROFILE_IMAGE], nickname="Muzi", profile_image_url=IMG,
        thumbnail_url=THUMB, email=None,
    )
    args.update(overrides)
    return wire.user_me(**args)  # type: ignore[arg-type]


def test_user_me_with_the_split_profile_items() -> None:
    assert me() == {
        "id": 1,
        "connected_at": "2024-01-01T00:00:00Z",
        "properties": {"nickname": "Muzi", "profile_image": IMG, "thumbnail_image": THUMB},
        "kakao_account": {
            "profile_nickname_needs_agreement": False,
            "profile_image_needs_agreement": False,
            "profile": {"nickname": "Muzi", "profile_image_url": IMG,
                        "thumbnail_image_url": THUMB, "is_default_image": False,
                        "is_default_nickname": False},
        },
    }
    nickname_only = me(agreed=[PROFILE_NICKNAME])
    assert nickname_only["properties"] == {"nickname": "Muzi"}
    assert nickname_only["kakao_account"] == {
        "profile_nickname_needs_agreement": False,
        "profile_image_needs_agreement": True,
        "profile": {"nickname": "Muzi", "is_default_nickname": False},
    }


def test_user_me_without_anything_agreed_has_no_properties() -> None:
    body = me(agreed=[])
    assert "properties" not in body
    assert body["kakao_account"] == {"profile_nickname_needs_agreement": True,
                                     "profile_image_needs_agreement": True}


def test_user_me_on_the_legacy_profile_item() -> None:
    body = me(consent_items={PROFILE: "required"}, agreed=[PROFILE], profile_image_url=None,
              thumbnail_url=None)
    assert body["properties"] == {"nickname": "Muzi"}
    assert body["kakao_account"] == {
        "profile_needs_agreement": False,
        "profile": {"nickname": "Muzi", "is_default_nickname": False, "is_default_image": True},
    }


def test_user_me_email_only_when_used_agreed_and_known() -> None:
    items = {PROFILE_NICKNAME: "required", ACCOUNT_EMAIL: "optional"}
    agreed = me(consent_items=items, agreed=[PROFILE_NICKNAME, ACCOUNT_EMAIL], email="m@x.test")
    assert agreed["kakao_account"]["email_needs_agreement"] is False  # type: ignore[index]
    assert agreed["kakao_account"]["email"] == "m@x.test"  # type: ignore[index]
    refused = me(consent_items=items, agreed=[PROFILE_NICKNAME], email="m@x.test")
    assert refused["kakao_account"]["email_needs_agreement"] is True  # type: ignore[index]
    assert "email" not in refused["kakao_account"]  # type: ignore[operator]
    unknown = me(consent_items=items, agreed=[PROFILE_NICKNAME, ACCOUNT_EMAIL], email=None)
    assert "email" not in unknown["kakao_account"]  # type: ignore[operator]
    assert "email_needs_agreement" not in me()["kakao_account"]  # type: ignore[operator]
