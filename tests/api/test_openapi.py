"""GET /openapi.json: a valid OpenAPI 3.1 document that is true to what the server sends.

Three layers: the document validates as OpenAPI 3.1; golden answers of the demo world (every
success shape and every error body) validate against the document's response schemas, and the
bounds the document states are the bounds the live server enforces; schemathesis then fuzzes a
live demo server from the document (positive and negative cases) and requires every answer to
be a documented, conforming one and never a 5xx.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import jsonschema
import pytest
import schemathesis
from openapi_spec_validator import validate as validate_openapi
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from schemathesis.engine import Status
from schemathesis.engine import events as engine_events

from talksocial.api.openapi_doc import document
from talksocial.demo import DEMO_ACCESS_TOKEN, DEMO_ADMIN_KEY
from tests.support.login_browser import LoginBrowser, exchange, refresh
from tests.support.login_worlds import CLIENT, login_world
from tests.support.server import LiveServer, Server

JSON_CT = "application/json;charset=UTF-8"
PROFILE = "/v1/api/talk/profile"
FRIENDS = "/v1/api/talk/friends"
PROFILES = "/v2/api/talk/profiles"
USERINFO = "/v1/oidc/userinfo"
#: Control endpoints of the server (not Kakao's API) live under this prefix; the fuzzing run
#: leaves them out.
CONTROL_PREFIX = "/_talksocial/"
LOGIN_OPERATIONS = {("GET", "/oauth/authorize"), ("GET", "/oauth/logout"),
                    ("POST", "/oauth/token"), ("POST", "/oauth/tokeninfo"),
                    ("GET", "/.well-known/openid-configuration"),
                    ("GET", "/.well-known/jwks.json")}
#: The user APIs (docs/reference/kakao-login.md#user-apis): those that only read run against
#: the shared demo server; those that change the world against a server of their own.
USER_READ_LABELS = {"GET /v1/user/access_token_info", "GET /v2/user/me", "POST /v2/user/me",
                    "GET /v2/user/scopes", "GET /v2/app/users", "POST /v2/app/users",
                    "GET /v1/user/ids", "POST /v1/user/ids"}
USER_WRITE_PATHS = ["/v1/user/logout", "/v1/user/unlink", "/v2/user/revoke/scopes",
                    "/v1/user/update_profile"]
MESSAGE_PATHS = ["/v2/api/talk/memo/default/send", "/v2/api/talk/memo/send",
                 "/v2/api/talk/memo/scrap/send", "/v1/api/talk/friends/message/default/send",
                 "/v1/api/talk/friends/message/send", "/v1/api/talk/friends/message/scrap/send"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def kakao_ak(key: str) -> dict[str, str]:
    return {"Authorization": f"KakaoAK {key}"}


def response_schema(doc: dict[str, Any], path: str, method: str, status: int) -> dict[str, Any]:
    """The documented JSON schema of one response, made standalone (its `$ref`s resolve
    against the document's components)."""
    response = doc["paths"][path][method]["responses"][str(status)]
    schema = response["content"]["application/json"]["schema"]
    return {**schema, "components": doc["components"]}


def conforms(response: httpx.Response, path: str, method: str = "get") -> Any:
    """Asserts the answer is a documented status, Kakao's JSON content type and a body that
    validates against the documented schema; returns the body."""
    doc = document()
    responses = doc["paths"][path][method]["responses"]
    assert str(response.status_code) in responses, (response.status_code, response.text)
    assert response.headers["content-type"] == JSON_CT
    body = response.json()
    jsonschema.Draft202012Validator(
        response_schema(doc, path, method, response.status_code),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    ).validate(body)
    return body


# --- the document itself ------------------------------------------------------------------------


def test_document_is_valid_openapi_3_1() -> None:
    doc = document()
    assert doc["openapi"].startswith("3.1.")
    validate_openapi(doc)
    # It survives a JSON round trip unchanged (no tuples, no non-string keys).
    assert json.loads(json.dumps(doc)) == doc


def test_the_validator_is_not_a_rubber_stamp() -> None:
    doc = document()
    doc["components"]["securitySchemes"]["AdminKey"]["in"] = "body"
    with pytest.raises(OpenAPIValidationError):
        validate_openapi(doc)


def test_served_document(demo_server: Server) -> None:
    r = demo_server.get("/openapi.json")
    assert r.status_code == 200
    assert r.headers["content-type"] == JSON_CT
    assert r.json() == document()


def test_response_schemas_are_closed_and_only_always_sent_fields_are_required() -> None:
    schemas = document()["components"]["schemas"]
    for name, schema in schemas.items():
        assert schema["additionalProperties"] is False, name
    assert schemas["TalkProfile"]["required"] == ["id"]
    assert set(schemas["TalkProfile"]["properties"]) == {
        "id",
        "nickName",
        "profileImageURL",
        "thumbnailURL",
    }
    assert set(schemas["Friends"]["required"]) == {"elements", "total_count", "favorite_count"}
    assert set(schemas["Friends"]["properties"]) == {
        "elements",
        "total_count",
        "favorite_count",
        "before_url",
        "after_url",
    }
    assert set(schemas["Friend"]["properties"]) == {
        "profile_nickname",
        "profile_thumbnail_image",
        "id",
        "uuid",
        "favorite",
    }
    assert "profile_thumbnail_image" not in schemas["Friend"]["required"]
    assert schemas["TalkProfileInfo"]["required"] == ["user_id"]
    assert set(schemas["TalkProfileInfo"]["properties"]) == {
        "user_id",
        "nickname",
        "profile_image_url",
        "thumbnail_image_url",
    }
    assert schemas["TalkProfiles"]["required"] == ["targets"]


def test_security_schemes() -> None:
    doc = document()
    schemes = doc["components"]["securitySchemes"]
    assert schemes["AccessToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["AccessToken"]["description"],
    }
    assert {k: schemes["AdminKey"][k] for k in ("type", "in", "name")} == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
    }
    assert "KakaoAK" in schemes["AdminKey"]["description"]
    paths = doc["paths"]
    assert paths[PROFILE]["get"]["security"] == [{"AccessToken": []}]
    assert paths[FRIENDS]["get"]["security"] == [{"AccessToken": []}]
    assert paths[PROFILES]["get"]["security"] == [{"AdminKey": []}]
    assert paths[PROFILES]["post"]["security"] == [{"AdminKey": []}]


