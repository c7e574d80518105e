"""docs/server/container.md says what the image test runs: its compose file and CI service set the
variables the image test sets, on the port the image exposes, and its table lists every variable
the command line reads. (No podman needed: this reads files.)"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from talksocial import config
from tests.container.test_image import CONTAINER_PORT, DATA, run_env

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "server" / "container.md"
CONTAINERFILE = ROOT / "Containerfile"

#: The variables a user may set (config.ENV_*), not the CLI's hand-off to its workers.
USER_VARIABLES = {
    value for name, value in vars(config).items()
    if name.startswith("ENV_") and value != config.ENV_WORKER_CONFIG
}


def yaml_blocks() -> list[dict[str, Any]]:
    text = PAGE.read_text(encoding="utf-8")
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)]


def containerfile_instruction(word: str) -> list[str]:
    text = CONTAINERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    return [line.split(None, 1)[1].strip() for line in text.splitlines()
            if line.split(None, 1)[:1] == [word]]


def published_port(spec: str) -> tuple[str, int, int]:
    """`"127.0.0.1:8000:8000"` -> (address, host port, container port); `8000:8000` -> ("", ...)."""
    parts = str(spec).split(":")
    address = parts[0] if len(parts) == 3 else ""
    return address, int(parts[-2]), int(parts[-1])


def test_the_compose_file_runs_what_the_image_test_runs() -> None:
    compose = next(b for b in yaml_blocks() if "services" in b and "postgres" in b["services"])
    service = compose["services"]["talksocial"]
    env = {key: str(value) for key, value in service["environment"].items()}
    address, host_port, container_port = published_port(service["ports"][0])
    tested = run_env(host_port)
    # The same variables as the image test's run with a token.
    assert set(env) == set(tested)
    assert set(env) <= USER_VARIABLES
    # On the port the image exposes, published on the host's loopback, as the test publishes it.
    assert container_port == CONTAINER_PORT
    assert containerfile_instruction("EXPOSE") == [str(CONTAINER_PORT)]
    assert address == "127.0.0.1"
    # Returned URLs point where the published port is, as in the test.
    assert env["TALKSOCIAL_PUBLIC_URL"] == tested["TALKSOCIAL_PUBLIC_URL"]
    # PostgreSQL through the driver the image carries (the image test imports psycopg in it),
    # at the compose file's own database service and credentials.
    url = urlsplit(env["TALKSOCIAL_DATABASE_URL"])
    assert url.scheme == "postgresql+psycopg"
    postgres = compose["services"]["postgres"]["environment"]
    assert (url.hostname, url.port, url.username, url.password, url.path) == (
        "postgres", 5432, postgres["POSTGRES_USER"], postgres["POSTGRES_PASSWORD"],
        "/" + postgres["POSTGRES_DB"])
    assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert service["build"] == {"context": ".", "dockerfile": "Containerfile"}


def test_the_ci_service_matches_the_image() -> None:
    job = next(b for b in yaml_blocks() if "jobs" in b)["jobs"]["test"]
    service = job["services"]["talksocial"]
    assert set(service["env"]) <= set(run_env(CONTAINER_PORT))
    assert "TALKSOCIAL_OPERATOR_TOKEN" in service["env"]
    _, host_port, container_port = published_port(service["ports"][0])
    assert container_port == CONTAINER_PORT
    assert service["env"]["TALKSOCIAL_PUBLIC_URL"] == f"http://127.0.0.1:{host_port}"


def test_the_image_page_names_every_variable_and_the_volume() -> None:
    text = PAGE.read_text(encoding="utf-8")
    table = {m for m in re.findall(r"^\| `(TALKSOCIAL_[A-Z_]+)` \|", text, re.MULTILINE)}
    assert table == USER_VARIABLES
    assert containerfile_instruction("VOLUME") == [DATA]
    env = " ".join(containerfile_instruction("ENV"))
    assert f"TALKSOCIAL_DATABASE_URL=sqlite:///{DATA}/talksocial.db" in env
    assert f"`sqlite:///{DATA}/talksocial.db`" in text
    assert "-p 127.0.0.1:8000:8000" in text
