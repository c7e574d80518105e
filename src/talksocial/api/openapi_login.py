"""Kakao Login's part of the OpenAPI document (docs/reference/kakao-login.md): the authorize and
logout pages (HTML and redirects), the token and tokeninfo endpoints (JSON in the login
server's error form), and OpenID Connect discovery and JWKS.

The login pages are for browsers: the document states their parameters, that they answer HTML
(200 a page, 400 an error page naming the KOE code) or a redirect (302), and nothing more."""

from __future__ import annotations

from talksocial.api.openapi_parts import FORM, HTML, JSON, Schema
from talksocial.api.openapi_parts import ref as _ref

#: The codes `POST /oauth/token` and `POST /oauth/tokeninfo` answer with.
TOKEN_ERROR_CODES = ["KOE001", "KOE010", "KOE101", "KOE237", "KOE320", "KOE322"]


def _closed(properties: dict[str, Schema], required: list[str], description: str) -> Schema:
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
        "description": description,
    }


_STRING: Schema = {"type": "string"}
_STRINGS: Schema = {"type": "array", "items": {"type": "string"}}


def login_schemas() -> dict[str, Schema]:
    return {
        "LoginError": _closed(
            {
                "error": {
                    "enum": ["invalid_request", "invalid_grant", "unsupported_grant_type",
                             "invalid_client", "invalid_token"],
                },
                "error_description": _STRING,
                "error_code": {"type": "string", "pattern": "^KOE[0-9]{3}$"},
            },
            ["error", "error_description", "error_code"],
            "An error of the login server: KOE320 unknown, used or expired code (or a "
            "redirect_uri / PKCE verifier that does not match); KOE322 bad refresh token; "
            "KOE001 unsupported grant_type or a malformed request; KOE237 the issuance limit; "
            "KOE101 unknown client_id; KOE010 wrong client_secret; KOE400 a bad id_token.",
        ),
        "TokenResponse": _closed(
            {
                "token_type": {"const": "bearer"},
                "access_token": _STRING,
                "expires_in": {"type": "integer", "minimum": 0},
                "refresh_token": {
                    "type": "string",
                    "description": "Only with a new refresh token: a code exchange, or a "
                    "refresh when the old one had under 30 days left.",
                },
                "refresh_token_expires_in": {"type": "integer", "minimum": 0},
                "scope": {"type": "string", "description": "The agreed items, space separated."},
                "id_token": {"type": "string", "description": "Only with the `openid` item."},
            },
            ["token_type", "access_token", "expires_in", "scope"],
            "Tokens of an authorization_code or refresh_token grant.",
        ),
        "IdTokenClaims": _closed(
            {
                "iss": _STRING,
                "aud": _STRING,
                "sub": _STRING,
                "iat": {"type": "integer"},
                "exp": {"type": "integer"},
                "auth_time": {"type": "integer"},
                "nonce": _STRING,
                "nickname": _STRING,
                "picture": _STRING,
                "email": _STRING,
            },
            ["iss", "aud", "sub", "iat", "exp", "auth_time"],
            "The claims of a valid id_token; nickname, picture and email follow the scopes.",
        ),
        "OpenIdConfiguration": _closed(
            {
                "issuer": _STRING,
                "authorization_endpoint": _STRING,
                "token_endpoint": _STRING,
                "userinfo_endpoint": _STRING,
                "jwks_uri": _STRING,
                "response_types_supported": _STRINGS,
                "response_modes_supported": _STRINGS,
                "subject_types_supported": _STRINGS,
                "id_token_signing_alg_values_supported": _STRINGS,
                "grant_types_supported": _STRINGS,
                "code_challenge_methods_supported": _STRINGS,
                "token_endpoint_auth_methods_supported": _STRINGS,
                "scopes_supported": _STRINGS,
                "claims_supported": _STRINGS,
                "request_uri_parameter_supported": {"type": "boolean"},
            },
            ["issuer", "authorization_endpoint", "token_endpoint", "userinfo_endpoint",
             "jwks_uri", "response_types_supported", "subject_types_supported",
             "id_token_signing_alg_values_supported"],
            "OpenID Connect discovery.",
        ),
        "Jwks": _closed(
            {
                "keys": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "kty": {"const": "RSA"},
                            "kid": _STRING,
                            "use": {"const": "sig"},
                            "alg": {"const": "RS256"},
                            "n": _STRING,
                            "e": _STRING,
                            "key_ops": _STRINGS,
                        },
                        "required": ["kty", "kid", "use", "alg", "n", "e"],
                        "additionalProperties": False,
                    },
                },
            },
            ["keys"],
            "The public keys that sign id_tokens.",
        ),
    }


def _query(name: str, schema: Schema, description: str, required: bool = False) -> Schema:
    return {"name": name, "in": "query", "schema": schema, "description": description,
            "required": required}


def _json(schema: Schema, description: str) -> Schema:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _page(description: str) -> Schema:
    return {"description": description, "content": {HTML: {"schema": {"type": "string"}}}}


def _redirect(description: str) -> Schema:
    return {
        "description": description,
        "headers": {"Location": {"required": True, "schema": {"type": "string"}}},
    }


