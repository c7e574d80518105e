"""The console's Kakao Talk view in a real browser (headless Debian chromium, Playwright,
a real `talksocial serve --demo`): one message of every template type sent through the Message
API, each drawn as its card; markup in a nickname or a text shows as text; and a send from the
REST API Test tool lands in the receiver's chat."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.support import talk_cards as t
from tests.support.server import LiveServer
from tests.support.worlds import bearer, expect

pytestmark = pytest.mark.browser

MUZI = bearer("demo-access-token")
MUZI_UUID = "abcdefg0000"
APEACH_UUID = "abcdefg0001"
VIVI_UUID = "abcdefg0006"


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


def card(page: Any, object_type: str) -> Any:
    found = page.locator(f'#bubbles .talk-card[data-object-type="{object_type}"]')
    assert found.count() == 1, object_type
    return found


def hrefs(locator: Any) -> list[str]:
    return [a.get_attribute("href") for a in locator.all()]


def test_every_template_type_is_drawn_as_its_card(demo: LiveServer, page: Any) -> None:
    expect(demo.post("/_talksocial/clock", json={"now": t.SENT_AT}), 200)
    # Apeach, renamed to markup, sends Muzi one message of every type; Muzi sends one to itself.
    expect(demo.request("PATCH", "/_talksocial/accounts/apeach",
                        json={"profile": {"nickname": t.HOSTILE}}), 200)
    expect(demo.request("PUT", "/_talksocial/accounts/apeach/friends/muzi", json={}), 200)
    apeach = expect(demo.post("/_talksocial/tokens", json={"app": 1001, "account": "apeach"}),
                    201)["access_token"]
    for template in t.ALL.values():
        sent = expect(demo.post("/v1/api/talk/friends/message/default/send",
                                headers=bearer(apeach),
                                data={"template_object": json.dumps(template),
                                      "receiver_uuids": json.dumps([MUZI_UUID])}), 200)
        assert sent["successful_receiver_uuids"] == [MUZI_UUID]
    expect(demo.post("/v2/api/talk/memo/default/send", headers=MUZI,
                     data={"template_object": json.dumps(t.TEXT)}), 200)

    # From the account page to its Kakao Talk.
    page.goto(demo.base_url + "/console/accounts/muzi")
    page.click("#talk-link")
    assert page.url == demo.base_url + "/console/accounts/muzi/talk"
    chats = page.locator("#chats li")
    assert [c.get_attribute("data-chat") for c in chats.all()] == ["muzi", "apeach"]
    # The most recent chat is Muzi's own; markup in Apeach's nickname is text.
    assert page.locator('#chats li[data-chat="apeach"] .nickname').inner_text() == t.HOSTILE
    assert page.locator("#bubbles li").count() == 1
    assert card(page, "text").locator(".card-text").inner_text() == t.TEXT["text"]

    page.click('#chats li[data-chat="apeach"] a')
    assert page.locator("#chat-title .nickname").inner_text() == t.HOSTILE
    bubbles = page.locator("#bubbles li.bubble")
    assert [b.get_attribute("data-object-type") for b in bubbles.all()] == list(t.ALL)
    assert all("incoming" in (b.get_attribute("class") or "") for b in bubbles.all())
    assert bubbles.first.locator(".bubble-sender").inner_text() == t.HOSTILE
    assert bubbles.first.locator(".app-name").inner_text() == "talksocial demo"

    feed = card(page, "feed")
    assert feed.locator(".card-content .card-title").inner_text() == "Strawberry cheesecake"
    assert feed.locator(".card-content .card-description").inner_text() == "#cake #strawberry"
    assert feed.locator("img.card-image").get_attribute("src") == t.IMAGE + "cake.png"
    assert feed.locator(".card-content").get_attribute("href") == t.SITE + "/cake"
    assert feed.locator(".card-profile-text").inner_text() == "Kakao bakery"
    assert feed.locator(".card-items li .item").all_inner_texts() == ["Cake", "Cookie"]
    assert feed.locator(".card-items li .item-op").all_inner_texts() == ["1000원", "2000원"]
    assert feed.locator(".card-sum .item-op").inner_text() == "3000원"
    assert feed.locator(".social-like .count").inner_text() == "286"
    assert feed.locator(".social-comment .count").inner_text() == "45"
    assert feed.locator(".social-shared .count").inner_text() == "845"
    buttons = feed.locator(".card-button")
    assert buttons.all_inner_texts() == ["Open on the web", "Open in the app"]
    assert hrefs(buttons) == [t.SITE + "/cake/web", t.SITE + "/cake/app"]
    assert buttons.first.get_attribute("data-mobile-web-url") == t.SITE + "/m/cake/web"

    listed = card(page, "list")
    assert listed.locator(".card-header").inner_text() == "WEEKLY MAGAZINE"
    assert listed.locator(".card-header").get_attribute("href") == t.SITE + "/magazine"
    items = listed.locator(".card-list-item")
    assert items.locator(".card-title").all_inner_texts() == [
        "Enjoying a weekend", "A lunch to remember", "Walking the hills"]
    assert items.locator(".card-description").all_inner_texts() == ["Culture", "Food", "Travel"]
    assert [i.get_attribute("src") for i in items.locator("img.card-thumb").all()] == [
        t.IMAGE + "1.png", t.IMAGE + "2.png", t.IMAGE + "3.png"]
    assert hrefs(items) == [t.SITE + "/magazine/1", t.SITE + "/magazine/2",
                            t.SITE + "/magazine/3"]
    assert hrefs(listed.locator(".card-button")) == [t.SITE + "/magazine/all"]

    location = card(page, "location")
    assert location.locator(".card-title").inner_text() == "Kakao Pangyo office"
    assert location.locator(".card-description").inner_text() == "Come and see us"
    assert location.locator("img.card-image").get_attribute("src") == t.IMAGE + "office.png"
    assert location.locator(".card-address-title").inner_text() == "Kakao Pangyo Agit"
    assert location.locator(".card-address").inner_text() == t.LOCATION["address"]
    assert location.locator(".social-like .count").inner_text() == "12"
    # No buttons: Kakao Talk's default one, to the content's link.
    assert location.locator(".card-button").all_inner_texts() == ["자세히 보기"]
    assert hrefs(location.locator(".card-button")) == [t.SITE + "/office"]

    commerce = card(page, "commerce")
    assert commerce.locator(".card-title").inner_text() == "Ryan's pillow, now on sale"
    assert commerce.locator(".card-description").inner_text() == "Soft and round"
    assert commerce.locator("img.card-image").get_attribute("src") == t.IMAGE + "pillow.png"
    assert commerce.locator(".card-product-name").inner_text() == "Ryan pillow"
    assert commerce.locator(".card-discount-rate").inner_text() == "30%"
    assert commerce.locator(".card-discount-price").inner_text() == "146,160원"
    assert commerce.locator("del.card-regular-price").inner_text() == "208,800원"
    assert hrefs(commerce.locator(".card-button")) == [t.SITE + "/pillow/buy"]

    text = card(page, "text")
    # The text's markup is text: no element was made of it, and no dialog opened.
    assert text.locator(".card-text").inner_text() == t.TEXT["text"]
    assert text.locator(".card-text img").count() == 0
    assert text.locator(".card-text").get_attribute("href") == t.SITE + "/text"
    assert text.locator(".card-button").all_inner_texts() == ["See the text"]
    assert hrefs(text.locator(".card-button")) == [t.SITE + "/text"]

    calendar = card(page, "calendar")
    assert calendar.locator(".card-title").inner_text() == "Team dinner"
    assert calendar.locator(".card-description").inner_text() == "At the usual place"
    assert calendar.locator("img.card-image").get_attribute("src") == t.IMAGE + "dinner.png"
    assert calendar.locator(".card-date .date").inner_text() == t.KST_DATE
    assert calendar.locator(".card-date .weekday").inner_text() == "Sat"
    assert hrefs(calendar.locator(".card-button")) == [t.SITE + "/dinner/event"]

    assert page.locator("img[src=x]").count() == 0
    assert page.dialogs == []

    # Apeach's side of the chat: the same messages, outgoing.
    page.goto(demo.base_url + "/console/accounts/apeach/talk")
    assert [c.get_attribute("data-chat") for c in page.locator("#chats li").all()] == ["muzi"]
    assert page.locator("#bubbles li.bubble.outgoing").count() == len(t.ALL)


def test_the_rest_api_test_tool_sends_a_message(demo: LiveServer, page: Any) -> None:
    page.goto(demo.base_url + "/console/rest-api-test?api=memo-default")
    page.click('#api-tabs a[data-api="friends-default"]')
    page.select_option("#api-app", "1001")
    page.fill("#api-account", "muzi")
    # The template editor starts from a sample; another type's sample is a click away.
    page.click('#samples a[data-sample="location"]')
    assert json.loads(page.input_value("#p-template_object"))["object_type"] == "location"
    page.fill("#api-account", "muzi")
    page.fill("#p-receiver_uuids", json.dumps([APEACH_UUID, VIVI_UUID]))
    page.fill("#p-template_object", json.dumps(t.COMMERCE, indent=2))
    page.click("#send")
    page.wait_for_selector("#response-body")
    assert page.locator("#response-status").inner_text() == "200 OK"
    body = json.loads(page.locator("#response-body").inner_text())
    assert body["successful_receiver_uuids"] == [APEACH_UUID]
    assert body["failure_info"][0]["code"] == -530
    assert body["failure_info"][0]["receiver_uuids"] == [VIVI_UUID]
    curl = page.locator("#curl").inner_text()
    assert f"POST {demo.base_url}/v1/api/talk/friends/message/default/send" in curl
    assert "--data-urlencode 'template_object=" in curl

    # The message is in Apeach's chat with Muzi, drawn as a commerce card.
    page.click("#talk-view")
    assert page.url.endswith("/console/accounts/muzi/talk")
    page.goto(demo.base_url + "/console/accounts/apeach/talk")
    commerce = card(page, "commerce")
    assert commerce.locator(".card-discount-price").inner_text() == "146,160원"
    assert page.locator("#bubbles li.bubble.incoming .bubble-sender").inner_text() == "Muzi"

    # An error answer shows too: the custom template id is not the app's.
    page.goto(demo.base_url + "/console/rest-api-test?api=memo-custom&app=1001&account=muzi")
    page.fill("#p-template_id", "999")
    page.click("#send")
    page.wait_for_selector("#response-body")
    assert page.locator("#response-status").inner_text() == "400 Bad Request"
    assert json.loads(page.locator("#response-body").inner_text())["code"] == -2
