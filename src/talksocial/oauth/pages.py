"""The login server's own HTML pages (login, consent, messages) over the shared frame and error
page of `web.pages`; autoescaping on, so every value a user or an app can set renders as
text."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.responses import HTMLResponse

from talksocial.domain.consent import DISPLAY_NAMES
from talksocial.web.pages import environment, error_page
from talksocial.web.pages import render as render_page

__all__ = ["ChooserAccount", "ConsentItem", "consent_item", "error_page", "render"]

_env = environment(Path(__file__).parent / "templates")


@dataclass(frozen=True)
class ConsentItem:
    name: str
    display_name: str
    required: bool


@dataclass(frozen=True)
class ChooserAccount:
    key: str
    nickname: str
    #: The account `login_hint` names (by key or email).
    hinted: bool = False


def consent_item(name: str, setting: str) -> ConsentItem:
    return ConsentItem(name, DISPLAY_NAMES.get(name, name), setting == "required")


def render(template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    return render_page(_env, template, status_code, **context)
