"""The Talk Message API's part of the OpenAPI document (docs/reference/messages.md): six
form-urlencoded POST operations and their answers."""

from __future__ import annotations

from talksocial.api.openapi_parts import BEARER, FORM, JSON, Schema
from talksocial.api.openapi_parts import ref as _ref
from talksocial.domain import messages as rules

MESSAGE_ERROR_CODES = [-1, -2, -10, -501, -502, -530, -532, -533, -536]
_FAILURE_CODES = [-502, -530, -532, -533, -536]


def message_schemas() -> dict[str, Schema]:
    return {
        "MessageSent": {
            "type": "object",
            "properties": {"result_code": {"const": 0}},
            "required": ["result_code"],
            "additionalProperties": False,
            "description": "A message sent to the caller's own chat.",
        },
        "FriendsMessageSent": {
            "type": "object",
            "properties": {
                "successful_receiver_uuids": {
                    "type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 5,
                },
                "failure_info": {
                    "type": "array",
                    "description": "Only when some receivers were not reached: one entry per "
                    "code.",
                    "items": {
                        "type": "object",
                        "properties": {
                            "code": {"enum": _FAILURE_CODES},
                            "msg": {"type": "string"},
                            "receiver_uuids": {"type": "array", "items": {"type": "string"},
                                               "minItems": 1},
                        },
                        "required": ["code", "msg", "receiver_uuids"],
                        "additionalProperties": False,
                    },
                },
            },
            "required": ["successful_receiver_uuids"],
            "additionalProperties": False,
        },
        "MessageError": {
            "type": "object",
            "properties": {
                "msg": {"type": "string"},
                "code": {"enum": MESSAGE_ERROR_CODES},
            },
            "required": ["msg", "code"],
            "additionalProperties": False,
            "description": "-2 bad parameter (named), -10 the app's daily message limit, -501 "
            "not a Kakao Talk user; to friends, when no receiver was reached, the first "
            "receiver's failure (-502, -530, -532, -533, -536).",
        },
    }


# The examples are the demo world's (`talksocial serve --demo`).
_FIELDS: dict[str, Schema] = {
    "template_object": {"type": "string", "description": "A template object as JSON: "
                        "object_type feed, list, location, commerce, text or calendar.",
                        "examples": ['{"object_type":"text","text":"Hello",'
                                     '"link":{"web_url":"http://localhost:3000"}}']},
    "template_id": {"type": "string", "pattern": "^[0-9]{1,18}$",
                    "description": "A custom template registered in the app.",
                    "examples": ["5678"]},
    "template_args": {"type": "string",
                      "description": "A JSON object of strings for the template's ${name}.",
                      "examples": ['{"name":"Apeach"}']},
    "request_url": {"type": "string",
                    "description": "A page on one of the app's registered web domains.",
                    "examples": ["http://localhost:3000/"]},
    "receiver_uuids": {"type": "string",
                       "description": "A JSON array of 1 to 5 friends' uuids.",
                       "examples": ['["abcdefg0001"]']},
}

_OPERATIONS: list[tuple[str, str, str, list[str], list[str]]] = [
    (rules.MEMO_DEFAULT, "talkMemoDefaultSend", "Send a message to my own chat",
     ["template_object"], []),
    (rules.MEMO_CUSTOM, "talkMemoSend", "Send a custom template to my own chat",
     ["template_id"], ["template_args"]),
    (rules.MEMO_SCRAP, "talkMemoScrapSend", "Send a web page's preview to my own chat",
     ["request_url"], ["template_id", "template_args"]),
    (rules.FRIENDS_DEFAULT, "talkFriendsMessageDefaultSend", "Send a message to friends",
     ["receiver_uuids", "template_object"], []),
    (rules.FRIENDS_CUSTOM, "talkFriendsMessageSend", "Send a custom template to friends",
     ["receiver_uuids", "template_id"], ["template_args"]),
    (rules.FRIENDS_SCRAP, "talkFriendsMessageScrapSend", "Send a web page's preview to friends",
     ["receiver_uuids", "request_url"], ["template_id", "template_args"]),
]


def message_paths(unauthorized: Schema, forbidden: Schema) -> dict[str, Schema]:
    paths: dict[str, Schema] = {}
    for path, operation_id, summary, required, optional in _OPERATIONS:
        to_me = path in rules.MEMO_ENDPOINTS
        ok = _ref("MessageSent") if to_me else _ref("FriendsMessageSent")
        paths[path] = {
            "post": {
                "operationId": operation_id,
                "summary": summary,
                "tags": ["message"],
                "security": [{BEARER: []}],
                "requestBody": {
                    "required": True,
                    "content": {FORM: {"schema": {
                        "type": "object",
                        "properties": {name: _FIELDS[name] for name in required + optional},
                        "required": required,
                    }}},
                },
                "responses": {
                    "200": {"description": "Sent (to friends: to at least one receiver).",
                            "content": {JSON: {"schema": ok}}},
                    "400": {"description": "Not sent.",
                            "content": {JSON: {"schema": _ref("MessageError")}}},
                    "401": unauthorized,
                    "403": forbidden,
                },
            }
        }
    return paths
