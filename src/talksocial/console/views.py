"""The console's pages over the world: overview, apps, accounts (profiles, multi-profiles,
friends), links and consents, and the login. Reads come from `console.queries`; every write
is one storage service call in one transaction, so the console keeps exactly the rules the
control API keeps."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from talksocial.console import queries, sessions
from talksocial.console.web import (
    Console,
    Mode,
    closed_page,
    load_session,
    operator_rule,
    page,
    read_form,
    redirect,
    render_html,
    set_cookie,
)
from talksocial.domain.messages import DEFAULT_LIMITS, LIMIT_NAMES
from talksocial.storage import accounts as accounts_store
from talksocial.storage import apps as apps_store
from talksocial.storage import clock, friends, message_templates, profiles, webhooks
from talksocial.storage import links as links_store
from talksocial.storage.db import run_with_retry, transaction
from talksocial.storage.errors import InvalidInput, NotFound, StorageError
from talksocial.web import unlink_callbacks
from talksocial.web.context import ServerContext
from talksocial.web.convertors import MAX_ID
from talksocial.web.storage_errors import http_status

T = TypeVar("T")

STATIC_DIR = Path(__file__).parent / "static"
_STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}

#: Messages shown after a successful write, by the code in the redirect's `ok` parameter (the
#: text never comes from the URL).
OK_MESSAGES = {
    "account-created": "Account created.",
    "profile-saved": "Profile saved.",
    "friend-saved": "Friend entry saved.",
    "friend-removed": "Friend entry removed.",
    "multi-profile-saved": "Multi-profile saved.",
    "multi-profile-deleted": "Multi-profile deleted.",
    "account-deleted": "Account deleted.",
    "link-saved": "Link and consents saved.",
    "unlinked": "Unlinked.",
    "fault-added": "Fault rule added.",
    "fault-removed": "Fault rule removed.",
    "faults-cleared": "Every fault rule removed.",
    "clock-set": "Clock set.",
    "journal-cleared": "Journal cleared.",
    "limits-saved": "Daily message limits saved.",
    "user-apis-saved": "Unlink callback and user properties saved.",
    "delivery-resent": "Unlink callback called again.",
    "template-created": "Message template created.",
    "template-replaced": "Message template replaced.",
    "template-deleted": "Message template deleted.",
    "messages-accepted": "The account accepts this app's messages again.",
    "messages-refused": "The account refuses this app's messages.",
}


def ok_message(request: Request) -> str | None:
    return OK_MESSAGES.get(request.query_params.get("ok", ""))


def read(con: Console, fn: Callable[[Session], T]) -> Any:
    def work() -> T:
        with con.ctx.sessions() as s:
            return fn(s)

    return run_in_threadpool(work)


async def write(con: Console, fn: Callable[[Session], T]) -> T:
    """One admin write in one transaction; `StorageError` propagates (nothing kept)."""

    def work() -> T:
        with transaction(con.ctx.sessions) as s:
            return fn(s)

    return await run_in_threadpool(run_with_retry, work)


def iso(instant: float) -> str:
    return datetime.fromtimestamp(instant, UTC).isoformat(timespec="seconds").replace(
        "+00:00", "Z"
    )


def flag(form: dict[str, str], name: str) -> bool:
    return form.get(name) in ("1", "on", "true")


def opt(form: dict[str, str], name: str) -> str | None:
    value = form.get(name, "").strip()
    return value or None


def int_or_none(raw: str | None) -> int | None:
    if raw is None or not raw.strip().lstrip("-").isdigit() or len(raw.strip()) > 20:
        return None
    value = int(raw.strip())
    return value if abs(value) <= MAX_ID else None


# --- static files, login, logout ----------------------------------------------------------------


async def static(request: Request) -> Response:
    name = str(request.path_params["name"])
    path = STATIC_DIR / name
    media_type = _STATIC_TYPES.get(path.suffix)
    if media_type is None or "/" in name or not path.is_file():
        return Response("not found", status_code=404, media_type="text/plain")
    return Response(
        path.read_bytes(),
        media_type=media_type,
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )


def _safe_next(raw: str | None) -> str:
    """Only a console path: never an open redirect."""
    if raw and raw.startswith("/console") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return "/console"


async def login(request: Request) -> Response:
    ctx = ServerContext.of(request)
    rule = operator_rule(request)
    if rule.mode in (Mode.CLOSED, Mode.FOREIGN_HOST):
        return closed_page(rule.mode)
    if rule.mode is Mode.OPEN:
        return redirect("/console")
    assert rule.operator_token is not None
    key, session = await load_session(request, ctx, rule)
    fingerprint = sessions.operator_fingerprint(rule.operator_token)
    if request.method == "GET":
        if session is not None and session.is_operator:
            return redirect(_safe_next(request.query_params.get("next")))
        new_cookie = None
        if session is None:
            session, new_cookie = sessions.issue(key, sessions.ANONYMOUS, fingerprint)
        response = render_html(
            "login.html", csrf_token="", logged_in=False, path="", error=None,
            login_csrf=session.csrf_token, next=_safe_next(request.query_params.get("next")),
        )
        if new_cookie is not None:
            set_cookie(request, response, new_cookie)
        return response

    form = await read_form(request)
    next_path = _safe_next(form.get("next"))
    if session is None or not sessions.csrf_matches(session, form.get("csrf_token")):
        fresh, cookie = sessions.issue(key, sessions.ANONYMOUS, fingerprint)
        response = render_html(
            "login.html", status_code=403, csrf_token="", logged_in=False, path="",
            error="The form expired. Enter the token again.", login_csrf=fresh.csrf_token,
            next=next_path,
        )
        set_cookie(request, response, cookie)
        return response
    if not sessions.token_matches(rule.operator_token, form.get("operator_token", "")):
        return render_html(
            "login.html", status_code=401, csrf_token="", logged_in=False, path="",
            error="That is not the operator token.", login_csrf=session.csrf_token,
            next=next_path,
        )
    # A new session id on login (no fixation).
    _, cookie = sessions.issue(key, sessions.OPERATOR, fingerprint)
    done = redirect(next_path)
    set_cookie(request, done, cookie)
    return done


@page
async def logout(con: Console) -> Response:
    response = redirect("/console/login" if con.rule.mode is Mode.TOKEN else "/console")
    response.delete_cookie(
        sessions.COOKIE_NAME, path=sessions.COOKIE_PATH, httponly=True, samesite="strict"
    )
    return response


# --- overview and apps --------------------------------------------------------------------------


@page
async def overview(con: Console) -> Response:
    def load(s: Session) -> tuple[dict[str, int], float]:
        return queries.counts(s), clock.offset(s)

    counts, offset = await read(con, load)
    return con.render(
        "overview.html", counts=counts, clock_now=iso(time.time() + offset),
        offset=round(offset) if offset else 0,
    )


@page
async def apps(con: Console) -> Response:
    return con.render("apps.html", apps=await read(con, queries.apps))


@page
async def app_page(con: Console) -> Response:
    return await _app_page(con)


async def _app_page(
    con: Console, error: str | None = None, status_code: int = 200,
    limits_typed: dict[str, str] | None = None, draft: dict[str, str] | None = None,
    callback_typed: dict[str, str] | None = None,
) -> Response:
    """The app page; after a refused write, with the error and what was typed (`limits_typed`:
    the limits form; `draft`: a template form, its `id` and `text`, and `for`: "new" or the id
    of the template being replaced)."""
    app_id = int_or_none(str(con.request.path_params["app_id"]))

    def load(s: Session) -> Any:
        found = queries.app(s, app_id) if app_id is not None else None
        if found is None:
            return None
        return (found, *queries.links(s, app_id=found.id),
                queries.message_templates(s, found.id), queries.deliveries(s, found.id))

    loaded = await read(con, load)
    if loaded is None:
        return not_found(con, "No such app.")
    found, links, total, templates, deliveries = loaded
    if limits_typed is None:
        limits_typed = {name: str(found.message_limits[name]) if name in found.message_limits
                        else "" for name in LIMIT_NAMES}
    return con.render(
        "app.html", status_code=status_code, app=found, links=links, total=total,
        limit_names=LIMIT_NAMES, default_limits=DEFAULT_LIMITS, limits_typed=limits_typed,
        templates=templates, draft=draft or {}, ok=ok_message(con.request), error=error,
        deliveries=deliveries, callback_typed=callback_typed,
    )


def app_url(app_id: int, ok: str, anchor: str = "") -> str:
    return f"/console/apps/{app_id}?ok={ok}" + (f"#{anchor}" if anchor else "")


async def _app_write(
    con: Console, fn: Callable[[Session], Any], ok: str, anchor: str,
    limits_typed: dict[str, str] | None = None, draft: dict[str, str] | None = None,
    callback_typed: dict[str, str] | None = None,
) -> Response:
    app_id = int_or_none(str(con.request.path_params["app_id"]))
    if app_id is None:
        return not_found(con, "No such app.")
    try:
        await write(con, fn)
    except StorageError as exc:
        return await _app_page(con, error=str(exc), status_code=http_status(exc),
                               limits_typed=limits_typed, draft=draft,
                               callback_typed=callback_typed)
    return redirect(app_url(app_id, ok, anchor))


def _limit_value(raw: str) -> Any:
    """A typed limit as the storage rule checks it: an integer when it reads as one, else the
    text (refused there with the field's name)."""
    number = int_or_none(raw)
    return number if number is not None else raw


@page
async def save_message_limits(con: Console) -> Response:
    """The app's daily message limits: a field left empty is Kakao's default."""
    app_id = int_or_none(str(con.request.path_params["app_id"]))
    typed = {name: con.form.get(name, "").strip()[:40] for name in LIMIT_NAMES}
    limits = {name: _limit_value(value) for name, value in typed.items() if value}
    return await _app_write(
        con, lambda s: apps_store.update_app(s, app_id if app_id is not None else -1,
                                             {"message_limits": limits}),
        "limits-saved", "message-limits", limits_typed=typed,
    )


@page
async def save_user_apis(con: Console) -> Response:
    """The app's unlink callback (URL, method; an empty URL: none) and its declared user
    property keys (comma-separated)."""
    app_id = int_or_none(str(con.request.path_params["app_id"]))
    typed = {name: con.form.get(name, "").strip()[:2000]
             for name in ("unlink_callback_url", "unlink_callback_method", "user_properties")}
    changes: dict[str, Any] = {
        "unlink_callback_url": typed["unlink_callback_url"],
        "unlink_callback_method": typed["unlink_callback_method"] or "GET",
        "user_properties": [k.strip() for k in typed["user_properties"].split(",") if k.strip()],
    }
    return await _app_write(
        con, lambda s: apps_store.update_app(s, app_id if app_id is not None else -1, changes),
        "user-apis-saved", "unlink-callback", callback_typed=typed,
    )


@page
async def resend_delivery(con: Console) -> Response:
    """Calls the app's unlink callback again with what a delivery sent (a new delivery,
    awaited: at most 3 s)."""
    app_id = int_or_none(str(con.request.path_params["app_id"]))
    delivery_id = int_or_none(str(con.request.path_params["delivery_id"]))

    def record(s: Session) -> int:
        found = webhooks.get_delivery(s, delivery_id if delivery_id is not None else -1)
        if found.app_id != app_id:
            raise NotFound(f"app {app_id} has no delivery {delivery_id}")
        return webhooks.resend(s, found.id)

    if app_id is None:
        return not_found(con, "No such app.")
    try:
        new_id = await write(con, record)
    except StorageError as exc:
        return await _app_page(con, error=str(exc), status_code=http_status(exc))
    await unlink_callbacks.deliver(con.ctx, new_id)
    return redirect(app_url(app_id, "delivery-resent", "unlink-callback"))


def _template_fields(template_id: Any, text: str) -> dict[str, Any]:
    """The template as the storage rule takes it (the API's body): `template_object` must be
    JSON; its rules are the Message API's."""
    try:
        body = json.loads(text)
    except RecursionError:
        raise InvalidInput("template_object is nested too deeply") from None
    except ValueError as exc:
        raise InvalidInput(f"template_object is not JSON: {exc}") from None
    return {"id": template_id, "template_object": body}


@page
async def create_message_template(con: Console) -> Response:
    app_id = int_or_none(str(con.request.path_params["app_id"]))
    raw_id = con.form.get("id", "").strip()[:40]
    text = con.form.get("template_object", "")
    draft = {"for": "new", "id": raw_id, "text": text}

    def save(s: Session) -> Any:
        found = apps_store.get_app(s, app_id if app_id is not None else -1)
        if not raw_id:
            raise InvalidInput("id is required")
        template_id = _limit_value(raw_id)
        return message_templates.create_template(s, found.id, _template_fields(template_id, text))

    return await _app_write(con, save, "template-created", "message-templates", draft=draft)


def _template_id(con: Console) -> int:
    number = int_or_none(str(con.request.path_params["template_id"]))
    return number if number is not None and number > 0 else -1


@page
async def replace_message_template(con: Console) -> Response:
    app_id = int_or_none(str(con.request.path_params["app_id"]))
    template_id = _template_id(con)
    text = con.form.get("template_object", "")
    draft = {"for": str(template_id), "id": str(template_id), "text": text}

    def save(s: Session) -> Any:
        found = apps_store.get_app(s, app_id if app_id is not None else -1)
        fields = _template_fields(None, text)
        del fields["id"]
        return message_templates.replace_template(s, found.id, template_id, fields)

    return await _app_write(con, save, "template-replaced", "message-templates", draft=draft)


@page
async def delete_message_template(con: Console) -> Response:
    app_id = int_or_none(str(con.request.path_params["app_id"]))
    template_id = _template_id(con)

    def remove(s: Session) -> None:
        found = apps_store.get_app(s, app_id if app_id is not None else -1)
        message_templates.delete_template(s, found.id, template_id)

    return await _app_write(con, remove, "template-deleted", "message-templates")


def not_found(con: Console, detail: str) -> Response:
    return con.render("message.html", status_code=404, title="Not found", detail=detail)


# --- accounts -----------------------------------------------------------------------------------


@page
async def accounts(con: Console) -> Response:
    return await _accounts_page(con)


async def _accounts_page(
    con: Console, error: str | None = None, status_code: int = 200
) -> Response:
    q = con.request.query_params.get("q", "")[:200]
    offset = max(0, int_or_none(con.request.query_params.get("offset")) or 0)
    rows, total = await read(con, lambda s: queries.accounts(s, q, offset))
    return con.render(
        "accounts.html", status_code=status_code, accounts=rows, total=total, q=q,
        offset=offset, page_size=queries.PAGE_SIZE, ok=ok_message(con.request), error=error,
    )


def _profile_fields(form: dict[str, str]) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "profile_image_url": opt(form, "profile_image_url"),
        "thumbnail_url": opt(form, "thumbnail_url"),
    }
    if form.get("nickname", "") != "":
        profile["nickname"] = form["nickname"]
    return profile


