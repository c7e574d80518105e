"""The client's tests talk to in-process worlds (tests/support/kakao_world.py): the SDK is what
they test, not the server process; the pytest plugin's tests start real processes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.kakao_world import InProcessKakaoWorld


@pytest.fixture(scope="session")
def demo_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessKakaoWorld]:
    """One demo world shared by the tests that only read it."""
    world = InProcessKakaoWorld.start("demo", tmp_path_factory.mktemp("client-demo-world"))
    try:
        yield world
    finally:
        world.stop()
    assert "Traceback" not in world.log(), world.log()
