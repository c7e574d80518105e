"""The OpenAPI 3.1 document of the API, served at GET /openapi.json.

It describes what the server really sends (docs/reference/): Kakao's wire names as they are
(`nickName`, `profileImageURL`, `profile_thumbnail_image`, ...), fields that may be left out
(null fields are omitted) never `required`, every Kakao error body, and parameters with the
exact bounds the server enforces. Response objects are closed (`additionalProperties: false`)
so a conformance check of a live server against this document means something.
"""

from __future__ import annotations

from typing import Any

from talksocial.api.openapi_login import login_paths, login_schemas
from talksocial.api.openapi_messages import message_paths, message_schemas
from talksocial.api.openapi_parts import ADMIN_KEY, BEARER, FORM, JSON, Schema
from talksocial.api.openapi_parts import ref as _ref
from talksocial.api.openapi_user import user_paths, user_schemas
from talksocial.api.params import MAX_USER_ID
from talksocial.api.talk import MAX_TARGETS
from talksocial.domain.friends import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET


def _closed(
    properties: dict[str, Schema], required: list[str], description: str | None = None
) -> Schema:
    schema: Schema = {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
    if description is not None:
        schema["description"] = description
    return schema


_USER_ID: Schema = {"type": "integer", "format": "int64"}
_COUNT: Schema = {"type": "integer", "minimum": 0}


def _schemas() -> dict[str, Schema]:
    return {
        "TalkProfile": _closed(
            {
                "id": {**_USER_ID, "description": "The caller's service user ID."},
                "nickName": {
                    "type": "string",
                    "description": "Kakao Talk nickname. Needs `profile` or `profile_nickname`.",
                },
                "profileImageURL": {
                    "type": "string",
                    "description": "640x640 profile image URL. Needs `profile` or `profile_image`.",
                },
                "thumbnailURL": {
                    "type": "string",
                    "description": "110x110 thumbnail URL. Needs `profile` or `profile_image`.",
                },
            },
            ["id"],
            "The caller's own default Kakao Talk profile.",
        ),
        "Friend": _closed(
            {
                "profile_nickname": {
                    "type": "string",
                    "description": "The nickname the caller sees (a multi-profile's, where "
                    "one applies).",
                },
                "profile_thumbnail_image": {
                    "type": "string",
                    "description": "The thumbnail the caller sees; left out without an image.",
                },
                "id": {**_USER_ID, "description": "The friend's service user ID in this app."},
                "uuid": {
                    "type": "string",
                    "description": "The friend's app-scoped uuid (for Kakao Talk messages).",
                },
                "favorite": {"type": "boolean"},
            },
            ["profile_nickname", "id", "uuid", "favorite"],
        ),
        "Friends": _closed(
            {
                "elements": {"type": "array", "items": _ref("Friend"), "maxItems": MAX_LIMIT},
                "total_count": {**_COUNT, "description": "Listable friends."},
                "before_url": {
                    "type": "string",
                    "format": "uri",
                    "description": "Previous page; only when offset > 0.",
                },
                "after_url": {
                    "type": "string",
                    "format": "uri",
                    "description": "Next page; only when offset + limit < total_count.",
                },
                "favorite_count": {**_COUNT, "description": "Favorites among the listable."},
            },
            ["elements", "total_count", "favorite_count"],
            "One page of the caller's friends.",
        ),
        "TalkProfileInfo": _closed(
            {
                "user_id": _USER_ID,
                "nickname": {"type": "string"},
                "profile_image_url": {"type": "string"},
                "thumbnail_image_url": {"type": "string"},
            },
            ["user_id"],
            "A profile as the viewer sees it; fields follow the user's agreed scopes; an "
            "account not on Kakao Talk yields `user_id` alone.",
        ),
        "TalkProfiles": _closed(
            {
                "viewer": {
                    **_ref("TalkProfileInfo"),
                    "description": "Only when `viewer_id` was sent.",
                },
                "targets": {
                    "type": "array",
                    "items": _ref("TalkProfileInfo"),
                    "minItems": 1,
                    "maxItems": MAX_TARGETS,
                    "description": "In the order of `target_ids`.",
                },
            },
            ["targets"],
        ),
        "Error": _closed(
            {
                "msg": {"type": "string", "description": "For people; branch on `code`."},
                "code": {"type": "integer", "enum": [-1, -2, -10, -101, -201, -501]},
            },
            ["msg", "code"],
            "-1 internal error, -2 bad parameter (the message names it), -10 quota "
            "exceeded, -101 user not linked to the app, -201 user property not declared, "
            "-501 not a Kakao Talk user.",
        ),
        "InvalidCredentialError": _closed(
            {
                "msg": {
                    "type": "string",
                    "examples": [
                        "no authentication key!",
                        "this access token does not exist",
                        "this access token is already expired",
                        "invalid app key.",
                    ],
                },
                "code": {"const": -401},
                "reason": {
                    "enum": ["ACCESS_TOKEN_EXPIRED"],
                    "description": "Only for an expired access token.",
                },
            },
            ["msg", "code"],
        ),
        "AppConsentNotEnabledError": _closed(
            {"msg": {"type": "string"}, "code": {"const": -3}},
            ["msg", "code"],
            "The app has not enabled the consent item the API needs.",
        ),
        "OidcUserInfo": _closed(
            {
                "sub": {"type": "string", "description": "The user's service user ID."},
                "nickname": {
                    "type": "string",
                    "description": "Needs `profile` or `profile_nickname`.",
                },
                "picture": {
                    "type": "string",
                    "description": "The 110x110 thumbnail URL. Needs `profile` or "
                    "`profile_image`.",
                },
                "email": {
                    "type": "string",
                    "description": "Needs `account_email`; left out while the address is not "
                    "valid.",
                },
                "email_verified": {"type": "boolean", "description": "Sent with `email`."},
            },
            ["sub"],
            "OpenID Connect userinfo: the user's claims by consent.",
        ),
        "InsufficientScopesError": _closed(
            {
                "msg": {"const": "insufficient scopes."},
                "code": {"const": -402},
                "api_type": {"type": "string", "examples": ["FRIENDS"]},
                "required_scopes": {"type": "array", "items": {"type": "string"}},
                "allowed_scopes": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "The scopes the user agreed to.",
                },
            },
            ["msg", "code", "api_type", "required_scopes", "allowed_scopes"],
        ),
        **message_schemas(),
        **login_schemas(),
        **user_schemas(),
    }


