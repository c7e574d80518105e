"""The documentation site builds strictly (a broken link or anchor fails) and loads nothing from
elsewhere: no stylesheet, script, image or frame of the built pages points off-site, and no
stylesheet imports one (the site works offline and tells no third party who reads it)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Elements whose URL attribute the browser fetches by itself when the page loads.
LOADED = {
    "link": ("href",),
    "script": ("src",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "embed": ("src",),
    "object": ("data",),
}
OFF_SITE = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)  # http://, https://, //host
CSS_REMOTE = re.compile(r"""(?:url\(\s*["']?|@import\s+["'])\s*(?:[a-z][a-z0-9+.-]*:)?//""", re.I)


class LoadedUrls(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is not None and name in LOADED.get(tag, ()):
                for url in value.split(",") if name == "srcset" else [value]:
                    self.urls.append((tag, url.strip().split(" ")[0]))


def off_site(url: str) -> bool:
    return bool(OFF_SITE.match(url))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"),
         "-d", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def test_the_url_check_catches_remote_urls() -> None:
    assert off_site("https://fonts.googleapis.com/css") and off_site("//cdn.example/x.js")
    assert not off_site("assets/javascripts/bundle.js") and not off_site("../screenshots/a.png")
    assert not off_site("data:image/svg+xml;base64,AAAA")
    assert CSS_REMOTE.search("@import url(https://fonts.googleapis.com/css)")
    assert CSS_REMOTE.search("src: url('//cdn.example/font.woff2')")
    assert not CSS_REMOTE.search("url(\"data:image/svg+xml;charset=utf-8,<svg xmlns='http://www.w3.org/2000/svg'/>\")")


def test_every_page_is_built(site: Path) -> None:
    pages = sorted(p.relative_to(ROOT / "docs").with_suffix("") for p in (ROOT / "docs").rglob("*.md"))
    pages.remove(Path("bench/table"))  # the benchmark's generated table, shown by benchmarks.md
    for page in pages:
        folder = page.parent if page.name == "index" else page  # index.md is its folder's page
        built = site / folder / "index.html"
        assert built.is_file(), page


def test_pages_load_nothing_from_elsewhere(site: Path) -> None:
    pages = list(site.rglob("*.html"))
    assert len(pages) > 20
    remote: list[str] = []
    for page in pages:
        parser = LoadedUrls()
        parser.feed(page.read_text(encoding="utf-8"))
        remote += [f"{page.relative_to(site)}: <{tag}> {url}" for tag, url in parser.urls if off_site(url)]
    assert remote == []


def test_stylesheets_load_nothing_from_elsewhere(site: Path) -> None:
    sheets = list(site.rglob("*.css"))
    assert sheets
    # Inline SVG data URIs name the SVG namespace (http://www.w3.org/2000/svg); those are not
    # fetched, so data: URIs are left out before looking.
    remote = [
        str(sheet.relative_to(site))
        for sheet in sheets
        if CSS_REMOTE.search(re.sub(r"url\(\s*[\"']?data:[^)]*\)", "url()", sheet.read_text("utf-8")))
    ]
    assert remote == []
