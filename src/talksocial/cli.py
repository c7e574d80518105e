"""The `talksocial` command (docs/reference/command-line.md). Scripts outside the project drive these exact forms:

    talksocial serve [--host 127.0.0.1] [--port 8000] [--database URL] [--seed FILE]
                     [--public-url URL] [--workers N] [--demo] [--operator-token TOKEN]
                     [--allowed-hosts H,..] [--forwarded-allow-ips IP,..]
                     [--access-log|--no-access-log] [--db-pool-size N]
                     [--shutdown-timeout SECONDS] [--open-control-plane]
    talksocial seed FILE [--database URL]
    talksocial token issue --app APP_ID --account KEY [--scopes a,b] [--database URL]
    talksocial db upgrade [--database URL]
    talksocial generate --accounts N --friends-per-account M [--apps K] [--seed-random S]
                        [--database URL] [--hub-owners F,F,..] [--token-owners R]
                        [--manifest FILE] [--no-progress]
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from talksocial import config

if TYPE_CHECKING:
    from talksocial.storage.seed import GeneratedToken


def _database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        metavar="URL",
        default=None,
        help="SQLAlchemy URL (default: $TALKSOCIAL_DATABASE_URL, else sqlite:///talksocial.db)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="talksocial", description="A self-hostable Kakao Talk Social API server."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the API server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    _database_option(serve)
    serve.add_argument("--seed", metavar="FILE", help="load this seed file before serving")
    serve.add_argument("--public-url", metavar="URL", help="base URL used in returned URLs")
    serve.add_argument("--workers", type=int, default=1, metavar="N")
    serve.add_argument("--demo", action="store_true", help="load the built-in demo world")
    serve.add_argument(
        "--allowed-hosts",
        metavar="H,H,..",
        default=None,
        help="without --public-url: host names a request's Host header may name (besides "
        "loopback names and the bind address) for URLs the API returns; *.example.com "
        "matches subdomains (default: $TALKSOCIAL_ALLOWED_HOSTS)",
    )
    serve.add_argument(
        "--forwarded-allow-ips",
        metavar="IP,IP,..",
        default=None,
        help="proxies (addresses or networks, or *) whose X-Forwarded-Proto/Host are honoured "
        "(default: $TALKSOCIAL_FORWARDED_ALLOW_IPS, else none)",
    )
    serve.add_argument(
        "--access-log",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="one line per request on stdout (default: on)",
    )
    serve.add_argument(
        "--db-pool-size",
        type=int,
        default=None,
        metavar="N",
        help="database connections each worker keeps open, as many more for bursts "
        "(default: $TALKSOCIAL_DB_POOL_SIZE, else 4)",
    )
    serve.add_argument(
        "--shutdown-timeout",
        type=int,
        default=30,
        metavar="SECONDS",
        help="on SIGTERM, how long requests in flight may take to finish (default: 30)",
    )
    serve.add_argument(
        "--max-import-bytes",
        type=int,
        default=config.DEFAULT_MAX_IMPORT_BYTES,
        metavar="N",
        help="largest body POST /_talksocial/import takes (default: 256 MiB; every other "
        "request: 1 MiB)",
    )
    serve.add_argument(
        "--body-timeout",
        type=float,
        default=config.DEFAULT_BODY_TIMEOUT,
        metavar="SECONDS",
        help="a request body silent this long is answered 408 (default: 10)",
    )
    serve.add_argument(
        "--app-factory",
        metavar="MODULE:CALLABLE",
        default="talksocial.app:worker_app",
        help="for embedders: the ASGI app factory each worker imports; it wraps "
        "talksocial.app.create_app (default: talksocial.app:worker_app)",
    )
    serve.add_argument(
        "--operator-token",
        metavar="TOKEN",
        default=None,
        help="token the control plane /_talksocial/ and the console require (default: "
        "$TALKSOCIAL_OPERATOR_TOKEN; without one they answer on a loopback bind only)",
    )
    serve.add_argument(
        "--open-control-plane",
        action="store_true",
        help="without an operator token, open the control plane and console on any bind "
        "address, e.g. 0.0.0.0 in a container published on the host's loopback (default: "
        "$TALKSOCIAL_OPEN_CONTROL_PLANE=1; a request's Host must still be a loopback name or "
        "one of --allowed-hosts)",
    )

    serve.add_argument(
        "--tls", action="store_true",
        help="serve HTTPS on --port with a certificate from talksocial's local CA (`talksocial "
        "ca cert` prints it), for kauth.kakao.com, kapi.kakao.com, localhost, 127.0.0.1, ::1",
    )
    serve.add_argument(
        "--tls-name", action="append", default=[], metavar="NAME",
        help="one more host name or address the certificate covers (repeatable)",
    )

    ca = commands.add_parser("ca", help="talksocial's local certificate authority")
    ca_commands = ca.add_subparsers(dest="ca_command", required=True)
    ca_cert = ca_commands.add_parser("cert", help="print the CA's certificate (PEM) to trust")
    _database_option(ca_cert)

    seed = commands.add_parser("seed", help="load a seed file (JSON or YAML)")
    seed.add_argument("file", metavar="FILE")
    _database_option(seed)

    token = commands.add_parser("token", help="access tokens")
    token_commands = token.add_subparsers(dest="token_command", required=True)
    issue = token_commands.add_parser("issue", help="issue an access token and print it")
    issue.add_argument("--app", type=int, required=True, metavar="APP_ID")
    issue.add_argument("--account", required=True, metavar="KEY")
    issue.add_argument("--scopes", default=None, metavar="a,b")
    _database_option(issue)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_commands.add_parser("upgrade", help="apply the schema migrations")
    _database_option(upgrade)

    generate = commands.add_parser(
        "generate", help="build a large generated world into an empty database"
    )
    generate.add_argument("--accounts", type=int, required=True, metavar="N")
    generate.add_argument("--friends-per-account", type=int, required=True, metavar="M")
    generate.add_argument("--apps", type=int, default=1, metavar="K")
    generate.add_argument("--seed-random", type=int, default=1, metavar="S")
    _database_option(generate)
    generate.add_argument(
        "--hub-owners", default="", metavar="F,F,..",
        help="accounts with exactly F listable friends each in the first app",
    )
    generate.add_argument(
        "--token-owners", type=int, default=3, metavar="R",
        help="ordinary accounts that get access tokens too (default 3)",
    )
    generate.add_argument("--manifest", metavar="FILE", help="write the JSON manifest here")
    generate.add_argument("--no-progress", action="store_true", help="no progress bar")

    export = commands.add_parser("export", help="print the stored world as a seed file")
    _database_option(export)
    export.add_argument("--output", "-o", metavar="FILE", default=None)
    return parser


#: Pending connections the listening socket queues, and requests one worker handles at once.
BACKLOG = 4096
BACKPRESSURE = 8192


def _fail(message: str) -> int:
    print(f"talksocial: {message}", file=sys.stderr)
    return 2


class _DocumentError(Exception):
    """A seed document (named as the user knows it) that was rejected."""

    def __init__(self, name: str, error: Exception) -> None:
        super().__init__(f"{name}: {error}")


def _load_seed(url: str, *documents: tuple[str, Any]) -> list[GeneratedToken]:
    """Loads the (name, document) pairs in order, all in one transaction: one bad document, or
    a process killed half-way, leaves the database as it was."""
    from talksocial.storage.db import make_engine, make_sessionmaker, transaction
    from talksocial.storage.seed import SeedError, load_world

    engine = make_engine(url)
    generated: list[GeneratedToken] = []
    try:
        with transaction(make_sessionmaker(engine)) as session:
            for name, data in documents:
                try:
                    generated += load_world(session, data)
                except SeedError as exc:
                    raise _DocumentError(name, exc) from exc
    finally:
        engine.dispose()
    return generated


def _snapshot_startup(url: str, limit: int) -> None:
    """The world right after start-up and seeding, kept for the control plane's `reset`; none
    for a world of over `limit` friend-list entries (`Config.snapshot_max_friend_entries`)."""
    from sqlalchemy import func, select

    from talksocial.storage.db import make_engine, make_sessionmaker, transaction
    from talksocial.storage.models import Friendship
    from talksocial.storage.world import drop_startup_snapshot, snapshot_startup

    engine = make_engine(url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            entries = session.scalar(select(func.count()).select_from(Friendship)) or 0
            if entries > limit:
                drop_startup_snapshot(session)
                print(
                    f"the world has {entries:,} friend-list entries: no start-up snapshot is "
                    f"kept (over {limit:,}), so /_talksocial/reset is off"
                )
            else:
                snapshot_startup(session)
    finally:
        engine.dispose()


def _show_generated(tokens: list[GeneratedToken]) -> None:
    # Only the hash is stored: this is the one chance to see a generated token.
    for token in tokens:
        print(f"generated access token for app {token.app_id}, account {token.account_key!r}: "
              f"{token.access_token}")


def cmd_seed(args: argparse.Namespace) -> int:
    from talksocial.storage.db import upgrade
    from talksocial.storage.seed import SeedError, read_seed_file

    url = _database_url(args)
    try:
        data = read_seed_file(args.file)
        upgrade(url)
        generated = _load_seed(url, (args.file, data))
    except OSError as exc:
        return _fail(f"cannot read {args.file}: {exc.strerror or exc}")
    except SeedError as exc:
        return _fail(f"{args.file}: {exc}")
    except _DocumentError as exc:
        return _fail(str(exc))
    print(f"loaded {args.file} into {url}")
    _show_generated(generated)
    return 0


def cmd_token_issue(args: argparse.Namespace) -> int:
    from talksocial.domain.consent import parse_scope_list
    from talksocial.storage.db import (
        make_engine,
        make_sessionmaker,
        run_with_retry,
        transaction,
        upgrade,
    )
    from talksocial.storage.errors import StorageError
    from talksocial.storage.tokens import issue_token

    url = _database_url(args)
    upgrade(url)
    engine = make_engine(url)
    scopes = parse_scope_list(args.scopes) if args.scopes is not None else None

    def issue() -> str:
        with transaction(make_sessionmaker(engine)) as session:
            value, _ = issue_token(session, args.app, args.account, scopes=scopes)
            return value

    try:
        token = run_with_retry(issue)
    except StorageError as exc:
        return _fail(str(exc))
    finally:
        engine.dispose()
    print(token)
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from talksocial.storage.db import upgrade

    url = _database_url(args)
    upgrade(url)
    print(f"database at {url} is up to date")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from talksocial.storage.db import make_engine, make_sessionmaker, upgrade
    from talksocial.storage.seed import dump_world, export_world

    url = _database_url(args)
    upgrade(url)
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            text = dump_world(export_world(session))
    finally:
        engine.dispose()
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    import json

    from talksocial.storage.db import make_engine, upgrade
    from talksocial.storage.generate import GenerateError, GenerateOptions, generate_world

    try:
        hubs = tuple(int(part) for part in args.hub_owners.split(",") if part.strip())
    except ValueError:
        return _fail("--hub-owners takes comma-separated numbers of friends, e.g. 100,10000")
    options = GenerateOptions(
        accounts=args.accounts,
        friends_per_account=args.friends_per_account,
        apps=args.apps,
        seed=args.seed_random,
        hub_owners=hubs,
        token_owners=args.token_owners,
        progress=not args.no_progress,
    )
    url = _database_url(args)
    upgrade(url)
    engine = make_engine(url)
    try:
        manifest = generate_world(engine, options)
    except GenerateError as exc:
        return _fail(str(exc))
    finally:
        engine.dispose()
    if args.manifest:
        Path(args.manifest).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    counts = manifest["counts"]
    rows = sum(counts.values())
    seconds = manifest["elapsed_seconds"]
    print(f"generated {counts.get('accounts', 0)} accounts, "
          f"{counts.get('friendships', 0)} friend entries, {counts.get('friend_rows', 0)} "
          f"listable friend rows ({rows} rows in all) into {url} in {seconds:.1f} s "
          f"({rows / max(seconds, 1e-9):,.0f} rows/s)")
    for owner in manifest["owners"]:
        print(f"{owner['role']} owner {owner['account_key']} in app {owner['app_id']}: "
              f"{owner['total_count']} listable friends, access token {owner['access_token']}")
    return 0


def _served_base(settings: config.Config, *, tls: bool = False) -> str:
    """The base URL clients reach this server at (for the demo world's avatar URLs)."""
    if settings.public_url:
        return settings.public_url
    host = settings.bind_host or "127.0.0.1"
    host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    scheme = "https" if tls else "http"
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}:{settings.bind_port}"


