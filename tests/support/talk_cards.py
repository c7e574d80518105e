"""One template object of every type, with the values the console's Kakao Talk view must draw
(tests/console/test_talk_view.py over HTTP, tests/browser/test_talk_view.py in a browser).
Images live on loopback, the only images the console's CSP loads."""

from __future__ import annotations

from typing import Any

HOSTILE = "<img src=x onerror=alert(1)>"
SITE = "http://localhost:3000"
IMAGE = "http://127.0.0.1:9/images/"


def link(path: str) -> dict[str, str]:
    return {"web_url": f"{SITE}{path}", "mobile_web_url": f"{SITE}/m{path}"}


FEED: dict[str, Any] = {
    "object_type": "feed",
    "content": {"title": "Strawberry cheesecake", "description": "#cake #strawberry",
                "image_url": IMAGE + "cake.png", "link": link("/cake")},
    "item_content": {"profile_text": "Kakao bakery",
                     "items": [{"item": "Cake", "item_op": "1000원"},
                               {"item": "Cookie", "item_op": "2000원"}],
                     "sum": "Total", "sum_op": "3000원"},
    "social": {"like_count": 286, "comment_count": 45, "shared_count": 845},
    "buttons": [{"title": "Open on the web", "link": link("/cake/web")},
                {"title": "Open in the app", "link": link("/cake/app")}],
}
LIST: dict[str, Any] = {
    "object_type": "list",
    "header_title": "WEEKLY MAGAZINE",
    "header_link": link("/magazine"),
    "contents": [
        {"title": "Enjoying a weekend", "description": "Culture", "image_url": IMAGE + "1.png",
         "link": link("/magazine/1")},
        {"title": "A lunch to remember", "description": "Food", "image_url": IMAGE + "2.png",
         "link": link("/magazine/2")},
        {"title": "Walking the hills", "description": "Travel", "image_url": IMAGE + "3.png",
         "link": link("/magazine/3")},
    ],
    "buttons": [{"title": "Read the magazine", "link": link("/magazine/all")}],
}
LOCATION: dict[str, Any] = {
    "object_type": "location",
    "content": {"title": "Kakao Pangyo office", "description": "Come and see us",
                "image_url": IMAGE + "office.png", "link": link("/office")},
    "address": "166 Pangyoyeok-ro, Bundang-gu, Seongnam-si",
    "address_title": "Kakao Pangyo Agit",
    "social": {"like_count": 12},
}
COMMERCE: dict[str, Any] = {
    "object_type": "commerce",
    "content": {"title": "Ryan's pillow, now on sale", "description": "Soft and round",
                "image_url": IMAGE + "pillow.png", "link": link("/pillow")},
    "commerce": {"product_name": "Ryan pillow", "regular_price": 208800,
                 "discount_price": 146160, "discount_rate": 30},
    "buttons": [{"title": "Buy", "link": link("/pillow/buy")}],
}
TEXT: dict[str, Any] = {
    "object_type": "text",
    "text": "Text with markup: " + HOSTILE,
    "link": link("/text"),
    "button_title": "See the text",
}
CALENDAR: dict[str, Any] = {
    "object_type": "calendar",
    "id_type": "event",
    "id": "evt-42",
    "content": {"title": "Team dinner", "description": "At the usual place",
                "image_url": IMAGE + "dinner.png", "link": link("/dinner")},
    "buttons": [{"title": "View the event", "link": link("/dinner/event")}],
}
ALL = {"feed": FEED, "list": LIST, "location": LOCATION, "commerce": COMMERCE, "text": TEXT,
       "calendar": CALENDAR}
#: The server-clock instant the tests send at: 2030-05-31 23:30 UTC is Saturday 1 June in Korea.
SENT_AT = "2030-05-31T23:30:00Z"
KST_DATE = "2030-06-01"
