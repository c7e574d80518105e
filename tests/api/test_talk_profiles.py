"""GET|POST /v2/api/talk/profiles over real HTTP (docs/reference/wire.md, docs/reference/errors.md, docs/reference/profiles.md)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.support.server import Server
from tests.support.worlds import (
    IMG,
    INVALID_APP_KEY,
    NO_AUTH,
    NOT_REGISTERED,
    UNREGISTERED_TARGET,
    account,
    app,
    expect,
    expect_error,
    friend,
    kakao_ak,
    link,
    serve,
    world,
)

PATH = "/v2/api/talk/profiles"
ADMIN = kakao_ak("demo-admin-key")
V2_IMAGE = "http://yyy.kakao.com/dn/.../img_640x640.jpg"
V2_THUMB = "http://yyy.kakao.com/.../img_110x110.jpg"
FORM_CT = "application/x-www-form-urlencoded;charset=utf-8"

SAMPLE_PARAMS = {
    "viewer_id": "12345",
    "viewer_id_type": "user_id",
    "target_ids": "[9876,5432]",
    "target_id_type": "user_id",
}
SAMPLE_BODY = {
    "viewer": {
        "user_id": 12345,
        "nickname": "xxx",
        "profile_image_url": V2_IMAGE,
        "thumbnail_image_url": V2_THUMB,
    },
    "targets": [
        {
            "user_id": 9876,
            "nickname": "yyy",
            "profile_image_url": V2_IMAGE,
            "thumbnail_image_url": V2_THUMB,
        },
        {
            "user_id": 5432,
            "nickname": "zzz",
            "profile_image_url": V2_IMAGE,
            "thumbnail_image_url": V2_THUMB,
        },
    ],
}


def form(
    server: Server,
    params: dict[str, str],
    headers: dict[str, str] | None = None,
    method: str = "GET",
) -> httpx.Response:
    """A form body, the way the seed's curl sample sends it (also with `-X GET`)."""
    return server.request(
        method,
        PATH,
        content=urlencode(params).encode(),
        headers={"Content-Type": FORM_CT, **(ADMIN if headers is None else headers)},
    )


def query(
    server: Server, params: dict[str, str], headers: dict[str, str] | None = None
) -> httpx.Response:
    return server.get(PATH, params=params, headers=ADMIN if headers is None else headers)


# --- the seed's samples, against the demo world ----------------------------------------------


def test_sample_get_with_form_body(demo_server: Server) -> None:
    expect(form(demo_server, SAMPLE_PARAMS), 200, SAMPLE_BODY)


def test_sample_post_with_form_body(demo_server: Server) -> None:
    expect(form(demo_server, SAMPLE_PARAMS, method="POST"), 200, SAMPLE_BODY)


def test_sample_get_with_query_string(demo_server: Server) -> None:
    expect(query(demo_server, SAMPLE_PARAMS), 200, SAMPLE_BODY)


def test_sample_post_with_query_string(demo_server: Server) -> None:
    r = demo_server.post(PATH, params=SAMPLE_PARAMS, headers=ADMIN)
    expect(r, 200, SAMPLE_BODY)


def test_sample_target_ids_comma_separated(demo_server: Server) -> None:
    expect(query(demo_server, {**SAMPLE_PARAMS, "target_ids": "9876,5432"}), 200, SAMPLE_BODY)


def test_viewer_id_type_may_be_left_out(demo_server: Server) -> None:
    params = {k: v for k, v in SAMPLE_PARAMS.items() if k != "viewer_id_type"}
    expect(form(demo_server, params), 200, SAMPLE_BODY)


def test_without_viewer_no_viewer_key_and_default_profiles(demo_server: Server) -> None:
    r = query(demo_server, {"target_ids": "[9876,5432]", "target_id_type": "user_id"})
    body = expect(r, 200)
    assert set(body) == {"targets"}
    # 5432 shows viewer 12345 a multi-profile ("zzz"); without a viewer, its default ("Zed").
    assert [t["nickname"] for t in body["targets"]] == ["yyy", "Zed"]