def test_schemas_reject_what_the_server_never_sends() -> None:
    doc = document()

    def valid(path: str, status: int, body: Any) -> bool:
        validator = jsonschema.Draft202012Validator(response_schema(doc, path, "get", status))
        return bool(validator.is_valid(body))

    assert valid(PROFILE, 200, {"id": 1})
    assert not valid(PROFILE, 200, {})  # id is always sent (docs/reference/talk-profile.md)
    assert not valid(PROFILE, 200, {"id": 1, "profileImageUrl": "x"})  # the seed table's typo
    assert not valid(PROFILE, 200, {"id": 1, "nickName": None})  # nulls are omitted
    assert not valid(FRIENDS, 200, {"elements": [], "total_count": 0})
    assert not valid(FRIENDS, 200, {"elements": [{"id": 1}], "total_count": 1, "favorite_count": 0})
    assert valid(PROFILES, 200, {"targets": [{"user_id": 1}]})
    assert not valid(PROFILES, 200, {"targets": [{"user_id": 1, "profile_image": "x"}]})
    assert valid(PROFILE, 401, {"msg": "no authentication key!", "code": -401})
    assert not valid(PROFILE, 401, {"msg": "no authentication key!", "code": -2})
    assert not valid(PROFILE, 400, {"msg": "x", "code": -2})  # the profile takes no parameters
    assert valid(FRIENDS, 400, {"msg": "x", "code": -2})
    assert not valid(FRIENDS, 400, {"msg": "x", "code": -2, "extra": 1})
    assert not valid(FRIENDS, 403, {"msg": "insufficient scopes.", "code": -402})


# --- golden answers of the demo world against the document ---------------------------------------


def test_golden_talk_profiles(demo_server: Server) -> None:
    full = conforms(demo_server.get(PROFILE, headers=bearer("demo-token-ryan-full")), PROFILE)
    assert full == {
        "id": 1234567,
        "nickName": "Ryan",
        "profileImageURL": "https://xxx.kakao.co.kr/.../aaa.jpg",
        "thumbnailURL": "https://xxx.kakao.co.kr/.../bbb.jpg",
    }
    nickname = conforms(
        demo_server.get(PROFILE, headers=bearer("demo-token-ryan-nickname")), PROFILE
    )
    assert nickname == {"id": 1234567, "nickName": "Ryan"}
    image = conforms(demo_server.get(PROFILE, headers=bearer("demo-token-ryan-image")), PROFILE)
    assert set(image) == {"id", "profileImageURL", "thumbnailURL"}
    none = conforms(demo_server.get(PROFILE, headers=bearer("demo-token-ryan-none")), PROFILE)
    assert none == {"id": 1234567}


