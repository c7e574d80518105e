"""The container image (Containerfile, docs/server/container.md), built and run with Debian's
podman the way a team runs it, checked from the host through the published port: the README's
demo answers, /healthz and the image's HEALTHCHECK, a non-root user, the operator rule (off
without a token, a token opens it, TALKSOCIAL_OPEN_CONTROL_PLANE=1 opens it under a loopback
Host only) and the SQLite data on the volume outliving its container.

Every container, volume and image the test makes is removed at the end, also on failure; the
base image is kept between runs under the digest of its recipe (tests/container/podman.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from talksocial.web.operator import MSG_FOREIGN_HOST, MSG_OFF, MSG_TOKEN_REQUIRED
from tests.container import podman as pm
from tests.support.server import free_port
from tests.test_docs_curl import DOC_BASE_URL, README, curl_examples

pytestmark = pytest.mark.container

#: The port the image serves on (its EXPOSE and default command) and its data volume.
CONTAINER_PORT = 8000
DATA = "/data"
OPERATOR_TOKEN = "image-test-operator-token"


def run_env(port: int) -> dict[str, str]:
    """The configuration the test gives the image with an operator token: the same variables the
    compose example of docs/server/container.md sets (tests/container/test_compose_doc.py)."""
    return {
        "TALKSOCIAL_DATABASE_URL": f"sqlite:///{DATA}/talksocial.db",
        "TALKSOCIAL_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "TALKSOCIAL_OPERATOR_TOKEN": OPERATOR_TOKEN,
    }


class Run:
    """What one test run made, so that all of it goes away."""

    def __init__(self, podman: pm.Podman) -> None:
        self.podman = podman
        self.name = f"talksocial-test-{uuid.uuid4().hex[:12]}"
        self.image = f"localhost/{self.name}:latest"
        self.volume = f"{self.name}-data"
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.containers: list[str] = []
        self.timings: dict[str, float] = {}

    def start(self, suffix: str, env: dict[str, str] | None = None) -> str:
        name = f"{self.name}-{suffix}"
        self.containers.append(name)
        args = ["run", "-d", "--pull=never", "--name", name,
                "-p", f"127.0.0.1:{self.port}:{CONTAINER_PORT}", "-v", f"{self.volume}:{DATA}",
                # The HEALTHCHECK stays; no systemd timer runs it here, `healthcheck run` does.
                "--health-interval=disable"]
        for key, value in (env or {}).items():
            args += ["-e", f"{key}={value}"]
        self.podman.run(*args, self.image)
        self.wait_ready(name)
        return name

    def wait_ready(self, name: str, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base_url + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            state = self.podman.run("inspect", "--format", "{{.State.Status}}", name,
                                    check=False).stdout.strip()
            if state in ("exited", "stopped"):
                break
            time.sleep(0.3)
        raise AssertionError(f"{name} did not answer /healthz:\n{self.logs(name)}")

    def stop(self, name: str) -> str:
        """Stops a container (SIGTERM: granian finishes and exits) and returns its log."""
        self.podman.run("stop", "--time", "20", name, timeout=60)
        log = self.logs(name)
        self.podman.run("rm", name)
        self.containers.remove(name)
        return log

    def logs(self, name: str) -> str:
        done = self.podman.run("logs", name, check=False)
        return done.stdout + done.stderr

    def remove_all(self) -> None:
        for name in self.containers:
            self.podman.run("rm", "--force", "--time", "0", name, check=False)
        self.podman.run("volume", "rm", "--force", self.volume, check=False)
        self.podman.run("rmi", "--force", self.image, check=False)


@pytest.fixture(scope="module")
def image_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """Installs what is missing, then the base image (kept or built), the wheels and the image."""
    started = time.monotonic()
    pm.ensure_packages()
    work = tmp_path_factory.mktemp("container")
    podman = pm.Podman(work)
    run = Run(podman)
    try:
        mark = time.monotonic()
        base, built = pm.base_image(podman, work)
        run.timings["base image (built)" if built else "base image (kept)"] = time.monotonic() - mark
        host_python = f"{sys.version_info[0]}.{sys.version_info[1]}"
        base_python = pm.python_version(podman, base)
        assert base_python == host_python, (
            f"the host's Python {host_python} builds wheels for the base's Python "
            f"{base_python}: run the test with a Python {base_python}")
        mark = time.monotonic()
        wheels = work / "wheels"
        pm.build_wheels(wheels, work)
        run.timings["wheels"] = time.monotonic() - mark
        mark = time.monotonic()
        # --layers=false: buildah's layer cache does not look into bind-mounted wheels, so a
        # cached layer could hold an older talksocial; the image is built afresh every time.
        podman.run("build", "--format", "docker", "--layers=false", "--pull=never",
                   "-f", str(pm.CONTAINERFILE), "--build-arg", f"BASE={base}",
                   "--build-context", f"wheels={wheels}", "-t", run.image, str(pm.ROOT),
                   timeout=600)
        run.timings["image build"] = time.monotonic() - mark
        podman.run("volume", "create", run.volume)
        yield run
    finally:
        run.remove_all()
        run.timings["in all"] = time.monotonic() - started
        print("container test timings: " + json.dumps(
            {k: round(v, 1) for k, v in run.timings.items()}))


def operator_get(run: Run, path: str, **headers: str) -> httpx.Response:
    return httpx.get(run.base_url + "/_talksocial" + path, headers=headers, timeout=10)


def test_the_image(image_run: Run) -> None:
    run = image_run
    podman = run.podman
    mark = time.monotonic()

    # What the image says about itself.
    inspected = json.loads(podman.run("image", "inspect", run.image).stdout)[0]
    config = inspected["Config"]
    assert config["User"] == "10001:10001"
    assert f"{CONTAINER_PORT}/tcp" in config["ExposedPorts"]
    assert DATA in config["Volumes"]
    assert config["Entrypoint"] == ["talksocial"]
    assert config["Cmd"] == ["serve", "--demo", "--host", "0.0.0.0", "--port", str(CONTAINER_PORT)]
    assert inspected["Healthcheck"]["Test"][0] == "CMD"
    assert "/healthz" in " ".join(inspected["Healthcheck"]["Test"])

    # 1. The default command, no configuration: the demo world, and no control plane.
    first = run.start("default")
    for example in curl_examples(README):
        command = example.command.replace(DOC_BASE_URL, run.base_url)
        done = subprocess.run(["bash", "-c", command], capture_output=True, text=True,
                              timeout=30, check=False)
        expected = example.expected_body()
        assert expected is not None
        assert done.stdout == expected.replace(DOC_BASE_URL, run.base_url), example.where
    health = httpx.get(run.base_url + "/healthz", timeout=10)
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert podman.run("healthcheck", "run", first, check=False).returncode == 0, run.logs(first)
    assert podman.run("exec", first, "id", "-u").stdout.strip() == "10001"
    off = operator_get(run, "/apps")
    assert (off.status_code, off.json()["msg"]) == (403, MSG_OFF)
    assert httpx.post(run.base_url + "/_talksocial/reset", timeout=10).status_code == 403
    assert httpx.get(run.base_url + "/console/", timeout=10).status_code == 403
    log = run.stop(first)
    assert "control plane /_talksocial/ and console /console: OFF" in log, log
    assert "Traceback" not in log, log

    # 2. With an operator token (the compose example's variables): a write that must outlive
    # the container.
    second = run.start("token", run_env(run.port))
    missing = operator_get(run, "/apps")
    assert (missing.status_code, missing.json()["msg"]) == (401, MSG_TOKEN_REQUIRED)
    auth = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}
    created = httpx.post(run.base_url + "/_talksocial/accounts", headers=auth, timeout=10,
                         json={"key": "kiwi", "profile": {"nickname": "Kiwi"}})
    assert created.status_code in (200, 201), created.text
    friends = httpx.get(run.base_url + "/v1/api/talk/friends?limit=3", timeout=10,
                        headers={"Authorization": "Bearer demo-access-token"}).json()
    assert friends["after_url"].startswith(f"http://127.0.0.1:{run.port}/v1/api/talk/friends?")
    log = run.stop(second)
    assert "operator token required" in log and "Traceback" not in log, log
    assert OPERATOR_TOKEN not in log

    # 3. A new container on the same volume, opened without a token explicitly: the account is
    # still there (the demo world is loaded again at start, beside it), under a loopback Host.
    third = run.start("open", {"TALKSOCIAL_OPEN_CONTROL_PLANE": "1"})
    kept = operator_get(run, "/accounts/kiwi")
    assert kept.status_code == 200, kept.text
    assert "Kiwi" in kept.text
    assert operator_get(run, "/accounts/kiwi", Host=f"localhost:{run.port}").status_code == 200
    foreign = operator_get(run, "/accounts/kiwi", Host=f"talksocial:{run.port}")
    assert (foreign.status_code, foreign.json()["msg"]) == (403, MSG_FOREIGN_HOST)
    profile = httpx.get(run.base_url + "/v1/api/talk/profile", timeout=10,
                        headers={"Authorization": "Bearer demo-token-ryan-full"})
    assert profile.status_code == 200 and profile.json()["nickName"] == "Ryan"
    files = podman.run("exec", third, "ls", DATA).stdout.split()
    assert "talksocial.db" in files
    assert podman.run("exec", third, "python3", "-c", "import psycopg").returncode == 0
    log = run.stop(third)
    assert "OPEN without a token on 0.0.0.0" in log and "Traceback" not in log, log

    run.timings["runs"] = time.monotonic() - mark
    size = podman.run("image", "inspect", "--format", "{{.Size}}", run.image).stdout.strip()
    print(f"image size: {int(size) / 1e6:.0f} MB")
