"""Errors to HTTP answers: a Kakao error is its `{"msg","code"}` body with its HTTP status; a
Starlette HTTP error (404, 405) is the same shape with code -1; anything else is a bug, logged
with its traceback for the operator and answered as Kakao's internal error -1 (never a stack
trace to the client, never a 5xx)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Coroutine
from typing import Any

import psycopg
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import InternalError as DBInternalError
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from talksocial.domain import errors
from talksocial.web import pages, responses

log = logging.getLogger("talksocial")


async def kakao_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.KakaoError)
    return responses.error_response(exc)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    # A 405 carries the methods the path takes (`Allow`), as HTTP wants; Starlette keeps them
    # in a set, so they are sorted here to answer the same bytes every time.
    headers = dict(exc.headers or {})
    if "Allow" in headers:
        headers["Allow"] = ", ".join(sorted(m.strip() for m in headers["Allow"].split(",")))
    return responses.json_response(
        {"msg": exc.detail, "code": -1}, status_code=exc.status_code, headers=headers
    )


async def client_disconnect(request: Request, exc: Exception) -> Response:
    # The client went away mid-request (while sending its body): nobody is left to answer, and
    # it is no bug of ours. 499 is what the access log shows for it.
    log.info("client disconnected during %s %s", request.method, request.url.path)
    return Response(status_code=499)


def _database_unavailable(exc: Exception) -> bool:
    """A database that cannot work now (down, read-only, full, a dropped connection), as
    opposed to one refusing a statement (a bug)."""
    if isinstance(exc, DBAPIError):
        exc = exc.orig if isinstance(exc.orig, Exception) else exc
    return isinstance(exc, (sqlite3.OperationalError, psycopg.OperationalError,
                            psycopg.InternalError, OperationalError, DBInternalError))


async def storage_error(request: Request, exc: Exception) -> Response:
    """The database failed the request: logged in one line (it is the database's trouble,
    not a bug with a traceback worth reading), answered -1 with HTTP 400 as Kakao answers it;
    a page a browser loads answers a page (503 while the database cannot work). /healthz
    tells the balancer."""
    detail = exc.orig if isinstance(exc, DBAPIError) else exc
    log.error("database error on %s %s: %s", request.method, request.url.path, detail)
    if pages.is_page(request.url.path):
        if _database_unavailable(exc):
            return pages.unavailable_page("the database cannot take requests right now", 503)
        return pages.unavailable_page("an internal error", 400)
    return responses.error_response(errors.InternalError())


async def unexpected_error(request: Request, exc: Exception) -> Response:
    # A bug: -1 is Kakao's internal error, HTTP 400 (bad input never lands here). Logged with
    # its traceback for the operator, never sent to the client. A page stays a page.
    log.exception("internal error on %s %s", request.method, request.url.path)
    if pages.is_page(request.url.path):
        return pages.unavailable_page("an internal error", 400)
    return responses.error_response(errors.InternalError())


def exception_handlers() -> dict[Any, Callable[[Request, Exception], Coroutine[Any, Any, Response]]]:
    return {
        errors.KakaoError: kakao_error,
        HTTPException: http_error,
        ClientDisconnect: client_disconnect,
        # Answered inside the app (not re-raised to the server's log like `Exception`).
        DBAPIError: storage_error,
        sqlite3.Error: storage_error,
        psycopg.Error: storage_error,
        Exception: unexpected_error,
    }