def test_golden_friends_pages(demo_server: Server) -> None:
    auth = bearer(DEMO_ACCESS_TOKEN)
    first = conforms(demo_server.get(FRIENDS, params={"limit": 3}, headers=auth), FRIENDS)
    assert (first["total_count"], first["favorite_count"]) == (11, 1)
    assert "before_url" not in first and "after_url" in first
    assert set(first["elements"][0]) == {
        "profile_nickname",
        "profile_thumbnail_image",
        "id",
        "uuid",
        "favorite",
    }
    middle = conforms(
        demo_server.get(
            FRIENDS,
            params={"offset": 3, "limit": 3, "friend_order": "nickname", "order": "desc"},
            headers={**auth, "KA": "sdk/1.39.0 os/android-30 lang/en-US"},
        ),
        FRIENDS,
    )
    assert "before_url" in middle and "after_url" in middle
    past_end = conforms(
        demo_server.get(FRIENDS, params={"offset": 2147483647, "limit": 100}, headers=auth),
        FRIENDS,
    )
    assert past_end["elements"] == [] and "after_url" not in past_end


def test_golden_v2_profiles(demo_server: Server) -> None:
    auth = kakao_ak(DEMO_ADMIN_KEY)
    sample = {
        "viewer_id": "12345",
        "viewer_id_type": "user_id",
        "target_ids": "[9876,5432]",
        "target_id_type": "user_id",
    }
    by_query = conforms(demo_server.get(PROFILES, params=sample, headers=auth), PROFILES)
    assert by_query["viewer"]["user_id"] == 12345
    assert [t["user_id"] for t in by_query["targets"]] == [9876, 5432]
    assert by_query["targets"][1]["nickname"] == "zzz"  # the multi-profile shown to the viewer
    by_form = conforms(demo_server.post(PROFILES, data=sample, headers=auth), PROFILES, "post")
    assert by_form == by_query
    # The seed's own sample: a form body on GET.
    get_form = demo_server.request(
        "GET",
        PROFILES,
        content=str(httpx.QueryParams(sample)).encode(),
        headers={**auth, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert conforms(get_form, PROFILES) == by_query
    no_viewer = conforms(
        demo_server.get(
            PROFILES, params={"target_ids": "9876", "target_id_type": "user_id"}, headers=auth
        ),
        PROFILES,
    )
    assert "viewer" not in no_viewer
    nickname_only = conforms(
        demo_server.get(
            PROFILES,
            params={"target_ids": "[9876]", "target_id_type": "user_id"},
            headers=kakao_ak("demo-admin-key-nickname-only"),
        ),
        PROFILES,
    )
    assert nickname_only == {"targets": [{"user_id": 9876, "nickname": "yyy"}]}


@pytest.mark.parametrize(
    ("path", "method", "headers", "params", "status", "code"),
    [
        (PROFILE, "get", {}, {}, 401, -401),
        (PROFILE, "get", bearer("nope"), {}, 401, -401),
        (PROFILE, "get", kakao_ak(DEMO_ADMIN_KEY), {}, 401, -401),
        (PROFILE, "get", bearer("demo-token-expired"), {}, 401, -401),
        (PROFILE, "get", bearer("demo-token-not-talk"), {}, 400, -501),
        (FRIENDS, "get", bearer("demo-token-not-talk"), {}, 400, -501),
        (FRIENDS, "get", bearer("demo-token-no-friends-consent"), {}, 403, -402),
        (FRIENDS, "get", bearer("demo-token-ryan-full"), {}, 403, -3),
        (FRIENDS, "get", bearer(DEMO_ACCESS_TOKEN), {"offset": "-1"}, 400, -2),
        (FRIENDS, "get", bearer(DEMO_ACCESS_TOKEN), {"order": "up"}, 400, -2),
        (PROFILES, "get", {}, {}, 401, -401),
        (PROFILES, "get", bearer(DEMO_ACCESS_TOKEN), {}, 401, -401),
        (PROFILES, "post", kakao_ak("wrong"), {}, 401, -401),
        (PROFILES, "get", kakao_ak(DEMO_ADMIN_KEY), {}, 400, -2),
        (
            PROFILES,
            "post",
            kakao_ak(DEMO_ADMIN_KEY),
            {"target_ids": "[9876]", "target_id_type": "user_id", "viewer_id": "424242"},
            400,
            -101,
        ),
        (
            PROFILES,
            "get",
            kakao_ak(DEMO_ADMIN_KEY),
            {"target_ids": "[9876,424242]", "target_id_type": "user_id"},
            400,
            -2,
        ),
    ],
)
def test_golden_errors(
    demo_server: Server,
    path: str,
    method: str,
    headers: dict[str, str],
    params: dict[str, str],
    status: int,
    code: int,
) -> None:
    r = demo_server.request(method.upper(), path, params=params, headers=headers)
    assert r.status_code == status, r.text
    body = conforms(r, path, method)
    assert body["code"] == code
    if code == -402:
        assert body["required_scopes"] == ["friends"] and body["api_type"] == "FRIENDS"
    if headers.get("Authorization") == "Bearer demo-token-expired":
        assert body["reason"] == "ACCESS_TOKEN_EXPIRED"


# --- the bounds the document states are the bounds the server enforces --------------------------


def _friends_param(name: str) -> dict[str, Any]:
    params = document()["paths"][FRIENDS]["get"]["parameters"]
    schema: dict[str, Any] = next(p for p in params if p["name"] == name)["schema"]
    return schema


@pytest.mark.parametrize("name", ["offset", "limit"])
def test_integer_bounds_match_the_server(demo_server: Server, name: str) -> None:
    schema = _friends_param(name)
    assert schema["type"] == "integer"
    auth = bearer(DEMO_ACCESS_TOKEN)
    for value in (schema["minimum"], schema["maximum"]):
        conforms(demo_server.get(FRIENDS, params={name: value}, headers=auth), FRIENDS)
        assert demo_server.get(FRIENDS, params={name: value}, headers=auth).status_code == 200
    for value in (schema["minimum"] - 1, schema["maximum"] + 1):
        r = demo_server.get(FRIENDS, params={name: value}, headers=auth)
        assert r.status_code == 400 and conforms(r, FRIENDS)["code"] == -2


def test_friends_bounds_are_kakaos() -> None:
    assert (_friends_param("offset")["minimum"], _friends_param("offset")["maximum"]) == (
        0,
        2147483647,
    )
    assert (_friends_param("limit")["minimum"], _friends_param("limit")["maximum"]) == (1, 100)
    assert _friends_param("order")["enum"] == ["asc", "desc"]
    assert _friends_param("friend_order")["enum"] == ["favorite", "nickname"]


@pytest.mark.parametrize("name", ["order", "friend_order"])
def test_enums_match_the_server(demo_server: Server, name: str) -> None:
    auth = bearer(DEMO_ACCESS_TOKEN)
    for value in _friends_param(name)["enum"]:
        assert demo_server.get(FRIENDS, params={name: value}, headers=auth).status_code == 200
    r = demo_server.get(FRIENDS, params={name: "ASC"}, headers=auth)
    assert r.status_code == 400 and conforms(r, FRIENDS)["code"] == -2


def test_target_ids_bounds_match_the_server(demo_server: Server) -> None:
    doc = document()
    params = doc["paths"][PROFILES]["get"]["parameters"]
    schema = next(p for p in params if p["name"] == "target_ids")["schema"]
    auth = kakao_ak(DEMO_ADMIN_KEY)
    hundred = "[" + ",".join(["9876"] * 100) + "]"
    for ids in (hundred, hundred[1:-1], "[9876]", "9876,5432"):
        assert jsonschema.Draft202012Validator(schema).is_valid(ids)
        r = demo_server.get(
            PROFILES, params={"target_ids": ids, "target_id_type": "user_id"}, headers=auth
        )
        assert r.status_code == 200, r.text
        conforms(r, PROFILES)
    for ids in ("[" + ",".join(["9876"] * 101) + "]", "[]", "[0]", "9876,", "[9876"):
        assert not jsonschema.Draft202012Validator(schema).is_valid(ids)
        r = demo_server.get(
            PROFILES, params={"target_ids": ids, "target_id_type": "user_id"}, headers=auth
        )
        assert r.status_code == 400 and conforms(r, PROFILES)["code"] == -2


# --- schemathesis against a live demo server ----------------------------------------------------

#: What every answer to generated input must satisfy. Negative cases (schemathesis's own invalid
#: input) must get a documented 4xx Kakao error, never a 5xx.
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
]


def _schemathesis_config(base_url: str) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "base-url": base_url,
            "seed": 20240601,
            "generation": {"mode": "all", "max-examples": 30, "database": "none"},
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            # Examples (the document's own, which reach the 200 paths), coverage (boundary and
            # invalid values of every parameter) and fuzzing; no links, so no stateful phase.
            "phases": {"stateful": {"enabled": False}},
            "auth": {
                "openapi": {
                    "AccessToken": {"bearer": DEMO_ACCESS_TOKEN},
                    "AdminKey": {"api_key": f"KakaoAK {DEMO_ADMIN_KEY}"},
                }
            },
            "request-timeout": 30,
        }
    )


