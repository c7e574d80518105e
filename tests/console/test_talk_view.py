"""The console's Kakao Talk view over HTTP: the chats of an account and each message drawn as
its template's card, escaped, with links only to http(s) URLs."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator

import pytest

from tests.support import talk_cards
from tests.support.inprocess import start_inprocess_server
from tests.support.server import LiveServer, Server
from tests.support.worlds import bearer, expect

MUZI = bearer("demo-access-token")
APEACH_UUID = "abcdefg0001"


@pytest.fixture
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_inprocess_server(tmp_path_factory.mktemp("talk-view"), demo=True)
    try:
        yield server
    finally:
        server.stop()
        assert "Traceback" not in server.log(), server.log()


def send_to_me(server: Server, template: dict[str, object]) -> None:
    expect(server.post("/v2/api/talk/memo/default/send", headers=MUZI,
                       data={"template_object": json.dumps(template)}), 200)


def test_every_template_type_is_drawn_in_the_to_me_chat(demo: Server) -> None:
    expect(demo.post("/_talksocial/clock", json={"now": talk_cards.SENT_AT}), 200)
    for template in talk_cards.ALL.values():
        send_to_me(demo, template)
    page = demo.get("/console/accounts/muzi/talk")
    assert page.status_code == 200
    text = page.text
    assert "Content-Security-Policy" in page.headers or "content-security-policy" in page.headers
    types = re.findall(r'<li class="bubble outgoing" [^>]*data-object-type="(\w+)"', text)
    assert types == list(talk_cards.ALL)
    for expected in ("Strawberry cheesecake", "#cake #strawberry", "WEEKLY MAGAZINE",
                     "A lunch to remember", "Kakao Pangyo Agit",
                     "166 Pangyoyeok-ro, Bundang-gu, Seongnam-si", "146,160원", "208,800원",
                     "30%", "Team dinner", talk_cards.KST_DATE, "See the text"):
        assert expected in text, expected
    assert f'href="{talk_cards.SITE}/cake/web"' in text
    assert f'src="{talk_cards.IMAGE}cake.png"' in text
    # The text's markup is text.
    assert talk_cards.HOSTILE not in text
    assert html.escape(talk_cards.HOSTILE, quote=False) in text or \
        html.escape(talk_cards.HOSTILE) in text


def test_only_web_links_become_hrefs(demo: Server) -> None:
    template = {"object_type": "text", "text": "hi",
                "link": {"web_url": "javascript:alert(1)", "mobile_web_url": "data:text/html,x"},
                "buttons": [{"title": "b", "link": {"web_url": "javascript:alert(2)"}}]}
    send_to_me(demo, template)
    text = demo.get("/console/accounts/muzi/talk").text
    assert 'href="javascript' not in text and 'href="data:text' not in text
    assert 'data-web-url="javascript:alert(1)"' in text  # shown, as data


def test_chats_with_friends_and_the_account_page_link(demo: Server) -> None:
    send_to_me(demo, talk_cards.TEXT)
    expect(demo.post("/v1/api/talk/friends/message/default/send", headers=MUZI,
                     data={"template_object": json.dumps(talk_cards.FEED),
                           "receiver_uuids": json.dumps([APEACH_UUID])}), 200)
    assert 'href="/console/accounts/apeach/talk"' in demo.get("/console/accounts/apeach").text
    apeach = demo.get("/console/accounts/apeach/talk").text
    # Apeach's one chat is with Muzi, who sent it the feed.
    assert re.findall(r'data-chat="([^"]+)"', apeach) == ["muzi"]
    assert '<li class="bubble incoming"' in apeach and "Strawberry cheesecake" in apeach
    muzi = demo.get("/console/accounts/muzi/talk").text
    assert re.findall(r'data-chat="([^"]+)"', muzi) == ["apeach", "muzi"]
    # The most recent chat shows first: the one with Apeach, Muzi's send in it as outgoing.
    assert '<li class="bubble outgoing"' in muzi and "Strawberry cheesecake" in muzi
    assert "Text with markup" not in muzi
    to_me = demo.get("/console/accounts/muzi/talk?chat=muzi").text
    assert "Text with markup" in to_me and "Strawberry cheesecake" not in to_me
    assert demo.get("/console/accounts/muzi/talk?chat=nobody").status_code == 200
    assert demo.get("/console/accounts/nobody/talk").status_code == 404


def test_the_rest_api_test_tool_sends_a_message(
    make_live_server: Callable[..., LiveServer],
) -> None:
    # Live: the tool sends its request over HTTP to the socket the server listens on.
    demo = make_live_server(demo=True)
    client = demo.client(follow_redirects=False)
    form = client.get("/console/rest-api-test?api=friends-default&sample=commerce").text
    assert 'id="p-template_object"' in form and "Ryan pillow" in form
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    r = client.post("/console/rest-api-test", data={
        "csrf_token": token.group(1), "api": "friends-default", "app": "1001",
        "credential": "account", "account": "muzi",
        "p_receiver_uuids": json.dumps([APEACH_UUID, "abcdefg0006"]),
        "p_template_object": json.dumps(talk_cards.COMMERCE),
    })
    assert r.status_code == 200
    assert "200 OK" in r.text and "successful_receiver_uuids" in r.text
    assert "-530" in r.text  # Vivi refuses the app's messages
    assert 'href="/console/accounts/muzi/talk"' in r.text
    apeach = demo.get("/console/accounts/apeach/talk").text
    assert "146,160원" in apeach and "Ryan pillow" in apeach