def account_url(key: str, ok: str | None = None) -> str:
    url = "/console/accounts/" + quote(key, safe="")
    return url + (f"?ok={ok}" if ok else "")


@page
async def create_account(con: Console) -> Response:
    key = con.form.get("key", "").strip()
    fields = {"key": key, "talk_user": flag(con.form, "talk_user"),
              "profile": _profile_fields(con.form)}
    try:
        await write(con, lambda s: accounts_store.create_account(s, fields))
    except StorageError as exc:
        return await _accounts_page(con, error=str(exc), status_code=http_status(exc))
    return redirect(account_url(key, "account-created"))


@page
async def account_page(con: Console) -> Response:
    return await _account_page(con, str(con.request.path_params["key"]))


async def _account_page(
    con: Console, key: str, error: str | None = None, status_code: int = 200
) -> Response:
    def load(s: Session) -> Any:
        detail = queries.account_detail(s, key)
        return None if detail is None else (detail, queries.account_keys(s))

    loaded = await read(con, load)
    if loaded is None:
        return not_found(con, "No such account.")
    detail, keys = loaded
    return con.render(
        "account.html", status_code=status_code, account=detail.account,
        multi_profiles=detail.multi_profiles, friends=detail.friends,
        friend_of=detail.friend_of, links=detail.links, account_keys=keys,
        ok=ok_message(con.request), error=error,
    )


