"""The Kakao Talk Message API's rules (docs/reference/messages.md): what a template object must
hold, how `${name}` arguments fill a custom template, which receiver list is well formed, the
daily limits, and the per-receiver failures with their codes.

A template object is checked against the required fields of Kakao's official template package
(the Flutter and iOS SDKs): a violation is -2 naming the field by its path
(`template_object.content.link is required`). Fields the package does not know are left as they
are, as Kakao does; a field it knows must have its type.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from talksocial.domain import errors
from talksocial.domain.errors import InvalidArgument

OBJECT_TYPES = ("feed", "list", "location", "commerce", "text", "calendar")
MAX_TEXT_CHARS = 200
MAX_BUTTONS = 2
MAX_RECEIVERS = 5
MAX_ITEMS = 5
LINK_FIELDS = ("web_url", "mobile_web_url", "android_execution_params", "ios_execution_params")
SOCIAL_FIELDS = ("like_count", "comment_count", "shared_count", "view_count", "subscriber_count")
COMMERCE_INT_FIELDS = ("regular_price", "discount_price", "fixed_discount_price",
                       "discount_rate", "currency_unit_position")

# --- per-receiver failures (Kakao's error-code page; the texts are talksocial's) ---------------

NOT_A_FRIEND = errors.NotAFriend.code
REFUSES_MESSAGES = errors.MessageRefused.code
SENDER_LIMIT = errors.SenderDailyLimit.code
RECEIVER_LIMIT = errors.ReceiverDailyLimit.code
PAIR_LIMIT = errors.PairDailyLimit.code

MSG_RECEIVERS_NULL = "The Parameter [receiver_uuids] cannot be null."
MSG_RECEIVERS_EMPTY = "The Parameter [receiver_uuids] cannot be empty."
MSG_RECEIVERS_FORMAT = (
    "Constraints on the parameter [receiver_uuids] are unsatisfied. The input receiver id(s) is "
    "invalid format."
)
MSG_RECEIVERS_UNKNOWN = (
    "Constraints on the parameter [receiver_uuids] are unsatisfied. Not allowed to send a "
    "message to some of receivers."
)

# --- the endpoints -----------------------------------------------------------------------------

MEMO_DEFAULT = "/v2/api/talk/memo/default/send"
MEMO_CUSTOM = "/v2/api/talk/memo/send"
MEMO_SCRAP = "/v2/api/talk/memo/scrap/send"
FRIENDS_DEFAULT = "/v1/api/talk/friends/message/default/send"
FRIENDS_CUSTOM = "/v1/api/talk/friends/message/send"
FRIENDS_SCRAP = "/v1/api/talk/friends/message/scrap/send"
MEMO_ENDPOINTS = (MEMO_DEFAULT, MEMO_CUSTOM, MEMO_SCRAP)
FRIENDS_ENDPOINTS = (FRIENDS_DEFAULT, FRIENDS_CUSTOM, FRIENDS_SCRAP)
#: The `api_type` of a -402 on each endpoint.
API_TYPES: dict[str, str] = {
    MEMO_DEFAULT: "TALK_MEMO_DEFAULT_SEND",
    MEMO_CUSTOM: "TALK_MEMO_SEND",
    MEMO_SCRAP: "TALK_MEMO_SCRAP_SEND",
    FRIENDS_DEFAULT: "TALK_MESSAGE_SEND",
    FRIENDS_CUSTOM: "TALK_MESSAGE_SEND",
    FRIENDS_SCRAP: "TALK_MESSAGE_SEND",
}

# --- daily limits ------------------------------------------------------------------------------

LIMIT_NAMES = ("per_sender", "per_receiver", "per_pair", "per_app")
DEFAULT_LIMITS: dict[str, int] = {
    "per_sender": 100, "per_receiver": 100, "per_pair": 20, "per_app": 30_000,
}
MAX_LIMIT = 10**9


@dataclass(frozen=True)
class Limits:
    """An app's daily message limits per Korean day: Kakao's, or the app's overrides."""

    per_sender: int = DEFAULT_LIMITS["per_sender"]
    per_receiver: int = DEFAULT_LIMITS["per_receiver"]
    per_pair: int = DEFAULT_LIMITS["per_pair"]
    per_app: int = DEFAULT_LIMITS["per_app"]

    @classmethod
    def of(cls, overrides: Mapping[str, int]) -> Limits:
        return cls(**{k: int(v) for k, v in overrides.items() if k in LIMIT_NAMES})


def limit_overrides_problem(value: Any) -> str | None:
    """Why `value` is no set of limit overrides (an object of the four names to integers
    0..10^9), or None."""
    if not isinstance(value, dict):
        return "must be an object"
    for key, number in value.items():
        if key not in LIMIT_NAMES:
            return f"unknown limit {key!r} (one of {', '.join(LIMIT_NAMES)})"
        if isinstance(number, bool) or not isinstance(number, int):
            return f"{key} must be an integer"
        if not 0 <= number <= MAX_LIMIT:
            return f"{key} must be between 0 and {MAX_LIMIT}"
    return None


