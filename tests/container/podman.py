"""Debian's podman as the image test drives it, on a machine with no image registry in reach.

What these machines need (measured on them, docs/server/container.md#testing):

- Debian's `podman`, `runc` and `mmdebstrap`, installed with apt-get when missing (as root, as CI
  runs; otherwise the test says what to install).
- A `containers.conf` of the test's own (`CONTAINERS_CONF`): the runtime `runc`, since the
  default `crun` refuses this kernel's mixed cgroup layout; ulimits the machine allows (`nofile`
  at the host's hard limit, `nproc` at most 32768), since podman's defaults exceed them; cgroupfs
  and file events, since no systemd runs here.
- A base image of our own: mmdebstrap makes a minimal bookworm root filesystem with python3,
  python3-venv and ca-certificates, and `podman import` turns it into a local image. It is kept
  between runs under a tag that is the digest of its recipe (a changed recipe builds a new one and
  removes the old), and checked before each use.
- Wheels built on the host (`pip wheel`), since pip inside a build reaches no package index; the
  build mounts them (`--build-context wheels=DIR`, see Containerfile).
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONTAINERFILE = ROOT / "Containerfile"

PACKAGES = {"podman": "podman", "runc": "runc", "mmdebstrap": "mmdebstrap"}

SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
BASE_PACKAGES = ("python3", "python3-venv", "ca-certificates")
#: The base image's recipe; its digest names the cached image. Documentation, manual pages and
#: translations are left out (about 40 MB): the server needs none of them.
MMDEBSTRAP_OPTIONS = (
    "--variant=essential",
    "--include=" + ",".join(BASE_PACKAGES),
    "--dpkgopt=path-exclude=/usr/share/doc/*",
    "--dpkgopt=path-include=/usr/share/doc/*/copyright",
    "--dpkgopt=path-exclude=/usr/share/man/*",
    "--dpkgopt=path-exclude=/usr/share/info/*",
    "--dpkgopt=path-exclude=/usr/share/locale/*",
)
BASE_REPOSITORY = "localhost/talksocial-test-base"
BASE_LABEL = "org.talksocial.test-base-recipe"
#: Set to 1 to build the base image afresh even when one of the same recipe is kept.
ENV_REBUILD_BASE = "TALKSOCIAL_TEST_REBUILD_BASE"


class PodmanError(AssertionError):
    pass


def missing_packages() -> list[str]:
    return [package for command, package in PACKAGES.items() if shutil.which(command) is None]


def ensure_packages() -> None:
    """apt-get installs podman, runc and mmdebstrap when one is missing (without the recommended
    extras: buildah's and rootless podman's helpers are not needed as root)."""
    need = missing_packages()
    if not need:
        return
    if os.geteuid() != 0:
        raise PodmanError(f"missing Debian packages {' '.join(need)}: run as root, or "
                          f"apt-get install --no-install-recommends {' '.join(need)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *need]
    if subprocess.run(install, env=env, capture_output=True, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, check=True)
        subprocess.run(install, env=env, capture_output=True, check=True)
    still = missing_packages()
    if still:
        raise PodmanError(f"apt-get did not provide {' '.join(still)}")


def containers_conf() -> str:
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if nofile == resource.RLIM_INFINITY or nofile <= 0:
        nofile = 1_048_576
    nproc = resource.getrlimit(resource.RLIMIT_NPROC)[1]
    if nproc == resource.RLIM_INFINITY or nproc <= 0 or nproc > 32768:
        nproc = 32768
    return (
        "[containers]\n"
        f'default_ulimits = ["nofile={nofile}:{nofile}", "nproc={nproc}:{nproc}"]\n'
        "[engine]\n"
        'runtime = "runc"\n'
        'cgroup_manager = "cgroupfs"\n'
        'events_logger = "file"\n'
    )


class Podman:
    """`podman ARGS` under the test's own containers.conf."""

    def __init__(self, work: Path) -> None:
        work.mkdir(parents=True, exist_ok=True)
        self.conf = work / "containers.conf"
        self.conf.write_text(containers_conf(), encoding="utf-8")
        self.env = {**os.environ, "CONTAINERS_CONF": str(self.conf)}

    def run(self, *args: str, check: bool = True,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(["podman", *args], capture_output=True, text=True, env=self.env,
                              timeout=timeout, check=False)
        if check and done.returncode != 0:
            raise PodmanError(f"podman {' '.join(args)}: exit {done.returncode}\n"
                              f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return done

    def exists(self, image: str) -> bool:
        return self.run("image", "exists", image, check=False).returncode == 0

    def label(self, image: str, name: str) -> str | None:
        done = self.run("image", "inspect", "--format", "{{json .Labels}}", image, check=False)
        if done.returncode != 0:
            return None
        labels = json.loads(done.stdout.strip() or "null") or {}
        value = labels.get(name)
        return str(value) if value is not None else None


def recipe_digest() -> str:
    recipe = {"suite": SUITE, "mirror": MIRROR, "options": MMDEBSTRAP_OPTIONS, "format": 1}
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()


def base_image(podman: Podman, work: Path) -> tuple[str, bool]:
    """The tag of the bookworm base image, and whether it was built now (else kept from an
    earlier run: same recipe, its label says so, and its python3 has venv and ssl)."""
    digest = recipe_digest()
    tag = f"{BASE_REPOSITORY}:{digest[:16]}"
    if os.environ.get(ENV_REBUILD_BASE) != "1" and podman.exists(tag):
        sound = podman.label(tag, BASE_LABEL) == digest and podman.run(
            "run", "--rm", "--pull=never", "--network=none", tag,
            "python3", "-c", "import venv, ensurepip, ssl", check=False,
        ).returncode == 0
        if sound:
            return tag, False
    # Other recipes' images are stale now.
    listed = podman.run("images", "--format", "{{.Repository}}:{{.Tag}}", BASE_REPOSITORY,
                        check=False).stdout.split()
    for old in listed:
        podman.run("rmi", "--force", old, check=False)
    tarball = work / "base.tar"
    done = subprocess.run(
        ["mmdebstrap", *MMDEBSTRAP_OPTIONS, "--format=tar", SUITE, str(tarball), MIRROR],
        capture_output=True, text=True, timeout=600, check=False,
    )
    if done.returncode != 0:
        raise PodmanError(f"mmdebstrap failed:\n{done.stderr[-4000:]}")
    try:
        podman.run("import", "--change", f"LABEL {BASE_LABEL}={digest}",
                   "--change", 'CMD ["/bin/sh"]', str(tarball), tag, timeout=300)
    finally:
        tarball.unlink(missing_ok=True)
    return tag, True


def python_version(podman: Podman, image: str) -> str:
    return podman.run("run", "--rm", "--pull=never", "--network=none", image, "python3", "-c",
                      "import sys; print('%d.%d' % sys.version_info[:2])").stdout.strip()


def build_wheels(dest: Path, work: Path) -> None:
    """`pip wheel` of talksocial with its server extra and every dependency into `dest`, on the
    host. The project is copied first (what .dockerignore lets into an image: pyproject.toml,
    README.md, src/), so no stale build/ directory of the work tree reaches the wheel."""
    source = work / "source"
    shutil.rmtree(source, ignore_errors=True)
    source.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "src", source / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--disable-pip-version-check",
         "-w", str(dest), f"{source}[server]"],
        capture_output=True, text=True, timeout=600, check=False,
    )
    if done.returncode != 0:
        raise PodmanError(f"pip wheel failed:\n{done.stderr[-4000:]}")
    shutil.rmtree(source, ignore_errors=True)