async def _account_write(con: Console, fn: Callable[[Session], Any], ok: str) -> Response:
    key = str(con.request.path_params["key"])
    try:
        await write(con, fn)
    except StorageError as exc:
        return await _account_page(con, key, error=str(exc), status_code=http_status(exc))
    return redirect(account_url(key, ok))


@page
async def save_profile(con: Console) -> Response:
    key = str(con.request.path_params["key"])
    changes = {"talk_user": flag(con.form, "talk_user"), "profile": _profile_fields(con.form)}
    return await _account_write(
        con, lambda s: accounts_store.update_account(s, key, changes), "profile-saved"
    )


@page
async def delete_account(con: Console) -> Response:
    key = str(con.request.path_params["key"])
    try:
        deliveries = await write(con, lambda s: accounts_store.delete_account(s, key))
        unlink_callbacks.dispatch(con.ctx, deliveries)  # ACCOUNT_DELETE, after the commit
    except StorageError as exc:
        return await _account_page(con, key, error=str(exc), status_code=http_status(exc))
    return redirect("/console/accounts?ok=account-deleted")


@page
async def save_friend(con: Console) -> Response:
    key = str(con.request.path_params["key"])
    friend = con.form.get("friend", "").strip()
    flags = {name: flag(con.form, name) for name in ("favorite", "hidden", "blocked")}
    return await _account_write(
        con, lambda s: friends.set_friend(s, key, friend, flags), "friend-saved"
    )


