"""Seed files and export for the Message API (docs/reference/seed-format.md): an app's
`message_templates` and `message_limits`, a link's `accepts_messages`; a bad one is refused
with its path; export → import → export gives the same document."""

from __future__ import annotations

from typing import Any

import pytest

from talksocial.storage.seed import SeedError
from talksocial.storage.seed.validate import validate_world
from tests.control.conftest import Control

TEXT = {"object_type": "text", "text": "Hi ${name}", "link": {"web_url": "https://e.com"}}


def _world(app: dict[str, Any], link: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "apps": [{"id": 1, "consent_items": {"talk_message": "optional"}, **app}],
        "accounts": [{"key": "a"}],
        "links": [{"app": 1, "account": "a", **(link or {})}],
    }


@pytest.mark.parametrize(
    ("app", "link", "path"),
    [
        ({"message_templates": [{"id": 1, "template_object": {"object_type": "text"}}]}, None,
         "apps[0].message_templates[0].template_object.text"),
        ({"message_templates": [{"template_object": TEXT}]}, None,
         "apps[0].message_templates[0].id"),
        ({"message_templates": [{"id": 1, "template_object": TEXT},
                                {"id": 1, "template_object": TEXT}]}, None,
         "apps[0].message_templates[1].id"),
        ({"message_templates": [{"id": 1, "template_object": TEXT, "x": 1}]}, None,
         "apps[0].message_templates[0].x"),
        ({"message_limits": {"per_week": 1}}, None, "apps[0].message_limits"),
        ({"message_limits": {"per_pair": -1}}, None, "apps[0].message_limits"),
        ({}, {"accepts_messages": "no"}, "links[0].accepts_messages"),
    ],
)
def test_bad_message_fields_are_refused_with_their_path(
    app: dict[str, Any], link: dict[str, Any] | None, path: str
) -> None:
    with pytest.raises(SeedError) as refused:
        validate_world(_world(app, link))
    assert path in str(refused.value)


def test_import_and_export_keep_templates_limits_and_accepts_messages(ctl: Control) -> None:
    world = _world(
        {"id": 4001, "rest_api_key": "rk-4001", "admin_key": "ak-4001",
         "message_templates": [{"id": 9, "template_object": TEXT}],
         "message_limits": {"per_pair": 3, "per_app": 100}},
        {"app": 4001, "account": "seeded-a", "accepts_messages": False},
    )
    world["accounts"] = [{"key": "seeded-a"}]
    ctl.ok("POST", "/import", json=world)
    exported = ctl.ok("GET", "/export")
    app = next(a for a in exported["apps"] if a["id"] == 4001)
    assert app["message_templates"] == [{"id": 9, "template_object": TEXT}]
    assert app["message_limits"] == {"per_pair": 3, "per_app": 100}
    link = next(lk for lk in exported["links"] if lk["account"] == "seeded-a")
    assert link["accepts_messages"] is False
    demo = next(a for a in exported["apps"] if a["id"] == 1001)
    assert [t["id"] for t in demo["message_templates"]] == [1234, 5678]
    vivi = next(lk for lk in exported["links"] if lk["account"] == "vivi")
    assert vivi["accepts_messages"] is False
    ctl.ok("POST", "/import", json=exported)
    assert ctl.ok("GET", "/export") == exported
