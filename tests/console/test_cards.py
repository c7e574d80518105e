"""The card view of a stored template object (console/cards.py): prices, default buttons, and
whatever a stored template holds never breaks the page."""

from __future__ import annotations

import json

from talksocial.console.cards import DEFAULT_BUTTON, card_of


def test_prices_with_currency_before_and_a_fixed_discount() -> None:
    card = card_of(json.dumps({
        "object_type": "commerce",
        "content": {"title": "t", "link": {"web_url": "https://shop.example/p"}},
        "commerce": {"regular_price": 10000, "discount_price": 9000,
                     "fixed_discount_price": 1000, "currency_unit": "$",
                     "currency_unit_position": 1},
    }), 0)
    assert card.price is not None
    assert (card.price.regular, card.price.discounted, card.price.fixed_discount) == (
        "$10,000", "$9,000", "$1,000")
    assert card.price.discount_rate is None
    assert [(b.title, b.link.href) for b in card.buttons] == [
        (DEFAULT_BUTTON, "https://shop.example/p")]


def test_a_text_takes_its_button_title_and_only_web_links_are_hrefs() -> None:
    card = card_of(json.dumps({
        "object_type": "text", "text": "x", "button_title": "Go",
        "link": {"web_url": "javascript:alert(1)", "mobile_web_url": "http://m.example/"},
    }), 0)
    assert card.text_link is not None and card.text_link.href == "http://m.example/"
    assert [b.title for b in card.buttons] == ["Go"]


def test_a_calendar_is_dated_by_the_korean_day_it_was_shared() -> None:
    card = card_of(json.dumps({"object_type": "calendar", "id_type": "event", "id": "e",
                               "content": {"link": {}}}), 1_780_270_200.0)  # 2026-05-31T23:30Z
    assert (card.calendar_date, card.calendar_weekday) == ("2026-06-01", "Mon")


def test_odd_stored_values_never_raise() -> None:
    assert card_of("not json", 0).object_type == "unknown"
    assert card_of("[1]", 0).object_type == "unknown"
    odd = card_of(json.dumps({"object_type": "feed", "content": 5, "social": [1],
                              "item_content": {"items": [1, {"item": 2}]},
                              "buttons": [None, {"title": 3, "link": "x"}]}), 0)
    assert odd.content is not None and odd.content.title == ""
    assert odd.social == [] and odd.item_content is not None
    assert [(b.title, b.link.href) for b in odd.buttons] == [("", None)]
    listed = card_of(json.dumps({"object_type": "list", "contents": "x"}), 0)
    assert listed.contents == []