@page
async def remove_friend(con: Console) -> Response:
    key = str(con.request.path_params["key"])
    friend = str(con.request.path_params["friend"])
    return await _account_write(
        con, lambda s: friends.remove_friend(s, key, friend), "friend-removed"
    )


@page
async def save_multi_profile(con: Console) -> Response:
    key = str(con.request.path_params["key"])
    mp_key = con.form.get("key", "").strip()
    fields: dict[str, Any] = {
        "nickname": con.form.get("nickname", ""),
        "profile_image_url": opt(con.form, "profile_image_url"),
        "thumbnail_url": opt(con.form, "thumbnail_url"),
        "shown_to": [k.strip() for k in con.form.get("shown_to", "").split(",") if k.strip()],
    }

    def save(s: Session) -> Any:
        existing = {mp.key for mp in profiles.list_multi_profiles(s, key)}
        if mp_key in existing:
            return profiles.update_multi_profile(s, key, mp_key, fields)
        return profiles.create_multi_profile(s, key, {"key": mp_key or None, **fields})

    return await _account_write(con, save, "multi-profile-saved")


@page
async def delete_multi_profile(con: Console) -> Response:
    key = str(con.request.path_params["key"])
    mp_key = str(con.request.path_params["mp"])
    return await _account_write(
        con, lambda s: profiles.delete_multi_profile(s, key, mp_key), "multi-profile-deleted"
    )


