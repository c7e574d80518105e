"""talksocial's own local certificate authority (docs/reference/compatibility.md#tls): its key
and certificate are kept in `server_state`, like the id_token signing key, so every worker and
every machine over one database serves certificates from the same CA; `issue_leaf` makes the
serving certificate for the names asked."""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from talksocial.storage.db import run_with_retry, transaction
from talksocial.storage.models import ServerState

CA_KEY = "local_ca_key_pem"
CA_CERT = "local_ca_cert_pem"
#: The names every serving certificate covers besides the operator's own.
DEFAULT_NAMES = ("kauth.kakao.com", "kapi.kakao.com", "localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class CertificateAuthority:
    key_pem: str
    cert_pem: str


def _pem_key(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def _new_ca() -> CertificateAuthority:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "talksocial"),
        x509.NameAttribute(NameOID.COMMON_NAME, "talksocial local CA"),
    ])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                          content_commitment=False, key_encipherment=False,
                          data_encipherment=False, key_agreement=False,
                          encipher_only=False, decipher_only=False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    return CertificateAuthority(_pem_key(key), cert.public_bytes(serialization.Encoding.PEM)
                                .decode("ascii"))


def _read(session: Session) -> CertificateAuthority | None:
    rows: dict[str, str] = {
        key: value
        for key, value in session.execute(
            select(ServerState.key, ServerState.value).where(
                ServerState.key.in_((CA_KEY, CA_CERT))
            )
        )
    }
    if CA_KEY in rows and CA_CERT in rows:
        return CertificateAuthority(rows[CA_KEY], rows[CA_CERT])
    return None


def certificate_authority(factory: sessionmaker[Session]) -> CertificateAuthority:
    """The stored CA, created on first use (two processes racing agree on the first one)."""
    with factory() as s:
        found = _read(s)
    if found is not None:
        return found

    def create() -> CertificateAuthority:
        with transaction(factory) as s:
            stored = _read(s)
            if stored is not None:
                return stored
            ca = _new_ca()
            s.add(ServerState(key=CA_KEY, value=ca.key_pem))
            s.add(ServerState(key=CA_CERT, value=ca.cert_pem))
            return ca

    try:
        return run_with_retry(create)
    except IntegrityError:
        with factory() as s:
            again = _read(s)
        assert again is not None
        return again


def issue_leaf(ca: CertificateAuthority, names: tuple[str, ...]) -> tuple[str, str]:
    """A serving certificate signed by `ca` for `names` (host names or IP addresses), valid
    for 90 days from a day ago: (key PEM, certificate chain PEM)."""
    ca_key = serialization.load_pem_private_key(ca.key_pem.encode("ascii"), password=None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    ca_cert = x509.load_pem_x509_certificate(ca.cert_pem.encode("ascii"))
    key = ec.generate_private_key(ec.SECP256R1())
    alt: list[x509.GeneralName] = []
    for name in dict.fromkeys(names):
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alt.append(x509.DNSName(name))
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=90))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    chain = cert.public_bytes(serialization.Encoding.PEM).decode("ascii") + ca.cert_pem
    return _pem_key(key), chain
