"""Headless Debian chromium driven by Playwright, as it works on these machines
(../shared/notes/ci-recipes.md): the distribution's browser, never a downloaded one, without the
background networking this machine's closed network refuses, on a fresh profile each time."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_missing() -> bool:
    return not os.path.exists(CHROMIUM)


@contextmanager
def chromium_context(profile_dir: Path, **options: Any) -> Iterator[Any]:
    """A Playwright persistent context of Debian chromium on `profile_dir` (a fresh one)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile_dir), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            **options,
        )
        try:
            yield context
        finally:
            context.close()
