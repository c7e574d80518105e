"""The `talksocial` command (SPEC.md §9). Scripts outside the project drive these exact forms:

    talksocial serve [--host 127.0.0.1] [--port 8000] [--database URL] [--seed FILE]
                     [--public-url URL] [--workers N] [--demo] [--operator-token TOKEN]
                     [--allowed-hosts H,..] [--forwarded-allow-ips IP,..]
                     [--access-log|--no-access-log] [--db-pool-size N]
                     [--shutdown-timeout SECONDS]
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
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
        "--operator-token",
        metavar="TOKEN",
        default=None,
        help="token the control plane /_talksocial/ and the console require (default: "
        "$TALKSOCIAL_OPERATOR_TOKEN; without one they answer on a loopback bind only)",
    )

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


#: Above this many friend-list entries `serve` keeps no start-up snapshot: the snapshot is an
#: export of the whole world, which for a generated world of millions of entries would cost
#: minutes at every start and a huge row. `reset` is for test worlds; it then answers 409.
SNAPSHOT_MAX_FRIEND_ENTRIES = 200_000
ENV_SNAPSHOT_MAX = "TALKSOCIAL_SNAPSHOT_MAX_FRIEND_ENTRIES"


def _snapshot_startup(url: str) -> None:
    """The world right after start-up and seeding, kept for the control plane's `reset`."""
    from sqlalchemy import func, select

    from talksocial.storage.db import make_engine, make_sessionmaker, transaction
    from talksocial.storage.models import Friendship
    from talksocial.storage.world import drop_startup_snapshot, snapshot_startup

    engine = make_engine(url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            entries = session.scalar(select(func.count()).select_from(Friendship)) or 0
            limit = int(os.environ.get(ENV_SNAPSHOT_MAX, SNAPSHOT_MAX_FRIEND_ENTRIES))
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
    from talksocial.storage.db import resolve_database_url, upgrade
    from talksocial.storage.seed import SeedError, read_seed_file

    url = resolve_database_url(args.database)
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
        resolve_database_url,
        run_with_retry,
        transaction,
        upgrade,
    )
    from talksocial.storage.errors import StorageError
    from talksocial.storage.tokens import issue_token

    url = resolve_database_url(args.database)
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
    from talksocial.storage.db import resolve_database_url, upgrade

    url = resolve_database_url(args.database)
    upgrade(url)
    print(f"database at {url} is up to date")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from talksocial.storage.db import make_engine, make_sessionmaker, resolve_database_url, upgrade
    from talksocial.storage.seed import dump_world, export_world

    url = resolve_database_url(args.database)
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

    from talksocial.storage.db import make_engine, resolve_database_url, upgrade
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
    url = resolve_database_url(args.database)
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


def _served_base(args: argparse.Namespace) -> str:
    """The base URL clients reach this server at (for the demo world's avatar URLs)."""
    if args.public_url:
        return str(args.public_url)
    host = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host
    return f"http://[{host}]:{args.port}" if ":" in host else f"http://{host}:{args.port}"


def _edge_settings(args: argparse.Namespace) -> str | None:
    """Hands the load-balancer settings of `serve` to the workers (through the environment,
    which granian's worker processes inherit); returns what is wrong with them, if anything."""
    from talksocial.api.context import ENV_ALLOWED_HOSTS, ENV_BIND
    from talksocial.api.edge import ENV_ACCESS_LOG, ENV_FORWARDED_ALLOW_IPS, TrustedProxies
    from talksocial.storage.db import ENV_POOL_SIZE

    if args.db_pool_size is not None:
        if args.db_pool_size < 1:
            return "--db-pool-size must be at least 1"
        os.environ[ENV_POOL_SIZE] = str(args.db_pool_size)
    if args.forwarded_allow_ips is not None:
        os.environ[ENV_FORWARDED_ALLOW_IPS] = args.forwarded_allow_ips
    try:
        TrustedProxies.parse(os.environ.get(ENV_FORWARDED_ALLOW_IPS))
    except ValueError as exc:
        return f"--forwarded-allow-ips: {exc}"
    if args.allowed_hosts is not None:
        os.environ[ENV_ALLOWED_HOSTS] = args.allowed_hosts
    os.environ[ENV_BIND] = f"{args.host}:{args.port}"
    os.environ[ENV_ACCESS_LOG] = "1" if args.access_log else "0"
    return None


def cmd_serve(args: argparse.Namespace) -> int:
    from talksocial.api.context import ENV_PUBLIC_URL
    from talksocial.demo import DEMO_ACCESS_TOKEN, demo_world
    from talksocial.storage.db import ENV_DATABASE_URL, resolve_database_url, upgrade
    from talksocial.storage.seed import SeedError, read_seed_file

    url = resolve_database_url(args.database)
    if args.workers < 1:
        return _fail("--workers must be at least 1")
    edge_problem = _edge_settings(args)
    if edge_problem:
        return _fail(edge_problem)
    try:
        documents = [("the demo world", demo_world(_served_base(args)))] if args.demo else []
        if args.seed:
            documents.append((args.seed, read_seed_file(args.seed)))
        upgrade(url)
        generated = _load_seed(url, *documents) if documents else []
        _snapshot_startup(url)
    except OSError as exc:
        return _fail(f"cannot read {args.seed}: {exc.strerror or exc}")
    except SeedError as exc:
        return _fail(f"{args.seed}: {exc}")
    except _DocumentError as exc:
        return _fail(str(exc))

    os.environ[ENV_DATABASE_URL] = url
    from talksocial.api import operator

    if args.operator_token:
        os.environ[operator.ENV_OPERATOR_TOKEN] = args.operator_token
    os.environ[operator.ENV_BIND_HOST] = args.host
    if args.public_url:
        os.environ[ENV_PUBLIC_URL] = args.public_url
    else:
        os.environ.pop(ENV_PUBLIC_URL, None)
    shown_host = f"[{args.host}]" if ":" in args.host else args.host
    base = args.public_url or f"http://{shown_host}:{args.port}"
    token = DEMO_ACCESS_TOKEN if args.demo else "${ACCESS_TOKEN}"
    print(f"talksocial listening on http://{shown_host}:{args.port} "
          f"({args.workers} worker{'s' if args.workers != 1 else ''}, database {url})")
    print(operator.describe(operator.configured_token(), args.host))
    _show_generated(generated)
    print("try:")
    print(f'  curl -s "{base}/v1/api/talk/friends?limit=3" -H "Authorization: Bearer {token}"')
    sys.stdout.flush()

    from granian import Granian
    from granian.constants import Interfaces

    Granian(
        "talksocial.api.app:create_app",
        address=args.host,
        port=args.port,
        interface=Interfaces.ASGI,
        workers=args.workers,
        factory=True,
        log_access=False,
        workers_kill_timeout=max(1, args.shutdown_timeout),
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
