"""The golden recording's normalisation (`tests.golden.wire.normalise`) replaces exactly the
run-dependent parts, in their exact shape, and nothing a refactor could change by mistake."""

from __future__ import annotations

import pytest

from tests.golden.wire import normalise

BASE = "http://127.0.0.1:41234"


def norm(text: str, path: str = "/x", values: dict[str, str] | None = None) -> str:
    return normalise(text, path=path, base_url=BASE, values=values or {})


def test_the_base_url_and_nothing_like_it() -> None:
    text = f'{{"after_url":"{BASE}/v1/api/talk/friends?offset=3","cb":"http://127.0.0.1:3000/cb"}}'
    assert norm(text) == (
        '{"after_url":"{base_url}/v1/api/talk/friends?offset=3","cb":"http://127.0.0.1:3000/cb"}'
    )
    assert norm(f"{BASE}5/x") == f"{BASE}5/x"  # another port that starts alike


def test_values_read_by_later_requests_only_where_they_stand_alone() -> None:
    values = {"user_id": "4820419871", "token": "abc-DEF_123456789012345678901"}
    text = '{"id":4820419871,"other":48204198712,"t":"abc-DEF_123456789012345678901x"}'
    assert norm(text, values=values) == (
        '{"id":{{user_id}},"other":48204198712,"t":"abc-DEF_123456789012345678901x"}'
    )


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        ("/v2/user/me", '{"connected_at":"2026-11-30T09:12:42Z"}',
         '{"connected_at":"####-##-##T##:##:##Z"}'),
        ("/_talksocial/journal", '{"at":"2026-11-30T09:12:45.573298Z","duration_ms":32.135}',
         '{"at":"####-##-##T##:##:##.######Z","duration_ms":<ms>}'),
        ("/_talksocial/links", '{"connected_at":1796029962.7550216}', '{"connected_at":<epoch>}'),
        ("/_talksocial/quotas", '{"day":"2026-11-30","x":1}', '{"day":"####-##-##","x":1}'),
        ("/v1/user/access_token_info", '{"id":1,"expires_in":315359992,"app_id":1}',
         '{"id":1,"expires_in":#########,"app_id":1}'),
        ("/console/clock", '<td id="server-now">2026-11-30T09:18:40Z</td>',
         '<td id="server-now">####-##-##T##:##:##Z</td>'),
        ("/oauth/authorize", 'name="csrf_token" value="9qVYrFz6i3UueP2_sakENUV9VFkJ53azJvxWdzajKeY"',
         'name="csrf_token" value="<csrf>"'),
        ("/oauth/authorize",
         "talksocial_login=fbEr89vmd-GMH4fMvZc5GOTLiT3UUnZHs4I6R2OACG4; HttpOnly; Max-Age=86400",
         "talksocial_login=<session>; HttpOnly; Max-Age=86400"),
    ],
)
def test_each_rule_replaces_its_value(path: str, text: str, expected: str) -> None:
    assert norm(text, path) == expected


@pytest.mark.parametrize(
    ("path", "text"),
    [
        # The same names elsewhere, or values of another shape, are compared as they are.
        ("/oauth/token", '{"access_token":"x","expires_in":21599}'),
        ("/v2/user/me", '{"connected_at":null}'),
        ("/v2/user/me", '{"connected_at":"2026-11-30 09:12:42"}'),
        ("/v2/user/me", '{"connected_at":1796029962}'),
        ("/_talksocial/journal", '{"duration_ms":"32.135"}'),
        ("/v1/user/access_token_info", '{"expires_in":"21599"}'),
        ("/openapi.json", '{"n":"' + "a" * 342 + '","kid":"0123456789abcdef"}'),
        ("/.well-known/jwks.json", '{"n":"' + "a" * 341 + '","kid":"0123456789abcdeg"}'),
        ("/console/apps", '<td class="num">0.252</td><td>'),
        ("/oauth/authorize", 'name="csrf_token" value="short"'),
        ("/v1/api/talk/friends", '{"profile_nickname":"2026-11-30T09:12:42Z"}'),
    ],
)
def test_what_no_rule_names_is_kept(path: str, text: str) -> None:
    assert norm(text, path) == text


def test_a_changed_precision_still_shows() -> None:
    seconds = norm('{"connected_at":"2026-11-30T09:12:42Z"}', "/v2/user/me")
    micros = norm('{"connected_at":"2026-11-30T09:12:42.000001Z"}', "/v2/user/me")
    assert seconds != micros