def test_sample_nickname_only(demo_server: Server) -> None:
    r = form(
        demo_server,
        {"target_ids": "[9876]", "target_id_type": "user_id"},
        kakao_ak("demo-admin-key-nickname-only"),
    )
    expect(r, 200, {"targets": [{"user_id": 9876, "nickname": "yyy"}]})


@pytest.mark.parametrize("viewer_id", ["999999", "1234567", "104999"])
def test_sample_unregistered_viewer(demo_server: Server, viewer_id: str) -> None:
    # 1234567 is Ryan's id in other apps, not in app 1001.
    r = form(demo_server, {**SAMPLE_PARAMS, "viewer_id": viewer_id})
    expect(r, 400, NOT_REGISTERED)


@pytest.mark.parametrize("target_ids", ["[9876,999999]", "[1234567]", "[999999,5432]"])
def test_sample_unregistered_target(demo_server: Server, target_ids: str) -> None:
    r = form(demo_server, {"target_ids": target_ids, "target_id_type": "user_id"})
    expect(r, 400, UNREGISTERED_TARGET)


# --- credentials ------------------------------------------------------------------------------


def test_no_authorization_header(demo_server: Server) -> None:
    expect(query(demo_server, SAMPLE_PARAMS, headers={}), 401, NO_AUTH)


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer demo-access-token",
        "Bearer demo-admin-key",
        "KakaoAK wrong-key",
        "KakaoAK demo-rest-api-key",
        "KakaoAK demo-access-token",
        "KakaoAK",
        "demo-admin-key",
        "KakaoAK demo-admin-key-extra",
    ],
)
def test_anything_but_an_admin_key_is_an_invalid_app_key(
    demo_server: Server, authorization: str
) -> None:
    r = query(demo_server, SAMPLE_PARAMS, headers={"Authorization": authorization})
    expect(r, 401, INVALID_APP_KEY)


def test_key_is_checked_before_parameters(demo_server: Server) -> None:
    r = query(demo_server, {"target_ids": "nope"}, headers=kakao_ak("bad"))
    expect(r, 401, INVALID_APP_KEY)
    expect(query(demo_server, {"target_ids": "nope"}, headers={}), 401, NO_AUTH)


# --- parameters -------------------------------------------------------------------------------

TARGETS = {"target_ids": "[9876]", "target_id_type": "user_id"}


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"target_id_type": "user_id"}, "target_ids"),
        ({"target_ids": "", "target_id_type": "user_id"}, "target_ids"),
        ({"target_ids": "[]", "target_id_type": "user_id"}, "target_ids"),
        ({"target_ids": "[9876,", "target_id_type": "user_id"}, "target_ids"),
        ({"target_ids": "abc", "target_id_type": "user_id"}, "target_ids"),
        ({"target_ids": "9876,,5432", "target_id_type": "user_id"}, "target_ids"),
        ({"target_ids": "[1.5]", "target_id_type": "user_id"}, "target_ids"),
        ({"target_ids": "[true]", "target_id_type": "user_id"}, "target_ids"),
        ({"target_ids": "[0]", "target_id_type": "user_id"}, "target_ids"),
        ({"target_ids": "[-9876]", "target_id_type": "user_id"}, "target_ids"),
        ({"target_ids": '{"a":1}', "target_id_type": "user_id"}, "target_ids"),
        ({"target_ids": "[[9876]]", "target_id_type": "user_id"}, "target_ids"),
        ({"target_ids": f"[{2**63}]", "target_id_type": "user_id"}, "target_ids"),
        (
            {"target_ids": json.dumps(list(range(1, 102))), "target_id_type": "user_id"},
            "target_ids",
        ),
        ({"target_ids": "[9876]"}, "target_id_type"),
        ({"target_ids": "[9876]", "target_id_type": "uuid"}, "target_id_type"),
        ({"target_ids": "[9876]", "target_id_type": ""}, "target_id_type"),
        ({**TARGETS, "viewer_id": "12345", "viewer_id_type": "uuid"}, "viewer_id_type"),
        ({**TARGETS, "viewer_id": "abc"}, "viewer_id"),
        ({**TARGETS, "viewer_id": "-1"}, "viewer_id"),
        ({**TARGETS, "viewer_id": ""}, "viewer_id"),
    ],
)
def test_malformed_parameter(demo_server: Server, params: dict[str, str], named: str) -> None:
    for response in (query(demo_server, params), form(demo_server, params, method="POST")):
        body = expect_error(response, 400, -2)
        assert set(body) == {"msg", "code"}
        assert named in body["msg"]
        assert body["msg"] != UNREGISTERED_TARGET["msg"]


