"""The console's side of the Message API over HTTP: an app's daily message limits and custom
message templates on the app page, a link's `accepts_messages` on the links page. Each write
carries the session's CSRF token and is seen through the control plane and the Message API."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from talksocial.demo import DEMO_ACCESS_TOKEN
from tests.support.console_page import Page
from tests.support.inprocess import start_inprocess_server
from tests.support.server import Server

MEMO_CUSTOM = "/v2/api/talk/memo/send"
FRIENDS_DEFAULT = "/v1/api/talk/friends/message/default/send"
FRIENDS_CUSTOM = "/v1/api/talk/friends/message/send"
APEACH = "abcdefg0001"  # Muzi's friend in app 1001, who accepts messages
LINK = {"web_url": "http://localhost:3000/a", "mobile_web_url": "http://localhost:3000/a"}
TEXT = {"object_type": "text", "text": "Hello", "link": LINK}
HOSTILE = '<script>alert("x")</script>'


@pytest.fixture
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_inprocess_server(tmp_path_factory.mktemp("console-messages"), demo=True)
    try:
        yield server
    finally:
        server.stop()
        assert "Traceback" not in server.log(), server.log()


def send(server: Server, path: str, **form: Any) -> httpx.Response:
    data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in form.items()}
    return server.post(path, data=data, headers={"Authorization": f"Bearer {DEMO_ACCESS_TOKEN}"})


def code_of(response: httpx.Response) -> int:
    body: dict[str, Any] = response.json()
    return int(body["code"])


def control(server: Server, path: str) -> Any:
    response = server.get("/_talksocial" + path)
    assert response.status_code == 200, response.text
    return response.json()


def limit_cells(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-limit="(\w+)">([^<]*)<', html))


# --- daily limits --------------------------------------------------------------------------------


def test_limits_set_in_the_console_hold_for_the_message_api(demo: Server) -> None:
    page = Page(demo)
    html = page.get("/console/apps/1001")
    assert 'id="limits-form"' in html
    assert limit_cells(html) == {"per_sender": "default: 100", "per_receiver": "default: 100",
                                 "per_pair": "default: 20", "per_app": "default: 30000"}
    r = page.post("/console/apps/1001/message-limits", per_pair="1", per_sender=" ",
                  per_receiver="", per_app="")
    assert r.status_code == 303
    assert r.headers["location"] == "/console/apps/1001?ok=limits-saved#message-limits"
    assert control(demo, "/apps/1001")["message_limits"] == {"per_pair": 1}
    html = page.get("/console/apps/1001?ok=limits-saved")
    assert "Daily message limits saved." in html
    assert limit_cells(html)["per_pair"] == "set: 1"
    assert 'name="per_pair" value="1"' in html

    assert send(demo, FRIENDS_DEFAULT, receiver_uuids=[APEACH],
                template_object=TEXT).json() == {"successful_receiver_uuids": [APEACH]}
    again = send(demo, FRIENDS_DEFAULT, receiver_uuids=[APEACH], template_object=TEXT)
    assert (again.status_code, code_of(again)) == (400, -536)

    # Every field empty: Kakao's defaults again, and the pair may message again.
    r = page.post("/console/apps/1001/message-limits", per_pair="", per_sender="",
                  per_receiver="", per_app="")
    assert r.status_code == 303
    assert control(demo, "/apps/1001")["message_limits"] == {}
    assert send(demo, FRIENDS_DEFAULT, receiver_uuids=[APEACH],
                template_object=TEXT).status_code == 200


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-1", "message_limits: per_pair must be between 0 and 1000000000"),
        ("1000000001", "message_limits: per_pair must be between 0 and 1000000000"),
        ("lots", "message_limits: per_pair must be an integer"),
        ("1.5", "message_limits: per_pair must be an integer"),
    ],
)
def test_bad_limits_are_refused_on_the_page(demo: Server, typed: str, message: str) -> None:
    page = Page(demo)
    page.get("/console/apps/1001")
    assert page.post("/console/apps/1001/message-limits", per_sender="7").status_code == 303
    r = page.post("/console/apps/1001/message-limits", per_sender="8", per_pair=typed)
    assert r.status_code == 400
    assert f'id="flash-error">{message}<' in r.text
    # What was typed stays in the form; nothing was written.
    assert f'name="per_pair" value="{typed}"' in r.text
    assert 'name="per_sender" value="8"' in r.text
    assert control(demo, "/apps/1001")["message_limits"] == {"per_sender": 7}


def test_a_typed_limit_is_escaped(demo: Server) -> None:
    page = Page(demo)
    page.get("/console/apps/1001")
    r = page.post("/console/apps/1001/message-limits", per_app='"><b>x</b>')
    assert r.status_code == 400
    assert "<b>x</b>" not in r.text
    assert 'value="&#34;&gt;&lt;b&gt;x&lt;/b&gt;"' in r.text


def test_limits_of_an_unknown_app(demo: Server) -> None:
    page = Page(demo)
    page.get("/console/apps/1001")
    r = page.post("/console/apps/999/message-limits", per_pair="1")
    assert r.status_code == 404
    r = page.post("/console/apps/99999999999999999999999/message-limits", per_pair="1")
    assert r.status_code == 404


# --- accepts_messages ----------------------------------------------------------------------------


def accepts_cells(html: str) -> dict[str, str]:
    rows = re.findall(r'<tr data-link="1001/([^"]+)">(.*?)</tr>', html, flags=re.S)
    return {key: re.search(r'data-accepts="(\d)"', row).group(1)  # type: ignore[union-attr]
            for key, row in rows}


def test_accepts_messages_toggled_on_the_links_page(demo: Server) -> None:
    page = Page(demo)
    html = page.get("/console/links?app=1001")
    cells = accepts_cells(html)
    assert cells["apeach"] == "1" and cells["vivi"] == "0"
    assert send(demo, FRIENDS_DEFAULT, receiver_uuids=[APEACH],
                template_object=TEXT).status_code == 200

    r = page.post("/console/links/messages", app="1001", account="apeach",
                  accepts_messages="0", view_account="", view_offset="0")
    assert r.status_code == 303
    assert r.headers["location"] == "/console/links?app=1001&account=&offset=0&ok=messages-refused"
    assert control(demo, "/links/1001/apeach")["accepts_messages"] is False
    refused = send(demo, FRIENDS_DEFAULT, receiver_uuids=[APEACH], template_object=TEXT)
    assert (refused.status_code, code_of(refused)) == (400, -530)
    html = page.get(r.headers["location"])
    assert "The account refuses this app&#39;s messages." in html
    assert accepts_cells(html)["apeach"] == "0"

    # Accepting again, from the table of Muzi's links: the send goes through.
    r = page.post("/console/links/messages", app="1001", account="apeach", accepts_messages="1",
                  view_account="muzi", view_offset="0")
    assert r.status_code == 303
    assert r.headers["location"] == (
        "/console/links?app=1001&account=muzi&offset=0&ok=messages-accepted")
    assert control(demo, "/links/1001/apeach")["accepts_messages"] is True
    assert send(demo, FRIENDS_DEFAULT, receiver_uuids=[APEACH],
                template_object=TEXT).json() == {"successful_receiver_uuids": [APEACH]}
    # The app page shows it too (Vivi refuses in the demo world).
    app_html = page.get("/console/apps/1001")
    assert 'class="tag off">refuses<' in app_html


def test_accepts_messages_of_no_link(demo: Server) -> None:
    page = Page(demo)
    page.get("/console/links")
    r = page.post("/console/links/messages", app="1001", account="nobody<b>",
                  accepts_messages="0")
    assert r.status_code == 404
    assert 'id="flash-error"' in r.text and "nobody<b>" not in r.text
    r = page.post("/console/links/messages", app="x", account="apeach", accepts_messages="0")
    assert r.status_code == 404
    assert control(demo, "/links/1001/apeach")["accepts_messages"] is True


# --- custom message templates --------------------------------------------------------------------

GREETING = {"object_type": "text", "text": "Hi ${name}, ${what} is ready",
            "link": LINK, "buttons": [{"title": "Open", "link": LINK}]}


def test_a_template_made_in_the_console_sends_with_template_id(demo: Server) -> None:
    page = Page(demo)
    html = page.get("/console/apps/1001")
    assert 'id="template-form"' in html
    shown_before = re.findall(r'<tr data-template="(\d+)">', html)
    assert shown_before == [str(t["id"]) for t in
                            control(demo, "/apps/1001/message_templates")["message_templates"]]

    r = page.post("/console/apps/1001/message-templates", id="4242",
                  template_object=json.dumps(GREETING, indent=2))
    assert r.status_code == 303
    assert r.headers["location"] == "/console/apps/1001?ok=template-created#message-templates"
    assert control(demo, "/apps/1001/message_templates/4242") == {
        "id": 4242, "template_object": GREETING}
    html = page.get("/console/apps/1001?ok=template-created")
    assert "Message template created." in html
    assert '<tr data-template="4242">' in html
    assert "Hi ${name}, ${what} is ready" in html

    r = send(demo, MEMO_CUSTOM, template_id="4242",
             template_args={"name": "Muzi", "what": "the latte"})
    assert r.json() == {"result_code": 0}
    sent = control(demo, "/messages")["messages"][0]
    assert sent["template_object"]["text"] == "Hi Muzi, the latte is ready"

    # Replaced: the next send uses the new object.
    replaced = {**GREETING, "text": "Bye ${name}"}
    r = page.post("/console/apps/1001/message-templates/4242",
                  template_object=json.dumps(replaced))
    assert r.status_code == 303
    assert r.headers["location"] == "/console/apps/1001?ok=template-replaced#message-templates"
    assert control(demo, "/apps/1001/message_templates/4242")["template_object"] == replaced
    assert send(demo, FRIENDS_CUSTOM, template_id="4242", receiver_uuids=[APEACH],
                template_args={"name": "Apeach"}).status_code == 200
    assert control(demo, "/messages")["messages"][0]["template_object"]["text"] == "Bye Apeach"

    # Deleted: gone from the control plane and the page; a send naming it fails.
    r = page.post("/console/apps/1001/message-templates/4242/delete")
    assert r.status_code == 303
    assert r.headers["location"] == "/console/apps/1001?ok=template-deleted#message-templates"
    assert demo.get("/_talksocial/apps/1001/message_templates/4242").status_code == 404
    assert '<tr data-template="4242">' not in page.get("/console/apps/1001")
    assert send(demo, MEMO_CUSTOM, template_id="4242").status_code == 400


def api_error(server: Server, body: Any) -> str:
    """The control plane's message for the same template (the rules are the same)."""
    response = server.post("/_talksocial/apps/1001/message_templates", json=body)
    assert response.status_code == 400, response.text
    return str(response.json()["msg"])


