"""An app's web domains (docs/reference/seed-format.md#apps): origins, compared exactly; set
through the control plane and seed files, kept by export."""

from __future__ import annotations

from typing import Any

import pytest

from talksocial.domain.origins import is_origin, origin_of
from talksocial.storage.seed import SeedError
from talksocial.storage.seed.validate import validate_world
from tests.control.conftest import Control


def test_origins() -> None:
    assert origin_of("HTTPS://App.Example.com:443/path?q") == "https://app.example.com"
    assert origin_of("http://localhost:3000/") == "http://localhost:3000"
    assert [is_origin(v) for v in ("http://localhost:3000", "https://a.test",
                                   "http://localhost:3000/", "https://a.test:443",
                                   "HTTP://a.test", "a.test", "ftp://a.test")] == [
        True, True, False, False, False, False, False]


def test_the_control_plane_sets_and_refuses_web_domains(ctl: Control) -> None:
    app = ctl.ok("PATCH", "/apps/1001", json={"web_domains": ["http://localhost:3000",
                                                             "https://app.example.com"]})
    assert app["web_domains"] == ["http://localhost:3000", "https://app.example.com"]
    for bad in (["http://localhost:3000/"], ["localhost:3000"], ["https://a.test:443"], [1]):
        response = ctl.call("PATCH", "/apps/1001", json={"web_domains": bad})
        assert response.status_code == 400 and response.json()["code"] == -2, response.text
    assert ctl.ok("GET", "/apps/1001")["web_domains"] == [
        "http://localhost:3000", "https://app.example.com"]
    exported = ctl.ok("GET", "/export")
    demo = next(a for a in exported["apps"] if a["id"] == 1001)
    assert demo["web_domains"] == ["http://localhost:3000", "https://app.example.com"]
    assert all("web_domains" not in a for a in exported["apps"] if a["id"] != 1001)


@pytest.mark.parametrize("domain", ["http://localhost:3000/cb", "https://A.test", "nope", 3])
def test_a_seed_file_with_a_bad_web_domain_is_refused_with_its_path(domain: Any) -> None:
    world = {"apps": [{"id": 1, "web_domains": ["http://ok.test", domain]}], "accounts": []}
    with pytest.raises(SeedError) as refused:
        validate_world(world)
    assert "apps[0].web_domains[1]" in str(refused.value)