def _json(schema: Schema, description: str) -> Schema:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _bad_request(codes: list[int], description: str) -> Schema:
    return _json({"allOf": [_ref("Error"), {"properties": {"code": {"enum": codes}}}]}, description)


def _unauthorized() -> Schema:
    return _json(
        _ref("InvalidCredentialError"),
        "-401: missing, unknown, expired or revoked credential, or the wrong kind of key.",
    )


_FORBIDDEN = {
    "AppConsentNotEnabledError": "-3: the app has not enabled the consent item.",
    "InsufficientScopesError": "-402: the user has not agreed to the scope.",
}


def _forbidden(*names: str) -> Schema:
    schema = _ref(names[0]) if len(names) == 1 else {"oneOf": [_ref(n) for n in names]}
    return _json(schema, " ".join(_FORBIDDEN[n] for n in names))


def _query(name: str, schema: Schema, description: str, **extra: Any) -> Schema:
    return {"name": name, "in": "query", "schema": schema, "description": description, **extra}


def _friends_parameters() -> list[Schema]:
    return [
        _query(
            "offset",
            {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
            "Where the page starts; past the end gives an empty page.",
        ),
        _query(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
            "Friends per page.",
            example=3,
        ),
        _query(
            "order",
            {"type": "string", "enum": ["asc", "desc"], "default": "asc"},
            "Nickname order.",
        ),
        _query(
            "friend_order",
            {"type": "string", "enum": ["favorite", "nickname"], "default": "favorite"},
            "`favorite`: favorites first, each block in `order`; `nickname`: by nickname only.",
        ),
        _query(
            "secure_resource",
            {"type": "boolean"},
            "Accepted and ignored (image URLs are served as stored).",
        ),
        {
            "name": "KA",
            "in": "header",
            "schema": {"type": "string"},
            "description": "Kakao SDK header such as `sdk/1.39.0 os/android-30 lang/en-US`: a "
            "`lang/` value not starting with `ko` sorts in English order; absent, Korean.",
            "example": "sdk/1.39.0 os/android-30 lang/en-US",
        },
    ]


# `[1,2]` (a JSON array, as Kakao's own sample sends it) or `1,2`; 1 to 100 user ids.
_ID = "[1-9][0-9]{0,18}"
_ID_LIST = f"{_ID}(,{_ID}){{0,{MAX_TARGETS - 1}}}"
TARGET_IDS_PATTERN = rf"^(\[{_ID_LIST}\]|{_ID_LIST})$"

# The seed's sample: viewer 12345 sees targets 9876 and 5432 (the demo world has them).
PROFILES_EXAMPLE: dict[str, str | int] = {
    "target_ids": "[9876,5432]",
    "target_id_type": "user_id",
    "viewer_id": 12345,
    "viewer_id_type": "user_id",
}


def _profiles_fields() -> dict[str, Schema]:
    return {
        "target_ids": {
            "type": "string",
            "pattern": TARGET_IDS_PATTERN,
            "description": "1 to 100 user ids (positive int64) as a JSON array `[1,2]` or "
            "as `1,2`; every one must be linked to the app (else -2). Duplicates are answered "
            "as given.",
            "examples": ["[9876,5432]"],
        },
        "target_id_type": {
            "type": "string",
            "enum": ["user_id"],
            "description": "What `target_ids` are: always `user_id`.",
        },
        "viewer_id": {
            "type": "integer",
            "format": "int64",
            "minimum": 1,
            "maximum": MAX_USER_ID,
            "description": "Whose view of the targets to return (multi-profiles); must be "
            "linked to the app (else -101).",
            "examples": [12345],
        },
        "viewer_id_type": {
            "type": "string",
            "enum": ["user_id"],
            "description": "What `viewer_id` is: `user_id`, which is also assumed when left out.",
        },
    }


def _profiles_parameters(*, in_body_too: bool) -> list[Schema]:
    fields = _profiles_fields()
    required = {"target_ids", "target_id_type"}
    note = " May also come in the form body; a form value wins." if in_body_too else ""
    params = []
    for name, schema in fields.items():
        param = _query(name, schema, str(schema.get("description", name)) + note)
        if name in required and not in_body_too:
            param["required"] = True
        param["example"] = PROFILES_EXAMPLE[name]
        params.append(param)
    return params


def _profiles_operation(method: str) -> Schema:
    operation: Schema = {
        "operationId": f"talkProfiles{method.capitalize()}",
        "summary": "Kakao Talk profiles of the app's users, as a viewer sees them",
        "description": "Parameters come from the query string or an "
        "`application/x-www-form-urlencoded` body, for GET and POST alike (Kakao's own "
        "sample sends a form body with `curl -X GET`). Checks: the key (-401), the app's "
        "profile items (-3), the parameters (-2), the viewer (-101), every target (-2).",
        "tags": ["talk"],
        "security": [{ADMIN_KEY: []}],
        "parameters": _profiles_parameters(in_body_too=method == "post"),
        "responses": {
            "200": _json(_ref("TalkProfiles"), "The profiles, targets in the order asked."),
            "400": _bad_request(
                [-1, -2, -10, -101],
                "-2 bad parameter or unregistered target; -101 unregistered viewer.",
            ),
            "401": _unauthorized(),
            "403": _forbidden("AppConsentNotEnabledError"),
        },
    }
    if method == "post":
        operation["requestBody"] = {
            "required": False,
            "description": "The parameters as a form (the usual way); those left out are "
            "taken from the query string.",
            "content": {
                FORM: {
                    "schema": {
                        "type": "object",
                        "properties": _profiles_fields(),
                        "required": ["target_ids", "target_id_type"],
                    },
                    "example": dict(PROFILES_EXAMPLE),
                }
            },
        }
    return operation


def _paths() -> dict[str, Schema]:
    return {
        "/v1/api/talk/profile": {
            "get": {
                "operationId": "talkProfile",
                "summary": "The caller's Kakao Talk profile",
                "tags": ["talk"],
                "security": [{BEARER: []}],
                "responses": {
                    "200": _json(_ref("TalkProfile"), "The profile; fields follow the scopes."),
                    "400": _bad_request([-1, -10, -501], "-501: not a Kakao Talk user."),
                    "401": _unauthorized(),
                    "403": _forbidden("AppConsentNotEnabledError"),
                },
            }
        },
        "/v1/api/talk/friends": {
            "get": {
                "operationId": "talkFriends",
                "summary": "A page of the caller's Kakao Talk friends who use the app",
                "tags": ["talk"],
                "security": [{BEARER: []}],
                "parameters": _friends_parameters(),
                "responses": {
                    "200": _json(_ref("Friends"), "One page of friends."),
                    "400": _bad_request(
                        [-1, -2, -10, -501], "-2 bad parameter; -501 not a Kakao Talk user."
                    ),
                    "401": _unauthorized(),
                    "403": _forbidden("AppConsentNotEnabledError", "InsufficientScopesError"),
                },
            }
        },
        "/v2/api/talk/profiles": {
            "get": _profiles_operation("get"),
            "post": _profiles_operation("post"),
        },
        "/v1/oidc/userinfo": {
            method: {
                "operationId": f"oidcUserInfo{method.title()}",
                "summary": "OpenID Connect userinfo (needs the `openid` item)",
                "tags": ["login"],
                "security": [{BEARER: []}],
                "responses": {
                    "200": _json(_ref("OidcUserInfo"), "The claims; fields follow the scopes."),
                    "400": _bad_request([-1, -10], "-1 internal error; -10 quota."),
                    "401": _unauthorized(),
                    "403": _forbidden("InsufficientScopesError"),
                },
            }
            for method in ("get", "post")
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "tags": ["meta"],
                "security": [],
                "responses": {
                    "200": _json(
                        {"type": "object", "required": ["openapi", "info", "paths"]},
                        "The OpenAPI 3.1 document.",
                    ),
                },
            }
        },
        **message_paths(
            _unauthorized(),
            _forbidden("AppConsentNotEnabledError", "InsufficientScopesError"),
        ),
        **login_paths(),
        **user_paths(_bad_request, _unauthorized(), _forbidden("AppConsentNotEnabledError")),
        **_control_paths(),
    }