# --- template objects --------------------------------------------------------------------------


def _fail(path: str, problem: str) -> InvalidArgument:
    return InvalidArgument(f"{path} {problem}")


def _required(obj: Mapping[str, Any], key: str, path: str) -> Any:
    value = obj.get(key)
    if value is None:
        raise _fail(f"{path}.{key}", "is required")
    return value


def _string(obj: Mapping[str, Any], key: str, path: str, *, required: bool = False) -> None:
    value = _required(obj, key, path) if required else obj.get(key)
    if value is not None and not isinstance(value, str):
        raise _fail(f"{path}.{key}", "must be a string")
    if required and isinstance(value, str) and not value.strip():
        raise _fail(f"{path}.{key}", "is required")


def _integer(obj: Mapping[str, Any], key: str, path: str, *, required: bool = False) -> None:
    value = _required(obj, key, path) if required else obj.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise _fail(f"{path}.{key}", "must be an integer")
    if isinstance(value, int) and not isinstance(value, bool) and not 0 <= value <= 2**53:
        raise _fail(f"{path}.{key}", "must be between 0 and 2^53")


def _object(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _fail(path, "must be an object")
    return value


def check_link(value: Any, path: str) -> None:
    link = _object(value, path)
    for key in LINK_FIELDS:
        _string(link, key, path)


def _check_content(obj: Mapping[str, Any], key: str, path: str) -> None:
    _check_content_value(_required(obj, key, path), f"{path}.{key}")


def _check_content_value(value: Any, p: str) -> None:
    content = _object(value, p)
    for name in ("title", "image_url", "description"):
        _string(content, name, p)
    for name in ("image_width", "image_height"):
        _integer(content, name, p)
    check_link(_required(content, "link", p), f"{p}.link")


def _check_buttons(obj: Mapping[str, Any], path: str) -> None:
    _string(obj, "button_title", path)
    buttons = obj.get("buttons")
    if buttons is None:
        return
    if not isinstance(buttons, list):
        raise _fail(f"{path}.buttons", "must be a list")
    if len(buttons) > MAX_BUTTONS:
        raise _fail(f"{path}.buttons", f"may hold at most {MAX_BUTTONS} buttons")
    for i, raw in enumerate(buttons):
        p = f"{path}.buttons[{i}]"
        button = _object(raw, p)
        _string(button, "title", p, required=True)
        check_link(_required(button, "link", p), f"{p}.link")


def _check_social(obj: Mapping[str, Any], path: str) -> None:
    if obj.get("social") is None:
        return
    social = _object(obj["social"], f"{path}.social")
    for name in SOCIAL_FIELDS:
        _integer(social, name, f"{path}.social")


def _check_item_content(obj: Mapping[str, Any], path: str) -> None:
    if obj.get("item_content") is None:
        return
    p = f"{path}.item_content"
    item_content = _object(obj["item_content"], p)
    for name in ("profile_text", "profile_image_url", "title_image_text", "title_image_url",
                 "title_image_category", "sum", "sum_op"):
        _string(item_content, name, p)
    items = item_content.get("items")
    if items is None:
        return
    if not isinstance(items, list):
        raise _fail(f"{p}.items", "must be a list")
    if len(items) > MAX_ITEMS:
        raise _fail(f"{p}.items", f"may hold at most {MAX_ITEMS} items")
    for i, raw in enumerate(items):
        item = _object(raw, f"{p}.items[{i}]")
        _string(item, "item", f"{p}.items[{i}]", required=True)
        _string(item, "item_op", f"{p}.items[{i}]", required=True)


def validate_template(value: Any, path: str = "template_object") -> dict[str, Any]:
    """The template object, checked; -2 naming the first faulty field."""
    obj = _object(value, path)
    object_type = obj.get("object_type")
    if object_type is None:
        raise _fail(f"{path}.object_type", "is required")
    if object_type not in OBJECT_TYPES:
        raise _fail(f"{path}.object_type", f"must be one of {', '.join(OBJECT_TYPES)}")
    if object_type == "text":
        _string(obj, "text", path, required=True)
        if len(obj["text"]) > MAX_TEXT_CHARS:
            raise _fail(f"{path}.text", f"must be at most {MAX_TEXT_CHARS} characters")
        check_link(_required(obj, "link", path), f"{path}.link")
    elif object_type == "feed":
        _check_content(obj, "content", path)
        _check_item_content(obj, path)
        _check_social(obj, path)
    elif object_type == "list":
        _string(obj, "header_title", path, required=True)
        check_link(_required(obj, "header_link", path), f"{path}.header_link")
        contents = _required(obj, "contents", path)
        if not isinstance(contents, list):
            raise _fail(f"{path}.contents", "must be a list")
        if not 2 <= len(contents) <= 3:
            raise _fail(f"{path}.contents", "must hold 2 to 3 contents")
        for i in range(len(contents)):
            _check_content_value(contents[i], f"{path}.contents[{i}]")
    elif object_type == "location":
        _check_content(obj, "content", path)
        _string(obj, "address", path, required=True)
        _string(obj, "address_title", path)
        _check_social(obj, path)
    elif object_type == "commerce":
        _check_content(obj, "content", path)
        commerce = _object(_required(obj, "commerce", path), f"{path}.commerce")
        _integer(commerce, "regular_price", f"{path}.commerce", required=True)
        for name in COMMERCE_INT_FIELDS[1:]:
            _integer(commerce, name, f"{path}.commerce")
        for name in ("product_name", "currency_unit"):
            _string(commerce, name, f"{path}.commerce")
    else:  # calendar
        id_type = _required(obj, "id_type", path)
        if id_type not in ("calendar", "event"):
            raise _fail(f"{path}.id_type", "must be calendar or event")
        _string(obj, "id", path, required=True)
        _check_content(obj, "content", path)
    _check_buttons(obj, path)
    return dict(obj)


def parse_json_object(raw: str | None, name: str) -> dict[str, Any]:
    """A parameter that carries a JSON object (`template_object`, `template_args`)."""
    if raw is None or not raw.strip():
        raise InvalidArgument(f"{name} is required")
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        raise InvalidArgument(f"{name} must be a JSON object") from None
    if not isinstance(value, dict):
        raise InvalidArgument(f"{name} must be a JSON object")
    return value


def parse_template_args(raw: str | None) -> dict[str, str]:
    """`template_args`: a JSON object of strings (absent: none)."""
    if raw is None or not raw.strip():
        return {}
    args = parse_json_object(raw, "template_args")
    for key, value in args.items():
        if not isinstance(value, str):
            raise InvalidArgument(f"template_args.{key} must be a string")
    return args


_PLACEHOLDER = re.compile(r"\$\{([^{}]*)\}")


def fill_args(value: Any, args: Mapping[str, str]) -> Any:
    """Every `${name}` in every string of a template, replaced by its argument; a placeholder
    without an argument is left empty."""
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda m: args.get(m.group(1), ""), value)
    if isinstance(value, list):
        return [fill_args(v, args) for v in value]
    if isinstance(value, dict):
        return {k: fill_args(v, args) for k, v in value.items()}
    return value


