"""The user APIs' part of the OpenAPI document (docs/reference/kakao-login.md#user-apis):
token info, logout, unlink, consent items, /v2/user/me, app users, user ids, update_profile."""

from __future__ import annotations

from typing import Any

from talksocial.api.openapi_parts import ADMIN_KEY, BEARER, JSON, Schema
from talksocial.api.openapi_parts import ref as _ref
from talksocial.api.params import MAX_USER_ID
from talksocial.api.user import MAX_APP_USERS, MAX_IDS_LIMIT


def _closed(properties: dict[str, Schema], required: list[str], description: str) -> Schema:
    return {"type": "object", "properties": properties, "required": required,
            "additionalProperties": False, "description": description}


_ID: Schema = {"type": "integer", "format": "int64"}
_BOOL: Schema = {"type": "boolean"}
_STR: Schema = {"type": "string"}


def user_schemas() -> dict[str, Schema]:
    return {
        "UserId": _closed({"id": _ID}, ["id"], "The user's id."),
        "AccessTokenInfo": _closed(
            {"id": _ID, "expires_in": {"type": "integer", "minimum": 0}, "app_id": _ID},
            ["id", "expires_in", "app_id"], "The token's user, seconds left and app."),
        "UserScope": _closed(
            {"id": _STR, "display_name": _STR, "type": {"const": "PRIVACY"},
             "using": _BOOL, "agreed": _BOOL,
             "revocable": {**_BOOL, "description": "Only on agreed items."}},
            ["id", "display_name", "type", "using", "agreed"], "One consent item of the app."),
        "UserScopes": _closed(
            {"id": _ID, "scopes": {"type": "array", "items": _ref("UserScope")}},
            ["id", "scopes"], "The app's consent items and the user's agreement."),
        "UserProfile": _closed(
            {"nickname": _STR, "profile_image_url": _STR, "thumbnail_image_url": _STR,
             "is_default_image": _BOOL, "is_default_nickname": _BOOL},
            [], "The Kakao Account profile (by consent)."),
        "KakaoAccount": _closed(
            {"profile_needs_agreement": _BOOL, "profile_nickname_needs_agreement": _BOOL,
             "profile_image_needs_agreement": _BOOL, "profile": _ref("UserProfile"),
             "email_needs_agreement": _BOOL, "is_email_valid": _BOOL,
             "is_email_verified": _BOOL, "email": _STR},
            [], "Each part only with its consent item."),
        "User": _closed(
            {"id": _ID,
             "connected_at": {"type": "string", "format": "date-time"},
             "properties": {
                 "type": "object", "additionalProperties": {"type": "string"},
                 "description": "`nickname`, `profile_image`, `thumbnail_image` by consent, "
                 "and the app's own user properties."},
             "kakao_account": _ref("KakaoAccount")},
            ["id", "connected_at", "kakao_account"],
            "The Kakao Account's own profile (not the Talk profile)."),
        "UserIds": _closed(
            {"elements": {"type": "array", "items": _ID}, "total_count": {"type": "integer"},
             "before_url": _STR, "after_url": _STR},
            ["elements", "total_count"], "One page of the app's user ids."),
        "RateLimitError": _closed(
            {"msg": {"const": "API limit has been exceeded."}, "code": {"const": -10}},
            ["msg", "code"], "More than 100 calls a minute."),
    }


def _json(schema: Schema, description: str) -> Schema:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _param(name: str, schema: Schema, description: str, *, required: bool = False) -> Schema:
    param: Schema = {"name": name, "in": "query", "schema": schema, "description": description}
    if required:
        param["required"] = True
    return param


_TARGET = [
    _param("target_id_type", {"type": "string", "enum": ["user_id"]},
           "With the admin key: always `user_id`."),
    _param("target_id", {"type": "integer", "format": "int64", "minimum": 1,
                         "maximum": MAX_USER_ID},
           "With the admin key: the app's user to act on (-101 when none has it)."),
]
_ID_TEXT = "[1-9][0-9]{0,18}"
_IDS_PATTERN = rf"^\[{_ID_TEXT}(,{_ID_TEXT}){{0,{MAX_APP_USERS - 1}}}\]$"
_JSON_ARRAY_OF_STRINGS = {"type": "string", "description": "A JSON array of strings."}


