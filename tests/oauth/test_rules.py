"""The pure rules of the login server: PKCE S256, the consent page's items, redirects."""

from __future__ import annotations

import base64
import hashlib

from hypothesis import given
from hypothesis import strategies as st

from talksocial.oauth import pkce
from talksocial.oauth.authorize import granted_scopes, items_to_ask, redirect_with

ITEMS = {
    "profile_nickname": "required",
    "profile_image": "optional",
    "friends": "optional",
    "openid": "optional",
}

VERIFIER_CHARS = st.sampled_from(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
)


def test_rfc7636_appendix_b() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert pkce.s256(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    assert pkce.verify(verifier, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    assert pkce.is_valid_challenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")


@given(st.text(VERIFIER_CHARS, min_size=43, max_size=128))
def test_verify_accepts_its_own_challenge(verifier: str) -> None:
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    assert pkce.verify(verifier, challenge.rstrip(b"=").decode())


def test_verify_rejects() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    challenge = pkce.s256(verifier)
    assert not pkce.verify(None, challenge)
    assert not pkce.verify(verifier[:-1] + "l", challenge)
    assert not pkce.verify(verifier[:42], pkce.s256(verifier[:42]))  # too short
    assert not pkce.verify("ü" * 43, challenge)
    assert not pkce.verify(challenge, challenge)
    assert not pkce.is_valid_challenge(challenge + "=")


def test_a_new_user_is_asked_every_item() -> None:
    assert items_to_ask(ITEMS, None, ()) == [
        "profile_nickname",
        "profile_image",
        "friends",
        "openid",
    ]


def test_a_linked_user_is_asked_only_what_is_new() -> None:
    agreed = ["profile_nickname"]
    assert items_to_ask(ITEMS, agreed, ()) == []
    assert items_to_ask(ITEMS, agreed, ("friends",)) == ["friends"]
    assert items_to_ask(ITEMS, ["profile_nickname", "friends"], ("friends",)) == []
    # A required item added to the app since: asked again.
    assert items_to_ask(ITEMS, [], ()) == ["profile_nickname"]


def test_granted_scopes() -> None:
    asked = ["profile_nickname", "profile_image", "friends"]
    assert granted_scopes(ITEMS, None, asked, {"friends"}) == ["profile_nickname", "friends"]
    # A ticked box for an item not asked, or not used, is ignored.
    assert granted_scopes(ITEMS, None, ["profile_nickname"], {"friends", "talk_message"}) == [
        "profile_nickname"
    ]
    assert granted_scopes(ITEMS, ["profile_nickname", "openid"], ["friends"], {"friends"}) == [
        "profile_nickname",
        "friends",
        "openid",
    ]


def test_redirect_with() -> None:
    assert redirect_with("http://a/cb", [("code", "x y"), ("state", "&")]) == (
        "http://a/cb?code=x+y&state=%26"
    )
    assert redirect_with("http://a/cb?t=1", [("code", "c")]) == "http://a/cb?t=1&code=c"
    assert redirect_with("http://a/cb#frag", [("code", "c")]) == "http://a/cb?code=c#frag"