def _database_url(args: argparse.Namespace) -> str:
    return config.database_url(args.database, os.environ)


def build_config(args: argparse.Namespace, environ: Mapping[str, str]) -> config.Config:
    """`serve`'s configuration from its flags, each falling back to its environment variable
    (docs/server/configuration.md). Raises ValueError naming a bad setting."""
    from talksocial.web.edge import TrustedProxies

    pool_size = args.db_pool_size
    if pool_size is None:
        raw = environ.get(config.ENV_DB_POOL_SIZE, "")
        pool_size = int(raw) if raw.isdigit() and int(raw) > 0 else config.DEFAULT_POOL_SIZE
    if pool_size < 1:
        raise ValueError("--db-pool-size must be at least 1")
    forwarded = args.forwarded_allow_ips
    if forwarded is None:
        forwarded = environ.get(config.ENV_FORWARDED_ALLOW_IPS)
    try:
        TrustedProxies.parse(forwarded)
    except ValueError as exc:
        raise ValueError(f"--forwarded-allow-ips: {exc}") from None
    allowed = args.allowed_hosts
    if allowed is None:
        allowed = environ.get(config.ENV_ALLOWED_HOSTS)
    if args.max_import_bytes < config.DEFAULT_MAX_BODY_BYTES:
        raise ValueError(f"--max-import-bytes must be at least {config.DEFAULT_MAX_BODY_BYTES}")
    if not 0 < args.body_timeout <= 3600:
        raise ValueError("--body-timeout must be between 0 and 3600 seconds")
    snapshot_max = environ.get(config.ENV_SNAPSHOT_MAX, "")
    open_control_plane = args.open_control_plane or config.env_flag(
        config.ENV_OPEN_CONTROL_PLANE, environ.get(config.ENV_OPEN_CONTROL_PLANE))
    return config.Config(
        database_url=config.database_url(args.database, environ),
        public_url=args.public_url or environ.get(config.ENV_PUBLIC_URL) or None,
        allowed_hosts=config.split_list(allowed),
        bind_host=args.host,
        bind_port=args.port,
        operator_token=args.operator_token or environ.get(config.ENV_OPERATOR_TOKEN) or None,
        open_control_plane=open_control_plane,
        forwarded_allow_ips=forwarded,
        access_log=args.access_log,
        tls=args.tls,
        max_import_bytes=args.max_import_bytes,
        body_timeout=args.body_timeout,
        db_pool_size=pool_size,
        snapshot_max_friend_entries=(
            int(snapshot_max) if snapshot_max.isdigit()
            else config.DEFAULT_SNAPSHOT_MAX_FRIEND_ENTRIES
        ),
    )


