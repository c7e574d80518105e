"""The client's InternalServerError (-1) and QuotaExceededError (-10) from real server answers:
one produced by a fault rule, one by a quota, both through the control plane."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from talksocial.client import InternalServerError, KakaoClient, QuotaExceededError
from talksocial.demo import DEMO_ACCESS_TOKEN, DEMO_APP_ID
from tests.support.server import Server


def test_fault_and_quota_errors(make_server: Callable[..., Server]) -> None:
    server = make_server(demo=True)
    fault = server.post("/_talksocial/faults", json={
        "endpoint": "/v1/api/talk/friends", "code": -1, "next": 1})
    assert fault.status_code == 201
    quota = server.request("PUT", f"/_talksocial/quotas/{DEMO_APP_ID}/talk_profile",
                           json={"daily_limit": 1})
    assert quota.status_code == 200
    with KakaoClient(api_base_url=server.base_url, auth_base_url=server.base_url,
                     access_token=DEMO_ACCESS_TOKEN, transport=server.transport()) as client:
        with pytest.raises(InternalServerError) as internal:
            client.friends()
        assert (internal.value.code, internal.value.http_status) == (-1, 400)
        assert client.friends().total_count > 0  # the rule was for the next call only

        assert client.talk_profile().id > 0
        with pytest.raises(QuotaExceededError) as exceeded:
            client.talk_profile()
        assert exceeded.value.code == -10
        assert exceeded.value.msg == "API limit has been exceeded."
        assert exceeded.value.http_status == 400
