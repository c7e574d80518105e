"""Fault rules: an error (a Kakao code, or a KOE code on the login server) and/or latency,
injected into matching requests, always or with a probability or for the next N of them.

Every function runs inside the caller's transaction and bumps the control version, so that
every worker reloads its rules; a refused rule raises a `StorageError`."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from talksocial.domain.errors import BY_CODE
from talksocial.storage import fields as f
from talksocial.storage.accounts import get_account
from talksocial.storage.apps import get_app
from talksocial.storage.errors import InvalidInput, NotFound
from talksocial.storage.models import FaultRule
from talksocial.storage.versions import bump_version

FAULT_FIELDS = ("endpoint", "method", "code", "koe_code", "error", "http_status", "msg",
                "latency_ms", "probability", "next", "app", "account")
#: The Kakao codes a rule may inject, with the HTTP status and default message of each
#: (docs/reference/errors.md), as `domain.errors` defines them.
KAKAO_CODES: dict[int, tuple[int, str]] = {
    code: (cls.http_status, cls.default_msg) for code, cls in sorted(BY_CODE.items(), reverse=True)
}
KOE_CODE = re.compile(r"^KOE[0-9]{3}$")
MAX_LATENCY_MS = 60_000


def list_faults(session: Session) -> list[FaultRule]:
    return list(session.scalars(select(FaultRule).order_by(FaultRule.id)))


def get_fault(session: Session, fault_id: int) -> FaultRule:
    rule = session.get(FaultRule, fault_id) if isinstance(fault_id, int) else None
    if rule is None:
        raise NotFound(f"unknown fault rule {fault_id}")
    return rule


def add_fault(session: Session, fields: Mapping[str, Any]) -> FaultRule:
    """A fault rule. `endpoint` (a path such as `/v1/api/talk/friends`, or a glob with `*`);
    optional `method`; then either `code` (a Kakao code of docs/reference/errors.md; `http_status` and `msg`
    default to Kakao's) or `koe_code` (`KOE320`, on `/oauth/*` only; `error` defaults to
    `invalid_request`, `http_status` to 400), and/or `latency_ms`. `probability` (0..1, default
    1) or `next` (the next N matching requests); `app` (id) and `account` (key) narrow it."""
    f.only_keys(fields, FAULT_FIELDS, "fault")
    if "endpoint" not in fields:
        raise InvalidInput("endpoint is required")
    endpoint = f.string(fields["endpoint"], "endpoint", max_len=400)
    if not endpoint.startswith("/"):
        raise InvalidInput("endpoint must be a path starting with /")
    rule = FaultRule(endpoint=endpoint, latency_ms=0, probability=1.0,
                     created_at=time.time())
    if fields.get("method") is not None:
        rule.method = f.string(fields["method"], "method", max_len=16).upper()
    is_oauth = endpoint.startswith("/oauth/")
    if fields.get("code") is not None and fields.get("koe_code") is not None:
        raise InvalidInput("give either code or koe_code")
    if fields.get("code") is not None:
        code = fields["code"]
        if isinstance(code, bool) or not isinstance(code, int) or code not in KAKAO_CODES:
            raise InvalidInput(f"code must be one of {sorted(KAKAO_CODES)}")
        if is_oauth:
            raise InvalidInput("the login server (/oauth/*) answers KOE codes: give koe_code")
        rule.code = code
        rule.http_status, default_msg = KAKAO_CODES[code]
        rule.msg = default_msg
    elif fields.get("koe_code") is not None:
        koe = f.string(fields["koe_code"], "koe_code", max_len=32)
        if not KOE_CODE.match(koe):
            raise InvalidInput("koe_code must look like KOE320")
        if not is_oauth:
            raise InvalidInput("koe_code applies to the login server (/oauth/*) only")
        rule.koe_code = koe
        rule.oauth_error = f.string(fields.get("error") or "invalid_request", "error", max_len=100)
        rule.http_status = 400
        rule.msg = f"injected {koe}"
    elif fields.get("error") is not None:
        raise InvalidInput("error goes with koe_code")
    if fields.get("http_status") is not None:
        if rule.code is None and rule.koe_code is None:
            raise InvalidInput("http_status goes with code or koe_code")
        rule.http_status = f.integer(fields["http_status"], "http_status", minimum=400, maximum=599)
    if fields.get("msg") is not None:
        if rule.code is None and rule.koe_code is None:
            raise InvalidInput("msg goes with code or koe_code")
        rule.msg = f.string(fields["msg"], "msg", max_len=2000)
    if fields.get("latency_ms") is not None:
        rule.latency_ms = f.integer(fields["latency_ms"], "latency_ms", minimum=0,
                                    maximum=MAX_LATENCY_MS)
    rule.kind = "error" if (rule.code is not None or rule.koe_code is not None) else "latency"
    if rule.kind == "latency" and rule.latency_ms <= 0:
        raise InvalidInput("give code, koe_code or latency_ms")
    if fields.get("probability") is not None and fields.get("next") is not None:
        raise InvalidInput("give either probability or next")
    if fields.get("probability") is not None:
        p = fields["probability"]
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not math.isfinite(p) \
                or not 0.0 <= p <= 1.0:
            raise InvalidInput("probability must be a number from 0 to 1")
        rule.probability = float(p)
    if fields.get("next") is not None:
        rule.remaining = f.integer(fields["next"], "next", minimum=1, maximum=10**9)
    if fields.get("app") is not None:
        rule.app_id = get_app(session, f.integer(fields["app"], "app")).id
    if fields.get("account") is not None:
        rule.account_id = get_account(
            session, f.string(fields["account"], "account", max_len=200)
        ).id
    if is_oauth and rule.account_id is not None:
        # The login server knows the app of a request (its client_id), not yet the account.
        raise InvalidInput("on /oauth/* a rule narrows to an app (by client_id), not an account")
    session.add(rule)
    session.flush()
    bump_version(session)
    return rule


def delete_fault(session: Session, fault_id: int) -> None:
    session.delete(get_fault(session, fault_id))
    session.flush()
    bump_version(session)


def clear_faults(session: Session) -> int:
    count = len(list_faults(session))
    session.execute(delete(FaultRule))
    bump_version(session)
    return count


def consume_fault(session: Session, fault_id: int) -> bool:
    """Takes one of a "next N" rule's remaining uses; False when none is left (another worker
    took the last). The rule is deleted with its last use."""
    taken = session.execute(
        update(FaultRule)
        .where(FaultRule.id == fault_id, FaultRule.remaining > 0)
        .values(remaining=FaultRule.remaining - 1)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return False
    left = session.scalar(select(FaultRule.remaining).where(FaultRule.id == fault_id))
    if left is not None and left <= 0:
        session.execute(delete(FaultRule).where(FaultRule.id == fault_id))
        bump_version(session)
    return True
