"""Who may use the control plane (`/_talksocial/*`) and the console.

With an operator token configured (`Config.operator_token`: `--operator-token` or
TALKSOCIAL_OPERATOR_TOKEN) every request
must present it, as `Authorization: Bearer <token>` or `X-Talksocial-Operator-Token: <token>`;
it is compared in constant time. Without one the control plane is open only on a server bound
to a loopback address, and refused everywhere else: a world anyone on the network could reset
or fault is not a default. The operator may still say so explicitly
(`Config.open_control_plane`: `--open-control-plane` or TALKSOCIAL_OPEN_CONTROL_PLANE=1, for a
container whose port is published on the host's loopback only). Even then it answers only a
request whose Host is a loopback name or address or one of `--allowed-hosts`: a page on another
site whose name an attacker re-points at 127.0.0.1 (DNS rebinding) reaches the loopback socket,
but under its own Host, and is refused. (docs/server/security.md, docs/server/container.md.)
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from starlette.types import Scope

from talksocial.config import Config
from talksocial.web.context import host_allowed, host_header, host_name, is_loopback_name

HEADER = "x-talksocial-operator-token"

MSG_TOKEN_REQUIRED = "operator token required"
MSG_TOKEN_WRONG = "wrong operator token"
MSG_FOREIGN_HOST = (
    "without an operator token the control plane answers only a loopback Host or one of "
    "--allowed-hosts"
)
MSG_OFF = (
    "the control plane is off: the server is bound beyond loopback without an operator token "
    "(start it with --operator-token or TALKSOCIAL_OPERATOR_TOKEN, or open it explicitly with "
    "--open-control-plane or TALKSOCIAL_OPEN_CONTROL_PLANE=1)"
)


@dataclass(frozen=True, slots=True)
class Refusal:
    status: int  # 401 or 403
    msg: str


def is_loopback(host: str | None) -> bool:
    """A loopback name or address, bracketed IPv6 included (`[::1]`)."""
    if not host:
        return False
    return is_loopback_name(host.strip("[]").lower())


def decide(
    configured: str | None, bind_host: str | None, presented: str | None, *, host_ok: bool = True,
    open_beyond_loopback: bool = False,
) -> Refusal | None:
    """None when the request may use the control plane, else why not. `host_ok`: the request's
    Host names this server (loopback or `--allowed-hosts`); `open_beyond_loopback`: the operator
    opened it without a token on any bind (`--open-control-plane`)."""
    if configured:
        if presented is None:
            return Refusal(401, MSG_TOKEN_REQUIRED)
        if not hmac.compare_digest(presented.encode("utf-8"), configured.encode("utf-8")):
            return Refusal(403, MSG_TOKEN_WRONG)
        return None
    if not (is_loopback(bind_host) or open_beyond_loopback):
        return Refusal(403, MSG_OFF)
    if not host_ok:
        return Refusal(403, MSG_FOREIGN_HOST)
    return None


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


def host_names_this_server(config: Config, scope: Scope) -> bool:
    """The request's Host header is a loopback name or address or one of `--allowed-hosts`."""
    host = host_header(scope)
    return host is not None and host_allowed(config, host_name(host.decode("latin-1")))


def check(config: Config, scope: Scope) -> Refusal | None:
    return decide(
        config.operator_token, bind_host(config, scope), presented_token(scope),
        host_ok=host_names_this_server(config, scope),
        open_beyond_loopback=config.open_control_plane,
    )


def is_off(config: Config, scope: Scope) -> bool:
    """No token, and a server reachable from other machines that the operator did not open."""
    return (not config.operator_token and not config.open_control_plane
            and not is_loopback(bind_host(config, scope)))


def describe(configured: str | None, host: str, open_control_plane: bool = False) -> str:
    """What `serve` prints at start about the control plane."""
    if configured:
        return "control plane /_talksocial/ and console /console: operator token required" + (
            " (--open-control-plane has no effect with a token)" if open_control_plane else "")
    if open_control_plane and not is_loopback(host):
        return ("control plane /_talksocial/ and console /console: OPEN without a token on "
                f"{host} (--open-control-plane): anyone who reaches this port may use them, "
                "under a loopback Host or one of --allowed-hosts")
    if is_loopback(host):
        return ("control plane /_talksocial/ and console /console: open without a token "
                "(bound to loopback only; set --operator-token to require one)")
    return ("control plane /_talksocial/ and console /console: OFF (bound beyond loopback "
            "without --operator-token; --open-control-plane opens them)")
