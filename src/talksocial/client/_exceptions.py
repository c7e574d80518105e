"""The errors a Kakao API call raises (docs/reference/errors.md). Clients branch on the class, that is on
Kakao's `code`, never on `msg`.

    KakaoError
     ├── KakaoApiError                 an API answer {"msg", "code", ...}; unknown codes land here
     │    ├── InternalServerError       -1
     │    ├── InvalidArgumentError      -2   msg names the parameter
     │    ├── AppConsentDisabledError   -3   the app has not enabled the consent item
     │    ├── QuotaExceededError        -10
     │    ├── NotRegisteredUserError    -101 the user is not linked to the app
     │    ├── UserPropertyNotFoundError -201 a user property key the app does not declare
     │    ├── InvalidTokenError         -401 (+ reason)
     │    │    └── ExpiredTokenError         reason == "ACCESS_TOKEN_EXPIRED"
     │    ├── InsufficientScopeError    -402 (+ api_type, required_scopes, allowed_scopes)
     │    ├── NotTalkUserError          -501 the Kakao Account is not linked to Kakao Talk
     │    └── MessageNotSentError            no receiver of a Talk message was reached
     │         ├── NotFriendError       -502 not a friend the sender may message
     │         ├── MessageRefusedError  -530 refuses the app's messages / no talk_message
     │         ├── SenderDailyLimitError    -532
     │         ├── ReceiverDailyLimitError  -533
     │         └── PairDailyLimitError      -536
     ├── KakaoAuthError                a login-server answer {"error", "error_description",
     │                                 "error_code": "KOE..."}
     └── UnexpectedResponseError       an answer that is neither (not JSON, a proxy's page, ...)

Transport failures are httpx's own exceptions (`httpx.TransportError`) and are not wrapped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar


class KakaoError(Exception):
    """Base of every error the client raises for a server's answer."""


class KakaoApiError(KakaoError):
    """An API error answer: `code` (Kakao's error code), `msg`, `http_status`, and `extra`, the
    other fields of the body."""

    #: The Kakao code a subclass stands for; None on this base class (any code).
    error_code: ClassVar[int | None] = None

    def __init__(
        self,
        msg: str,
        *,
        code: int,
        http_status: int,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{msg} (code {code}, HTTP {http_status})")
        self.msg = msg
        self.code = code
        self.http_status = http_status
        self.extra: dict[str, Any] = dict(extra or {})


class InternalServerError(KakaoApiError):
    """-1: an internal error of the API server."""

    error_code = -1


class InvalidArgumentError(KakaoApiError):
    """-2: a missing, malformed or out-of-range parameter; `msg` names it."""

    error_code = -2


class AppConsentDisabledError(KakaoApiError):
    """-3: the app has not enabled the consent item this API needs (developers console)."""

    error_code = -3


class QuotaExceededError(KakaoApiError):
    """-10: the app's quota for this API is used up."""

    error_code = -10


class NotRegisteredUserError(KakaoApiError):
    """-101: the user is not linked to the app."""

    error_code = -101


class UserPropertyNotFoundError(KakaoApiError):
    """-201: a user property key the app does not declare."""

    error_code = -201


class InvalidTokenError(KakaoApiError):
    """-401: a missing, unknown, expired or revoked token or key. `reason` is Kakao's reason
    field when the body has one (`ACCESS_TOKEN_EXPIRED`)."""

    error_code = -401

    def __init__(
        self,
        msg: str,
        *,
        code: int,
        http_status: int,
        extra: Mapping[str, Any] | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(msg, code=code, http_status=http_status, extra=extra)
        self.reason = reason


class ExpiredTokenError(InvalidTokenError):
    """-401 with reason `ACCESS_TOKEN_EXPIRED`: refresh the token and call again."""


class InsufficientScopeError(KakaoApiError):
    """-402: the user has not agreed to a consent item the API needs. Ask for
    `required_scopes` (additional consent); `allowed_scopes` are those agreed."""

    error_code = -402

    def __init__(
        self,
        msg: str,
        *,
        code: int,
        http_status: int,
        extra: Mapping[str, Any] | None = None,
        api_type: str | None = None,
        required_scopes: Sequence[str] = (),
        allowed_scopes: Sequence[str] = (),
    ) -> None:
        super().__init__(msg, code=code, http_status=http_status, extra=extra)
        self.api_type = api_type
        self.required_scopes: tuple[str, ...] = tuple(required_scopes)
        self.allowed_scopes: tuple[str, ...] = tuple(allowed_scopes)


class NotTalkUserError(KakaoApiError):
    """-501: the Kakao Account is not linked to Kakao Talk."""

    error_code = -501


class MessageNotSentError(KakaoApiError):
    """A send to friends that reached no receiver: the first receiver's failure."""


class NotFriendError(MessageNotSentError):
    """-502: the receiver is no friend the sender may message in this app (or the sender)."""

    error_code = -502


class MessageRefusedError(MessageNotSentError):
    """-530: the receiver refuses the app's messages or has not agreed to talk_message."""

    error_code = -530


class SenderDailyLimitError(MessageNotSentError):
    """-532: the sender's daily message limit."""

    error_code = -532


class ReceiverDailyLimitError(MessageNotSentError):
    """-533: the receiver's daily message limit."""

    error_code = -533


class PairDailyLimitError(MessageNotSentError):
    """-536: the daily limit of one sender's messages to one receiver."""

    error_code = -536


class KakaoAuthError(KakaoError):
    """An error of the login server (`/oauth/token`): the OAuth `error`, Kakao's
    `error_description` and `error_code` (`KOE320`, `KOE322`, ...), and `http_status`."""

    def __init__(
        self,
        error: str,
        *,
        error_description: str | None,
        error_code: str | None,
        http_status: int,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        detail = f": {error_description}" if error_description else ""
        code = f" {error_code}" if error_code else ""
        super().__init__(f"{error}{code}{detail} (HTTP {http_status})")
        self.error = error
        self.error_description = error_description
        self.error_code = error_code
        self.http_status = http_status
        self.extra: dict[str, Any] = dict(extra or {})


class UnexpectedResponseError(KakaoError):
    """An answer that is not a Kakao success or error body; `text` is its start."""

    def __init__(self, message: str, *, http_status: int, text: str) -> None:
        super().__init__(f"{message} (HTTP {http_status})")
        self.http_status = http_status
        self.text = text


API_ERRORS: dict[int, type[KakaoApiError]] = {
    cls.error_code: cls
    for cls in (
        InternalServerError,
        InvalidArgumentError,
        AppConsentDisabledError,
        QuotaExceededError,
        NotRegisteredUserError,
        UserPropertyNotFoundError,
        InvalidTokenError,
        InsufficientScopeError,
        NotTalkUserError,
        NotFriendError,
        MessageRefusedError,
        SenderDailyLimitError,
        ReceiverDailyLimitError,
        PairDailyLimitError,
    )
    if cls.error_code is not None
}