# --- links and consents -------------------------------------------------------------------------


@page
async def links(con: Console) -> Response:
    return await _links_page(con)


async def _links_page(
    con: Console, error: str | None = None, status_code: int = 200,
    app_id: int | None = None, account_key: str | None = None,
) -> Response:
    params = con.request.query_params
    if app_id is None:
        app_id = int_or_none(params.get("app"))
    if account_key is None:
        account_key = params.get("account", "").strip()[:200]
    offset = max(0, int_or_none(params.get("offset")) or 0)

    def load(s: Session) -> Any:
        all_apps = queries.apps(s)
        chosen = next((a for a in all_apps if a.id == app_id), None)
        if chosen is None and account_key and all_apps:
            chosen = all_apps[0]
        current = queries.link(s, chosen.id, account_key) if chosen and account_key else None
        # The table: the chosen account's links in every app, else the chosen app's links.
        account_id = queries.account_id(s, account_key) if account_key else None
        rows, total = queries.links(
            s,
            app_id=app_id if account_id is None and chosen is not None and app_id == chosen.id
            else None,
            account_id=account_id, offset=offset,
        )
        return all_apps, chosen, current, rows, total, queries.account_keys(s)

    all_apps, chosen, current, rows, total, keys = await read(con, load)
    return con.render(
        "links.html", status_code=status_code, apps=all_apps, chosen_app=chosen,
        app_id=chosen.id if chosen else None, account_key=account_key, current=current,
        links=rows, total=total, offset=offset, page_size=queries.PAGE_SIZE,
        account_keys=keys, ok=ok_message(con.request), error=error,
    )