def user_paths(bad_request: Any, unauthorized: Schema, forbidden: Schema) -> dict[str, Schema]:
    """`bad_request(codes, description)` builds a 400 answer of the document's Error."""
    either: list[Schema] = [{BEARER: []}, {ADMIN_KEY: []}]
    me_params = [*_TARGET, _param("property_keys", _JSON_ARRAY_OF_STRINGS,
                                  "Narrows the answer, e.g. `[\"kakao_account.email\"]`.")]

    def operation(op_id: str, summary: str, security: list[Schema], ok: Schema,
                  codes: list[int], params: list[Schema] | None = None,
                  extra: dict[str, Schema] | None = None) -> Schema:
        body: Schema = {
            "operationId": op_id, "summary": summary, "tags": ["user"], "security": security,
            "responses": {"200": ok, "400": bad_request(codes, "A refused request."),
                          "401": unauthorized, **(extra or {})},
        }
        if params:
            body["parameters"] = params
        return body

    users_params = [
        _param("target_id_type", {"type": "string", "enum": ["user_id"]}, "Always `user_id`.",
               required=True),
        _param("target_ids", {"type": "string", "pattern": _IDS_PATTERN},
               "A JSON array of 1 to 100 user ids.", required=True),
        _param("property_keys", _JSON_ARRAY_OF_STRINGS, "Narrows each answer."),
    ]
    ids_params = [
        _param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_IDS_LIMIT,
                         "default": MAX_IDS_LIMIT}, "Ids per page."),
        _param("from_id", {"type": "integer", "format": "int64", "minimum": 0,
                           "maximum": MAX_USER_ID}, "Start after this id (exclusive)."),
        _param("order", {"type": "string", "enum": ["asc", "desc"], "default": "asc"},
               "Id order."),
    ]
    too_many = {"429": _json(_ref("RateLimitError"), "-10: over 100 calls a minute.")}
    return {
        "/v1/user/access_token_info": {"get": operation(
            "accessTokenInfo", "The token's user, seconds left and app", [{BEARER: []}],
            _json(_ref("AccessTokenInfo"), "The token's facts."), [-1, -10])},
        "/v2/user/me": {method: operation(
            f"userMe{method.title()}", "The Kakao Account's own profile", either,
            _json(_ref("User"), "The user; parts by consent."), [-1, -2, -10, -101], me_params)
            for method in ("get", "post")},
        "/v2/user/scopes": {"get": operation(
            "userScopes", "The app's consent items and the user's agreement", either,
            _json(_ref("UserScopes"), "One entry per item the app uses."), [-1, -2, -10, -101],
            [*_TARGET, _param("scopes", _JSON_ARRAY_OF_STRINGS, "Only these items.")])},
        "/v2/app/users": {method: operation(
            f"appUsers{method.title()}", "Several users' /v2/user/me (admin key)",
            [{ADMIN_KEY: []}],
            _json({"type": "array", "items": _ref("User"), "maxItems": MAX_APP_USERS},
                  "In the order asked; ids of no user of the app left out."),
            [-1, -2, -10], users_params)
            for method in ("get", "post")},
        "/v1/user/ids": {method: operation(
            f"userIds{method.title()}", "A page of the app's user ids (admin key)",
            [{ADMIN_KEY: []}], _json(_ref("UserIds"), "One page."), [-1, -2, -10], ids_params,
            too_many)
            for method in ("get", "post")},
        "/v1/user/logout": {"post": operation(
            "userLogout", "Log out: the token (Bearer) or every token of the user (admin key)",
            either, _json(_ref("UserId"), "Logged out."), [-1, -2, -10, -101], _TARGET)},
        "/v1/user/unlink": {"post": operation(
            "userUnlink", "Unlink the user from the app", either,
            _json(_ref("UserId"), "Unlinked."), [-1, -2, -10, -101], _TARGET)},
        "/v2/user/revoke/scopes": {"post": operation(
            "userRevokeScopes", "Withdraw optional, agreed items", either,
            _json(_ref("UserScopes"), "The items after the change."), [-1, -2, -10, -101],
            [*_TARGET, _param("scopes", _JSON_ARRAY_OF_STRINGS, "The items to revoke.",
                              required=True)],
            {"403": forbidden})},
        "/v1/user/update_profile": {"post": operation(
            "userUpdateProfile", "Store the user's custom properties", [{BEARER: []}],
            _json(_ref("UserId"), "Stored."), [-1, -2, -10, -201],
            [_param("properties", {"type": "string", "description": "A JSON object."},
                    "The properties to set (keys the app declares).", required=True)])},
    }


#: The user operations that change the world (left out of the shared server's fuzzing run).
WRITE_PATHS = ("/v1/user/logout", "/v1/user/unlink", "/v2/user/revoke/scopes",
               "/v1/user/update_profile")
