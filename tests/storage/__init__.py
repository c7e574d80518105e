"""Tests of the stored world, driven through the real `talksocial` command on SQLite files.

Helpers shared with tests/test_cli.py: run the command in a subprocess (where the process is
what is tested) or in this process (`talksocial.cli.main`, the same code without an
interpreter's start-up), and read a database back with the stdlib sqlite3 module (an
independent reader of what was committed)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.support.server import talksocial_command

ENV_DATABASE_URL = "TALKSOCIAL_DATABASE_URL"


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """`talksocial ARGS` as a script would run it. TALKSOCIAL_DATABASE_URL is unset unless
    `env` sets it, so that only the test decides which database is used."""
    base = {k: v for k, v in os.environ.items() if k != ENV_DATABASE_URL}
    return subprocess.run(
        talksocial_command() + list(args),
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        cwd=cwd,
        timeout=timeout,
        check=False,
    )


def run_cli_in_process(*args: str) -> subprocess.CompletedProcess[str]:
    """`run_cli` without a process: `talksocial.cli.main(ARGS)` with its output captured, with
    TALKSOCIAL_DATABASE_URL unset for the call."""
    from talksocial.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved = os.environ.pop(ENV_DATABASE_URL, None)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exit_:  # argparse's usage errors
                code = exit_.code if isinstance(exit_.code, int) else 1
    finally:
        if saved is not None:
            os.environ[ENV_DATABASE_URL] = saved
    return subprocess.CompletedProcess(
        ["talksocial", *args], code, stdout=out.getvalue(), stderr=err.getvalue()
    )


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def write_seed(path: Path, data: Any) -> Path:
    if path.suffix in (".yaml", ".yml"):
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    else:
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def seed_ok(seed_file: Path, db: Path) -> subprocess.CompletedProcess[str]:
    result = run_cli_in_process("seed", str(seed_file), "--database", sqlite_url(db))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result


def export(db: Path) -> str:
    result = run_cli_in_process("export", "--database", sqlite_url(db))
    assert result.returncode == 0, result.stderr
    return result.stdout


def snapshot(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every committed row of every table (friend index included), order-independent."""
    conn = sqlite3.connect(db)
    try:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return {
            table: sorted(conn.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
            for table in tables
        }
    finally:
        conn.close()


def count(db: Path, table: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
    finally:
        conn.close()
