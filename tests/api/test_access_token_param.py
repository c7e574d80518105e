"""An `access_token` query or form parameter stands in for a missing Authorization header on
every Bearer endpoint (docs/reference/errors.md#credentials), as Kakao accepts and
passport-kakao relies on."""

from __future__ import annotations

import pytest

from tests.support.server import LiveServer

TOKEN = "demo-token-ryan-full"
NO_AUTH = {"msg": "no authentication key!", "code": -401}
NOT_FOUND = {"msg": "this access token does not exist", "code": -401}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v2/user/me"),
        ("POST", "/v2/user/me"),
        ("GET", "/v1/user/access_token_info"),
        ("GET", "/v2/user/scopes"),
        ("GET", "/v1/api/talk/profile"),
    ],
)
def test_query_parameter_and_form_parameter(demo_server: LiveServer, method: str, path: str) -> None:
    with_header = demo_server.request(method, path, headers={"Authorization": f"Bearer {TOKEN}"})
    assert with_header.status_code == 200, with_header.text
    expected = with_header.json()
    expected.pop("expires_in", None)  # counts down between the calls
    by_query = demo_server.request(method, path, params={"access_token": TOKEN})
    assert by_query.status_code == 200
    assert {k: v for k, v in by_query.json().items() if k != "expires_in"} == expected
    if method == "POST":
        by_form = demo_server.request(method, path, data={"access_token": TOKEN})
        assert by_form.status_code == 200 and by_form.json() == expected


def test_friends_page_by_query_parameter(demo_server: LiveServer) -> None:
    headers = {"Authorization": "Bearer demo-access-token"}
    with_header = demo_server.get("/v1/api/talk/friends", params={"limit": 3}, headers=headers)
    by_query = demo_server.get(
        "/v1/api/talk/friends", params={"limit": 3, "access_token": "demo-access-token"}
    )
    assert by_query.status_code == 200 and by_query.json() == with_header.json()


def test_the_header_wins_and_absence_is_missing(demo_server: LiveServer) -> None:
    # A header present is the credential, whatever the parameter says.
    bad_header = demo_server.get(
        "/v2/user/me", params={"access_token": TOKEN}, headers={"Authorization": "Bearer nope"}
    )
    assert bad_header.status_code == 401 and bad_header.json() == NOT_FOUND
    for params in ({}, {"access_token": ""}, {"access_token": "  "}):
        response = demo_server.get("/v2/user/me", params=params)
        assert response.status_code == 401 and response.json() == NO_AUTH
    unknown = demo_server.get("/v2/user/me", params={"access_token": "nope"})
    assert unknown.status_code == 401 and unknown.json() == NOT_FOUND
    # An unreadable body is no credential, not a parameter error.
    garbled = demo_server.post(
        "/v2/user/me", content=b"access_token=\xff",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert garbled.status_code == 401 and garbled.json() == NO_AUTH
    # Admin-key endpoints take no such parameter.
    admin = demo_server.get("/v2/api/talk/profiles", params={"access_token": TOKEN})
    assert admin.status_code == 401 and admin.json() == NO_AUTH


def test_logout_by_form_parameter(make_server: object) -> None:
    server = make_server(demo=True)  # type: ignore[operator]
    response = server.post("/v1/user/logout", data={"access_token": "demo-token-ryan-nickname"})
    assert response.status_code == 200, response.text
    gone = server.get("/v2/user/me", params={"access_token": "demo-token-ryan-nickname"})
    assert gone.json() == NOT_FOUND
