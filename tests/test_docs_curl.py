"""Every curl line of the README and of docs/quickstart.md runs, as the shell runs it, against a
fresh demo world. Where the comment under a line is a whole JSON body, the answer must be exactly
those bytes; where it is a plain list of nicknames, the friends page must list exactly those, in
that order; under an abridged comment (`...`), the answer must still be JSON."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from talksocial.testing import KakaoWorld

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
QUICKSTART = ROOT / "docs" / "quickstart.md"
MESSAGES = ROOT / "docs" / "reference" / "messages.md"
DOC_BASE_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class CurlExample:
    where: str
    command: str
    comment: str

    def expected_body(self) -> str | None:
        """The comment when it is a whole JSON body, else None."""
        try:
            json.loads(self.comment)
        except ValueError:
            return None
        return self.comment

    def expected_nicknames(self) -> list[str] | None:
        """The comment when it is a plain comma-separated list of nicknames, else None."""
        if self.expected_body() is not None or not re.fullmatch(r"[^{}()\[\];\"]+", self.comment):
            return None
        return self.comment.split(", ")


def curl_examples(path: Path) -> list[CurlExample]:
    examples: list[CurlExample] = []
    for block in re.findall(r"```bash\n(.*?)```", path.read_text(encoding="utf-8"), re.DOTALL):
        lines = block.replace("\\\n", " ").splitlines()
        for i, line in enumerate(lines):
            if not line.startswith("curl "):
                continue
            comment = []
            for following in lines[i + 1 :]:
                if not following.startswith("# "):
                    break
                comment.append(following[2:].strip())
            examples.append(CurlExample(f"{path.name}: {line}", line, " ".join(comment)))
    return examples


def test_the_parser_reads_the_readme() -> None:
    readme = curl_examples(README)
    assert len(readme) == 3
    assert all(example.expected_body() is not None for example in readme)
    quickstart = curl_examples(QUICKSTART)
    assert len(quickstart) >= 15
    assert sum(example.expected_nicknames() is not None for example in quickstart) == 2  # Neo, ko/en
    messages = curl_examples(MESSAGES)
    assert len(messages) == 6  # one per Message API endpoint
    assert all(example.expected_body() is not None for example in messages)


def test_the_curl_lines_answer_what_they_say(tmp_path: Path) -> None:
    examples = curl_examples(README) + curl_examples(QUICKSTART) + curl_examples(MESSAGES)
    world = KakaoWorld.start("demo", tmp_path)
    try:
        failures = []
        for example in examples:
            command = example.command.replace(DOC_BASE_URL, world.base_url)
            done = subprocess.run(
                ["bash", "-c", command], capture_output=True, text=True, timeout=30
            )
            expected = example.expected_body()
            nicknames = example.expected_nicknames()
            if done.returncode != 0:
                failures.append(f"{example.where}\n  exit {done.returncode}: {done.stderr}")
            elif expected is not None:
                if done.stdout != expected.replace(DOC_BASE_URL, world.base_url):
                    failures.append(f"{example.where}\n  answered {done.stdout}")
            else:
                try:
                    answer = json.loads(done.stdout)
                except ValueError:
                    failures.append(f"{example.where}\n  not JSON: {done.stdout!r}")
                    continue
                if nicknames is not None:
                    listed = [element["profile_nickname"] for element in answer["elements"]]
                    if listed != nicknames:
                        failures.append(f"{example.where}\n  listed {listed}")
    finally:
        world.stop()
    assert failures == [], "\n".join(failures)
    assert "Traceback" not in world.log()


CONTROL_PLANE = ROOT / "docs" / "server" / "control-plane.md"


def test_the_control_plane_lines_answer_2xx_json(tmp_path: Path) -> None:
    """The control plane page's block, line by line as a shell runs it: every write is accepted
    (the page sends JSON, as operator writes require) and answers JSON."""
    from tests.support.server import serving

    block = re.search(r"```sh\n(B=.*?)```", CONTROL_PLANE.read_text(encoding="utf-8"), re.DOTALL)
    assert block is not None
    lines = block.group(1).strip().splitlines()
    assert lines[0].startswith("B=") and len(lines) >= 9
    with serving(tmp_path, demo=True) as server:
        base = lines[0].replace(DOC_BASE_URL, server.base_url)
        for line in lines[1:]:
            done = subprocess.run(
                ["bash", "-c", f"{base}; {line} -w '\\n%{{http_code}}'"],
                capture_output=True, text=True, timeout=30,
            )
            body, _, status = done.stdout.rpartition("\n")
            assert done.returncode == 0 and status.startswith("2"), (line, done.stdout)
            json.loads(body)
