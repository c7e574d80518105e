"""Every Python example of the docs runs against a fresh demo world: the README's client example,
then every example of docs/client.md, in order; and the example test of docs/pytest-plugin.md
runs with the plugin's own `kakao_world` fixture."""

from __future__ import annotations

import re
from pathlib import Path

from talksocial.testing import KakaoWorld

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
CLIENT_PAGE = ROOT / "docs" / "client.md"
PLUGIN_PAGE = ROOT / "docs" / "pytest-plugin.md"
DOC_BASE_URL = "http://127.0.0.1:8000"


def python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), re.DOTALL)


def test_the_examples_run(tmp_path: Path) -> None:
    readme_blocks = python_blocks(README)
    client_blocks = python_blocks(CLIENT_PAGE)
    assert len(readme_blocks) == 1 and len(readme_blocks[0].strip().splitlines()) <= 5
    assert len(client_blocks) >= 10
    examples = [(f"README.md#client-{n}", b) for n, b in enumerate(readme_blocks)]
    examples += [(f"docs/client.md#example-{n}", b) for n, b in enumerate(client_blocks)]
    world = KakaoWorld.start("demo", tmp_path)
    try:
        for name, block in examples:
            code = compile(block.replace(DOC_BASE_URL, world.base_url), name, "exec")
            exec(code, {"__name__": name})
    finally:
        world.stop()
    assert "Traceback" not in world.log()


def test_the_plugin_page_example_runs(kakao_world: KakaoWorld) -> None:
    [block] = python_blocks(PLUGIN_PAGE)
    namespace: dict[str, object] = {}
    exec(compile(block, "docs/pytest-plugin.md", "exec"), namespace)
    tests = [f for name, f in namespace.items() if name.startswith("test_") and callable(f)]
    assert len(tests) == 1
    for test in tests:
        test(kakao_world)
