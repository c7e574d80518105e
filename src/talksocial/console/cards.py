"""A delivered template object as the card Kakao Talk draws for it (docs/server/console.md#talk):
the view the chat page renders. Everything is read defensively — a stored template may carry
fields of any type the rules leave alone — and a link becomes an `href` only when it is an
http(s) URL, so no template can put a `javascript:` link on the console."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

#: Kakao Talk's default button, when a template names none.
DEFAULT_BUTTON = "자세히 보기"
DEFAULT_CURRENCY = "원"
KST = timedelta(hours=9)
SOCIAL = (("like_count", "likes", "♥"), ("comment_count", "comments", "✎"),
          ("shared_count", "shares", "↗"), ("view_count", "views", "◉"),
          ("subscriber_count", "subscribers", "+"))


@dataclass(frozen=True)
class Target:
    """Where a tap goes: the `web_url` (else the `mobile_web_url`) when it is http(s)."""

    href: str | None
    web_url: str
    mobile_web_url: str


@dataclass(frozen=True)
class Content:
    title: str
    description: str
    image_url: str
    link: Target


@dataclass(frozen=True)
class Button:
    title: str
    link: Target


@dataclass(frozen=True)
class Social:
    name: str
    label: str
    icon: str
    count: int


@dataclass(frozen=True)
class Item:
    item: str
    item_op: str


@dataclass(frozen=True)
class ItemContent:
    profile_text: str
    profile_image_url: str
    title_image_text: str
    title_image_url: str
    title_image_category: str
    items: list[Item]
    sum: str
    sum_op: str


@dataclass(frozen=True)
class Price:
    product_name: str
    regular: str
    discounted: str
    discount_rate: int | None
    fixed_discount: str


@dataclass
class Card:
    object_type: str
    content: Content | None = None
    contents: list[Content] = field(default_factory=list)
    header_title: str = ""
    header_link: Target | None = None
    text: str = ""
    text_link: Target | None = None
    item_content: ItemContent | None = None
    social: list[Social] = field(default_factory=list)
    price: Price | None = None
    address: str = ""
    address_title: str = ""
    calendar_id_type: str = ""
    calendar_id: str = ""
    calendar_date: str = ""
    calendar_weekday: str = ""
    buttons: list[Button] = field(default_factory=list)
    raw: str = ""


def _str(obj: Any, key: str) -> str:
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, str) else ""


def _int(obj: Any, key: str) -> int | None:
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def is_web_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def link_of(value: Any) -> Target:
    web, mobile = _str(value, "web_url"), _str(value, "mobile_web_url")
    href = next((u for u in (web, mobile) if is_web_url(u)), None)
    return Target(href, web, mobile)


def content_of(value: Any) -> Content:
    return Content(_str(value, "title"), _str(value, "description"), _str(value, "image_url"),
                   link_of(value.get("link") if isinstance(value, dict) else None))


def money(amount: int, unit: str, unit_first: bool) -> str:
    number = f"{amount:,}"
    return f"{unit}{number}" if unit_first else f"{number}{unit}"


def price_of(value: Any) -> Price | None:
    if not isinstance(value, dict):
        return None
    unit = _str(value, "currency_unit") or DEFAULT_CURRENCY
    unit_first = _int(value, "currency_unit_position") == 1
    regular = _int(value, "regular_price")
    discounted = _int(value, "discount_price")
    fixed = _int(value, "fixed_discount_price")
    rate = _int(value, "discount_rate")
    return Price(
        product_name=_str(value, "product_name"),
        regular=money(regular, unit, unit_first) if regular is not None else "",
        discounted=money(discounted, unit, unit_first) if discounted is not None else "",
        discount_rate=rate if rate else None,
        fixed_discount=money(fixed, unit, unit_first) if fixed else "",
    )


def item_content_of(value: Any) -> ItemContent | None:
    if not isinstance(value, dict):
        return None
    raw_items = value.get("items")
    items = [Item(_str(i, "item"), _str(i, "item_op"))
             for i in (raw_items if isinstance(raw_items, list) else []) if isinstance(i, dict)]
    return ItemContent(
        _str(value, "profile_text"), _str(value, "profile_image_url"),
        _str(value, "title_image_text"), _str(value, "title_image_url"),
        _str(value, "title_image_category"), items, _str(value, "sum"), _str(value, "sum_op"),
    )


def social_of(value: Any) -> list[Social]:
    found = []
    for name, label, icon in SOCIAL:
        count = _int(value, name)
        if count is not None:
            found.append(Social(name.removesuffix("_count"), label, icon, count))
    return found


def kst_day(instant: float) -> tuple[str, str]:
    moment = datetime.fromtimestamp(instant, UTC) + KST
    return moment.strftime("%Y-%m-%d"), moment.strftime("%a")


def card_of(raw_json: str, sent_at: float) -> Card:
    """The card for a stored template object (JSON). `sent_at` dates a calendar card:
    talksocial keeps no Talk Calendar, so the card shows the day it was shared (KST)."""
    try:
        obj = json.loads(raw_json)
    except ValueError:
        obj = None
    if not isinstance(obj, dict):
        return Card("unknown", raw=raw_json)
    kind = _str(obj, "object_type")
    card = Card(kind or "unknown", raw=json.dumps(obj, ensure_ascii=False, indent=2))
    default_link: Target | None = None
    if kind in ("feed", "location", "commerce", "calendar"):
        card.content = content_of(obj.get("content"))
        default_link = card.content.link
    if kind == "feed":
        card.item_content = item_content_of(obj.get("item_content"))
    if kind in ("feed", "location"):
        card.social = social_of(obj.get("social"))
    if kind == "list":
        card.header_title = _str(obj, "header_title")
        card.header_link = link_of(obj.get("header_link"))
        raw_contents = obj.get("contents")
        card.contents = [content_of(c) for c in
                         (raw_contents if isinstance(raw_contents, list) else [])]
        default_link = card.header_link
    elif kind == "location":
        card.address = _str(obj, "address")
        card.address_title = _str(obj, "address_title")
    elif kind == "commerce":
        card.price = price_of(obj.get("commerce"))
    elif kind == "text":
        card.text = _str(obj, "text")
        card.text_link = link_of(obj.get("link"))
        default_link = card.text_link
    elif kind == "calendar":
        card.calendar_id_type = _str(obj, "id_type")
        card.calendar_id = _str(obj, "id")
        card.calendar_date, card.calendar_weekday = kst_day(sent_at)
    raw_buttons = obj.get("buttons")
    if isinstance(raw_buttons, list) and raw_buttons:
        card.buttons = [Button(_str(b, "title"), link_of(b.get("link")))
                        for b in raw_buttons if isinstance(b, dict)]
    elif default_link is not None:
        card.buttons = [Button(_str(obj, "button_title") or DEFAULT_BUTTON, default_link)]
    return card
