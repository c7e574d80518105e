"""Every Python example of docs/client.md runs, in order, against a fresh demo world."""

from __future__ import annotations

import re
from pathlib import Path

from talksocial.testing import KakaoWorld

DOC = Path(__file__).resolve().parents[2] / "docs" / "client.md"
DOC_BASE_URL = "http://127.0.0.1:8000"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)


def test_the_examples_run(tmp_path: Path) -> None:
    blocks = python_blocks()
    assert len(blocks) >= 10
    world = KakaoWorld.start("demo", tmp_path)
    try:
        for number, block in enumerate(blocks):
            code = compile(block.replace(DOC_BASE_URL, world.base_url), f"client.md#{number}", "exec")
            exec(code, {"__name__": f"client_md_{number}"})
    finally:
        world.stop()
    assert "Traceback" not in world.log()
