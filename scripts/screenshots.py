"""`make screenshots`: the console's pages as PNG files in docs/screenshots/ (committed on
purpose: the docs show them, docs/server/console.md). Starts `talksocial serve --demo` on a free loopback port over a
throwaway database, drives headless Debian chromium through Playwright, and stops the server.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the browser settings the tests use

from tests.support.browser import chromium_context, chromium_missing  # noqa: E402

from talksocial.serving import ServerProcess  # noqa: E402


def send_messages(base: str) -> None:
    """Three messages from Muzi to Apeach through the Message API, their images the server's
    own avatars (the console loads images from loopback only)."""
    image = base + "/_talksocial/avatars/{}.svg"
    site = "http://localhost:3000"

    def link(path: str) -> dict[str, str]:
        return {"web_url": site + path, "mobile_web_url": site + path}

    templates: list[dict[str, object]] = [
        {"object_type": "feed",
         "content": {"title": "Strawberry cheesecake", "description": "#cake #strawberry",
                     "image_url": image.format("cake"), "link": link("/cake")},
         "social": {"like_count": 286, "comment_count": 45, "shared_count": 845},
         "buttons": [{"title": "Open on the web", "link": link("/cake")},
                     {"title": "Open in the app", "link": link("/cake/app")}]},
        {"object_type": "commerce",
         "content": {"title": "Ryan's pillow, now on sale", "image_url": image.format("pillow"),
                     "link": link("/pillow")},
         "commerce": {"product_name": "Ryan pillow", "regular_price": 208800,
                      "discount_price": 146160, "discount_rate": 30,
                      "currency_unit": "₩", "currency_unit_position": 1},
         "buttons": [{"title": "Buy", "link": link("/pillow/buy")}]},
        {"object_type": "list", "header_title": "WEEKLY MAGAZINE",
         "header_link": link("/magazine"),
         "contents": [{"title": title, "description": kind, "image_url": image.format(kind),
                       "link": link("/magazine/" + kind)}
                      for title, kind in (("Enjoying a weekend", "culture"),
                                          ("A lunch to remember", "food"),
                                          ("Walking the hills", "travel"))],
         "buttons": [{"title": "Read the magazine", "link": link("/magazine")}]},
    ]
    for template in templates:
        httpx.post(base + "/v1/api/talk/friends/message/default/send",
                   headers={"Authorization": "Bearer demo-access-token"},
                   data={"template_object": json.dumps(template),
                         "receiver_uuids": '["abcdefg0001"]'}).raise_for_status()


def shoot(base: str, out: Path, profile: Path) -> list[Path]:
    written: list[Path] = []
    with chromium_context(
        profile, viewport={"width": 1280, "height": 860}, device_scale_factor=1
    ) as context:
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

        # The Kakao Talk view: Muzi sends Apeach a feed, a commerce and a list message.
        send_messages(base)
        page.goto(base + "/console/accounts/apeach/talk")
        snap("console-talk", full=True)

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
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    if chromium_missing():
        raise SystemExit("Debian chromium is missing: apt-get install chromium")
    args.out.mkdir(parents=True, exist_ok=True)
    # The console of a loopback server without an operator token is open: no login to script.
    os.environ.pop("TALKSOCIAL_OPERATOR_TOKEN", None)
    with tempfile.TemporaryDirectory(prefix="talksocial-shots-") as raw:
        tmp = Path(raw)
        server = ServerProcess.spawn(
            ["--demo", "--database", f"sqlite:///{tmp / 'demo.db'}"], log_path=tmp / "server.log"
        )
        try:
            for path in shoot(server.base_url, args.out, tmp / "profile"):
                print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
        finally:
            server.stop()
        if "Traceback" in server.log():
            print(server.log(), file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