_AUTHORIZE_PARAMETERS = [
    _query("client_id", _STRING, "The app's REST API key (or JavaScript key, native app key).",
           required=True),
    _query("redirect_uri", _STRING, "One of the app's redirect URIs, exactly.", required=True),
    _query("response_type", {"const": "code"}, "Always `code`.", required=True),
    _query("scope", _STRING, "Items to ask for again (additional consent), comma or space "
           "separated."),
    _query("state", _STRING, "Echoed back to redirect_uri."),
    _query("prompt", _STRING, "A comma list of login, none, create, select_account; none with "
           "another value is an invalid_request redirect."),
    _query("login_hint", _STRING, "Pre-fills the account (an account ID or email)."),
    _query("nonce", _STRING, "Copied into the id_token."),
    _query("code_challenge", _STRING, "PKCE: the base64url S256 hash of the code_verifier."),
    _query("code_challenge_method", {"const": "S256"}, "PKCE: S256 only."),
]

_TOKEN_FORM = {
    "type": "object",
    "properties": {
        "grant_type": {"enum": ["authorization_code", "refresh_token"]},
        "client_id": {"type": "string", "description": "The app's REST API key."},
        "redirect_uri": {"type": "string", "description": "As in the authorization request "
                         "(may be left out)."},
        "code": {"type": "string", "description": "authorization_code: the code."},
        "code_verifier": {"type": "string", "description": "PKCE: the verifier."},
        "refresh_token": {"type": "string", "description": "refresh_token: the refresh token."},
        "client_secret": {"type": "string", "description": "For an app that has one."},
    },
    "required": ["grant_type", "client_id"],
}


def login_paths() -> dict[str, Schema]:
    token_error = _json(_ref("LoginError"), "invalid_grant, unsupported_grant_type, "
                        "invalid_request (" + ", ".join(TOKEN_ERROR_CODES) + ").")
    no_store = {"Cache-Control": {"required": True, "schema": {"const": "no-store"}}}
    return {
        "/oauth/authorize": {
            "get": {
                "operationId": "oauthAuthorize",
                "summary": "Kakao Login: the login, sign-up or consent page of an authorization",
                "tags": ["login"],
                "security": [],
                "parameters": _AUTHORIZE_PARAMETERS,
                "responses": {
                    "200": _page("The login, sign-up or consent page."),
                    "302": _redirect("To redirect_uri with `code` and `state`, or with `error` "
                                     "(access_denied, login_required, consent_required, "
                                     "invalid_request) and `state`."),
                    "400": _page("An error page naming the KOE code (KOE101, KOE006, KOE201, "
                                 "KOE205, KOE001); never a redirect."),
                },
            }
        },
        "/oauth/logout": {
            "get": {
                "operationId": "oauthLogout",
                "summary": "Kakao Login: end the browser's login session",
                "tags": ["login"],
                "security": [],
                "parameters": [
                    _query("client_id", _STRING, "The app's REST API key.", required=True),
                    _query("logout_redirect_uri", _STRING, "One of the app's "
                           "logout_redirect_uris, exactly.", required=True),
                    _query("state", _STRING, "Added to logout_redirect_uri."),
                ],
                "responses": {
                    "302": _redirect("To logout_redirect_uri with `state`."),
                    "400": _page("An error page naming the KOE code (KOE101 unknown client, "
                                 "KOE007 unregistered logout_redirect_uri, KOE001)."),
                },
            }
        },
        "/oauth/token": {
            "post": {
                "operationId": "oauthToken",
                "summary": "Kakao Login: tokens for an authorization code or a refresh token",
                "tags": ["login"],
                "security": [],
                "requestBody": {"required": True, "content": {FORM: {"schema": _TOKEN_FORM}}},
                "responses": {
                    "200": {**_json(_ref("TokenResponse"), "The tokens."), "headers": no_store},
                    "400": {**token_error, "headers": no_store},
                    "401": {
                        **_json(_ref("LoginError"), "invalid_client: KOE101 unknown client_id, "
                                "KOE010 wrong client_secret."),
                        "headers": no_store,
                    },
                },
            }
        },
        "/oauth/tokeninfo": {
            "post": {
                "operationId": "oauthTokenInfo",
                "summary": "The claims of an id_token whose signature, issuer and expiry hold",
                "tags": ["login"],
                "security": [],
                "requestBody": {
                    "required": True,
                    "content": {FORM: {"schema": {
                        "type": "object",
                        "properties": {"id_token": {"type": "string"}},
                        "required": ["id_token"],
                    }}},
                },
                "responses": {
                    "200": _json(_ref("IdTokenClaims"), "The claims."),
                    "400": _json(_ref("LoginError"), "invalid_token KOE400."),
                },
            }
        },
        "/.well-known/openid-configuration": {
            "get": {
                "operationId": "openidConfiguration",
                "summary": "OpenID Connect discovery",
                "tags": ["login"],
                "security": [],
                "responses": {"200": _json(_ref("OpenIdConfiguration"), "The document.")},
            }
        },
        "/.well-known/jwks.json": {
            "get": {
                "operationId": "jwks",
                "summary": "The id_token signing keys",
                "tags": ["login"],
                "security": [],
                "responses": {"200": _json(_ref("Jwks"), "The keys.")},
            }
        },
    }
