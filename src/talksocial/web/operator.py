"""Who may use the control plane (`/_talksocial/*`) and the console.

With an operator token configured (`Config.operator_token`: `--operator-token` or
TALKSOCIAL_OPERATOR_TOKEN) every request
must present it, as `Authorization: Bearer <token>` or `X-Talksocial-Operator-Token: <token>`;
it is compared in constant time. Without one the control plane is open only on a server bound
to a loopback address, and refused everywhere else: a world anyone on the network could reset
or fault is not a default.
"""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass

from starlette.types import Scope

from talksocial.config import Config

HEADER = "x-talksocial-operator-token"

MSG_TOKEN_REQUIRED = "operator token required"
MSG_TOKEN_WRONG = "wrong operator token"
MSG_OFF = (
    "the control plane is off: the server is bound beyond loopback without an operator token "
    "(start it with --operator-token or TALKSOCIAL_OPERATOR_TOKEN)"
)


@dataclass(frozen=True, slots=True)
class Refusal:
    status: int  # 401 or 403
    msg: str


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def decide(configured: str | None, bind_host: str | None, presented: str | None) -> Refusal | None:
    """None when the request may use the control plane, else why not."""
    if configured:
        if presented is None:
            return Refusal(401, MSG_TOKEN_REQUIRED)
        if not hmac.compare_digest(presented.encode("utf-8"), configured.encode("utf-8")):
            return Refusal(403, MSG_TOKEN_WRONG)
        return None
    if is_loopback(bind_host):
        return None
    return Refusal(403, MSG_OFF)


def presented_token(scope: Scope) -> str | None:
    """The operator token a request carries (the dedicated header wins over Authorization)."""
    authorization: str | None = None
    for name, value in scope.get("headers", ()):
        if name == HEADER.encode():
            text = value.decode("latin-1").strip()
            return text or None
        if name == b"authorization":
            authorization = value.decode("latin-1").strip()
    if authorization:
        scheme, _, credential = authorization.partition(" ")
        if scheme.lower() == "bearer" and credential.strip():
            return credential.strip()
    return None


def bind_host(config: Config, scope: Scope) -> str | None:
    """The address the server is bound to: as `serve` said, else the socket the request came
    in on."""
    if config.bind_host:
        return config.bind_host
    server = scope.get("server")
    return str(server[0]) if server else None


def check(config: Config, scope: Scope) -> Refusal | None:
    return decide(config.operator_token, bind_host(config, scope), presented_token(scope))


def describe(configured: str | None, host: str) -> str:
    """What `serve` prints at start about the control plane."""
    if configured:
        return "control plane /_talksocial/ and console /console: operator token required"
    if is_loopback(host):
        return ("control plane /_talksocial/ and console /console: open without a token "
                "(bound to loopback only; set --operator-token to require one)")
    return ("control plane /_talksocial/ and console /console: OFF (bound beyond loopback "
            "without --operator-token)")
