"""Kakao API errors, one class per code (docs/reference/errors.md).

Every error carries its identity as class attributes, in the manner of authlib's
``rfc6749/errors.py``: ``code``, ``http_status`` and a default ``msg``. There is one raise site per
rule and one serialiser (``api.wire.error_body``).

    KakaoError
     ├── InternalError            -1   400
     ├── InvalidArgument          -2   400  (msg names the parameter)
     ├── AppConsentNotEnabled     -3   403
     ├── QuotaExceeded           -10   400
     │    └── RateLimited       -10   429  (a per-minute limit)
     ├── NotRegisteredUser      -101   400
     ├── UserPropertyNotFound   -201   400
     ├── InvalidCredential      -401   401  (+ "reason" when the token expired)
     ├── InsufficientScopes     -402   403  (+ api_type, required_scopes, allowed_scopes)
     ├── NotTalkUser            -501   400
     └── MessageNotSent               400  (one receiver of a Talk message, or all of them)
          ├── NotAFriend        -502       not a friend the sender may message, or the sender
          ├── MessageRefused    -530       refuses the app's messages, or no talk_message
          ├── SenderDailyLimit  -532       the sender's messages of the day
          ├── ReceiverDailyLimit -533      the receiver's messages of the day
          └── PairDailyLimit    -536       this sender's messages to this receiver of the day
"""

from __future__ import annotations

from typing import Any, ClassVar

#: The longest message an error answer carries: messages name the bad parameter and quote its
#: value, and a value may be a megabyte of hostile input that must not be echoed back.
MAX_MSG_CHARS = 300


def bounded_msg(text: str) -> str:
    if len(text) <= MAX_MSG_CHARS:
        return text
    return text[: MAX_MSG_CHARS - 3] + "..."


class KakaoError(Exception):
    code: ClassVar[int] = -1
    http_status: ClassVar[int] = 400
    default_msg: ClassVar[str] = "internal error"

    def __init__(self, msg: str | None = None, **extra: Any) -> None:
        self.msg = bounded_msg(msg) if msg is not None else self.default_msg
        self.extra = extra
        super().__init__(self.msg)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"msg": self.msg, "code": self.code}
        body.update(self.extra)
        return body


class InternalError(KakaoError):
    """-1: internal error. Never raised for bad input; fault rules may inject it."""

    code = -1
    default_msg = "internal error"


class InvalidArgument(KakaoError):
    """-2: a missing, malformed or out-of-range parameter; ``msg`` names it."""

    code = -2
    default_msg = "invalid argument"


class AppConsentNotEnabled(KakaoError):
    """-3: the app has not enabled the consent item the API needs."""

    code = -3
    http_status = 403
    default_msg = "App disabled the consent item this API needs."


class QuotaExceeded(KakaoError):
    """-10: the app's daily quota for this API is used up."""

    code = -10
    default_msg = "API limit has been exceeded."


class RateLimited(QuotaExceeded):
    """-10 with HTTP 429: a per-minute limit (/v1/user/ids). Not in the code table (-10 is
    `QuotaExceeded` there); raised by its one rule."""

    abstract: ClassVar[bool] = True
    http_status = 429


class NotRegisteredUser(KakaoError):
    """-101: the user is not linked to the app."""

    code = -101
    default_msg = "NotRegisteredUserException"


class InvalidCredential(KakaoError):
    """-401: missing, unknown, expired or revoked token or key, or the wrong kind of key."""

    code = -401
    http_status = 401
    default_msg = "this access token does not exist"


class InsufficientScopes(KakaoError):
    """-402: the user has not agreed to the scope the API needs."""

    code = -402
    http_status = 403
    default_msg = "insufficient scopes."


class NotTalkUser(KakaoError):
    """-501: the Kakao Account is not linked to Kakao Talk."""

    code = -501
    default_msg = "given account is not connected to any talk user."


class UserPropertyNotFound(KakaoError):
    """-201: a user property key the app does not declare."""

    code = -201
    default_msg = "user property not found"


class MessageNotSent(KakaoError):
    """A Talk message a receiver did not get (docs/reference/messages.md#results): one entry
    of a send's `failure_info`, or the whole answer when no receiver got it. Abstract: only
    its subclasses carry codes."""

    abstract: ClassVar[bool] = True
    default_msg = "the message was not sent."


class NotAFriend(MessageNotSent):
    """-502: the receiver is no friend listable to the sender in this app, or the sender."""

    code = -502
    default_msg = "the receiver is not a friend the sender may message in this app."


class MessageRefused(MessageNotSent):
    """-530: the receiver refuses the app's messages, or has not agreed to talk_message."""

    code = -530
    default_msg = "the receiver does not accept messages from this app."


class SenderDailyLimit(MessageNotSent):
    """-532: the sender's daily message limit (per Korean day)."""

    code = -532
    default_msg = "daily message limit per sender has been exceeded."


class ReceiverDailyLimit(MessageNotSent):
    """-533: the receiver's daily message limit."""

    code = -533
    default_msg = "daily message limit per receiver has been exceeded."


class PairDailyLimit(MessageNotSent):
    """-536: the daily limit of one sender's messages to one receiver."""

    code = -536
    default_msg = "daily message limit per sender and receiver has been exceeded."


# The exact bodies docs/reference/errors.md asks to reproduce.
MSG_NO_AUTH = "no authentication key!"
MSG_TOKEN_NOT_FOUND = "this access token does not exist"
MSG_TOKEN_EXPIRED = "this access token is already expired"
MSG_INVALID_APP_KEY = "invalid app key."
MSG_NOT_TALK_USER_PROFILE = "given account is not connected to any talk user."
MSG_NOT_TALK_USER_FRIENDS = "NotExistTalkUserException"
MSG_UNREGISTERED_TARGET = "invalid target_ids. can get the profile only to registered users."


def no_authentication_key() -> InvalidCredential:
    return InvalidCredential(MSG_NO_AUTH)


def token_not_found() -> InvalidCredential:
    return InvalidCredential(MSG_TOKEN_NOT_FOUND)


def token_expired() -> InvalidCredential:
    return InvalidCredential(MSG_TOKEN_EXPIRED, reason="ACCESS_TOKEN_EXPIRED")


def invalid_app_key() -> InvalidCredential:
    return InvalidCredential(MSG_INVALID_APP_KEY)


def _by_code() -> dict[int, type[KakaoError]]:
    classes: list[type[KakaoError]] = [KakaoError]
    for cls in classes:
        classes.extend(cls.__subclasses__())
    return {cls.code: cls for cls in classes[1:] if not cls.__dict__.get("abstract")}


#: Every Kakao code of the server, to its error class: the one code table (fault rules inject
#: these codes with the class's HTTP status and default message).
BY_CODE: dict[int, type[KakaoError]] = _by_code()
