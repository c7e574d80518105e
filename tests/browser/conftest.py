from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import chromium_context, chromium_missing


@pytest.fixture
def browser_context(tmp_path: Path) -> Iterator[Any]:
    """Headless Debian chromium on a fresh profile directory, closed after the test."""
    if chromium_missing():
        pytest.fail("Debian chromium is missing: `make test` installs it (apt-get install chromium)")
    with chromium_context(tmp_path / "profile") as context:
        yield context
