"""A web page's preview for the Message API's scrap (docs/reference/messages.md#scrap): its Open
Graph `og:title`, `og:description` and `og:image`, falling back to `<title>`, then the URL."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin

MAX_FIELD_CHARS = 1000


@dataclass(frozen=True)
class Preview:
    title: str
    description: str | None
    image_url: str | None


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.og: dict[str, str] = {}
        self.title_parts: list[str] = []
        self._in_title = False
        self.title_done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            values = {k.lower(): (v or "") for k, v in attrs}
            name = (values.get("property") or values.get("name") or "").strip().lower()
            if name in ("og:title", "og:description", "og:image") and name not in self.og:
                self.og[name] = values.get("content", "").strip()
        elif tag == "title" and not self.title_done:
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self._in_title:
            self._in_title = False
            self.title_done = True

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title_parts.append(data)


def _clip(text: str) -> str:
    return " ".join(text.split())[:MAX_FIELD_CHARS]


def preview_of(html: str | None, url: str) -> Preview:
    """The preview of a page whose text is `html` (None: the page could not be fetched)."""
    if html is None:
        return Preview(title=url, description=None, image_url=None)
    reader = _Reader()
    try:
        reader.feed(html)
        reader.close()
    except Exception:  # a page is hostile input: whatever the parser makes of it, no error
        pass
    title = _clip(reader.og.get("og:title", "")) or _clip("".join(reader.title_parts)) or url
    description = _clip(reader.og.get("og:description", "")) or None
    image = reader.og.get("og:image", "").strip()
    return Preview(
        title=title,
        description=description,
        image_url=urljoin(url, image)[:MAX_FIELD_CHARS] if image else None,
    )


def decode_page(body: bytes, content_type: str) -> str:
    """The page's text: the charset its Content-Type names, else UTF-8 (bad bytes replaced)."""
    charset = "utf-8"
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip("\"' ")
    try:
        return body.decode(charset, errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")
