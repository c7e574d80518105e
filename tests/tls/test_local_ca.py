"""HTTPS from talksocial's local CA (docs/reference/compatibility.md#tls): `ca cert` prints the
CA kept in the database; `serve --tls` answers HTTPS on its port with a certificate for Kakao's
hosts, the loopback names and each `--tls-name`."""

from __future__ import annotations

import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from cryptography import x509

from talksocial.serving import free_port, talksocial_command


def _ca_cert(db: str) -> str:
    result = subprocess.run(
        [*talksocial_command(), "ca", "cert", "--database", db],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@contextmanager
def _tls_server(tmp_path: Path, db: str, *extra: str) -> Iterator[int]:
    port = free_port()
    log = (tmp_path / f"serve-{port}.log").open("wb")
    process = subprocess.Popen(
        [*talksocial_command(), "serve", "--host", "127.0.0.1", "--port", str(port),
         "--database", db, "--demo", "--tls", *extra],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / f"serve-{port}.log").read_text()
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_ca_is_kept_in_the_database(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'ca.db'}"
    first = _ca_cert(db)
    assert first.startswith("-----BEGIN CERTIFICATE-----")
    assert _ca_cert(db) == first
    cert = x509.load_pem_x509_certificate(first.encode())
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert _ca_cert(f"sqlite:///{tmp_path / 'other.db'}") != first


def test_serve_tls_with_the_printed_ca(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'tls.db'}"
    ca_file = tmp_path / "ca.pem"
    ca_file.write_text(_ca_cert(db))
    context = ssl.create_default_context(cafile=str(ca_file))
    with _tls_server(tmp_path, db, "--tls-name", "ts.test", "--tls-name", "10.1.2.3") as port:
        url = f"https://127.0.0.1:{port}"
        with httpx.Client(verify=context, timeout=30) as client:
            for _ in range(100):
                try:
                    response = client.get(url + "/v2/user/me",
                                          headers={"Authorization": "Bearer demo-access-token"})
                    break
                except httpx.ConnectError:
                    time.sleep(0.1)
            assert response.status_code == 200, response.text
            doc = client.get(f"https://localhost:{port}/.well-known/openid-configuration").json()
            assert doc["issuer"] == f"https://localhost:{port}"
        # Without the CA the certificate is not trusted.
        try:
            httpx.get(url + "/openapi.json", verify=ssl.create_default_context())
        except httpx.ConnectError:
            pass
        else:
            raise AssertionError("an untrusted certificate was accepted")
        # The certificate covers Kakao's names, the loopback names and the extra ones.
        pem = ssl.get_server_certificate(("127.0.0.1", port))
        names = x509.load_pem_x509_certificate(pem.encode()).extensions.get_extension_for_class(
            x509.SubjectAlternativeName
        ).value
        dns = set(names.get_values_for_type(x509.DNSName))
        ips = {str(ip) for ip in names.get_values_for_type(x509.IPAddress)}
        assert dns == {"kauth.kakao.com", "kapi.kakao.com", "localhost", "ts.test"}
        assert ips == {"127.0.0.1", "::1", "10.1.2.3"}
        # Under Kakao's host name (SNI and Host), the answer names Kakao's hosts.
        with httpx.Client(verify=context, timeout=30) as client:
            doc = client.get(
                f"https://127.0.0.1:{port}/.well-known/openid-configuration",
                headers={"Host": "kauth.kakao.com"},
            ).json()
            assert doc["issuer"] == "https://kauth.kakao.com"
            # A spoofed Host falls back to the bind address, over https.
            spoofed = client.get(
                f"https://127.0.0.1:{port}/.well-known/openid-configuration",
                headers={"Host": "evil.example"},
            ).json()
            assert spoofed["issuer"] == f"https://127.0.0.1:{port}"
