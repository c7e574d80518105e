"""What the storage layer's errors and fault rules take from elsewhere: the fault rules'
(status, message) per Kakao code come from `domain.errors`; the web answers a storage error
400, 404 or 409."""

from __future__ import annotations

from talksocial.storage.errors import Conflict, InvalidInput, NotFound, StorageError
from talksocial.storage.faults import KAKAO_CODES
from talksocial.web.storage_errors import http_status


def test_fault_rules_take_status_and_message_from_the_classes() -> None:
    assert KAKAO_CODES == {
        -1: (400, "internal error"),
        -2: (400, "invalid argument"),
        -3: (403, "App disabled the consent item this API needs."),
        -10: (400, "API limit has been exceeded."),
        -101: (400, "NotRegisteredUserException"),
        -201: (400, "user property not found"),
        -401: (401, "this access token does not exist"),
        -402: (403, "insufficient scopes."),
        -501: (400, "given account is not connected to any talk user."),
        -502: (400, "the receiver is not a friend the sender may message in this app."),
        -530: (400, "the receiver does not accept messages from this app."),
        -532: (400, "daily message limit per sender has been exceeded."),
        -533: (400, "daily message limit per receiver has been exceeded."),
        -536: (400, "daily message limit per sender and receiver has been exceeded."),
    }
    assert list(KAKAO_CODES) == sorted(KAKAO_CODES, reverse=True)


def test_storage_errors_answer_400_404_409() -> None:
    assert http_status(InvalidInput("x")) == 400
    assert http_status(StorageError("x")) == 400
    assert http_status(NotFound("x")) == 404
    assert http_status(Conflict("x")) == 409