def without_control_endpoints(schema: Any) -> Any:
    """The shared demo server's run: no control endpoints, no user API that changes the world
    (`test_user_writes_conform_to_the_document` runs those on a server of their own)."""
    schema = schema.exclude(path_regex="^" + re.escape(CONTROL_PREFIX))
    return schema.exclude(path_regex="^(" + "|".join(map(re.escape, USER_WRITE_PATHS)) + ")$")


def run_schemathesis(schema: Any) -> tuple[list[str], list[str], dict[str, set[str]],
                                           dict[str, set[int]]]:
    failures: list[str] = []
    errors: list[str] = []
    checked: dict[str, set[str]] = {}
    statuses: dict[str, set[int]] = {}
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, engine_events.ScenarioFinished):
            recorder = event.recorder
            for case_id, nodes in recorder.checks.items():
                for node in nodes:
                    checked.setdefault(recorder.label, set()).add(node.name)
                    if node.status == Status.FAILURE and node.failure_info is not None:
                        failures.append(
                            f"{recorder.label}: {node.name}: {node.failure_info.failure.title}\n"
                            f"{node.failure_info.failure.message}\n"
                            f"{node.failure_info.code_sample}"
                        )
                interaction = recorder.interactions.get(case_id)
                if interaction is not None and interaction.response is not None:
                    statuses.setdefault(recorder.label, set()).add(interaction.response.status_code)
        elif isinstance(event, engine_events.NonFatalError | engine_events.FatalError):
            errors.append(repr(event))
    return failures, errors, checked, statuses