OPERATOR = "operatorToken"

#: The control plane (`control.routes`): (path, method, operationId, summary, success status).
_CONTROL_OPERATIONS: list[tuple[str, str, str, str, int]] = [
    ("/clock", "get", "controlClock", "Read the server clock", 200),
    ("/clock", "post", "controlSetClock",
     "Set the clock: one of offset_seconds, now (ISO 8601), advance_seconds", 200),
    ("/apps", "get", "controlListApps", "List apps with keys and consent items", 200),
    ("/apps", "post", "controlCreateApp", "Create an app (fields of a seed file's app)", 201),
    ("/apps/{app_id}", "get", "controlGetApp", "One app", 200),
    ("/apps/{app_id}", "patch", "controlUpdateApp", "Change an app", 200),
    ("/apps/{app_id}", "delete", "controlDeleteApp", "Delete an app, its links and tokens", 204),
    ("/accounts", "get", "controlListAccounts", "List accounts", 200),
    ("/accounts", "post", "controlCreateAccount", "Create an account", 201),
    ("/accounts/{key}", "get", "controlGetAccount",
     "One account with multi-profiles, friends, links", 200),
    ("/accounts/{key}", "patch", "controlUpdateAccount",
     "Change an account (key, talk_user, profile, account_profile, password)", 200),
    ("/accounts/{key}", "delete", "controlDeleteAccount", "Delete an account", 204),
    ("/accounts/{key}/profile", "get", "controlGetProfile", "The Talk and account profiles", 200),
    ("/accounts/{key}/profile", "put", "controlSetProfile", "Change the Talk profile", 200),
    ("/accounts/{key}/account_profile", "put", "controlSetAccountProfile",
     "Set the Kakao Account profile", 200),
    ("/accounts/{key}/account_profile", "delete", "controlDeleteAccountProfile",
     "Mirror the Talk profile again", 204),
    ("/accounts/{key}/multi_profiles", "get", "controlListMultiProfiles", "Multi-profiles", 200),
    ("/accounts/{key}/multi_profiles", "post", "controlCreateMultiProfile",
     "Add a multi-profile (at most 3) with shown_to", 201),
    ("/accounts/{key}/multi_profiles/{mp}", "patch", "controlUpdateMultiProfile",
     "Change a multi-profile", 200),
    ("/accounts/{key}/multi_profiles/{mp}", "delete", "controlDeleteMultiProfile",
     "Delete a multi-profile", 204),
    ("/accounts/{key}/friends", "get", "controlListFriends", "The friend list", 200),
    ("/accounts/{key}/friends/{friend}", "put", "controlSetFriend",
     "Add or change a friend entry (favorite, hidden, blocked, multi_profile)", 200),
    ("/accounts/{key}/friends/{friend}", "delete", "controlRemoveFriend",
     "Remove a friend entry", 204),
    ("/links", "get", "controlListLinks", "Links (filters: app, account)", 200),
    ("/links", "post", "controlLink", "Link an account to an app", 201),
    ("/links/{app_id}/{key}", "get", "controlGetLink", "One link", 200),
    ("/links/{app_id}/{key}", "patch", "controlUpdateLink", "Change user_id, uuid, scopes", 200),
    ("/links/{app_id}/{key}", "delete", "controlUnlink",
     "Unlink (tokens revoked); referrer_type UNLINK_FROM_ADMIN (default) or UNLINK_FROM_APPS "
     "calls the app's unlink callback", 204),
    ("/webhooks", "get", "controlWebhooks", "The unlink callback's deliveries (app)", 200),
    ("/webhooks/{delivery_id}/resend", "post", "controlResendWebhook",
     "Call the unlink callback again with what a delivery sent", 201),
    ("/links/{app_id}/{key}/scopes", "put", "controlSetConsents", "Set the agreed items", 200),
    ("/tokens", "post", "controlIssueToken", "Issue an access token", 201),
    ("/export", "get", "controlExport", "The world as a seed document", 200),
    ("/import", "post", "controlImport", "Load a seed document (an upsert)", 200),
    ("/reset", "post", "controlReset", "Back to the world right after start-up", 200),
    ("/faults", "get", "controlListFaults", "Fault rules", 200),
    ("/faults", "post", "controlAddFault", "Add a fault rule", 201),
    ("/faults", "delete", "controlClearFaults", "Delete every fault rule", 200),
    ("/faults/{fault_id}", "get", "controlGetFault", "One fault rule", 200),
    ("/faults/{fault_id}", "delete", "controlDeleteFault", "Delete a fault rule", 204),
    ("/quotas", "get", "controlQuotas", "Daily limits and today's usage (KST day)", 200),
    ("/quotas/{app_id}/kakao", "post", "controlKakaoQuotas", "Kakao's own daily limits", 200),
    ("/quotas/{app_id}/{api}", "put", "controlSetQuota", "Set an API's daily limit", 200),
    ("/quotas/{app_id}/{api}", "delete", "controlClearQuota", "Remove a daily limit", 204),
    ("/journal", "get", "controlJournal", "The last requests, secrets masked", 200),
    ("/journal", "delete", "controlClearJournal", "Empty the journal", 204),
    ("/messages", "get", "controlMessages",
     "Delivered Talk messages, newest first (app, account, since, limit, offset)", 200),
    ("/messages", "delete", "controlClearMessages", "Empty the inbox", 200),
    ("/apps/{app_id}/message_templates", "get", "controlListMessageTemplates",
     "An app's custom message templates", 200),
    ("/apps/{app_id}/message_templates", "post", "controlCreateMessageTemplate",
     "Register a custom message template (id, template_object)", 201),
    ("/apps/{app_id}/message_templates/{template_id}", "get", "controlGetMessageTemplate",
     "One custom message template", 200),
    ("/apps/{app_id}/message_templates/{template_id}", "put", "controlReplaceMessageTemplate",
     "Replace a custom message template", 200),
    ("/apps/{app_id}/message_templates/{template_id}", "delete",
     "controlDeleteMessageTemplate", "Delete a custom message template", 204),
]


