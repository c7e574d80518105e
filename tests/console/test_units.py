"""The console's pure parts: signed session cookies, avatars, the curl line of the REST API
Test page, the demo world's avatar URLs."""

from __future__ import annotations

import shlex
import xml.etree.ElementTree as ET

import pytest

from talksocial.console import avatars, sessions
from talksocial.console.restapi import curl_line
from talksocial.demo import demo_world

KEY = b"k" * 32
FP = sessions.operator_fingerprint("operator-secret")


def test_a_session_cookie_verifies_and_carries_its_csrf_token() -> None:
    session, cookie = sessions.issue(KEY, sessions.OPERATOR, FP, now=1000.0)
    again = sessions.verify(KEY, cookie, FP, now=1001.0)
    assert again == session and again.is_operator
    assert sessions.csrf_matches(again, session.csrf_token)
    last = session.csrf_token[-1]
    assert not sessions.csrf_matches(again, session.csrf_token[:-1] + ("1" if last == "0" else "0"))
    assert not sessions.csrf_matches(again, "")
    # The operator token itself is nowhere in the cookie.
    assert "operator-secret" not in cookie


def test_tampered_expired_or_foreign_cookies_are_refused() -> None:
    _, cookie = sessions.issue(KEY, sessions.ANONYMOUS, FP, now=1000.0)
    session_id, level, expires, mac = cookie.split(".")
    assert level == sessions.ANONYMOUS
    promoted = ".".join([session_id, sessions.OPERATOR, expires, mac])
    assert sessions.verify(KEY, promoted, FP, now=1001.0) is None
    prolonged = ".".join([session_id, level, str(int(expires) + 10**6), mac])
    assert sessions.verify(KEY, prolonged, FP, now=1001.0) is None
    assert sessions.verify(KEY, cookie, FP, now=1000.0 + sessions.LIFETIME + 1) is None
    # Another server's key, or a changed operator token, log the browser out.
    assert sessions.verify(b"x" * 32, cookie, FP, now=1001.0) is None
    assert sessions.verify(KEY, cookie, sessions.operator_fingerprint("new"), now=1001.0) is None
    for junk in (None, "", "a.b.c", "a.b.c.d.e", "x" * 400, cookie + "0"):
        assert sessions.verify(KEY, junk, FP, now=1001.0) is None


def test_two_sessions_have_different_csrf_tokens() -> None:
    a, _ = sessions.issue(KEY, sessions.OPERATOR, FP)
    b, _ = sessions.issue(KEY, sessions.OPERATOR, FP)
    assert a.csrf_token != b.csrf_token
    assert not sessions.csrf_matches(a, b.csrf_token)


def test_operator_token_compare() -> None:
    assert sessions.token_matches("s3cret", "s3cret")
    assert not sessions.token_matches("s3cret", "s3cre")
    assert not sessions.token_matches("s3cret", "")


@pytest.mark.parametrize(
    ("seed", "expected"),
    [
        ("Apeach", "A"),
        ("hidden-friend", "HF"),
        ("Tube (work)", "TW"),
        ("춘식이", "춘"),
        ("🐥 Piyo", "🐥P"),
        ("", "?"),
        ("<b>x", "<"),
        ("e\u0301clair", "E\u0301"),
    ],
)
def test_avatar_initials(seed: str, expected: str) -> None:
    assert avatars.initials(seed) == expected


def test_avatar_svg_is_well_formed_and_escapes_its_text() -> None:
    svg = avatars.render_svg("& <script>")
    assert "&amp;&lt;" in svg and "&<" not in svg
    root = ET.fromstring(svg)
    text = root.find("{http://www.w3.org/2000/svg}text")
    assert text is not None and text.text == "&<"
    # The colour comes from the seed: stable for one seed, different for others.
    assert avatars.colour("Muzi") == avatars.colour("Muzi")
    assert len({avatars.colour(s) for s in ("Muzi", "Neo", "Ryan", "Apeach", "Jordy")}) > 1


def test_avatar_path_is_one_path_segment() -> None:
    path = avatars.avatar_path("a/b c?d#e")
    assert path.startswith(avatars.PATH_PREFIX) and path.endswith(".svg")
    assert "/" not in path[len(avatars.PATH_PREFIX):]
    assert "?" not in path and "#" not in path


def test_curl_line_survives_a_shell() -> None:
    line = curl_line(
        "POST",
        "http://127.0.0.1:8000/v2/user/revoke/scopes",
        {"Authorization": "Bearer t'o\"k $(x)"},
        [("scopes", '["friends"]'), ("odd", "it's; rm -rf /")],
    )
    words = shlex.split(line.replace("\\\n", " "))
    assert words[:5] == ["curl", "-v", "-X", "POST", "http://127.0.0.1:8000/v2/user/revoke/scopes"]
    assert words[5:7] == ["-H", "Authorization: Bearer t'o\"k $(x)"]
    assert words[7:] == [
        "--data-urlencode", 'scopes=["friends"]', "--data-urlencode", "odd=it's; rm -rf /",
    ]


def test_demo_world_avatars_leave_the_seed_samples_literal() -> None:
    plain = demo_world()
    served = demo_world("http://127.0.0.1:9999")
    by_key = {a["key"]: a for a in served["accounts"]}
    plain_by_key = {a["key"]: a for a in plain["accounts"]}
    for key in ("muzi", "apeach", "ryan", "jordy", "scappy", "tube", "vivi", "viewer-xxx",
                "target-yyy", "target-zzz"):
        assert by_key[key] == plain_by_key[key], key
    assert by_key["neo"]["profile"]["thumbnail_url"] == (
        "http://127.0.0.1:9999/_talksocial/avatars/Neo.svg"
    )
    assert by_key["choonsik"]["profile"]["profile_image_url"].startswith(
        "http://127.0.0.1:9999/_talksocial/avatars/%EC%B6%98"
    )
    # Without a base URL the document is the one the seed samples describe.
    assert plain_by_key["neo"]["profile"]["thumbnail_url"] == "https://xxx.kakao.co.kr/.../neo.jpg"
