"""The public surface of `talksocial.client`, and that it installs light."""

from __future__ import annotations

import inspect
import subprocess
import sys

import talksocial.client as client


def test_all_is_sorted_and_complete() -> None:
    assert client.__all__ == sorted(client.__all__)
    public = {
        name
        for name, value in vars(client).items()
        if not name.startswith("_") and (inspect.isclass(value) or inspect.isfunction(value))
    }
    assert public == set(client.__all__)
    for name in client.__all__:
        assert getattr(client, name).__module__ == "talksocial.client"


def test_import_needs_nothing_of_the_server() -> None:
    code = (
        "import sys, talksocial.client;"
        "heavy = {'sqlalchemy', 'starlette', 'granian', 'alembic', 'jinja2', 'orjson', 'yaml'};"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_plugin_imports_cheaply() -> None:
    # Every pytest run loads the plugin: it must not pull in the server, nor even the client.
    code = (
        "import sys, talksocial.testing;"
        "heavy = {'sqlalchemy', 'starlette', 'granian', 'httpx'};"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