def _control_paths() -> dict[str, Schema]:
    """The control plane, not Kakao's API: for operators and tests (the schemathesis run leaves
    `/_talksocial/` out)."""
    error = _json(
        {"type": "object", "required": ["msg", "code"],
         "properties": {"msg": {"type": "string"}, "code": {"type": "integer"}}},
        "Refused: the message says why.",
    )
    paths: dict[str, Schema] = {}
    for path, method, operation_id, summary, status in _CONTROL_OPERATIONS:
        params = [
            {"name": name, "in": "path", "required": True,
             "schema": {"type": "integer"} if name in ("app_id", "fault_id", "delivery_id")
             else {"type": "string"}}
            for name in ("app_id", "key", "mp", "friend", "fault_id", "api", "template_id",
                         "delivery_id")
            if "{" + name + "}" in path
        ]
        operation: Schema = {
            "operationId": operation_id,
            "summary": summary,
            "tags": ["control"],
            "security": [{OPERATOR: []}],
            "responses": {
                str(status): (
                    {"description": "Done."} if status == 204
                    else _json({"type": "object"}, "Done.")
                ),
                "400": error,
                "401": error,
                "403": error,
                "404": error,
                "409": error,
            },
        }
        if params:
            operation["parameters"] = params
        if method in ("post", "put", "patch"):
            operation["requestBody"] = {
                "required": False,
                "content": {JSON: {"schema": {"type": "object"}}},
            }
        paths.setdefault("/_talksocial" + path, {})[method] = operation
    return paths


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "talksocial",
            "version": "0.1.0",
            "summary": "A self-hostable, faithful implementation of the Kakao Talk Social REST API",
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "tags": [
            {"name": "talk", "description": "Kakao Talk Social"},
            {"name": "message", "description": "Kakao Talk messages (to me and to friends)"},
            {"name": "login", "description": "Kakao Login and its OpenID Connect"},
            {"name": "user", "description": "Kakao Login's user APIs"},
            {"name": "meta", "description": "About this server"},
            {"name": "control", "description": "The control plane (operators and tests)"},
        ],
        "paths": _paths(),
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {
                BEARER: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A user's access token: `Authorization: Bearer {token}`. "
                    "Without an Authorization header, an `access_token` query or form parameter "
                    "is accepted instead, as Kakao accepts it.",
                },
                OPERATOR: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The operator token (`--operator-token`), also accepted as "
                    "`X-Talksocial-Operator-Token`; not needed on a loopback server without one.",
                },
                ADMIN_KEY: {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "The app's admin key: `Authorization: KakaoAK {admin key}`.",
                },
            },
        },
    }