def test_a_hundred_targets_pass_the_count_check(demo_server: Server) -> None:
    ids = [9876] * 99 + [999999]
    r = query(demo_server, {"target_ids": json.dumps(ids), "target_id_type": "user_id"})
    expect(r, 400, UNREGISTERED_TARGET)


def test_a_hundred_registered_targets(demo_server: Server) -> None:
    r = query(demo_server, {"target_ids": json.dumps([9876] * 100), "target_id_type": "user_id"})
    body = expect(r, 200)
    assert [t["user_id"] for t in body["targets"]] == [9876] * 100


def test_form_value_with_json_spacing(demo_server: Server) -> None:
    r = form(demo_server, {**SAMPLE_PARAMS, "target_ids": "[ 9876 , 5432 ]"})
    expect(r, 200, SAMPLE_BODY)


# --- docs/reference/profiles.md check order: key, parameters, viewer, targets ------------------------------------


def test_malformed_parameter_before_unregistered_viewer(demo_server: Server) -> None:
    r = query(demo_server, {**SAMPLE_PARAMS, "viewer_id": "999999", "target_id_type": "uuid"})
    body = expect_error(r, 400, -2)
    assert "target_id_type" in body["msg"]


def test_unregistered_viewer_before_unregistered_target(demo_server: Server) -> None:
    r = query(demo_server, {**SAMPLE_PARAMS, "viewer_id": "999999", "target_ids": "[999998]"})
    expect(r, 400, NOT_REGISTERED)


# --- a custom world: consent per target, non-Talk targets, multi-profiles ---------------------


def _mp(key: str, nickname: str, shown_to: list[str], images: bool = True) -> dict[str, Any]:
    mp: dict[str, Any] = {"key": key, "nickname": nickname, "shown_to": shown_to}
    if images:
        mp["profile_image_url"] = f"{IMG}{key}_640.jpg"
        mp["thumbnail_url"] = f"{IMG}{key}_110.jpg"
    return mp


