"""Parameter parsing (api/params.py), without a server: every malformed value becomes -2
(InvalidArgument) naming the parameter."""

from __future__ import annotations

import asyncio

import pytest
from starlette.requests import Request

from talksocial.api.params import MAX_USER_ID, parse_choice, parse_id_list, parse_int
from talksocial.domain.errors import InvalidArgument
from talksocial.web.forms import html_form_pairs, query_and_form

# --- parse_int ----------------------------------------------------------------------------------


def test_parse_int_takes_the_default_when_absent() -> None:
    assert parse_int({}, "limit", default=10) == 10
    assert parse_int({}, "viewer_id") is None


@pytest.mark.parametrize("raw", ["0", "7", "-3", "0042", "9" * 20])
def test_parse_int_reads_plain_integers(raw: str) -> None:
    assert parse_int({"n": raw}, "n") == int(raw)


@pytest.mark.parametrize("raw", ["", " 1", "1 ", "+1", "1.0", "1e3", "0x10", "ten", "１", "9" * 21])
def test_parse_int_refuses_anything_else(raw: str) -> None:
    with pytest.raises(InvalidArgument, match=r"^n must be an integer: "):
        parse_int({"n": raw}, "n")


def test_parse_int_bounds_name_the_parameter() -> None:
    assert parse_int({"limit": "1"}, "limit", minimum=1, maximum=100) == 1
    assert parse_int({"limit": "100"}, "limit", minimum=1, maximum=100) == 100
    with pytest.raises(InvalidArgument, match=r"^limit must be at least 1: 0$"):
        parse_int({"limit": "0"}, "limit", minimum=1, maximum=100)
    with pytest.raises(InvalidArgument, match=r"^limit must be at most 100: 101$"):
        parse_int({"limit": "101"}, "limit", minimum=1, maximum=100)
    with pytest.raises(InvalidArgument, match=r"^offset must be at least 0: -1$"):
        parse_int({"offset": "-1"}, "offset", default=0, minimum=0)


def test_invalid_argument_is_kakaos_minus_two() -> None:
    with pytest.raises(InvalidArgument) as raised:
        parse_int({"n": "x"}, "n")
    assert raised.value.code == -2


# --- parse_choice -------------------------------------------------------------------------------


def test_parse_choice() -> None:
    orders = ("asc", "desc")
    assert parse_choice({}, "order", orders, "asc") == "asc"
    assert parse_choice({}, "order", orders, None) is None
    assert parse_choice({"order": "desc"}, "order", orders, "asc") == "desc"
    for bad in ("DESC", "", " asc", "ascending"):
        with pytest.raises(InvalidArgument, match=r"^order must be one of asc, desc: "):
            parse_choice({"order": bad}, "order", orders, "asc")


# --- parse_id_list ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "ids"),
    [
        ("[1,2,3]", [1, 2, 3]),
        (" [ 1 , 2 ] ", [1, 2]),
        ("1,2,3", [1, 2, 3]),
        (" 4 , 5 ", [4, 5]),
        ("7", [7]),
        (f"[{MAX_USER_ID}]", [MAX_USER_ID]),
        ("[2,2]", [2, 2]),
    ],
)
def test_parse_id_list_reads_arrays_and_comma_lists(raw: str, ids: list[int]) -> None:
    assert parse_id_list(raw, "target_ids", maximum_count=5) == ids


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (None, "target_ids is required"),
        ("", "target_ids is required"),
        ("   ", "target_ids is required"),
        ("[1,", "target_ids must be a JSON array of user ids: '[1,'"),
        ("[" * 5000 + "]" * 5000, "target_ids must be a JSON array of user ids"),
        ('["1"]', "target_ids must be a list of user ids"),
        ("[true]", "target_ids must be a list of user ids"),
        ("[1.5]", "target_ids must be a list of user ids"),
        ("[[1]]", "target_ids must be a list of user ids"),
        ("1,,2", "target_ids must be a list of user ids"),
        ("1;2", "target_ids must be a list of user ids"),
        ("[0]", "target_ids contains an invalid user id: 0"),
        ("-5", "target_ids contains an invalid user id: -5"),
        (f"[{MAX_USER_ID + 1}]", f"target_ids contains an invalid user id: {MAX_USER_ID + 1}"),
        ("[]", "target_ids must name at least one user id"),
        ("[1,2,3,4,5,6]", "target_ids may name at most 5 user ids"),
    ],
)
def test_parse_id_list_refuses(raw: str | None, message: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        parse_id_list(raw, "target_ids", maximum_count=5)
    assert str(raised.value.msg).startswith(message), raised.value.msg


def test_a_json_object_is_not_a_list() -> None:
    # `{` does not start an array: read as a comma list, which it is not either.
    with pytest.raises(InvalidArgument, match="must be a list of user ids"):
        parse_id_list('{"a": 1}', "target_ids", maximum_count=5)


# --- query_and_form and html_form_pairs ---------------------------------------------------------


def request(query: bytes = b"", body: bytes = b"", content_type: str | None = None) -> Request:
    headers = [(b"content-type", content_type.encode())] if content_type else []
    sent = False

    async def receive() -> dict[str, object]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {"type": "http", "method": "POST", "path": "/", "query_string": query,
             "headers": headers}
    return Request(scope, receive)


FORM = "application/x-www-form-urlencoded"


def test_query_and_form_merges_with_the_form_winning() -> None:
    got = asyncio.run(query_and_form(request(
        b"target_ids=1&target_id_type=user_id", b"target_ids=%5B2%5D&viewer_id=", FORM + "; x=y"
    )))
    assert got == {"target_ids": "[2]", "target_id_type": "user_id", "viewer_id": ""}


def test_query_and_form_ignores_a_body_that_is_not_a_form() -> None:
    got = asyncio.run(query_and_form(request(b"a=1", b'{"a": "2"}', "application/json")))
    assert got == {"a": "1"}


def test_query_and_form_refuses_a_form_that_is_not_utf8() -> None:
    with pytest.raises(InvalidArgument, match="the form body is not valid UTF-8"):
        asyncio.run(query_and_form(request(b"", b"a=\xff\xfe", FORM)))


def test_html_form_pairs_keeps_order_and_repeats() -> None:
    got = asyncio.run(html_form_pairs(request(body=b"scope=a&scope=b&q=&x=%E2%9C%93",
                                              content_type=FORM), max_bytes=100))
    assert got == [("scope", "a"), ("scope", "b"), ("q", ""), ("x", "\u2713")]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"a=1", None),
        (b"a=1", "multipart/form-data"),
        (b"a=" + b"x" * 100, FORM),  # over max_bytes
        (b"a=\xff", FORM),
    ],
)
def test_html_form_pairs_reads_anything_else_as_empty(body: bytes, content_type: str | None) -> None:
    assert asyncio.run(html_form_pairs(request(body=body, content_type=content_type),
                                       max_bytes=100)) == []
