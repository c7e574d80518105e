"""GET /v1/api/talk/profile over real HTTP (docs/reference/wire.md, docs/reference/errors.md, docs/reference/talk-profile.md)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.server import Server
from tests.support.worlds import (
    IMG,
    NO_AUTH,
    NOT_TALK_PROFILE,
    TOKEN_EXPIRED,
    TOKEN_NOT_FOUND,
    account,
    app,
    bearer,
    expect,
    expect_error,
    friend,
    link,
    serve,
    token,
    world,
)

PATH = "/v1/api/talk/profile"
RYAN_IMAGE = "https://xxx.kakao.co.kr/.../aaa.jpg"
RYAN_THUMB = "https://xxx.kakao.co.kr/.../bbb.jpg"


# --- the seed's samples, against the demo world ----------------------------------------------


def test_sample_full_profile_consent(demo_server: Server) -> None:
    r = demo_server.get(PATH, headers=bearer("demo-token-ryan-full"))
    expect(
        r,
        200,
        {
            "id": 1234567,
            "nickName": "Ryan",
            "profileImageURL": RYAN_IMAGE,
            "thumbnailURL": RYAN_THUMB,
        },
    )


def test_sample_nickname_only(demo_server: Server) -> None:
    r = demo_server.get(PATH, headers=bearer("demo-token-ryan-nickname"))
    expect(r, 200, {"id": 1234567, "nickName": "Ryan"})


def test_sample_image_only(demo_server: Server) -> None:
    r = demo_server.get(PATH, headers=bearer("demo-token-ryan-image"))
    expect(r, 200, {"id": 1234567, "profileImageURL": RYAN_IMAGE, "thumbnailURL": RYAN_THUMB})


def test_sample_no_consent_keeps_the_id(demo_server: Server) -> None:
    # docs/reference/talk-profile.md overrides the seed's `{}` sample: `id` is always present.
    r = demo_server.get(PATH, headers=bearer("demo-token-ryan-none"))
    expect(r, 200, {"id": 1234567})


def test_sample_not_a_talk_user(demo_server: Server) -> None:
    r = demo_server.get(PATH, headers=bearer("demo-token-not-talk"))
    expect(r, 400, NOT_TALK_PROFILE)


def test_raw_body_has_no_nulls_and_plain_integer_ids(demo_server: Server) -> None:
    r = demo_server.get(PATH, headers=bearer("demo-token-ryan-nickname"))
    assert b"null" not in r.content
    assert b'"id":1234567' in r.content.replace(b" ", b"")


# --- credentials (docs/reference/errors.md) --------------------------------------------------------------------


def test_no_authorization_header(demo_server: Server) -> None:
    expect(demo_server.get(PATH), 401, NO_AUTH)


def test_blank_authorization_header(demo_server: Server) -> None:
    expect(demo_server.get(PATH, headers={"Authorization": ""}), 401, NO_AUTH)


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer no-such-token",
        "Bearer",
        "demo-token-ryan-full",
        "KakaoAK demo-admin-key",
        "KakaoAK demo-token-ryan-full",
        "Basic ZGVtbzpkZW1v",
        "Bearer demo-token-ryan-full-but-longer",
        "Bearer demo-admin-key",
    ],
)
def test_anything_but_a_live_token_does_not_exist(
    demo_server: Server, authorization: str
) -> None:
    r = demo_server.get(PATH, headers={"Authorization": authorization})
    expect(r, 401, TOKEN_NOT_FOUND)


def test_expired_token(demo_server: Server) -> None:
    expect(demo_server.get(PATH, headers=bearer("demo-token-expired")), 401, TOKEN_EXPIRED)


def test_expired_token_of_a_non_talk_user_is_still_401(
    profile_world: Server,
) -> None:
    # The credential is checked first (docs/reference/errors.md order).
    r = profile_world.get(PATH, headers=bearer("tok-kim-expired"))
    expect(r, 401, TOKEN_EXPIRED)


# --- a custom world: consent items, legacy vs split, multi-profiles ---------------------------

PROFILE_WORLD = world(
    apps=[
        app(10, {"profile_nickname": "optional", "profile_image": "optional"}),
        app(11, {"friends": "optional", "talk_message": "optional"}),
        app(12, {"profile": "optional"}),
        app(13, {"profile_nickname": "required"}),
    ],
    accounts=[
        account(
            "ryan",
            "Ryan",
            friends=[friend("apeach")],
            multi_profiles=[
                {
                    "key": "work",
                    "nickname": "Ryan (work)",
                    "profile_image_url": IMG + "work_640.jpg",
                    "thumbnail_url": IMG + "work_110.jpg",
                    "shown_to": ["apeach"],
                }
            ],
        ),
        account("apeach", "Apeach", friends=[friend("ryan")]),
        account("noimg", "No Image", images=False),
        account("kim", "Kim", talk_user=False),
    ],
    links=[
        link(10, "ryan", 100, ["profile_nickname", "profile_image"]),
        link(10, "apeach", 101, ["profile_nickname", "profile_image"]),
        link(10, "noimg", 102, ["profile_nickname", "profile_image"]),
        link(11, "ryan", 110, ["friends"]),
        link(11, "kim", 111, []),
        link(12, "ryan", 120, ["profile"]),
        link(12, "apeach", 121, []),
        link(12, "kim", 122, ["profile"]),
        link(13, "ryan", 130, ["profile_nickname"]),
    ],
    tokens=[
        token(10, "ryan", "tok-ryan-10"),
        token(10, "apeach", "tok-apeach-10"),
        token(10, "noimg", "tok-noimg-10"),
        token(11, "ryan", "tok-ryan-11"),
        token(11, "kim", "tok-kim-11"),
        token(12, "ryan", "tok-ryan-12"),
        token(12, "apeach", "tok-apeach-12"),
        token(12, "kim", "tok-kim-12"),
        token(12, "kim", "tok-kim-expired", expires_in=0),
        token(13, "ryan", "tok-ryan-13"),
    ],
)


@pytest.fixture(scope="module")
def profile_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from serve(tmp_path_factory, PROFILE_WORLD, "profile-world")


def test_split_items_show_both_fields(profile_world: Server) -> None:
    r = profile_world.get(PATH, headers=bearer("tok-ryan-10"))
    expect(
        r,
        200,
        {
            "id": 100,
            "nickName": "Ryan",
            "profileImageURL": IMG + "ryan_640.jpg",
            "thumbnailURL": IMG + "ryan_110.jpg",
        },
    )


def test_legacy_profile_item_shows_both_fields(profile_world: Server) -> None:
    r = profile_world.get(PATH, headers=bearer("tok-ryan-12"))
    expect(
        r,
        200,
        {
            "id": 120,
            "nickName": "Ryan",
            "profileImageURL": IMG + "ryan_640.jpg",
            "thumbnailURL": IMG + "ryan_110.jpg",
        },
    )


def test_legacy_app_without_agreement_gives_the_id_alone(profile_world: Server) -> None:
    expect(profile_world.get(PATH, headers=bearer("tok-apeach-12")), 200, {"id": 121})


def test_required_nickname_only_app(profile_world: Server) -> None:
    expect(
        profile_world.get(PATH, headers=bearer("tok-ryan-13")), 200, {"id": 130, "nickName": "Ryan"}
    )


def test_the_id_is_the_app_specific_user_id(profile_world: Server) -> None:
    ids = {
        tok: profile_world.get(PATH, headers=bearer(tok)).json()["id"]
        for tok in ("tok-ryan-10", "tok-ryan-12", "tok-ryan-13")
    }
    assert ids == {"tok-ryan-10": 100, "tok-ryan-12": 120, "tok-ryan-13": 130}


def test_multi_profiles_never_apply_to_oneself(profile_world: Server) -> None:
    # Ryan shows Apeach a work profile; Ryan's own profile is still the default one.
    body = expect(profile_world.get(PATH, headers=bearer("tok-ryan-10")), 200)
    assert body["nickName"] == "Ryan"
    assert body["thumbnailURL"] == IMG + "ryan_110.jpg"


def test_profile_without_images_omits_image_fields(profile_world: Server) -> None:
    r = profile_world.get(PATH, headers=bearer("tok-noimg-10"))
    expect(r, 200, {"id": 102, "nickName": "No Image"})


def test_app_without_profile_items_gets_minus_3(profile_world: Server) -> None:
    expect_error(profile_world.get(PATH, headers=bearer("tok-ryan-11")), 403, -3)


def test_minus_3_comes_before_minus_501(profile_world: Server) -> None:
    # Kim is not a Talk user, in an app without profile items: the app's settings answer first.
    expect_error(profile_world.get(PATH, headers=bearer("tok-kim-11")), 403, -3)


def test_non_talk_user_in_a_custom_world(profile_world: Server) -> None:
    expect(profile_world.get(PATH, headers=bearer("tok-kim-12")), 400, NOT_TALK_PROFILE)


def test_query_parameters_are_ignored(profile_world: Server) -> None:
    r = profile_world.get(
        PATH, params={"secure_resource": "true", "x": "y"}, headers=bearer("tok-ryan-13")
    )
    expect(r, 200, {"id": 130, "nickName": "Ryan"})


def test_post_is_not_the_profile_api(profile_world: Server) -> None:
    r = profile_world.post(PATH, headers=bearer("tok-ryan-10"))
    assert r.status_code == 405
    assert r.status_code < 500
