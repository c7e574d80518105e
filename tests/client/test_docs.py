"""Every Python example of the README's "The Python client" section runs, in order, against a
fresh demo world."""

from __future__ import annotations

import re
from pathlib import Path

from talksocial.testing import KakaoWorld

README = Path(__file__).resolve().parents[2] / "README.md"
DOC_BASE_URL = "http://127.0.0.1:8000"


def client_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("\n## The Python client\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", client_section(), re.DOTALL)


def test_the_examples_run(tmp_path: Path) -> None:
    blocks = python_blocks()
    assert len(blocks) >= 10
    world = KakaoWorld.start("demo", tmp_path)
    try:
        for number, block in enumerate(blocks):
            code = compile(block.replace(DOC_BASE_URL, world.base_url), f"README.md#client-{number}", "exec")
            exec(code, {"__name__": f"client_md_{number}"})
    finally:
        world.stop()
    assert "Traceback" not in world.log()