def _profiles_world() -> dict[str, Any]:
    accounts = [
        account("t-both", "Both"),
        account("t-nick", "Nick"),
        account("t-img", "Img"),
        account("t-none", "None"),
        account("t-nott", "NotTalk", talk_user=False),
        account("t-noimg", "NoImg", images=False),
        account(
            "t-mp",
            "Default",
            friends=[friend("v"), friend("h"), friend("nf")],
            multi_profiles=[
                _mp("for-v", "ForV", ["v"]),
                _mp("for-h", "ForH", ["h"]),
                _mp("for-nf", "ForNF", ["nf"]),
            ],
        ),
        account(
            "t-mp2",
            "Default2",
            friends=[friend("w")],
            multi_profiles=[_mp("for-w", "ForW", ["w"], images=False)],
        ),
        account(
            "t-mp-nick",
            "NickDefault",
            friends=[friend("v")],
            multi_profiles=[_mp("nick-for-v", "NickForV", ["v"])],
        ),
        account("v", "Viewer", friends=[friend("t-mp"), friend("t-mp-nick")]),
        account("h", "Hider", friends=[friend("t-mp", hidden=True)]),
        account("nf", "NoFriend"),
        account("w", "W", friends=[friend("t-mp2")]),
        account("v-nott", "ViewerNotTalk", talk_user=False),
        account("legacy", "Legacy"),
        account("legacy-none", "LegacyNone"),
    ]
    both = ["profile_nickname", "profile_image"]
    links = [
        link(50, "t-both", 1, both),
        link(50, "t-nick", 2, ["profile_nickname"]),
        link(50, "t-img", 3, ["profile_image"]),
        link(50, "t-none", 4, []),
        link(50, "t-nott", 5, both),
        link(50, "t-noimg", 6, both),
        link(50, "t-mp", 7, both),
        link(50, "t-mp-nick", 8, ["profile_nickname"]),
        link(50, "t-mp2", 9, both),
        link(50, "v", 20, ["profile_nickname"]),
        link(50, "h", 21, both),
        link(50, "nf", 22, both),
        link(50, "w", 23, both),
        link(50, "v-nott", 24, both),
        link(51, "legacy", 1, ["profile"]),
        link(51, "legacy-none", 2, []),
        link(51, "t-nott", 3, ["profile"]),
        link(52, "t-both", 1, ["friends"]),
    ]
    return world(
        apps=[
            app(50, {"profile_nickname": "optional", "profile_image": "optional"}),
            app(51, {"profile": "optional"}),
            app(52, {"friends": "optional"}),
        ],
        accounts=accounts,
        links=links,
        tokens=[],
    )


@pytest.fixture(scope="module")
def profiles_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from serve(tmp_path_factory, _profiles_world(), "profiles")


def _targets(
    server: Server, ids: list[int], app_id: int = 50, viewer: int | None = None
) -> dict[str, Any]:
    params = {"target_ids": json.dumps(ids), "target_id_type": "user_id"}
    if viewer is not None:
        params["viewer_id"] = str(viewer)
    body: dict[str, Any] = expect(query(server, params, kakao_ak(f"ak-{app_id}")), 200)
    return body


def _full(user_id: int, nickname: str, key: str) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "nickname": nickname,
        "profile_image_url": f"{IMG}{key}_640.jpg",
        "thumbnail_image_url": f"{IMG}{key}_110.jpg",
    }


def test_each_target_follows_its_own_scopes(profiles_world: Server) -> None:
    body = _targets(profiles_world, [1, 2, 3, 4, 6])
    assert body == {
        "targets": [
            _full(1, "Both", "t-both"),
            {"user_id": 2, "nickname": "Nick"},
            {
                "user_id": 3,
                "profile_image_url": IMG + "t-img_640.jpg",
                "thumbnail_image_url": IMG + "t-img_110.jpg",
            },
            {"user_id": 4},
            {"user_id": 6, "nickname": "NoImg"},
        ]
    }


def test_legacy_profile_item(profiles_world: Server) -> None:
    body = _targets(profiles_world, [1, 2], app_id=51)
    assert body == {"targets": [_full(1, "Legacy", "legacy"), {"user_id": 2}]}


@pytest.mark.parametrize("app_id", [50, 51])
def test_non_talk_target_yields_user_id_alone(profiles_world: Server, app_id: int) -> None:
    target = 5 if app_id == 50 else 3
    body = _targets(profiles_world, [target, 1], app_id=app_id)
    assert body["targets"][0] == {"user_id": target}
    assert body["targets"][1]["user_id"] == 1


def test_duplicates_answered_as_given_in_target_order(profiles_world: Server) -> None:
    body = _targets(profiles_world, [2, 1, 2, 4, 1])
    assert [t["user_id"] for t in body["targets"]] == [2, 1, 2, 4, 1]
    assert body["targets"][0] == body["targets"][2] == {"user_id": 2, "nickname": "Nick"}


def test_viewer_is_filtered_by_its_own_scopes(profiles_world: Server) -> None:
    body = _targets(profiles_world, [1], viewer=20)
    assert body["viewer"] == {"user_id": 20, "nickname": "Viewer"}
    assert body["targets"] == [_full(1, "Both", "t-both")]


