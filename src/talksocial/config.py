"""The server's configuration: built once, by the CLI, from its flags and the environment, then
passed down. No other module reads the environment.

`talksocial serve --workers N` runs each worker in a process of its own (granian), which imports
the app by name; the CLI hands the already-built configuration to those processes as one JSON
value in `TALKSOCIAL_WORKER_CONFIG` (`to_worker_env` / `from_worker_env`), not as a set of
variables each module would read on its own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields

#: The variables a user may set instead of flags (docs/server/configuration.md).
ENV_DATABASE_URL = "TALKSOCIAL_DATABASE_URL"
ENV_PUBLIC_URL = "TALKSOCIAL_PUBLIC_URL"
ENV_OPERATOR_TOKEN = "TALKSOCIAL_OPERATOR_TOKEN"
ENV_ALLOWED_HOSTS = "TALKSOCIAL_ALLOWED_HOSTS"
ENV_FORWARDED_ALLOW_IPS = "TALKSOCIAL_FORWARDED_ALLOW_IPS"
ENV_DB_POOL_SIZE = "TALKSOCIAL_DB_POOL_SIZE"
ENV_OPEN_CONTROL_PLANE = "TALKSOCIAL_OPEN_CONTROL_PLANE"
ENV_SNAPSHOT_MAX = "TALKSOCIAL_SNAPSHOT_MAX_FRIEND_ENTRIES"
#: The hand-off from the CLI to its worker processes (not for users to set).
ENV_WORKER_CONFIG = "TALKSOCIAL_WORKER_CONFIG"

DEFAULT_DATABASE_URL = "sqlite:///talksocial.db"
DEFAULT_POOL_SIZE = 4
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DEFAULT_MAX_IMPORT_BYTES = 256 * 1024 * 1024
DEFAULT_BODY_TIMEOUT = 10.0
#: Above this many friend-list entries `serve` keeps no start-up snapshot: the snapshot is an
#: export of the whole world, which for a generated world of millions of entries would cost
#: minutes at every start and a huge row. `reset` is for test worlds; it then answers 409.
DEFAULT_SNAPSHOT_MAX_FRIEND_ENTRIES = 200_000


def split_list(raw: str | None) -> tuple[str, ...]:
    return tuple(item.strip() for item in (raw or "").split(",") if item.strip())


def env_flag(name: str, raw: str | None) -> bool:
    """A yes/no variable: 1/true/yes/on or 0/false/no/off/empty (any case); else ValueError."""
    value = (raw or "").strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("", "0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be 1 or 0 (true/false, yes/no, on/off), not {raw!r}")


def database_url(flag: str | None, environ: Mapping[str, str]) -> str:
    """`--database` wins, then TALKSOCIAL_DATABASE_URL, then ./talksocial.db. A bare path is
    taken as an SQLite file."""
    url = flag or environ.get(ENV_DATABASE_URL) or DEFAULT_DATABASE_URL
    if "://" not in url:
        url = "sqlite:///" + url
    return url


@dataclass(frozen=True)
class Config:
    """Everything a server process needs to know; the app reads nothing else."""

    database_url: str = DEFAULT_DATABASE_URL
    #: Where the API's returned URLs point (after_url, the OpenID issuer); None: the request's
    #: own scheme, host and port, when its Host names this server.
    public_url: str | None = None
    #: Host names a Host header may name besides loopback and the bind address (`*.example.com`
    #: matches its subdomains, `*` any).
    allowed_hosts: tuple[str, ...] = ()
    #: The address `serve` binds; None (an app built by an embedder): the socket a request came
    #: in on stands for it.
    bind_host: str | None = None
    bind_port: int = 8000
    #: Required of every control-plane and console request when set; without one the control
    #: plane is open on a loopback-bound server only.
    operator_token: str | None = None
    #: Without an operator token, open the control plane and console on any bind address, not
    #: only on loopback (`--open-control-plane`): for a container whose port is published on the
    #: host's loopback. The Host rule still applies. No effect with an operator token.
    open_control_plane: bool = False
    #: Peers whose X-Forwarded-Proto/Host are honoured (comma list of addresses or networks,
    #: `*` for every peer); None: no peer.
    forwarded_allow_ips: str | None = None
    access_log: bool = True
    #: `serve --tls`: the fallback base URL is https.
    tls: bool = False
    #: Request bodies: at most this many bytes (413 past it), except the control plane's
    #: import, which carries whole worlds; a body silent for `body_timeout` seconds gets 408.
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_import_bytes: int = DEFAULT_MAX_IMPORT_BYTES
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    db_pool_size: int = DEFAULT_POOL_SIZE
    snapshot_max_friend_entries: int = DEFAULT_SNAPSHOT_MAX_FRIEND_ENTRIES

    def to_worker_env(self) -> dict[str, str]:
        return {ENV_WORKER_CONFIG: json.dumps(asdict(self))}

    @classmethod
    def from_worker_env(cls, environ: Mapping[str, str]) -> Config:
        """The configuration the CLI handed to this worker process (a plain default when the
        app is imported without it, e.g. by `granian talksocial.app:worker_app`)."""
        raw = environ.get(ENV_WORKER_CONFIG)
        if not raw:
            return cls()
        data = json.loads(raw)
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["allowed_hosts"] = tuple(values.get("allowed_hosts", ()))
        return cls(**values)