def parse_template_id(raw: str | None) -> int:
    if raw is None or not raw.strip():
        raise InvalidArgument("template_id is required")
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise InvalidArgument(f"template_id must be a positive integer: {raw!r}")
    return int(text)


def parse_receivers(raw: str | None) -> list[str]:
    """`receiver_uuids`: a JSON array of 1–5 uuid strings; a uuid listed twice counts once."""
    if raw is None:
        raise InvalidArgument(MSG_RECEIVERS_NULL)
    try:
        value = json.loads(raw) if raw.strip() else None
    except (ValueError, RecursionError):
        raise InvalidArgument(MSG_RECEIVERS_FORMAT) from None
    if value is None:
        raise InvalidArgument(MSG_RECEIVERS_NULL)
    if value == []:
        raise InvalidArgument(MSG_RECEIVERS_EMPTY)
    if (
        not isinstance(value, list)
        or len(value) > MAX_RECEIVERS
        or any(not isinstance(v, str) or not v or len(v) > 200 for v in value)
    ):
        raise InvalidArgument(MSG_RECEIVERS_FORMAT)
    return list(dict.fromkeys(value))


# --- scrap -------------------------------------------------------------------------------------


def scrap_feed(title: str, description: str | None, image_url: str | None,
               url: str) -> dict[str, Any]:
    """The template a scrap without a `template_id` sends: a feed of the page's preview."""
    content: dict[str, Any] = {"title": title}
    if image_url:
        content["image_url"] = image_url
    if description:
        content["description"] = description
    content["link"] = {"web_url": url, "mobile_web_url": url}
    return {"object_type": "feed", "content": content}


def fill_scrap(template: dict[str, Any], title: str, description: str | None,
               image_url: str | None, url: str) -> dict[str, Any]:
    """A custom template on scrap: the page's title, description, image and URL fill whichever
    of `content.title`, `content.description`, `content.image_url`, `content.link.web_url` the
    template (after its arguments) leaves empty."""
    out: dict[str, Any] = json.loads(json.dumps(template))
    content = out.get("content")
    if not isinstance(content, dict):
        content = {}
        out["content"] = content
    for key, value in (("title", title), ("description", description),
                       ("image_url", image_url)):
        if value and not content.get(key):
            content[key] = value
    link = content.get("link")
    if not isinstance(link, dict):
        link = {}
        content["link"] = link
    if not link.get("web_url"):
        link["web_url"] = url
    return out
