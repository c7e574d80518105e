"""The clock expires tokens; the journal records requests with secrets masked."""

from __future__ import annotations

from talksocial.demo import DEMO_APP_ID
from tests.control.conftest import Control


def test_a_token_expires_after_advance(ctl: Control) -> None:
    token = ctl.token(DEMO_APP_ID, "apeach", lifetime=120)
    assert ctl.api("/v1/api/talk/profile", token).status_code == 200
    ctl.ok("POST", "/clock", json={"advance_seconds": 119})
    assert ctl.api("/v1/api/talk/profile", token).status_code == 200
    ctl.ok("POST", "/clock", json={"advance_seconds": 2})
    expired = ctl.api("/v1/api/talk/profile", token)
    assert expired.status_code == 401
    assert expired.json() == {"msg": "this access token is already expired", "code": -401,
                              "reason": "ACCESS_TOKEN_EXPIRED"}
    info = ctl.api("/v1/user/access_token_info", token)
    assert info.status_code == 401


def test_journal(ctl: Control) -> None:
    ctl.ok("DELETE", "/journal", 204)
    token = ctl.token(DEMO_APP_ID, "apeach")
    assert ctl.api("/v1/api/talk/friends?limit=2", token).status_code == 200
    assert ctl.api("/v1/api/talk/friends?limit=x", token).status_code == 400
    ctl.server.get("/oauth/authorize?client_id=demo-rest-api-key&response_type=code"
                   "&redirect_uri=http://nowhere/cb&state=s3cret")
    entries = ctl.ok("GET", "/journal?limit=10")["entries"]
    assert [e["path"] for e in entries][:3] == [
        "/oauth/authorize?client_id=***&response_type=code&redirect_uri=http%3A%2F%2Fnowhere"
        "%2Fcb&state=***",
        "/v1/api/talk/friends?limit=x",
        "/v1/api/talk/friends?limit=2",
    ]
    bad, good = entries[1], entries[2]
    assert (good["method"], good["status"], good["code"], good["app"], good["account"]) == (
        "GET", 200, None, DEMO_APP_ID, "apeach")
    assert (bad["status"], bad["code"]) == (400, "-2")
    assert all(e["duration_ms"] >= 0 for e in entries)
    text = str(entries)
    assert token not in text and "demo-rest-api-key" not in text and "s3cret" not in text
    # The control plane's own requests are not journaled.
    assert not any(e["path"].startswith("/_talksocial") for e in entries)
    ctl.ok("DELETE", "/journal", 204)
    assert ctl.ok("GET", "/journal")["entries"] == []