def test_login_answers_conform(make_server: Callable[..., Server]) -> None:
    """The login server's JSON answers validate against the document; its pages and redirects
    are documented statuses."""
    server = make_server(seed=login_world())
    browser = LoginBrowser(server)
    code = browser.code(CLIENT, "muzi")["code"]
    tokens = conforms(exchange(server, CLIENT, code), "/oauth/token", "post")
    assert "id_token" in tokens and "refresh_token" in tokens
    conforms(refresh(server, CLIENT, tokens["refresh_token"]), "/oauth/token", "post")
    claims = conforms(server.post("/oauth/tokeninfo", data={"id_token": tokens["id_token"]}),
                      "/oauth/tokeninfo", "post")
    assert claims["sub"]
    conforms(server.post("/oauth/tokeninfo", data={"id_token": "x.y.z"}), "/oauth/tokeninfo",
             "post")
    assert conforms(exchange(server, CLIENT, code), "/oauth/token", "post")["error_code"] == (
        "KOE320")
    conforms(exchange(server, "rk-nope", code), "/oauth/token", "post")
    conforms(server.post("/oauth/token", data={"grant_type": "password", "client_id": CLIENT}),
             "/oauth/token", "post")
    conforms(server.get("/.well-known/openid-configuration"), "/.well-known/openid-configuration")
    conforms(server.get("/.well-known/jwks.json"), "/.well-known/jwks.json")
    doc = document()
    for path, response in [
        ("/oauth/authorize", browser.authorize(CLIENT)),
        ("/oauth/authorize", browser.authorize("rk-nope")),
        ("/oauth/authorize", browser.authorize(CLIENT, prompt="none,login")),
        ("/oauth/logout", browser.client.get("/oauth/logout", params={"client_id": CLIENT})),
    ]:
        documented = doc["paths"][path]["get"]["responses"][str(response.status_code)]
        if response.status_code == 302:
            assert "location" in response.headers
        else:
            assert set(documented["content"]) == {"text/html"}
            assert response.headers["content-type"].startswith("text/html")


