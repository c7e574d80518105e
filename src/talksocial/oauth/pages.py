"""The login server's HTML pages: Jinja2 templates with autoescaping on, so every value a user
or an app can set (nicknames, app names, state, ...) renders as text."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.responses import HTMLResponse

from talksocial.domain.consent import DISPLAY_NAMES

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

# The pages load nothing from elsewhere and must not be framed (clickjacking of the consent
# button). No form-action: the consent form's answer is a redirect to the app.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src http: https: data:; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class ConsentItem:
    name: str
    display_name: str
    required: bool


@dataclass(frozen=True)
class ChooserAccount:
    key: str
    nickname: str


def consent_item(name: str, setting: str) -> ConsentItem:
    return ConsentItem(name, DISPLAY_NAMES.get(name, name), setting == "required")


def render(template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = _env.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status_code, headers=dict(SECURITY_HEADERS))


def error_page(error_code: str, title: str, detail: str, status_code: int = 400) -> HTMLResponse:
    return render(
        "error.html", status_code=status_code, error_code=error_code, title=title, detail=detail
    )
