"""An app's logout redirect URIs (docs/reference/seed-format.md#apps): where `GET /oauth/logout`
may send the browser back to; set through the control plane and seed files, kept by export,
shown on the console's app page."""

from __future__ import annotations

from typing import Any

import pytest

from talksocial.storage.seed import SeedError
from talksocial.storage.seed.validate import validate_world
from tests.control.conftest import Control

DEMO_LOGOUT = ["http://localhost:3000/", "http://127.0.0.1:3000/"]


def test_the_control_plane_shows_sets_and_refuses_logout_redirect_uris(ctl: Control) -> None:
    assert ctl.ok("GET", "/apps/1001")["logout_redirect_uris"] == DEMO_LOGOUT
    assert ctl.ok("GET", "/apps/1002")["logout_redirect_uris"] == []
    uris = ["https://app.example.com/bye?x=<1>", "http://localhost:3000/logged-out"]
    app = ctl.ok("PATCH", "/apps/1002", json={"logout_redirect_uris": uris})
    assert app["logout_redirect_uris"] == uris
    for bad in ("http://a.test/", [1], [None], {"a": 1}):
        response = ctl.call("PATCH", "/apps/1002", json={"logout_redirect_uris": bad})
        assert response.status_code == 400 and response.json()["code"] == -2, response.text
    assert ctl.ok("GET", "/apps/1002")["logout_redirect_uris"] == uris
    exported = ctl.ok("GET", "/export")
    by_id = {a["id"]: a for a in exported["apps"]}
    assert by_id[1002]["logout_redirect_uris"] == uris
    assert by_id[1001]["logout_redirect_uris"] == DEMO_LOGOUT
    assert all("logout_redirect_uris" not in a for i, a in by_id.items() if i not in (1001, 1002))
    # The console's app page lists them, escaped.
    page = ctl.server.get("/console/apps/1002")
    assert page.status_code == 200
    section = page.text.split('id="logout-redirect-uris"', 1)[1].split("</ul>", 1)[0]
    assert "https://app.example.com/bye?x=&lt;1&gt;" in section
    assert "<1>" not in section
    # Emptied again: the page says so, the export leaves the field out.
    ctl.ok("PATCH", "/apps/1002", json={"logout_redirect_uris": []})
    page = ctl.server.get("/console/apps/1002").text
    assert 'none' in page.split('id="logout-redirect-uris"', 1)[1].split("</ul>", 1)[0]


def test_a_seed_file_round_trips_logout_redirect_uris(ctl: Control) -> None:
    world = ctl.ok("GET", "/export")
    world["apps"][1]["logout_redirect_uris"] = ["http://localhost:3000/bye"]
    ctl.ok("POST", "/import", json=world)
    again = ctl.ok("GET", "/export")
    assert again["apps"][1]["logout_redirect_uris"] == ["http://localhost:3000/bye"]
    assert again == world


@pytest.mark.parametrize("uri", [3, None, ["x"]])
def test_a_seed_file_with_a_bad_logout_redirect_uri_is_refused_with_its_path(uri: Any) -> None:
    world = {"apps": [{"id": 1, "logout_redirect_uris": ["http://ok.test/", uri]}],
             "accounts": []}
    with pytest.raises(SeedError) as refused:
        validate_world(world)
    assert "apps[0].logout_redirect_uris[1]" in str(refused.value)
