"""The HTML pages a browser is answered with on the login paths: Jinja2 with autoescaping on, so
every value a user or an app can set (nicknames, app names, state, ...) renders as text. The
shared frame (`base.html`) and the error page naming a KOE code live here, because the login
server (`oauth/`) and an injected login error (`control/`) both answer with them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.responses import HTMLResponse

TEMPLATES = Path(__file__).parent / "templates"

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


def environment(*template_dirs: Path) -> Environment:
    """A template environment over `template_dirs` and the shared templates, in that order."""
    return Environment(
        loader=FileSystemLoader([*template_dirs, TEMPLATES]),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


_shared = environment()


def render(env: Environment, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = env.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status_code, headers=dict(SECURITY_HEADERS))


def error_page(error_code: str, title: str, detail: str, status_code: int = 400) -> HTMLResponse:
    """The page naming a KOE code, never a redirect (docs/reference/login.md)."""
    return render(
        _shared, "error.html", status_code=status_code, error_code=error_code, title=title,
        detail=detail,
    )


#: Paths a browser loads as pages: their failures are pages too, never a JSON body.
PAGE_PATHS = ("/oauth/authorize", "/oauth/login", "/oauth/consent", "/oauth/logout", "/console")


def is_page(path: str) -> bool:
    return path.startswith(PAGE_PATHS)


def unavailable_page(reason: str, status_code: int) -> HTMLResponse:
    """What a page answers when the server fails it (storage trouble, a bug)."""
    return render(_shared, "unavailable.html", status_code=status_code, reason=reason)
