"""How many wrong passwords the login page takes before it stops trying (docs/server/security.md).

Each account and each client address has a window: `max_failures` wrong passwords within
`window` seconds lock it for `lockout` seconds from the last one. While locked, a login is
refused without looking at the password (so guessing on gains nothing), and the page says for
how long. The lock always ends: the real user's right password works again once it has passed,
and a successful login clears the account's count.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ThrottleRule:
    max_failures: int
    window: float
    lockout: float


#: Per account: a handful of typos is normal, thirty guesses are not.
ACCOUNT_RULE = ThrottleRule(max_failures=5, window=900.0, lockout=300.0)
#: Per client address: several users may share one (an office NAT), so more room.
ADDRESS_RULE = ThrottleRule(max_failures=20, window=900.0, lockout=300.0)


@dataclass(frozen=True, slots=True)
class FailureCount:
    failures: int
    window_start: float
    locked_until: float


def after_failure(count: FailureCount | None, rule: ThrottleRule, now: float) -> FailureCount:
    """The count after one more wrong password at `now`."""
    if count is None or now - count.window_start > rule.window:
        count = FailureCount(0, now, 0.0)
    failures = count.failures + 1
    locked_until = now + rule.lockout if failures >= rule.max_failures else count.locked_until
    return FailureCount(failures, count.window_start, locked_until)


def seconds_locked(count: FailureCount | None, now: float) -> float:
    """How long logins stay refused (0 when they are not)."""
    if count is None or count.locked_until <= now:
        return 0.0
    return count.locked_until - now
