"""The one Kakao code table: `BY_CODE` is read from the error classes."""

from __future__ import annotations

from talksocial.domain import errors


def test_by_code_holds_every_error_class_by_its_code() -> None:
    assert sorted(errors.BY_CODE) == [
        -536, -533, -532, -530, -502, -501, -402, -401, -201, -101, -10, -3, -2, -1]
    for code, cls in errors.BY_CODE.items():
        assert cls.code == code and issubclass(cls, errors.KakaoError)


def test_the_per_minute_limit_is_minus_10_with_http_429_outside_the_table() -> None:
    assert errors.BY_CODE[-10] is errors.QuotaExceeded
    limited = errors.RateLimited()
    assert (limited.code, limited.http_status, limited.body()) == (
        -10, 429, {"msg": "API limit has been exceeded.", "code": -10})
