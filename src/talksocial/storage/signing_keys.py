"""The id_token signing keys (RSA, PEM), kept in the database so that every worker signs with
the same key. Creating one is the storage side; signing and the JWKS are `oauth.idtoken`'s."""

from __future__ import annotations

import secrets

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select
from sqlalchemy.orm import Session

from talksocial.storage.models import SigningKey


def _generate(now: float) -> SigningKey:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    return SigningKey(kid=secrets.token_hex(8), private_key_pem=pem, created_at=now)


def list_signing_keys(session: Session) -> list[SigningKey]:
    return list(session.scalars(select(SigningKey).order_by(SigningKey.created_at, SigningKey.kid)))


def signing_key(session: Session, now: float) -> SigningKey:
    """The oldest stored key; the first call creates one. (Two workers racing on an empty
    table may both create one: both are published, and from then on all sign with the
    oldest.)"""
    row = session.scalar(select(SigningKey).order_by(SigningKey.created_at, SigningKey.kid))
    if row is None:
        row = _generate(now)
        session.add(row)
        session.flush()
    return row