def test_user_writes_conform_to_the_document(make_live_server: Any) -> None:
    """The user APIs that change the world (logout, unlink, revoke, update_profile), fuzzed
    against a demo server of their own."""
    server = make_live_server(demo=True)
    schema = schemathesis.openapi.from_url(
        server.base_url + "/openapi.json", config=_schemathesis_config(server.base_url)
    ).include(path_regex="^(" + "|".join(map(re.escape, USER_WRITE_PATHS)) + ")$")
    failures, errors, checked, _ = run_schemathesis(schema)
    assert not errors, "\n".join(errors)
    assert not failures, "\n\n".join(failures[:10])
    assert set(checked) == {f"POST {path}" for path in USER_WRITE_PATHS}


def test_control_endpoints_are_left_out_of_the_run() -> None:
    doc = document()
    doc["paths"][CONTROL_PREFIX + "clock"] = {
        "post": {"responses": {"204": {"description": "The server clock was moved."}}}
    }
    schema = without_control_endpoints(schemathesis.openapi.from_dict(doc))
    paths = {result.ok().path for result in schema.get_all_operations()}
    assert paths == {PROFILE, FRIENDS, PROFILES, USERINFO, "/openapi.json", *MESSAGE_PATHS,
                     *(label.split(" ")[1] for label in USER_READ_LABELS),
                     *(path for _, path in LOGIN_OPERATIONS)}


def test_live_server_conforms_to_the_document(live_demo_server: LiveServer) -> None:
    """The schemathesis engine (what its CLI runs) over every documented operation except the
    server's control endpoints. Run in-process rather than through schemathesis's pytest plugin,
    whose `from_fixture` does not work with pytest 9.2 (it sets `Node._nodeid`, gone there)."""
    schema = without_control_endpoints(
        schemathesis.openapi.from_url(
            live_demo_server.base_url + "/openapi.json",
            config=_schemathesis_config(live_demo_server.base_url),
        )
    )
    failures, errors, checked, statuses = run_schemathesis(schema)
    assert not errors, "\n".join(errors)
    assert not failures, "\n\n".join(failures[:10])
    # Every API operation was exercised (schemathesis leaves out the one serving the schema).
    labels = {f"GET {PROFILE}", f"GET {FRIENDS}", f"GET {PROFILES}", f"POST {PROFILES}",
              *(f"POST {path}" for path in MESSAGE_PATHS)}
    userinfo = {f"GET {USERINFO}", f"POST {USERINFO}"}
    login = {f"{method} {path}" for method, path in LOGIN_OPERATIONS}
    assert set(checked) == labels | userinfo | USER_READ_LABELS | login
    for label in login:
        assert checked[label] == set(CHECKS), (label, checked[label])
    # Schemathesis's input reaches the login server's errors, and the document's own
    # parameters its pages.
    assert 400 in statuses["GET /oauth/authorize"] and 400 in statuses["GET /oauth/logout"]
    assert 400 in statuses["POST /oauth/token"] and 400 in statuses["POST /oauth/tokeninfo"]
    assert 200 in statuses["GET /.well-known/jwks.json"]
    for label in labels | userinfo | USER_READ_LABELS:
        assert checked[label] == set(CHECKS), (label, checked[label])
    # The document's examples and the configured credentials reach the success paths (the demo
    # token has not agreed to `openid`: userinfo answers -402), and schemathesis's invalid input
    # reaches the Kakao errors.
    for label in userinfo:
        assert 403 in statuses[label], (label, statuses[label])
    for label in labels | {"GET /v1/user/access_token_info", "GET /v1/user/ids"}:
        assert 200 in statuses[label], (label, statuses[label])
    assert 401 in statuses[f"GET {PROFILE}"] or 401 in statuses[f"GET {FRIENDS}"]
    assert 400 in statuses[f"GET {FRIENDS}"] and 400 in statuses[f"POST {PROFILES}"]
