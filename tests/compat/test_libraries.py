"""Real, unmodified client libraries against a live talksocial (docs/compatibility.md).

Each library hard-codes Kakao's URLs, so talksocial serves HTTPS (its local CA) on port 443 of a
loopback address of this test's own (127.x.y.z), and only inside the processes of this test do
kauth.kakao.com and kapi.kakao.com resolve there (`resolve_kakao.py`, `node/resolve-kakao.js`);
the CA is trusted through the environment. An HTTP client plays the user, submitting the login
form as a browser does. The libraries are installed from the pinned lock files into a cache
(`~/.cache/talksocial-compat`, keyed by the lock files' hash) the first time."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from talksocial.serving import talksocial_command
from tests.support.login_browser import forms

HERE = Path(__file__).parent
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "talksocial-compat"
CALLBACK = "http://localhost:3000/callback"
#: Where django-allauth sends the browser back (its test client's host).
ALLAUTH_CALLBACK = "http://testserver/accounts/kakao/login/callback/"
#: Where Auth.js sends the browser back (a site at http://localhost:3000, basePath /auth).
AUTHJS_CALLBACK = "http://localhost:3000/auth/callback/kakao"
AUTHJS_CLIENT_ID = "compat-authjs-rest-api-key"
CLIENT_ID = "compat-rest-api-key"
USER_ID = 4242
KAKAO_NAMES = ("kauth.kakao.com", "kapi.kakao.com")

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("npm") is None,
    reason="port 443 of a loopback address needs root; passport-kakao needs npm",
)

SEED = {
    "apps": [{
        "id": 1001, "name": "compat", "rest_api_key": CLIENT_ID, "admin_key": "compat-admin",
        "redirect_uris": [CALLBACK, ALLAUTH_CALLBACK],
        "consent_items": {"profile_nickname": "required", "profile_image": "optional",
                          "account_email": "optional", "openid": "optional"},
    }, {
        # Auth.js's Kakao provider is a plain OAuth provider: an id_token in the token answer
        # (an app using OpenID Connect) fails its checks, so its app does not use `openid`.
        "id": 1002, "name": "compat Auth.js", "rest_api_key": AUTHJS_CLIENT_ID,
        "admin_key": "compat-admin-authjs", "redirect_uris": [AUTHJS_CALLBACK],
        "consent_items": {"profile_nickname": "required", "account_email": "optional"},
    }],
    "accounts": [{"key": "ryan", "profile": {"nickname": "Ryan"},
                  "account_profile": {"nickname": "Ryan", "email": "ryan@example.com"}}],
    "links": [{"app": 1001, "account": "ryan", "user_id": USER_ID, "uuid": "uuid-ryan",
               "scopes": ["profile_nickname", "account_email"]},
              {"app": 1002, "account": "ryan", "user_id": USER_ID + 1, "uuid": "uuid-ryan-2",
               "scopes": ["profile_nickname", "account_email"]}],
}


def _digest(*paths: Path) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def _python_env() -> Path:
    """A venv with requirements.txt's exact versions (no resolver: --no-deps)."""
    venv = CACHE / f"py-{_digest(HERE / 'requirements.txt')}"
    python = venv / "bin" / "python"
    if not (venv / ".ok").exists():
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "-r",
                        str(HERE / "requirements.txt")], check=True, timeout=300)
        (venv / ".ok").touch()
    return python


def _node_env() -> Path:
    """node_modules exactly as package-lock.json says (`npm ci`)."""
    target = CACHE / f"node-{_digest(HERE / 'node' / 'package-lock.json')}"
    if not (target / ".ok").exists():
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(HERE / "node" / name, target / name)
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=target,
                       check=True, timeout=300)
        (target / ".ok").touch()
    return target


def _free_loopback() -> str:
    """A loopback address of this test's own with port 443 free."""
    for _ in range(50):
        addr = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"
        with socket.socket() as s:
            try:
                s.bind((addr, 443))
            except OSError:
                continue
        return addr
    raise RuntimeError("no free loopback address with port 443")