@page
async def save_link(con: Console) -> Response:
    app_id = int_or_none(con.form.get("app"))
    account_key = con.form.get("account", "").strip()
    chosen = con.form_list("scope")

    def save(s: Session) -> Any:
        if app_id is None:
            raise InvalidInput("choose an app")
        found = apps_store.get_app(s, app_id)
        items: dict[str, str] = json.loads(found.consent_items)
        scopes = [i for i, setting in items.items() if setting == "required" or i in chosen]
        try:
            links_store.get_link(s, app_id, account_key)
        except NotFound:
            accounts_store.get_account(s, account_key)
            return links_store.create_link(s, app_id, account_key, {"scopes": scopes})
        return links_store.set_consents(s, app_id, account_key, scopes)

    try:
        await write(con, save)
    except StorageError as exc:
        return await _links_page(
            con, error=str(exc), status_code=http_status(exc), app_id=app_id, account_key=account_key
        )
    return redirect(
        f"/console/links?app={app_id}&account={quote(account_key, safe='')}&ok=link-saved"
    )


@page
async def delete_link(con: Console) -> Response:
    app_id = int_or_none(con.form.get("app"))
    account_key = con.form.get("account", "").strip()
    referrer = con.form.get("referrer_type") or webhooks.UNLINK_FROM_ADMIN
    try:
        delivery = await write(con, lambda s: links_store.unlink(
            s, app_id if app_id is not None else -1, account_key, referrer))
        unlink_callbacks.dispatch(con.ctx, [delivery])  # after the commit
    except StorageError as exc:
        return await _links_page(
            con, error=str(exc), status_code=http_status(exc), app_id=app_id, account_key=account_key
        )
    return redirect(f"/console/links?app={app_id}&ok=unlinked")



@page
async def set_accepts_messages(con: Console) -> Response:
    """Whether a linked account accepts the app's Kakao Talk messages (the link's
    `accepts_messages`); back to the links view the form was on."""
    app_id = int_or_none(con.form.get("app"))
    account_key = con.form.get("account", "").strip()
    accepts = flag(con.form, "accepts_messages")
    view_account = con.form.get("view_account", "").strip()[:200]
    view_offset = max(0, int_or_none(con.form.get("view_offset")) or 0)
    try:
        await write(con, lambda s: links_store.update_link(
            s, app_id if app_id is not None else -1, account_key,
            {"accepts_messages": accepts}))
    except StorageError as exc:
        return await _links_page(
            con, error=str(exc), status_code=http_status(exc), app_id=app_id,
            account_key=view_account,
        )
    ok = "messages-accepted" if accepts else "messages-refused"
    return redirect(
        f"/console/links?app={app_id}&account={quote(view_account, safe='')}"
        f"&offset={view_offset}&ok={ok}"
    )