def test_a_bad_template_is_refused_with_the_apis_message(demo: Server) -> None:
    page = Page(demo)
    page.get("/console/apps/1001")
    before = control(demo, "/apps/1001/message_templates")

    # Each template type's own rules: the same message the control plane gives.
    for bad in ({"object_type": "text", "text": "x"},
                {"object_type": "feed", "content": {"title": "t"}},
                {"object_type": "nope"}, [1, 2]):
        expected = api_error(demo, {"id": 77, "template_object": bad})
        typed = json.dumps(bad)
        r = page.post("/console/apps/1001/message-templates", id="77", template_object=typed)
        assert r.status_code == 400, bad
        shown = re.search(r'id="flash-error">([^<]*)<', r.text)
        assert shown is not None
        assert shown.group(1) == expected.replace("'", "&#39;").replace('"', "&#34;")
        # The typed text stays in the form, escaped.
        assert '<textarea id="new-template-object"' in r.text
        assert 'id="new-template-id" name="id" value="77"' in r.text

    r = page.post("/console/apps/1001/message-templates", id="77", template_object="{nope")
    assert r.status_code == 400
    assert "template_object is not JSON" in r.text
    r = page.post("/console/apps/1001/message-templates", id="77",
                  template_object="[" * 30_000 + "]" * 30_000)
    assert r.status_code == 400
    for bad_id, message in (("", "id is required"), ("abc", "id must be an integer"),
                            ("0", "id must be between 1 and")):
        r = page.post("/console/apps/1001/message-templates", id=bad_id,
                      template_object=json.dumps(TEXT))
        assert r.status_code == 400 and message in r.text, bad_id
    # A duplicate id; a template that does not exist.
    existing = before["message_templates"][0]["id"]
    r = page.post("/console/apps/1001/message-templates", id=str(existing),
                  template_object=json.dumps(TEXT))
    assert r.status_code == 409
    r = page.post("/console/apps/1001/message-templates/31337", template_object=json.dumps(TEXT))
    assert r.status_code == 404
    r = page.post("/console/apps/1001/message-templates/31337/delete")
    assert r.status_code == 404
    r = page.post(f"/console/apps/1001/message-templates/{existing}",
                  template_object=json.dumps({"object_type": "text"}))
    assert r.status_code == 400
    assert 'id="flash-error"' in r.text
    assert control(demo, "/apps/1001/message_templates") == before