class Kakao:
    """The talksocial under test, as Kakao's hosts: its address, the CA file, the environment
    that makes a process resolve and trust it."""

    def __init__(self, addr: str, ca_file: Path, tmp: Path) -> None:
        self.addr, self.ca_file, self.tmp = addr, ca_file, tmp
        self.env = {
            **os.environ,
            "TALKSOCIAL_COMPAT_ADDR": addr,
            "SSL_CERT_FILE": str(ca_file),
            "REQUESTS_CA_BUNDLE": str(ca_file),
            "NODE_EXTRA_CA_CERTS": str(ca_file),
            "KAKAO_CLIENT_ID": CLIENT_ID,
            "KAKAO_CALLBACK": CALLBACK,
        }

    def browser_login(
        self, url: str, monkeypatch: pytest.MonkeyPatch, callback: str = CALLBACK
    ) -> dict[str, str]:
        """Follows the authorization URL as a browser would (Kakao's names resolved to this
        server inside this process only), picks the account, agrees, and returns the
        callback's query."""
        real = socket.getaddrinfo

        def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
            return real(self.addr if host in KAKAO_NAMES else host, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", resolve)
        context = ssl.create_default_context(cafile=str(self.ca_file))
        with httpx.Client(verify=context, timeout=30, base_url="https://kauth.kakao.com") as c:
            response = c.get(url)
            for _ in range(6):
                if response.status_code == 302:
                    location = response.headers["location"]
                    if location.startswith(callback):
                        query = parse_qs(urlsplit(location).query)
                        return {k: v[0] for k, v in query.items()}
                    response = c.get(location)
                    continue
                assert response.status_code == 200, response.text[:500]
                page = forms(response.text)
                if "account-chooser" in page:
                    form = page["account-chooser"]
                    response = c.post(form.action, data={**form.hidden, "account": "ryan"})
                elif "consent-form" in page:
                    form = page["consent-form"]
                    ticked = [v for v, (on, off) in form.checkboxes.items() if on and not off]
                    response = c.post(form.action,
                                      data={**form.hidden, "scope": ticked, "action": "agree"})
                else:
                    raise AssertionError(response.text[:500])
        raise AssertionError("no redirect to the callback")


@pytest.fixture(scope="module")
def kakao(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kakao]:
    tmp = tmp_path_factory.mktemp("compat")
    db = f"sqlite:///{tmp / 'compat.db'}"
    (tmp / "seed.json").write_text(json.dumps(SEED))
    ca = subprocess.run([*talksocial_command(), "ca", "cert", "--database", db],
                        capture_output=True, text=True, check=True, timeout=120)
    ca_file = tmp / "ca.pem"
    ca_file.write_text(ca.stdout)
    addr = _free_loopback()
    log = (tmp / "server.log").open("wb")
    process = subprocess.Popen(
        [*talksocial_command(), "serve", "--host", addr, "--port", "443", "--tls",
         "--database", db, "--seed", str(tmp / "seed.json")],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp / "server.log").read_text()
            try:
                socket.create_connection((addr, 443), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, (tmp / "server.log").read_text()
                time.sleep(0.1)
        yield Kakao(addr, ca_file, tmp)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        assert "Traceback" not in (tmp / "server.log").read_text()


def _run(args: list[str], kakao: Kakao, **kwargs: Any) -> dict[str, Any]:
    result = subprocess.run(args, env=kakao.env, capture_output=True, text=True, timeout=120,
                            check=False, **kwargs)
    assert result.returncode == 0, result.stdout + result.stderr
    out: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return out


def test_social_auth_core_kakao_backend(kakao: Kakao, monkeypatch: pytest.MonkeyPatch) -> None:
    python = _python_env()
    env_args = {"cwd": HERE}
    kakao.env["COMPAT_SESSION_FILE"] = str(kakao.tmp / "social-session.json")
    driver = [str(python), str(HERE / "social_auth_driver.py")]
    url = _run([*driver, "url"], kakao, **env_args)["url"]
    assert url.startswith("https://kauth.kakao.com/oauth/authorize?")
    callback = kakao.browser_login(url, monkeypatch)
    query = "&".join(f"{k}={v}" for k, v in callback.items())
    user = _run([*driver, "complete", query], kakao, **env_args)
    assert user["id"] == USER_ID
    assert user["details"]["username"] == "Ryan"
    assert user["details"]["email"] == "ryan@example.com"


def _node(script: str, kakao: Kakao, *args: str) -> dict[str, Any]:
    """A Node script of node/ with the pinned modules, Kakao's names resolved to talksocial
    (`--require resolve-kakao.js`) and its CA trusted (NODE_EXTRA_CA_CERTS)."""
    modules = _node_env()
    command = ["node", "--require", str(HERE / "node" / "resolve-kakao.js"),
               str(HERE / "node" / script), *args]
    saved = kakao.env
    kakao.env = {**saved, "NODE_PATH": str(modules / "node_modules")}
    try:
        return _run(command, kakao)
    finally:
        kakao.env = saved


def test_passport_kakao(kakao: Kakao, monkeypatch: pytest.MonkeyPatch) -> None:
    url = _node("passport_kakao.js", kakao, "url")["url"]
    assert url.startswith("https://kauth.kakao.com/oauth/authorize?")
    code = kakao.browser_login(url, monkeypatch)["code"]
    profile = _node("passport_kakao.js", kakao, "complete", code)
    assert profile["id"] == USER_ID
    assert profile["username"] == "Ryan" and profile["displayName"] == "Ryan"


def test_authlib_openid_connect(kakao: Kakao, monkeypatch: pytest.MonkeyPatch) -> None:
    python = _python_env()
    kakao.env["COMPAT_SESSION_FILE"] = str(kakao.tmp / "authlib-session.json")
    driver = [str(python), str(HERE / "authlib_driver.py")]
    url = _run([*driver, "url"], kakao, cwd=HERE)["url"]
    assert url.startswith("https://kauth.kakao.com/oauth/authorize?")
    callback = kakao.browser_login(url, monkeypatch)
    callback_url = CALLBACK + "?" + "&".join(f"{k}={v}" for k, v in callback.items())
    out = _run([*driver, "complete", callback_url], kakao, cwd=HERE)
    assert out["metadata"] == {
        "issuer": "https://kauth.kakao.com",
        "userinfo_endpoint": "https://kapi.kakao.com/v1/oidc/userinfo",
        "response_modes_supported": ["query"],
    }
    assert out["claims"]["sub"] == str(USER_ID) and out["claims"]["aud"] == CLIENT_ID
    assert out["claims"]["nickname"] == "Ryan" and out["claims"]["email"] == "ryan@example.com"
    assert out["userinfo"] == {"sub": str(USER_ID), "nickname": "Ryan",
                               "email": "ryan@example.com", "email_verified": True}
    assert out["refreshed"] and out["userinfo_after_refresh"] == out["userinfo"]


def test_openid_client(kakao: Kakao, monkeypatch: pytest.MonkeyPatch) -> None:
    kakao.env["COMPAT_SESSION_FILE"] = str(kakao.tmp / "openid-client-session.json")
    url = _node("openid_client.js", kakao, "url")["url"]
    assert url.startswith("https://kauth.kakao.com/oauth/authorize?")
    callback = kakao.browser_login(url, monkeypatch)
    callback_url = CALLBACK + "?" + "&".join(f"{k}={v}" for k, v in callback.items())
    out = _node("openid_client.js", kakao, "complete", callback_url)
    assert out["claims"]["iss"] == "https://kauth.kakao.com"
    assert out["claims"]["sub"] == str(USER_ID) and out["claims"]["nickname"] == "Ryan"
    assert out["userinfo"]["sub"] == str(USER_ID) and out["userinfo"]["nickname"] == "Ryan"
    assert out["refreshed"]


def test_django_allauth_kakao_provider(kakao: Kakao, monkeypatch: pytest.MonkeyPatch) -> None:
    python = _python_env()
    kakao.env["COMPAT_SESSION_FILE"] = str(kakao.tmp / "allauth-session.txt")
    kakao.env["COMPAT_DJANGO_DB"] = str(kakao.tmp / "allauth.db")
    driver = [str(python), str(HERE / "allauth_driver.py")]
    url = _run([*driver, "url"], kakao, cwd=HERE)["url"]
    assert url.startswith("https://kauth.kakao.com/oauth/authorize?")
    callback = kakao.browser_login(url, monkeypatch, ALLAUTH_CALLBACK)
    query = "&".join(f"{k}={v}" for k, v in callback.items())
    out = _run([*driver, "complete", query], kakao, cwd=HERE)
    assert out["uid"] == str(USER_ID)
    assert out["extra_data"]["properties"]["nickname"] == "Ryan"
    assert out["email"] == "ryan@example.com"


def test_auth_core_kakao_provider(kakao: Kakao, monkeypatch: pytest.MonkeyPatch) -> None:
    kakao.env["COMPAT_SESSION_FILE"] = str(kakao.tmp / "authjs-cookies.json")
    saved, kakao.env = kakao.env, {**kakao.env, "KAKAO_CLIENT_ID": AUTHJS_CLIENT_ID}
    try:
        url = _node("auth_core.js", kakao, "url")["url"]
        assert url.startswith("https://kauth.kakao.com/oauth/authorize?")
        callback = kakao.browser_login(url, monkeypatch, AUTHJS_CALLBACK)
        query = "&".join(f"{k}={v}" for k, v in callback.items())
        out = _node("auth_core.js", kakao, "complete", query)
    finally:
        kakao.env = saved
    assert out["location"] == "http://localhost:3000/", out
    assert out["session"]["user"]["name"] == "Ryan"
    assert out["session"]["user"]["email"] == "ryan@example.com"