def _certificate_authority(url: str) -> Any:
    from talksocial.storage.db import make_engine, make_sessionmaker, upgrade
    from talksocial.storage.local_ca import certificate_authority

    upgrade(url)
    engine = make_engine(url)
    try:
        return certificate_authority(make_sessionmaker(engine))
    finally:
        engine.dispose()


def cmd_ca_cert(args: argparse.Namespace) -> int:
    sys.stdout.write(_certificate_authority(_database_url(args)).cert_pem)
    return 0


def _tls_files(url: str, extra_names: list[str]) -> tuple[str, str]:
    """The serving key and certificate, issued by the stored CA at start, written to a private
    temporary directory (removed at exit)."""
    import atexit
    import shutil
    import tempfile

    from talksocial.storage.local_ca import DEFAULT_NAMES, issue_leaf

    key_pem, chain_pem = issue_leaf(
        _certificate_authority(url), (*DEFAULT_NAMES, *(n.strip() for n in extra_names if n))
    )
    directory = tempfile.mkdtemp(prefix="talksocial-tls-")  # mode 0700
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    key_path, cert_path = os.path.join(directory, "key.pem"), os.path.join(directory, "cert.pem")
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key_pem)
    with open(cert_path, "w", encoding="ascii") as f:
        f.write(chain_pem)
    return key_path, cert_path


