"""The Talk Message API through HTTP (docs/reference/messages.md), on the demo world: the check
order, every template type valid and each required field missing, the receiver rules, the
per-receiver codes, partial and all-failed answers, the daily limits under the server clock,
custom templates and their arguments, and the inbox the control plane reads."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from talksocial.demo import DEMO_ACCESS_TOKEN
from tests.control.conftest import Control
from tests.support.inprocess import serving
from tests.support.server import Server

MEMO_DEFAULT = "/v2/api/talk/memo/default/send"
MEMO_CUSTOM = "/v2/api/talk/memo/send"
MEMO_SCRAP = "/v2/api/talk/memo/scrap/send"
FRIENDS_DEFAULT = "/v1/api/talk/friends/message/default/send"
FRIENDS_CUSTOM = "/v1/api/talk/friends/message/send"
FRIENDS_SCRAP = "/v1/api/talk/friends/message/scrap/send"
ENDPOINTS = {
    MEMO_DEFAULT: "TALK_MEMO_DEFAULT_SEND",
    MEMO_CUSTOM: "TALK_MEMO_SEND",
    MEMO_SCRAP: "TALK_MEMO_SCRAP_SEND",
    FRIENDS_DEFAULT: "TALK_MESSAGE_SEND",
    FRIENDS_CUSTOM: "TALK_MESSAGE_SEND",
    FRIENDS_SCRAP: "TALK_MESSAGE_SEND",
}

# Muzi's friends in app 1001 (the demo world).
MUZI = "abcdefg0000"
APEACH, RYAN, JORDY, SCAPPY, TUBE, VIVI = (
    "abcdefg0001", "abcdefg0002", "abcdefg0003", "abcdefg0004", "abcdefg0005", "abcdefg0006")
WINNIE, YURI = "abcdefg0007", "abcdefg0008"
HIDDEN = "abcdefg0101"  # on Muzi's list, hidden: not listable
NEO = "abcdefg0020"  # a user of the app, not Muzi's friend

LINK = {"web_url": "https://example.com/a", "mobile_web_url": "https://example.com/a"}
CONTENT = {"title": "Title", "description": "Description",
           "image_url": "https://example.com/i.png", "link": LINK}
VALID: dict[str, dict[str, Any]] = {
    "text": {"object_type": "text", "text": "Hello", "link": LINK,
             "buttons": [{"title": "Open", "link": LINK}]},
    "feed": {"object_type": "feed", "content": CONTENT,
             "item_content": {"profile_text": "Kakao", "items": [{"item": "Cake", "item_op": "1000"}],
                              "sum": "Total", "sum_op": "1000"},
             "social": {"like_count": 10, "comment_count": 2}, "buttons": [
                 {"title": "Web", "link": LINK}, {"title": "App", "link": LINK}]},
    "list": {"object_type": "list", "header_title": "Header", "header_link": LINK,
             "contents": [CONTENT, CONTENT, CONTENT]},
    "location": {"object_type": "location", "content": CONTENT, "address": "Pangyo",
                 "address_title": "Kakao"},
    "commerce": {"object_type": "commerce", "content": CONTENT,
                 "commerce": {"regular_price": 208800, "discount_price": 146160,
                              "discount_rate": 30, "product_name": "Ryan"}},
    "calendar": {"object_type": "calendar", "id_type": "event", "id": "abc",
                 "content": CONTENT},
}


def _without(obj: dict[str, Any], path: str) -> dict[str, Any]:
    out = json.loads(json.dumps(obj))
    *parents, last = path.split(".")
    node = out
    for part in parents:
        node = node[part]
    del node[last]
    return out


MISSING = [
    ("text", "text"), ("text", "link"),
    ("feed", "content"), ("feed", "content.link"),
    ("list", "header_title"), ("list", "header_link"), ("list", "contents"),
    ("location", "content"), ("location", "address"), ("location", "content.link"),
    ("commerce", "content"), ("commerce", "commerce"), ("commerce", "commerce.regular_price"),
    ("calendar", "id_type"), ("calendar", "id"), ("calendar", "content"),
]


@pytest.fixture(scope="module")
def message_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(tmp_path_factory.mktemp("messages"), demo=True) as server:
        yield server


@pytest.fixture
def ctl(message_server: Server) -> Iterator[Control]:
    yield Control(message_server)
    reset = message_server.post("/_talksocial/reset")
    assert reset.status_code == 200, reset.text


def send(ctl: Control, path: str, token: str | None = DEMO_ACCESS_TOKEN,
         **form: Any) -> httpx.Response:
    data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in form.items()}
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return ctl.server.post(path, data=data, headers=headers)


def inbox(ctl: Control, query: str = "") -> dict[str, Any]:
    body: dict[str, Any] = ctl.ok("GET", "/messages" + query)
    return body


def error(response: httpx.Response) -> dict[str, Any]:
    assert response.headers["content-type"] == "application/json;charset=UTF-8"
    body: dict[str, Any] = response.json()
    return body


# --- the check order ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", list(ENDPOINTS))
def test_credential_consent_item_scope_talk_user_then_parameters(ctl: Control, path: str) -> None:
    api_type = ENDPOINTS[path]
    no_key = send(ctl, path, token=None)
    assert (no_key.status_code, error(no_key)) == (
        401, {"msg": "no authentication key!", "code": -401})
    # App 2001 does not use talk_message: -3, even with bad parameters.
    disabled = send(ctl, path, token="demo-token-ryan-full", receiver_uuids="nope")
    assert disabled.status_code == 403
    assert error(disabled) == {
        "msg": f"App disabled [talk_message] scopes for [{api_type}] API on developers.kakao.com."
               " Enable it first.", "code": -3}
    # Dana did not agree to talk_message.
    scopes = send(ctl, path, token="demo-token-no-friends-consent")
    assert scopes.status_code == 403
    assert error(scopes) == {"msg": "insufficient scopes.", "code": -402, "api_type": api_type,
                             "required_scopes": ["talk_message"],
                             "allowed_scopes": ["profile_nickname", "profile_image"]}
    # Kim is not on Kakao Talk (once agreed to talk_message).
    ctl.ok("PUT", "/links/1001/not-talk/scopes",
           json={"scopes": ["profile_nickname", "talk_message"]})
    not_talk = send(ctl, path, token="demo-token-not-talk")
    assert not_talk.status_code == 400 and error(not_talk)["code"] == -501
    # Then parameters.
    bad = send(ctl, path)
    assert bad.status_code == 400 and error(bad)["code"] == -2
    assert inbox(ctl)["total_count"] == 0


# --- template objects --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(VALID))
def test_each_template_type_sends_to_me_as_given(ctl: Control, kind: str) -> None:
    response = send(ctl, MEMO_DEFAULT, template_object=VALID[kind])
    assert (response.status_code, response.json()) == (200, {"result_code": 0})
    messages = inbox(ctl)
    assert messages["total_count"] == 1
    message = messages["messages"][0]
    assert message["template_object"] == VALID[kind]
    assert (message["app"], message["sender"], message["receiver"], message["endpoint"]) == (
        1001, "muzi", "muzi", MEMO_DEFAULT)
    assert message["sent_at"].endswith("Z")


@pytest.mark.parametrize(("kind", "field"), MISSING)
def test_a_missing_required_field_is_named(ctl: Control, kind: str, field: str) -> None:
    response = send(ctl, MEMO_DEFAULT, template_object=_without(VALID[kind], field))
    assert response.status_code == 400
    assert error(response) == {"msg": f"template_object.{field} is required", "code": -2}


@pytest.mark.parametrize(
    ("change", "msg"),
    [
        ({"object_type": "video"},
         "template_object.object_type must be one of feed, list, location, commerce, text, "
         "calendar"),
        ({"text": "x" * 201}, "template_object.text must be at most 200 characters"),
        ({"buttons": [{"title": "a", "link": LINK}] * 3},
         "template_object.buttons may hold at most 2 buttons"),
        ({"buttons": [{"link": LINK}]}, "template_object.buttons[0].title is required"),
        ({"buttons": [{"title": "a"}]}, "template_object.buttons[0].link is required"),
        ({"link": {"web_url": 3}}, "template_object.link.web_url must be a string"),
        ({"link": "https://example.com"}, "template_object.link must be an object"),
    ],
)
def test_template_rules_name_the_field(ctl: Control, change: dict[str, Any], msg: str) -> None:
    response = send(ctl, MEMO_DEFAULT, template_object={**VALID["text"], **change})
    assert (response.status_code, error(response)) == (400, {"msg": msg, "code": -2})


def test_list_contents_count_and_calendar_id_type(ctl: Control) -> None:
    for contents in ([CONTENT], [CONTENT] * 4):
        response = send(ctl, MEMO_DEFAULT, template_object={**VALID["list"], "contents": contents})
        assert error(response) == {"msg": "template_object.contents must hold 2 to 3 contents",
                                   "code": -2}
    response = send(ctl, MEMO_DEFAULT,
                    template_object={**VALID["list"], "contents": [CONTENT, {"title": "x"}]})
    assert error(response)["msg"] == "template_object.contents[1].link is required"
    response = send(ctl, MEMO_DEFAULT, template_object={**VALID["calendar"], "id_type": "x"})
    assert error(response)["msg"] == "template_object.id_type must be calendar or event"
    for raw in ("", "{", "[]", '"x"'):
        response = send(ctl, MEMO_DEFAULT, template_object=raw)
        assert response.status_code == 400 and error(response)["code"] == -2
        assert "template_object" in error(response)["msg"]


# --- receivers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "msg"),
    [
        (None, "The Parameter [receiver_uuids] cannot be null."),
        ("[]", "The Parameter [receiver_uuids] cannot be empty."),
        ("abcdefg0001", "Constraints on the parameter [receiver_uuids] are unsatisfied. The input "
                        "receiver id(s) is invalid format."),
        ("[1]", "Constraints on the parameter [receiver_uuids] are unsatisfied. The input "
                "receiver id(s) is invalid format."),
        (json.dumps([APEACH, RYAN, JORDY, SCAPPY, TUBE, WINNIE]),
         "Constraints on the parameter [receiver_uuids] are unsatisfied. The input receiver "
         "id(s) is invalid format."),
        (json.dumps([APEACH, "no-such-uuid"]),
         "Constraints on the parameter [receiver_uuids] are unsatisfied. Not allowed to send a "
         "message to some of receivers."),
    ],
)
def test_receiver_errors(ctl: Control, value: str | None, msg: str) -> None:
    form: dict[str, Any] = {"template_object": VALID["text"]}
    if value is not None:
        form["receiver_uuids"] = value
    response = send(ctl, FRIENDS_DEFAULT, **form)
    assert (response.status_code, error(response)) == (400, {"msg": msg, "code": -2})
    assert inbox(ctl)["total_count"] == 0


def test_all_delivered_once_each(ctl: Control) -> None:
    response = send(ctl, FRIENDS_DEFAULT, receiver_uuids=[APEACH, RYAN, APEACH],
                    template_object=VALID["feed"])
    assert (response.status_code, response.json()) == (
        200, {"successful_receiver_uuids": [APEACH, RYAN]})
    messages = inbox(ctl)["messages"]
    assert [(m["sender"], m["receiver"]) for m in messages] == [("muzi", "ryan"),
                                                                ("muzi", "apeach")]
    assert all(m["endpoint"] == FRIENDS_DEFAULT for m in messages)


def test_partial_answer_one_failure_entry_per_code(ctl: Control) -> None:
    response = send(ctl, FRIENDS_DEFAULT, receiver_uuids=[APEACH, VIVI, HIDDEN, MUZI, NEO],
                    template_object=VALID["text"])
    assert response.status_code == 200
    assert response.json() == {
        "successful_receiver_uuids": [APEACH],
        "failure_info": [
            {"code": -530, "msg": "the receiver does not accept messages from this app.",
             "receiver_uuids": [VIVI]},
            {"code": -502, "msg": "the receiver is not a friend the sender may message in this "
                                  "app.", "receiver_uuids": [HIDDEN, MUZI, NEO]},
        ],
    }
    assert inbox(ctl)["total_count"] == 1


def test_all_failed_answers_the_first_failure(ctl: Control) -> None:
    response = send(ctl, FRIENDS_DEFAULT, receiver_uuids=[HIDDEN, VIVI],
                    template_object=VALID["text"])
    assert (response.status_code, error(response)) == (400, {
        "msg": "the receiver is not a friend the sender may message in this app.", "code": -502})
    # A receiver who withdrew talk_message: -530.
    ctl.ok("PUT", "/links/1001/ryan/scopes", json={"scopes": ["profile_nickname", "friends"]})
    response = send(ctl, FRIENDS_DEFAULT, receiver_uuids=[RYAN], template_object=VALID["text"])
    assert error(response)["code"] == -530
    # accepts_messages through the control plane.
    ctl.ok("PATCH", "/links/1001/apeach", json={"accepts_messages": False})
    assert ctl.ok("GET", "/links/1001/apeach")["accepts_messages"] is False
    response = send(ctl, FRIENDS_DEFAULT, receiver_uuids=[APEACH], template_object=VALID["text"])
    assert error(response)["code"] == -530
    assert inbox(ctl)["total_count"] == 0


# --- limits ------------------------------------------------------------------------------------


def test_per_sender_limit_counts_this_call(ctl: Control) -> None:
    app = ctl.ok("PATCH", "/apps/1001", json={"message_limits": {"per_sender": 2}})
    assert app["message_limits"] == {"per_sender": 2}
    send(ctl, MEMO_DEFAULT, template_object=VALID["text"])  # to me: per app only
    response = send(ctl, FRIENDS_DEFAULT, receiver_uuids=[APEACH, SCAPPY, RYAN, JORDY],
                    template_object=VALID["text"])
    assert response.json() == {
        "successful_receiver_uuids": [APEACH, RYAN],
        "failure_info": [
            {"code": -530, "msg": "the receiver does not accept messages from this app.",
             "receiver_uuids": [SCAPPY]},
            {"code": -532, "msg": "daily message limit per sender has been exceeded.",
             "receiver_uuids": [JORDY]},
        ],
    }
    response = send(ctl, FRIENDS_DEFAULT, receiver_uuids=[JORDY], template_object=VALID["text"])
    assert (response.status_code, error(response)) == (
        400, {"msg": "daily message limit per sender has been exceeded.", "code": -532})


def test_per_receiver_and_per_pair_limits(ctl: Control) -> None:
    ctl.ok("PATCH", "/apps/1001", json={"message_limits": {"per_receiver": 2, "per_pair": 1}})
    assert error(send(ctl, FRIENDS_DEFAULT, receiver_uuids=[APEACH],
                      template_object=VALID["text"])) == {"successful_receiver_uuids": [APEACH]}
    again = send(ctl, FRIENDS_DEFAULT, receiver_uuids=[APEACH], template_object=VALID["text"])
    assert error(again)["code"] == -536
    # Ryan messages Apeach too: her second message of the day, then the limit.
    ryan = ctl.token(1001, "ryan")
    assert send(ctl, FRIENDS_DEFAULT, token=ryan, receiver_uuids=[APEACH],
                template_object=VALID["text"]).status_code == 200
    ctl.ok("PATCH", "/apps/1001", json={"message_limits": {"per_receiver": 2, "per_pair": 5}})
    third = send(ctl, FRIENDS_DEFAULT, receiver_uuids=[APEACH, RYAN],
                 template_object=VALID["text"])
    assert third.json() == {
        "successful_receiver_uuids": [RYAN],
        "failure_info": [{"code": -533, "msg": "daily message limit per receiver has been "
                                               "exceeded.", "receiver_uuids": [APEACH]}],
    }


def test_per_app_limit_fails_the_whole_call(ctl: Control) -> None:
    ctl.ok("PATCH", "/apps/1001", json={"message_limits": {"per_app": 3}})
    assert send(ctl, MEMO_DEFAULT, template_object=VALID["text"]).status_code == 200
    assert send(ctl, FRIENDS_DEFAULT, receiver_uuids=[APEACH],
                template_object=VALID["text"]).status_code == 200
    over = send(ctl, FRIENDS_DEFAULT, receiver_uuids=[RYAN, JORDY],
                template_object=VALID["text"])
    assert (over.status_code, error(over)) == (
        400, {"msg": "API limit has been exceeded.", "code": -10})
    assert inbox(ctl)["total_count"] == 2
    assert send(ctl, MEMO_DEFAULT, template_object=VALID["text"]).status_code == 200
    last = send(ctl, MEMO_DEFAULT, template_object=VALID["text"])
    assert error(last) == {"msg": "API limit has been exceeded.", "code": -10}
    assert inbox(ctl)["total_count"] == 3


def test_limits_roll_at_midnight_korea_time(ctl: Control) -> None:
    ctl.ok("PATCH", "/apps/1001", json={"message_limits": {"per_pair": 1, "per_app": 2}})
    kst = timedelta(hours=9)
    tomorrow = (datetime.now(UTC) + kst + timedelta(days=1)).date()
    midnight_kst = datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=UTC) - kst
    before = (midnight_kst - timedelta(seconds=90)).isoformat().replace("+00:00", "Z")
    ctl.ok("POST", "/clock", json={"now": before})
    assert send(ctl, FRIENDS_DEFAULT, receiver_uuids=[APEACH],
                template_object=VALID["text"]).status_code == 200
    assert error(send(ctl, FRIENDS_DEFAULT, receiver_uuids=[APEACH],
                      template_object=VALID["text"]))["code"] == -536
    assert send(ctl, MEMO_DEFAULT, template_object=VALID["text"]).status_code == 200
    assert error(send(ctl, MEMO_DEFAULT, template_object=VALID["text"]))["code"] == -10
    ctl.ok("POST", "/clock", json={"advance_seconds": 120})  # 00:00:30 in Korea
    assert send(ctl, FRIENDS_DEFAULT, receiver_uuids=[APEACH],
                template_object=VALID["text"]).status_code == 200
    assert send(ctl, MEMO_DEFAULT, template_object=VALID["text"]).status_code == 200
    assert inbox(ctl)["total_count"] == 4


def test_bad_limits_are_refused(ctl: Control) -> None:
    for bad in ({"per_day": 1}, {"per_pair": -1}, {"per_pair": "1"}, [1]):
        response = ctl.call("PATCH", "/apps/1001", json={"message_limits": bad})
        assert response.status_code == 400, response.text


# --- custom templates --------------------------------------------------------------------------


def test_custom_template_arguments(ctl: Control) -> None:
    response = send(ctl, MEMO_CUSTOM, template_id="1234",
                    template_args={"name": "Muzi", "product": "latte"})
    assert response.json() == {"result_code": 0}
    sent = inbox(ctl)["messages"][0]["template_object"]
    assert sent["content"]["title"] == "Muzi, your latte is ready"
    # An argument left out is empty; the friends endpoint fills the same way.
    response = send(ctl, FRIENDS_CUSTOM, receiver_uuids=[APEACH], template_id="5678")
    assert response.json() == {"successful_receiver_uuids": [APEACH]}
    sent = inbox(ctl)["messages"][0]
    assert (sent["receiver"], sent["template_object"]["text"]) == ("apeach", "Hello !")
    assert sent["endpoint"] == FRIENDS_CUSTOM


@pytest.mark.parametrize(
    ("form", "msg"),
    [
        ({}, "template_id is required"),
        ({"template_id": "99"}, "template_id 99 is no message template of this app"),
        ({"template_id": "abc"}, "template_id must be a positive integer: 'abc'"),
        ({"template_id": "1234", "template_args": "[]"}, "template_args must be a JSON object"),
        ({"template_id": "1234", "template_args": '{"name": 1}'},
         "template_args.name must be a string"),
    ],
)
def test_custom_template_errors(ctl: Control, form: dict[str, str], msg: str) -> None:
    response = send(ctl, MEMO_CUSTOM, **form)
    assert (response.status_code, error(response)) == (400, {"msg": msg, "code": -2})


def test_templates_through_the_control_plane(ctl: Control) -> None:
    listed = ctl.ok("GET", "/apps/1001/message_templates")["message_templates"]
    assert [t["id"] for t in listed] == [1234, 5678]
    created = ctl.ok("POST", "/apps/1001/message_templates", 201,
                     json={"id": 42, "template_object": VALID["commerce"]})
    assert created == {"id": 42, "template_object": VALID["commerce"]}
    assert send(ctl, MEMO_CUSTOM, template_id="42").status_code == 200
    bad = ctl.call("POST", "/apps/1001/message_templates",
                   json={"id": 43, "template_object": _without(VALID["feed"], "content.link")})
    assert bad.status_code == 400
    assert bad.json()["msg"] == "template_object.content.link is required"
    assert ctl.call("POST", "/apps/1001/message_templates",
                    json={"id": 42, "template_object": VALID["text"]}).status_code == 409
    replaced = ctl.ok("PUT", "/apps/1001/message_templates/42",
                      json={"template_object": VALID["text"]})
    assert replaced["template_object"] == VALID["text"]
    ctl.ok("DELETE", "/apps/1001/message_templates/42", 204)
    assert ctl.call("GET", "/apps/1001/message_templates/42").status_code == 404
    exported = next(a for a in ctl.ok("GET", "/export")["apps"] if a["id"] == 1001)
    assert [t["id"] for t in exported["message_templates"]] == [1234, 5678]


# --- the inbox ---------------------------------------------------------------------------------


def test_inbox_filters_and_clearing(ctl: Control) -> None:
    send(ctl, MEMO_DEFAULT, template_object=VALID["text"])
    send(ctl, FRIENDS_DEFAULT, receiver_uuids=[APEACH, RYAN], template_object=VALID["text"])
    assert inbox(ctl)["total_count"] == 3
    assert inbox(ctl, "?account=apeach")["total_count"] == 1
    assert inbox(ctl, "?account=muzi")["total_count"] == 3
    assert inbox(ctl, "?app=2001")["total_count"] == 0
    page = inbox(ctl, "?limit=1&offset=1")
    assert page["total_count"] == 3 and page["messages"][0]["receiver"] == "apeach"
    assert inbox(ctl, "?since=2999-01-01T00:00:00Z")["total_count"] == 0
    assert ctl.call("GET", "/messages?limit=x").status_code == 400
    assert ctl.call("GET", "/messages?account=nobody").status_code == 404
    assert set(ctl.ok("GET", "/export")) == {"apps", "accounts", "links", "tokens"}
    assert ctl.ok("DELETE", "/messages") == {"deleted": 3}
    assert inbox(ctl)["total_count"] == 0


def test_reset_clears_the_inbox(ctl: Control) -> None:
    send(ctl, MEMO_DEFAULT, template_object=VALID["text"])
    ctl.ok("POST", "/reset")
    assert inbox(ctl)["total_count"] == 0


def test_the_journal_records_sends(ctl: Control) -> None:
    send(ctl, MEMO_DEFAULT, template_object=VALID["text"])
    entries = ctl.ok("GET", "/journal")["entries"]
    assert any(e["path"] == MEMO_DEFAULT and e["status"] == 200 for e in entries)


# --- the OpenAPI document ----------------------------------------------------------------------


def test_answers_conform_to_the_openapi_document(ctl: Control) -> None:
    from tests.api.test_openapi import conforms

    conforms(send(ctl, MEMO_DEFAULT, template_object=VALID["feed"]), MEMO_DEFAULT, "post")
    conforms(send(ctl, MEMO_DEFAULT), MEMO_DEFAULT, "post")
    conforms(send(ctl, MEMO_CUSTOM, token="demo-token-no-friends-consent"), MEMO_CUSTOM, "post")
    conforms(send(ctl, FRIENDS_DEFAULT, receiver_uuids=[APEACH, VIVI],
                  template_object=VALID["text"]), FRIENDS_DEFAULT, "post")
    conforms(send(ctl, FRIENDS_DEFAULT, receiver_uuids=[VIVI], template_object=VALID["text"]),
             FRIENDS_DEFAULT, "post")
    conforms(send(ctl, FRIENDS_CUSTOM, token=None), FRIENDS_CUSTOM, "post")
