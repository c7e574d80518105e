"""The console in a real browser: headless Debian chromium driven by Playwright against a real
`talksocial serve --demo` on loopback. What the console writes is checked through the public
APIs, the way an app would see it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.server import LiveServer
from tests.support.worlds import bearer, expect

pytestmark = pytest.mark.browser

MUZI = bearer("demo-access-token")
HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture
def demo(make_live_server: Callable[..., LiveServer]) -> LiveServer:
    return make_live_server(demo=True)


@pytest.fixture
def page(browser_context: Any) -> Any:
    page = browser_context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    return page


def expect_ok(page: Any, message: str) -> None:
    errors = page.locator("#flash-error")
    assert errors.count() == 0, errors.inner_text()
    assert page.locator("#flash-ok").inner_text() == message


def create_account(page: Any, base: str, key: str, nickname: str) -> None:
    page.goto(base + "/console/accounts")
    page.fill("#new-key", key)
    page.fill("#new-nickname", nickname)
    page.click("#create-account")
    expect_ok(page, "Account created.")
    assert page.locator("#account-nickname").inner_text() == nickname


def link_to_demo_app(page: Any, base: str, key: str) -> None:
    page.goto(f"{base}/console/links?app=1001&account={key}")
    # A new link starts with every item of the app ticked.
    assert page.locator('#link-form input[data-scope="friends"]').is_checked()
    page.click("#save-link")
    expect_ok(page, "Link and consents saved.")


def add_friend(page: Any, base: str, owner: str, friend: str, favorite: bool) -> None:
    page.goto(f"{base}/console/accounts/{owner}")
    page.fill("#friend-key", friend)
    if favorite:
        page.check("#friend-favorite")
    page.click("#add-friend-submit")
    expect_ok(page, "Friend entry saved.")


def send_api(page: Any) -> dict[str, Any]:
    page.click("#send")
    page.wait_for_selector("#response-body")
    body: dict[str, Any] = json.loads(page.locator("#response-body").inner_text())
    return body


def test_account_and_friend_made_in_the_console_show_in_the_friends_api(
    demo: LiveServer, page: Any
) -> None:
    before = expect(demo.get("/v1/api/talk/friends", params={"limit": 100}, headers=MUZI), 200)
    assert before["total_count"] == 11 and before["favorite_count"] == 1

    create_account(page, demo.base_url, "kid", "Kiddo")
    link_to_demo_app(page, demo.base_url, "kid")
    add_friend(page, demo.base_url, "muzi", "kid", favorite=True)
    row = page.locator('#friends tr[data-friend="kid"]')
    assert row.locator('input[name="favorite"]').is_checked()
    assert not row.locator('input[name="hidden"]').is_checked()

    after = expect(demo.get("/v1/api/talk/friends", params={"limit": 100}, headers=MUZI), 200)
    assert after["total_count"] == 12 and after["favorite_count"] == 2
    kid = [e for e in after["elements"] if e["profile_nickname"] == "Kiddo"]
    assert len(kid) == 1 and kid[0]["favorite"] is True
    # Favorites first: Kiddo joins Apeach at the top.
    assert {e["profile_nickname"] for e in after["elements"][:2]} == {"Apeach", "Kiddo"}

    # Hiding the entry in the console takes it out of the list again.
    row = page.locator('#friends tr[data-friend="kid"]')
    row.locator('input[name="hidden"]').check()
    row.locator('button:has-text("Save")').click()
    hidden = expect(demo.get("/v1/api/talk/friends", params={"limit": 100}, headers=MUZI), 200)
    assert hidden["total_count"] == 11
    assert "Kiddo" not in [e["profile_nickname"] for e in hidden["elements"]]


def test_rest_api_test_page_calls_the_apis(demo: LiveServer, page: Any) -> None:
    # The friends API with a token the console issues for Muzi.
    page.goto(demo.base_url + "/console/rest-api-test?api=talk-friends")
    page.select_option("#api-app", "1001")
    page.fill("#api-account", "muzi")
    page.fill("#p-limit", "3")
    body = send_api(page)
    assert page.locator("#response-status").inner_text() == "200 OK"
    assert body["total_count"] == 11 and body["favorite_count"] == 1
    assert [e["profile_nickname"] for e in body["elements"]] == ["Apeach", "Jordy", "Ryan"]
    assert body["after_url"] == demo.base_url + "/v1/api/talk/friends?offset=3&limit=3&order=asc"
    curl = page.locator("#curl").inner_text()
    assert f"'{demo.base_url}/v1/api/talk/friends?limit=3'" in curl
    assert "Authorization: Bearer " in curl
    headers = page.locator("#response-headers").inner_text().lower()
    assert "application/json;charset=utf-8" in headers

    # The admin-key API: the seed's sample of /v2/api/talk/profiles.
    page.click('#api-tabs a[data-api="talk-profiles"]')
    page.select_option("#api-app", "1001")
    page.fill("#p-target_ids", "[9876,5432]")
    page.fill("#p-viewer_id", "12345")
    body = send_api(page)
    assert body["viewer"]["nickname"] == "xxx"
    assert [t["nickname"] for t in body["targets"]] == ["yyy", "zzz"]

    # A Kakao Login user API.
    page.click('#api-tabs a[data-api="access-token-info"]')
    page.select_option("#api-app", "1001")
    page.fill("#api-account", "muzi")
    body = send_api(page)
    assert body["id"] == 1000 and body["app_id"] == 1001
    assert 0 < body["expires_in"] <= 600

    # An error answer shows as well: Kim is not on Kakao Talk.
    page.click('#api-tabs a[data-api="talk-profile"]')
    page.fill("#api-account", "not-talk")
    body = send_api(page)
    assert page.locator("#response-status").inner_text() == "400 Bad Request"
    assert body == {"msg": "given account is not connected to any talk user.", "code": -501}


def test_a_hostile_nickname_shows_as_text_everywhere(demo: LiveServer, page: Any) -> None:
    create_account(page, demo.base_url, "hostile", HOSTILE)
    link_to_demo_app(page, demo.base_url, "hostile")
    add_friend(page, demo.base_url, "muzi", "hostile", favorite=False)
    # Also as a multi-profile's nickname, shown to Muzi.
    add_friend(page, demo.base_url, "hostile", "muzi", favorite=False)
    page.goto(demo.base_url + "/console/accounts/hostile")
    page.fill("#mp-key", "x")
    page.fill("#mp-nickname", HOSTILE + " (mp)")
    page.fill("#mp-shown", "muzi")
    page.click("#save-multi-profile")
    expect_ok(page, "Multi-profile saved.")

    for path in (
        "/console/accounts",
        "/console/accounts?q=img",
        "/console/accounts/hostile",
        "/console/accounts/muzi",
        "/console/links?app=1001&account=hostile",
        "/console/apps/1001",
    ):
        page.goto(demo.base_url + path)
        assert page.get_by_text(HOSTILE).filter(visible=True).count() >= 1, path
        assert page.locator('img[src="x"]').count() == 0, path

    # The friends API's answer on the REST API Test page, as text too.
    page.goto(demo.base_url + "/console/rest-api-test?api=talk-friends&app=1001&account=muzi")
    page.fill("#p-limit", "100")
    body = send_api(page)
    # Muzi sees the multi-profile the hostile account shows them.
    assert HOSTILE + " (mp)" in [e["profile_nickname"] for e in body["elements"]]
    assert page.locator('img[src="x"]').count() == 0
    time.sleep(0.3)  # a late onerror would have fired by now
    assert page.dialogs == []


def test_a_fault_rule_added_in_the_console_fails_the_next_call(
    demo: LiveServer, page: Any
) -> None:
    page.goto(demo.base_url + "/console/faults")
    page.select_option("#fault-endpoint", "/v1/api/talk/friends")
    page.select_option("#fault-code", "-10")
    page.select_option("#fault-share", "next")
    page.fill("#fault-next", "1")
    page.click("#add-fault")
    expect_ok(page, "Fault rule added.")
    rule = page.locator("#faults tr[data-fault]")
    assert rule.count() == 1 and "-10" in rule.inner_text()

    # The next call fails with that code, through the REST API Test page...
    page.goto(demo.base_url + "/console/rest-api-test?api=talk-friends&app=1001&account=muzi")
    body = send_api(page)
    assert page.locator("#response-status").inner_text() == "400 Bad Request"
    assert body == {"msg": "API limit has been exceeded.", "code": -10}
    # ...and only the next one: the rule is used up.
    body = send_api(page)
    assert body["total_count"] == 11
    assert expect(demo.get("/v1/api/talk/friends", headers=MUZI), 200)["total_count"] == 11
    page.goto(demo.base_url + "/console/faults")
    assert page.locator("#faults tr[data-fault]").count() == 0

    # A rule for every request of one account: Muzi fails with -1 while Neo does not.
    page.select_option("#fault-endpoint", "/v1/api/talk/friends")
    page.select_option("#fault-code", "-1")
    page.fill("#fault-account", "muzi")
    page.click("#add-fault")
    for _ in range(2):
        assert expect(demo.get("/v1/api/talk/friends", headers=MUZI), 400)["code"] == -1
    expect(demo.get("/v1/api/talk/friends", headers=bearer("demo-token-neo")), 200)
    page.click('#faults button:has-text("Remove")')
    expect_ok(page, "Fault rule removed.")
    expect(demo.get("/v1/api/talk/friends", headers=MUZI), 200)

    # The journal shows the failed call with its code.
    deadline = time.monotonic() + 10
    while True:
        page.goto(demo.base_url + "/console/journal")
        text = page.locator("#journal").inner_text()
        if "-10" in text or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert "/v1/api/talk/friends" in text and "-10" in text
