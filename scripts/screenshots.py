"""`make screenshots`: the console's pages as PNG files in docs/screenshots/ (committed on
purpose: the README shows them). Starts `talksocial serve --demo` on a free loopback port over a
throwaway database, drives headless Debian chromium through Playwright, and stops the server.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_demo(tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    log = (tmp / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "talksocial.cli", "serve", "--demo", "--host", "127.0.0.1",
         "--port", str(port), "--database", f"sqlite:///{tmp / 'demo.db'}"],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        env={k: v for k, v in os.environ.items() if k != "TALKSOCIAL_OPERATOR_TOKEN"},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit((tmp / "server.log").read_text())
        try:
            httpx.get(base + "/openapi.json", timeout=1.0)
            return process, base
        except httpx.TransportError:
            time.sleep(0.1)
    stop(process)
    raise SystemExit("talksocial serve did not start")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)


def shoot(base: str, out: Path, profile: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    written: list[Path] = []
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 860}, device_scale_factor=1,
        )
        try:
            page = context.new_page()

            def snap(name: str, path: str | None = None, full: bool = False) -> None:
                if path is not None:
                    page.goto(base + path)
                page.wait_for_load_state("networkidle")
                target = out / f"{name}.png"
                page.screenshot(path=str(target), full_page=full)
                written.append(target)

            snap("console-apps", "/console/apps")
            snap("console-app", "/console/apps/1001")
            snap("console-accounts", "/console/accounts?q=a")
            snap("console-account", "/console/accounts/muzi")
            snap("console-links", "/console/links?app=1001&account=neo")

            # The REST API Test page: Muzi's friends, first page of three, in English order.
            page.goto(base + "/console/rest-api-test?api=talk-friends&app=1001&account=muzi")
            page.fill("#p-limit", "3")
            page.select_option("#ka-lang", "en")
            page.click("#send")
            page.wait_for_selector("#response-body")
            snap("console-rest-api-test", full=True)

            # A fault rule, then a call that meets it, so that the journal shows both.
            page.goto(base + "/console/faults")
            page.select_option("#fault-endpoint", "/v1/api/talk/friends")
            page.select_option("#fault-code", "-10")
            page.select_option("#fault-share", "next")
            page.fill("#fault-next", "1")
            page.click("#add-fault")
            snap("console-faults")
            for _ in range(2):
                httpx.get(base + "/v1/api/talk/friends",
                          headers={"Authorization": "Bearer demo-access-token"})
            httpx.get(base + "/v1/api/talk/profile",
                      headers={"Authorization": "Bearer demo-token-ryan-full"})
            time.sleep(1.5)  # the journal is written in batches
            snap("console-journal", "/console/journal")
            snap("console-clock", "/console/clock")
        finally:
            context.close()
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    if not os.path.exists(CHROMIUM):
        raise SystemExit("Debian chromium is missing: apt-get install chromium")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="talksocial-shots-") as raw:
        tmp = Path(raw)
        process, base = start_demo(tmp)
        try:
            for path in shoot(base, args.out, tmp / "profile"):
                print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
        finally:
            stop(process)
        if "Traceback" in (tmp / "server.log").read_text(errors="replace"):
            print((tmp / "server.log").read_text(errors="replace"), file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