def test_template_text_is_escaped(demo: Server) -> None:
    page = Page(demo)
    page.get("/console/apps/1001")
    hostile = {**TEXT, "text": HOSTILE}
    r = page.post("/console/apps/1001/message-templates", id="66",
                  template_object=json.dumps(hostile))
    assert r.status_code == 303
    html = page.get("/console/apps/1001")
    assert HOSTILE not in html and "<script>" not in html
    # As JSON (the quotes backslashed), then escaped.
    assert "&lt;script&gt;alert(\\&#34;x\\&#34;)&lt;/script&gt;" in html
    # A refused form shows the typed markup as text.
    r = page.post("/console/apps/1001/message-templates", id="67",
                  template_object='{"object_type": "</textarea><script>x</script>"}')
    assert r.status_code == 400
    assert "</textarea><script>" not in r.text


# --- CSRF ----------------------------------------------------------------------------------------


def test_every_new_form_carries_the_csrf_token_and_needs_it(demo: Server) -> None:
    page = Page(demo)
    for path in ("/console/apps/1001", "/console/links?app=1001"):
        html = page.get(path)
        posts = [f for f in re.findall(r"<form\b[^>]*>.*?</form>", html, flags=re.S)
                 if 'method="post"' in f]
        assert len(posts) > 3, path
        for form in posts:
            assert f'name="csrf_token" value="{page.token}"' in form, (path, form[:200])
    other = Page(demo)
    other.get("/console/apps/1001")
    existing = control(demo, "/apps/1001/message_templates")["message_templates"][0]["id"]
    for path, form in (
        ("/console/apps/1001/message-limits", {"per_pair": "1"}),
        ("/console/apps/1001/message-templates",
         {"id": "55", "template_object": json.dumps(TEXT)}),
        (f"/console/apps/1001/message-templates/{existing}",
         {"template_object": json.dumps(TEXT)}),
        (f"/console/apps/1001/message-templates/{existing}/delete", {}),
        ("/console/links/messages", {"app": "1001", "account": "apeach",
                                     "accepts_messages": "0"}),
    ):
        for token in ("", other.token):
            r = page.client.post(path, data={**form, "csrf_token": token})
            assert r.status_code == 403 and "Form expired" in r.text, path
    assert control(demo, "/apps/1001")["message_limits"] == {}
    assert control(demo, "/links/1001/apeach")["accepts_messages"] is True
    templates = control(demo, "/apps/1001/message_templates")["message_templates"]
    assert 55 not in [t["id"] for t in templates] and existing in [t["id"] for t in templates]
