"""The console's Message API settings in a real browser (headless Debian chromium, Playwright,
a real `talksocial serve --demo`): a custom message template typed on the app page, refused
while it is no template and then sent with `template_id`; a link refusing messages from its
row on the links page."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.server import LiveServer
from tests.support.worlds import bearer

pytestmark = pytest.mark.browser

MUZI = bearer("demo-access-token")
APEACH = "abcdefg0001"
LINK = {"web_url": "http://localhost:3000/shop", "mobile_web_url": "http://localhost:3000/shop"}


@pytest.fixture
def demo(make_live_server: Callable[..., LiveServer]) -> LiveServer:
    return make_live_server(demo=True)


def test_a_template_typed_in_the_console_is_sent_by_id(
    demo: LiveServer, browser_context: Any
) -> None:
    page = browser_context.new_page()
    base = demo.base_url
    page.goto(base + "/console/apps/1001")

    # No link: the API's rule, shown on the page with what was typed kept.
    page.fill("#new-template-id", "9001")
    page.fill("#new-template-object", json.dumps({"object_type": "text", "text": "Hi ${name}"}))
    page.click("#create-template")
    assert "link" in page.locator("#flash-error").inner_text()
    assert page.locator("#new-template-id").input_value() == "9001"
    assert "Hi ${name}" in page.locator("#new-template-object").input_value()

    template = {"object_type": "text", "text": "Hi ${name}", "link": LINK,
                "buttons": [{"title": "Shop", "link": LINK}]}
    page.fill("#new-template-object", json.dumps(template, indent=2))
    page.click("#create-template")
    assert page.locator("#flash-ok").inner_text() == "Message template created."
    row = page.locator('tr[data-template="9001"]')
    assert json.loads(row.locator("pre.template-json").inner_text()) == template

    sent = demo.post("/v1/api/talk/friends/message/send", headers=MUZI, data={
        "template_id": "9001", "receiver_uuids": json.dumps([APEACH]),
        "template_args": json.dumps({"name": "Apeach"})})
    assert sent.json() == {"successful_receiver_uuids": [APEACH]}
    inbox = demo.get("/_talksocial/messages").json()["messages"]
    assert inbox[0]["template_object"]["text"] == "Hi Apeach"

    # Apeach refuses the app's messages, from her row on the links page.
    page.goto(base + "/console/links?app=1001")
    apeach = page.locator('tr[data-link="1001/apeach"]')
    assert apeach.locator("[data-accepts]").inner_text() == "accepts"
    apeach.locator("form.accepts-messages button").click()
    assert page.locator("#flash-ok").inner_text() == "The account refuses this app's messages."
    assert page.locator('tr[data-link="1001/apeach"] [data-accepts]').inner_text() == "refuses"
    refused = demo.post("/v1/api/talk/friends/message/send", headers=MUZI, data={
        "template_id": "9001", "receiver_uuids": json.dumps([APEACH])})
    assert (refused.status_code, refused.json()["code"]) == (400, -530)
