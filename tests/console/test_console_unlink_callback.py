"""The console's side of the unlink callback and user properties, over HTTP against a real
`talksocial serve` and a real local receiver: the app page saves the callback and the declared
keys, the links page unlinks as the operator or as the user, deleting an account calls the
app, the app page lists the deliveries and resends one."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support.console_page import Page
from tests.support.receiver import Receiver, receiving
from tests.support.server import Server
from tests.support.worlds import account, app, link

MakeServer = Callable[..., Server]
APP_ID = 6001


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as state:
        yield state


def world() -> dict[str, Any]:
    return {
        "apps": [app(APP_ID, {"profile_nickname": "required"})],
        "accounts": [account("ann"), account("bob"), account("cat")],
        "links": [link(APP_ID, key, uid, ["profile_nickname"])
                  for key, uid in (("ann", 1), ("bob", 2), ("cat", 3))],
        "tokens": [],
    }


def deliveries(server: Server, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while True:
        found: list[dict[str, Any]] = server.get("/_talksocial/webhooks").json()["deliveries"]
        if len([d for d in found if d["status"] != "pending"]) >= count:
            return found
        assert time.monotonic() < deadline, found
        time.sleep(0.05)


def test_console_unlink_callback(make_live_server: MakeServer, receiver: Receiver) -> None:
    server = make_live_server(seed=world())
    page = Page(server)
    page.get(f"/console/apps/{APP_ID}")
    # a refused URL keeps what was typed
    refused = page.post(f"/console/apps/{APP_ID}/user-apis",
                        unlink_callback_url="ftp://<b>x</b>", unlink_callback_method="POST",
                        user_properties="age")
    assert refused.status_code == 400
    assert "ftp://&lt;b&gt;x&lt;/b&gt;" in refused.text and "<b>x</b>" not in refused.text
    saved = page.post(f"/console/apps/{APP_ID}/user-apis",
                      unlink_callback_url=f"{receiver.base_url}/ok",
                      unlink_callback_method="POST", user_properties="age, tier")
    assert saved.status_code == 303, saved.text
    view = server.get(f"/_talksocial/apps/{APP_ID}").json()
    assert (view["unlink_callback_url"], view["unlink_callback_method"],
            view["user_properties"]) == (f"{receiver.base_url}/ok", "POST", ["age", "tier"])

    page.get(f"/console/links?app={APP_ID}&account=ann")
    response = page.post("/console/links/delete", app=str(APP_ID), account="ann",
                         referrer_type="UNLINK_FROM_APPS")
    assert response.status_code == 303
    page.get(f"/console/links?app={APP_ID}&account=bob")
    assert page.post("/console/links/delete", app=str(APP_ID), account="bob",
                     referrer_type="UNLINK_FROM_ADMIN").status_code == 303
    page.get("/console/accounts/cat")
    assert page.post("/console/accounts/cat/delete").status_code == 303
    got = receiver.wait_for(3)
    assert sorted((r.fields["user_id"], r.fields["referrer_type"]) for r in got) == [
        ("1", "UNLINK_FROM_APPS"), ("2", "UNLINK_FROM_ADMIN"), ("3", "ACCOUNT_DELETE")]
    assert all(r.headers["authorization"] == f"KakaoAK ak-{APP_ID}" for r in got)
    found = deliveries(server, 3)
    assert {d["status"] for d in found} == {"delivered"}

    html = page.get(f"/console/apps/{APP_ID}")
    assert html.count('data-delivery="') == 3
    assert "UNLINK_FROM_APPS" in html and "ACCOUNT_DELETE" in html
    receiver.status["/ok"] = 500
    resent = page.post(f"/console/apps/{APP_ID}/webhooks/{found[-1]['id']}/resend")
    assert resent.status_code == 303
    newest = server.get("/_talksocial/webhooks").json()["deliveries"][0]
    assert (newest["status"], newest["response_code"], newest["user_id"]) == ("failed", 500, 1)
    html = page.get(f"/console/apps/{APP_ID}")
    assert html.count('data-delivery="') == 4 and "answered HTTP 500" in html
    missing = page.post(f"/console/apps/{APP_ID}/webhooks/999999/resend")
    assert missing.status_code == 404
