"""Errors of the login server (`/oauth/*`, docs/reference/errors.md, docs/reference/kakao-login.md).

OAuthError                       {"error", "error_description", "error_code"}
 ├── InvalidGrant               invalid_grant           400  KOE320 (code) / KOE322 (refresh)
 ├── InvalidRequest             invalid_request         400  KOE237 (issuance limit), KOE001
 ├── UnsupportedGrantType       unsupported_grant_type  400  KOE001
 ├── InvalidToken               invalid_token           400  KOE400 (POST /oauth/tokeninfo)
 └── InvalidClient              invalid_client          401  KOE101 (app key) / KOE010 (secret)

AuthorizeError                  an HTML page with HTTP 400 naming the KOE code, never a
                                redirect (KOE101, KOE006, KOE201, KOE205, ...)
"""

from __future__ import annotations

from typing import ClassVar

from talksocial.domain.errors import bounded_msg


class OAuthError(Exception):
    error: ClassVar[str] = "invalid_request"
    http_status: ClassVar[int] = 400

    def __init__(self, error_code: str, description: str) -> None:
        self.error_code = error_code
        self.description = bounded_msg(description)
        super().__init__(f"{error_code}: {description}")

    def body(self) -> dict[str, str]:
        return {
            "error": self.error,
            "error_description": self.description,
            "error_code": self.error_code,
        }


class InvalidGrant(OAuthError):
    error = "invalid_grant"


class InvalidRequest(OAuthError):
    error = "invalid_request"


class UnsupportedGrantType(OAuthError):
    error = "unsupported_grant_type"


class InvalidToken(OAuthError):
    """An id_token whose signature, issuer or expiry does not hold (`POST /oauth/tokeninfo`)."""

    error = "invalid_token"


class InvalidClient(OAuthError):
    error = "invalid_client"
    http_status = 401


def code_not_found() -> InvalidGrant:
    return InvalidGrant("KOE320", "authorization code not found for code")


def bad_refresh_token() -> InvalidGrant:
    return InvalidGrant("KOE322", "invalid refresh token")


def bad_client_id() -> InvalidClient:
    return InvalidClient("KOE101", "Bad client credentials")


def bad_client_secret() -> InvalidClient:
    return InvalidClient("KOE010", "Bad client credentials")


def issuance_limit(kind: str) -> InvalidRequest:
    return InvalidRequest("KOE237", f"too many {kind} tokens issued; try again later")


class AuthorizeError(Exception):
    """A bad authorization request: shown to the user as a page, never sent to redirect_uri
    (which may be the very thing that is wrong)."""

    def __init__(self, error_code: str, title: str, detail: str) -> None:
        self.error_code = error_code
        self.title = title
        self.detail = detail
        super().__init__(f"{error_code}: {detail}")


def unknown_client() -> AuthorizeError:
    return AuthorizeError(
        "KOE101", "Invalid app key", "The client_id is not a registered REST API key."
    )


def unregistered_redirect_uri() -> AuthorizeError:
    return AuthorizeError(
        "KOE006",
        "Unregistered redirect URI",
        "The redirect_uri is not registered for this app.",
    )


def unregistered_logout_redirect_uri() -> AuthorizeError:
    return AuthorizeError(
        "KOE007",
        "Unregistered logout redirect URI",
        "The logout_redirect_uri is not registered for this app.",
    )


def bad_response_type() -> AuthorizeError:
    return AuthorizeError("KOE201", "Unsupported response_type", "response_type must be code.")


def scope_not_used(scope: str) -> AuthorizeError:
    return AuthorizeError(
        "KOE205",
        "Consent item not set",
        f"The app does not use the consent item {scope!r}.",
    )