class ServeError(Exception):
    """What keeps `serve` from starting (a bad setting, an unreadable or rejected seed)."""


def prepare_serving(args: argparse.Namespace, environ: Mapping[str, str]) -> config.Config:
    """Everything `serve` does before the server starts: the configuration, the schema, the
    demo world and seed files, the start-up snapshot, and the notes it prints. The in-process
    test server prepares its database with this too, so both serve the same world."""
    from talksocial.demo import DEMO_ACCESS_TOKEN, demo_world
    from talksocial.storage.db import upgrade
    from talksocial.storage.seed import SeedError, read_seed_file
    from talksocial.web import operator

    if args.workers < 1:
        raise ServeError("--workers must be at least 1")
    try:
        settings = build_config(args, environ)
    except ValueError as exc:
        raise ServeError(str(exc)) from None
    url = settings.database_url
    try:
        documents = (
            [("the demo world", demo_world(_served_base(settings, tls=args.tls)))]
            if args.demo else []
        )
        if args.seed:
            documents.append((args.seed, read_seed_file(args.seed)))
        upgrade(url)
        generated = _load_seed(url, *documents) if documents else []
        _snapshot_startup(url, settings.snapshot_max_friend_entries)
    except OSError as exc:
        raise ServeError(f"cannot read {args.seed}: {exc.strerror or exc}") from None
    except SeedError as exc:
        raise ServeError(f"{args.seed}: {exc}") from None
    except _DocumentError as exc:
        raise ServeError(str(exc)) from None

    scheme = "https" if args.tls else "http"
    shown_host = f"[{args.host}]" if ":" in args.host else args.host
    # A wildcard bind (0.0.0.0 in a container) is tried on loopback.
    base = _served_base(settings, tls=args.tls)
    token = DEMO_ACCESS_TOKEN if args.demo else "${ACCESS_TOKEN}"
    print(f"talksocial listening on {scheme}://{shown_host}:{args.port} "
          f"({args.workers} worker{'s' if args.workers != 1 else ''}, database {url})")
    print(operator.describe(settings.operator_token, args.host, settings.open_control_plane))
    _show_generated(generated)
    print("try:")
    print(f'  curl -s "{base}/v1/api/talk/friends?limit=3" -H "Authorization: Bearer {token}"')
    sys.stdout.flush()
    return settings


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        settings = prepare_serving(args, os.environ)
    except ServeError as exc:
        return _fail(str(exc))
    tls: dict[str, Any] = {}
    if args.tls:
        key_path, cert_path = _tls_files(settings.database_url, args.tls_name)
        tls = {"ssl_key": Path(key_path), "ssl_cert": Path(cert_path)}

    from granian import Granian
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings

    # granian starts each worker as a process of its own, which imports the app factory by
    # name and inherits this environment: the configuration travels as one value.
    os.environ.update(settings.to_worker_env())
    Granian(
        args.app_factory,
        address=args.host,
        port=args.port,
        interface=Interfaces.ASGI,
        workers=args.workers,
        factory=True,
        log_access=False,
        workers_kill_timeout=max(1, args.shutdown_timeout),
        # A worker that dies (a crash, an OOM kill, kill -9) is replaced; the others serve on.
        respawn_failed_workers=True,
        respawn_interval=0.5,
        # Clients that send their headers slowly, or their body not at all, hold a connection
        # for a bounded time (the body's bound is the app's, web.limits); many such clients at
        # once must not take every request slot, so each worker admits many more requests than
        # granian's default (backlog / workers) before it stops accepting.
        backlog=BACKLOG,
        backpressure=BACKPRESSURE,
        http1_settings=HTTP1Settings(header_read_timeout=int(settings.body_timeout * 1000)),
        **tls,
    ).serve()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except (ArgumentError, NoSuchModuleError) as exc:
        return _fail(f"bad --database URL: {exc}")
    except OperationalError as exc:
        return _fail(f"cannot use the database: {exc.orig}")


def _run(args: argparse.Namespace) -> int:
    if args.command == "serve":
        return cmd_serve(args)
    if args.command == "seed":
        return cmd_seed(args)
    if args.command == "ca":
        return cmd_ca_cert(args)
    if args.command == "token":
        return cmd_token_issue(args)
    if args.command == "db":
        return cmd_db_upgrade(args)
    if args.command == "export":
        return cmd_export(args)
    if args.command == "generate":
        return cmd_generate(args)
    return _fail(f"unknown command {args.command}")  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main())