def test_non_talk_viewer_yields_user_id_alone(profiles_world: Server) -> None:
    body = _targets(profiles_world, [1], viewer=24)
    assert body["viewer"] == {"user_id": 24}


def test_multi_profile_assigned_to_the_viewer(profiles_world: Server) -> None:
    body = _targets(profiles_world, [7, 1], viewer=20)
    assert body["targets"] == [_full(7, "ForV", "for-v"), _full(1, "Both", "t-both")]


def test_multi_profile_only_for_its_viewer(profiles_world: Server) -> None:
    assert _targets(profiles_world, [7])["targets"] == [_full(7, "Default", "t-mp")]
    # t-both has t-mp in no list; nf has no friend list: both see the default.
    assert _targets(profiles_world, [7], viewer=1)["targets"] == [_full(7, "Default", "t-mp")]


def test_multi_profile_needs_the_target_in_the_viewers_list(profiles_world: Server) -> None:
    # t-mp assigned "ForNF" to nf, but nf's friend list does not hold t-mp.
    assert _targets(profiles_world, [7], viewer=22)["targets"] == [_full(7, "Default", "t-mp")]


def test_multi_profile_for_a_viewer_who_hid_the_target(profiles_world: Server) -> None:
    assert _targets(profiles_world, [7], viewer=21)["targets"] == [_full(7, "ForH", "for-h")]


def test_multi_profile_without_images_shows_no_images(profiles_world: Server) -> None:
    # t-mp2 shows w "ForW", which has no images: none are borrowed from the default.
    assert _targets(profiles_world, [9], viewer=23)["targets"] == [
        {"user_id": 9, "nickname": "ForW"}
    ]


def test_multi_profile_is_filtered_by_the_targets_scopes(profiles_world: Server) -> None:
    assert _targets(profiles_world, [8], viewer=20)["targets"] == [
        {"user_id": 8, "nickname": "NickForV"}
    ]


def test_app_without_profile_items_gets_minus_3(profiles_world: Server) -> None:
    r = query(profiles_world, {"target_ids": "[1]", "target_id_type": "user_id"}, kakao_ak("ak-52"))
    expect_error(r, 403, -3)


# --- hostile input never yields a 5xx ---------------------------------------------------------


def test_form_body_that_is_not_utf8(demo_server: Server) -> None:
    r = demo_server.post(
        PATH,
        content=b"target_ids=%5B9876%5D&target_id_type=\xff\xfe",
        headers={**ADMIN, "Content-Type": FORM_CT},
    )
    expect_error(r, 400, -2)


def test_json_body_is_not_a_parameter_source(demo_server: Server) -> None:
    r = demo_server.post(
        PATH,
        content=json.dumps({"target_ids": [9876], "target_id_type": "user_id"}).encode(),
        headers={**ADMIN, "Content-Type": "application/json"},
    )
    body = expect_error(r, 400, -2)
    assert "target_ids" in body["msg"]


@pytest.mark.parametrize(
    "target_ids",
    ["[" * 5000, "[" + "9" * 5000 + "]", "9876," * 2000, "[9876]\x00", '["9876"]', "[null]"],
)
def test_hostile_target_ids_get_minus_2(demo_server: Server, target_ids: str) -> None:
    r = form(demo_server, {"target_ids": target_ids, "target_id_type": "user_id"}, method="POST")
    expect_error(r, 400, -2)


def test_minus_3_comes_before_parameter_checks(profiles_world: Server) -> None:
    r = query(profiles_world, {"target_ids": "nope", "viewer_id": "x"}, kakao_ak("ak-52"))
    expect_error(r, 403, -3)


def test_key_comes_before_minus_3(profiles_world: Server) -> None:
    r = query(profiles_world, {"target_ids": "[1]", "target_id_type": "user_id"}, kakao_ak("rk-52"))
    expect(r, 401, INVALID_APP_KEY)
