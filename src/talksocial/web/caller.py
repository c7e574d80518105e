"""The moment an API request's caller becomes known (its token or admin key checked), as a seam
between the APIs and whatever watches them.

The control plane's middleware (fault rules scoped to an app or account, daily quotas, the
journal) needs the caller's app and account, which only the endpoint's credential check
learns. Rather than have the APIs import the control plane, the middleware puts an observer in
the request scope and the credential check reports to it; without one (an app built without the
control middleware) reporting does nothing.
"""

from __future__ import annotations

from typing import Protocol

from starlette.requests import Request

SCOPE_KEY = "talksocial.caller_observer"
#: The caller's app id, once its credential is checked (CORS reads it, web.cors).
CALLER_APP_KEY = "talksocial.caller_app"


class CallerObserver(Protocol):
    def caller_known(
        self, request: Request, app_id: int, account_id: int | None, version: str | None,
        now: float,
    ) -> None:
        """May raise a KakaoError (an injected fault, an exhausted quota) to answer instead."""


def report_caller(
    request: Request, app_id: int, account_id: int | None, version: str | None, now: float
) -> None:
    """`version` is the control plane's stored version, read with the credential at no extra
    query; `now` the server clock."""
    request.scope[CALLER_APP_KEY] = app_id
    observer: CallerObserver | None = request.scope.get(SCOPE_KEY)
    if observer is not None:
        observer.caller_known(request, app_id, account_id, version, now)
