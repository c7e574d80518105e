"""OpenID Connect: the id_token (RS256), the signing key kept in the database so that every
worker signs with the same key, the JWKS and the discovery document."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy.orm import Session

from talksocial.domain.consent import (
    ACCOUNT_EMAIL,
    PROFILE,
    PROFILE_IMAGE,
    PROFILE_NICKNAME,
)
from talksocial.oauth import errors
from talksocial.storage import signing_keys
from talksocial.storage.accounts import account_profile
from talksocial.storage.models import Account, SigningKey

ALGORITHM = "RS256"


@lru_cache(maxsize=16)
def _private_key(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def signing_key(session: Session, now: float) -> SigningKey:
    """The key every worker signs with (`storage.signing_keys`; the first call creates it)."""
    return signing_keys.signing_key(session, now)


def jwks(session: Session) -> dict[str, Any]:
    keys = []
    for row in signing_keys.list_signing_keys(session):
        jwk: dict[str, Any] = json.loads(
            RSAAlgorithm.to_jwk(_private_key(row.private_key_pem).public_key())
        )
        jwk.update({"kid": row.kid, "use": "sig", "alg": ALGORITHM})
        keys.append(jwk)
    return {"keys": keys}


def claims(
    *,
    issuer: str,
    audience: str,
    user_id: int,
    account: Account,
    scopes: list[str],
    issued_at: float,
    lifetime: int,
    auth_time: float | None,
    nonce: str | None,
) -> dict[str, Any]:
    iat = int(issued_at)
    body: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": str(user_id),
        "iat": iat,
        "exp": iat + lifetime,
        "auth_time": int(auth_time if auth_time is not None else issued_at),
    }
    if nonce is not None:
        body["nonce"] = nonce
    # `picture` is the thumbnail (110 px); `email` only when it is valid and verified
    # (docs/reference/kakao-login.md#openid).
    nickname, _, thumbnail = account_profile(account)
    if PROFILE in scopes or PROFILE_NICKNAME in scopes:
        body["nickname"] = nickname
    if (PROFILE in scopes or PROFILE_IMAGE in scopes) and thumbnail is not None:
        body["picture"] = thumbnail
    if (
        ACCOUNT_EMAIL in scopes
        and account.email is not None
        and account.email_valid
        and account.email_verified
    ):
        body["email"] = account.email
    return body


def sign(session: Session, payload: dict[str, Any], now: float) -> str:
    key = signing_key(session, now)
    return jwt.encode(
        payload, _private_key(key.private_key_pem), algorithm=ALGORITHM, headers={"kid": key.kid}
    )


def verify(session: Session, id_token: str, *, issuer: str, now: float) -> dict[str, Any]:
    """The claims of an id_token this server signed (any of its keys, by `kid`), issued by
    `issuer` and not expired at the server clock's `now`; else `errors.InvalidToken` KOE400.
    The audience is not checked (`POST /oauth/tokeninfo` answers any app's token)."""
    try:
        header = jwt.get_unverified_header(id_token)
    except jwt.PyJWTError:
        raise errors.InvalidToken("KOE400", "the id_token is not a signed JWT") from None
    kid = header.get("kid")
    row = next(
        (r for r in signing_keys.list_signing_keys(session) if r.kid == kid), None
    ) if isinstance(kid, str) else None
    if row is None or header.get("alg") != ALGORITHM:
        raise errors.InvalidToken("KOE400", "the id_token was not signed by this server")
    try:
        payload: dict[str, Any] = jwt.decode(
            id_token,
            _private_key(row.private_key_pem).public_key(),
            algorithms=[ALGORITHM],
            # The expiry is checked against the server clock below, which the control plane
            # may have moved.
            options={"verify_exp": False, "verify_aud": False, "verify_iat": False,
                     "verify_nbf": False},
        )
    except jwt.PyJWTError:
        raise errors.InvalidToken("KOE400", "the id_token's signature does not hold") from None
    if payload.get("iss") != issuer:
        raise errors.InvalidToken("KOE400", "the id_token was issued by another issuer")
    exp = payload.get("exp")
    if not isinstance(exp, int) or isinstance(exp, bool) or exp <= now:
        raise errors.InvalidToken("KOE400", "the id_token has expired")
    return payload


def discovery(auth_base: str, api_base: str) -> dict[str, Any]:
    """The discovery document: the login server's endpoints under `auth_base`, userinfo under
    `api_base` (Kakao's two hosts)."""
    return {
        "issuer": auth_base,
        "authorization_endpoint": f"{auth_base}/oauth/authorize",
        "token_endpoint": f"{auth_base}/oauth/token",
        "userinfo_endpoint": f"{api_base}/v1/oidc/userinfo",
        "jwks_uri": f"{auth_base}/.well-known/jwks.json",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [ALGORITHM],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post"],
        "scopes_supported": ["openid"],
        "claims_supported": [
            "iss",
            "aud",
            "sub",
            "iat",
            "exp",
            "auth_time",
            "nonce",
            "nickname",
            "picture",
            "email",
        ],
        "request_uri_parameter_supported": False,
    }
