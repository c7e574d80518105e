"""Message templates, as the official Kakao SDKs' template package builds them (Flutter
`kakao_flutter_sdk_template`, iOS `KakaoSDKTemplate`): typed values whose `to_json()` is exactly
the JSON Kakao's Message API takes as `template_object`, keys in the SDKs' order, fields left
unset left out.

    FeedTemplate(content, item_content?, social?, buttons?, button_title?)
    ListTemplate(header_title, header_link, contents (2-3), buttons?, button_title?)
    LocationTemplate(address, content, address_title?, social?, buttons?, button_title?)
    CommerceTemplate(content, commerce, buttons?, button_title?)
    TextTemplate(text, link, buttons?, button_title?)
    CalendarTemplate(id, id_type ("calendar" | "event"), content, buttons?)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

Json = dict[str, Any]


def _params(value: Mapping[str, str] | str | None) -> str | None:
    """Execution parameters: a mapping becomes `key1=value1&key2=value2` (as the SDKs send)."""
    if value is None or isinstance(value, str):
        return value
    return urlencode(dict(value))


def _put(out: Json, key: str, value: Any) -> None:
    if value is not None:
        out[key] = value


@dataclass(frozen=True)
class Link:
    web_url: str | None = None
    mobile_web_url: str | None = None
    android_execution_params: Mapping[str, str] | str | None = None
    ios_execution_params: Mapping[str, str] | str | None = None

    def to_json(self) -> Json:
        out: Json = {}
        _put(out, "web_url", self.web_url)
        _put(out, "mobile_web_url", self.mobile_web_url)
        _put(out, "android_execution_params", _params(self.android_execution_params))
        _put(out, "ios_execution_params", _params(self.ios_execution_params))
        return out


@dataclass(frozen=True)
class Button:
    title: str
    link: Link

    def to_json(self) -> Json:
        return {"title": self.title, "link": self.link.to_json()}


@dataclass(frozen=True)
class Social:
    like_count: int | None = None
    comment_count: int | None = None
    shared_count: int | None = None
    view_count: int | None = None
    subscriber_count: int | None = None

    def to_json(self) -> Json:
        out: Json = {}
        for key in ("like_count", "comment_count", "shared_count", "view_count",
                    "subscriber_count"):
            _put(out, key, getattr(self, key))
        return out


@dataclass(frozen=True)
class Content:
    link: Link
    title: str | None = None
    image_url: str | None = None
    description: str | None = None
    image_width: int | None = None
    image_height: int | None = None

    def to_json(self) -> Json:
        out: Json = {}
        _put(out, "title", self.title)
        _put(out, "image_url", self.image_url)
        out["link"] = self.link.to_json()
        _put(out, "description", self.description)
        _put(out, "image_width", self.image_width)
        _put(out, "image_height", self.image_height)
        return out


@dataclass(frozen=True)
class ItemInfo:
    item: str
    item_op: str

    def to_json(self) -> Json:
        return {"item": self.item, "item_op": self.item_op}


@dataclass(frozen=True)
class ItemContent:
    profile_text: str | None = None
    profile_image_url: str | None = None
    title_image_text: str | None = None
    title_image_url: str | None = None
    title_image_category: str | None = None
    items: Sequence[ItemInfo] | None = None
    sum: str | None = None
    sum_op: str | None = None

    def to_json(self) -> Json:
        out: Json = {}
        for key in ("profile_text", "profile_image_url", "title_image_text", "title_image_url",
                    "title_image_category"):
            _put(out, key, getattr(self, key))
        if self.items is not None:
            out["items"] = [i.to_json() for i in self.items]
        _put(out, "sum", self.sum)
        _put(out, "sum_op", self.sum_op)
        return out


@dataclass(frozen=True)
class CommerceDetail:
    """`commerce` of a commerce template (the SDKs' `Commerce`/`CommerceDetail`)."""

    regular_price: int
    discount_price: int | None = None
    fixed_discount_price: int | None = None
    discount_rate: int | None = None
    product_name: str | None = None
    currency_unit: str | None = None
    currency_unit_position: int | None = None

    def to_json(self) -> Json:
        out: Json = {"regular_price": self.regular_price}
        for key in ("discount_price", "fixed_discount_price", "discount_rate", "product_name",
                    "currency_unit", "currency_unit_position"):
            _put(out, key, getattr(self, key))
        return out


def _buttons(out: Json, buttons: Sequence[Button] | None, button_title: str | None) -> None:
    if buttons is not None:
        out["buttons"] = [b.to_json() for b in buttons]
    _put(out, "button_title", button_title)


@dataclass(frozen=True)
class FeedTemplate:
    content: Content
    item_content: ItemContent | None = None
    social: Social | None = None
    buttons: Sequence[Button] | None = None
    button_title: str | None = None
    object_type: str = field(default="feed", init=False)

    def to_json(self) -> Json:
        out: Json = {"content": self.content.to_json()}
        if self.item_content is not None:
            out["item_content"] = self.item_content.to_json()
        if self.social is not None:
            out["social"] = self.social.to_json()
        _buttons(out, self.buttons, self.button_title)
        out["object_type"] = self.object_type
        return out


@dataclass(frozen=True)
class ListTemplate:
    header_title: str
    header_link: Link
    contents: Sequence[Content]
    buttons: Sequence[Button] | None = None
    button_title: str | None = None
    object_type: str = field(default="list", init=False)

    def to_json(self) -> Json:
        out: Json = {
            "header_title": self.header_title,
            "header_link": self.header_link.to_json(),
            "contents": [c.to_json() for c in self.contents],
        }
        _buttons(out, self.buttons, self.button_title)
        out["object_type"] = self.object_type
        return out


@dataclass(frozen=True)
class LocationTemplate:
    address: str
    content: Content
    address_title: str | None = None
    social: Social | None = None
    buttons: Sequence[Button] | None = None
    button_title: str | None = None
    object_type: str = field(default="location", init=False)

    def to_json(self) -> Json:
        out: Json = {"address": self.address, "content": self.content.to_json()}
        _put(out, "address_title", self.address_title)
        if self.social is not None:
            out["social"] = self.social.to_json()
        _buttons(out, self.buttons, self.button_title)
        out["object_type"] = self.object_type
        return out


@dataclass(frozen=True)
class CommerceTemplate:
    content: Content
    commerce: CommerceDetail
    buttons: Sequence[Button] | None = None
    button_title: str | None = None
    object_type: str = field(default="commerce", init=False)

    def to_json(self) -> Json:
        out: Json = {"content": self.content.to_json(), "commerce": self.commerce.to_json()}
        _buttons(out, self.buttons, self.button_title)
        out["object_type"] = self.object_type
        return out


@dataclass(frozen=True)
class TextTemplate:
    text: str
    link: Link
    buttons: Sequence[Button] | None = None
    button_title: str | None = None
    object_type: str = field(default="text", init=False)

    def to_json(self) -> Json:
        out: Json = {"text": self.text, "link": self.link.to_json()}
        _buttons(out, self.buttons, self.button_title)
        out["object_type"] = self.object_type
        return out


@dataclass(frozen=True)
class CalendarTemplate:
    id: str
    id_type: str  # "calendar" | "event"
    content: Content
    buttons: Sequence[Button] | None = None
    object_type: str = field(default="calendar", init=False)

    def to_json(self) -> Json:
        out: Json = {"id": self.id, "id_type": self.id_type, "content": self.content.to_json()}
        if self.buttons is not None:
            out["buttons"] = [b.to_json() for b in self.buttons]
        out["object_type"] = self.object_type
        return out


Template = (FeedTemplate | ListTemplate | LocationTemplate | CommerceTemplate | TextTemplate
            | CalendarTemplate)
