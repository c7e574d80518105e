"""The Talk Message API through the client, sync and async, against a real server; the template
builders' JSON against the official SDKs' examples; the plugin's one-line helpers."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from talksocial.client import (
    Button,
    CalendarTemplate,
    CommerceDetail,
    CommerceTemplate,
    Content,
    FeedTemplate,
    ItemContent,
    ItemInfo,
    Link,
    ListTemplate,
    LocationTemplate,
    MessageFailure,
    MessageRefusedError,
    MessageSendResult,
    NotFriendError,
    PairDailyLimitError,
    Social,
    TextTemplate,
)
from talksocial.testing import KakaoWorld

APEACH, RYAN, VIVI, HIDDEN = "abcdefg0001", "abcdefg0002", "abcdefg0006", "abcdefg0101"
DEV = "https://developers.kakao.com"
IMG = "https://mud-kage.kakao.com/dn/Q2iNx/btqgeRgV54P/VLdBs9cvyn8BJXB3o7N8UK/kakaolink40_original.png"
DEV_LINK = Link(web_url=DEV, mobile_web_url=DEV)
APP_LINK = Link(android_execution_params={"key1": "value1", "key2": "value2"},
                ios_execution_params={"key1": "value1", "key2": "value2"})


# ---- the builders: the Flutter SDK's example templates (example/lib/message_template.dart),
# serialised as its generated toJson does (keys in that order, unset fields left out) ---------


def test_feed_template_matches_the_sdk_example() -> None:
    feed = FeedTemplate(
        content=Content(title="딸기 치즈 케익", description="#케익 #딸기 #삼평동 #카페 #분위기 #소개팅",
                        image_url=IMG, link=DEV_LINK),
        item_content=ItemContent(
            profile_text="Kakao", profile_image_url=IMG, title_image_url=IMG,
            title_image_text="Cheese cake", title_image_category="cake",
            items=[ItemInfo("cake1", "1000원"), ItemInfo("cake2", "2000원")],
            sum="total", sum_op="15000원"),
        social=Social(like_count=286, comment_count=45, shared_count=845),
        buttons=[Button("웹으로 보기", DEV_LINK), Button("앱으로보기", APP_LINK)],
    )
    expected = {
        "content": {"title": "딸기 치즈 케익", "image_url": IMG,
                    "link": {"web_url": DEV, "mobile_web_url": DEV},
                    "description": "#케익 #딸기 #삼평동 #카페 #분위기 #소개팅"},
        "item_content": {"profile_text": "Kakao", "profile_image_url": IMG,
                         "title_image_text": "Cheese cake", "title_image_url": IMG,
                         "title_image_category": "cake",
                         "items": [{"item": "cake1", "item_op": "1000원"},
                                   {"item": "cake2", "item_op": "2000원"}],
                         "sum": "total", "sum_op": "15000원"},
        "social": {"like_count": 286, "comment_count": 45, "shared_count": 845},
        "buttons": [
            {"title": "웹으로 보기", "link": {"web_url": DEV, "mobile_web_url": DEV}},
            {"title": "앱으로보기", "link": {"android_execution_params": "key1=value1&key2=value2",
                                          "ios_execution_params": "key1=value1&key2=value2"}},
        ],
        "object_type": "feed",
    }
    assert feed.to_json() == expected
    assert list(feed.to_json()) == list(expected)
    assert list(feed.to_json()["content"]) == list(expected["content"])


def test_the_other_templates_match_the_sdks() -> None:
    content = Content(title="t", link=DEV_LINK)
    assert ListTemplate("WEEKLY MAGAZINE", DEV_LINK, [content, content]).to_json() == {
        "header_title": "WEEKLY MAGAZINE", "header_link": {"web_url": DEV, "mobile_web_url": DEV},
        "contents": [content.to_json(), content.to_json()], "object_type": "list"}
    location = LocationTemplate("경기 성남시 분당구 판교역로 235", content, address_title="카카오판교오피스",
                                social=Social(like_count=286))
    assert list(location.to_json()) == ["address", "content", "address_title", "social",
                                        "object_type"]
    commerce = CommerceTemplate(content, CommerceDetail(regular_price=208800, discount_price=146160,
                                                        discount_rate=30, product_name="Ryan"))
    assert commerce.to_json()["commerce"] == {"regular_price": 208800, "discount_price": 146160,
                                              "discount_rate": 30, "product_name": "Ryan"}
    assert TextTemplate("hi", DEV_LINK, button_title="Go").to_json() == {
        "text": "hi", "link": {"web_url": DEV, "mobile_web_url": DEV}, "button_title": "Go",
        "object_type": "text"}
    assert CalendarTemplate("abc", "event", content).to_json() == {
        "id": "abc", "id_type": "event", "content": content.to_json(), "object_type": "calendar"}


# ---- against a server ---------------------------------------------------------------------------

TEMPLATES: list[Any] = [
    FeedTemplate(Content(title="Feed", link=DEV_LINK), social=Social(like_count=3)),
    ListTemplate("List", DEV_LINK, [Content(title="a", link=DEV_LINK),
                                   Content(title="b", link=DEV_LINK)]),
    LocationTemplate("Pangyo", Content(title="Place", link=DEV_LINK)),
    CommerceTemplate(Content(title="Ryan", link=DEV_LINK), CommerceDetail(regular_price=1000)),
    TextTemplate("Text", DEV_LINK, buttons=[Button("Open", DEV_LINK)]),
    CalendarTemplate("ev1", "event", Content(title="Event", link=DEV_LINK)),
]


def test_sync_sends_and_the_plugin_reads_them(kakao_world: KakaoWorld) -> None:
    client = kakao_world.client(access_token="demo-access-token")
    for template in TEMPLATES:
        client.send_default_memo(template)
    sent = kakao_world.messages(account="muzi")
    assert [m["template_object"] for m in reversed(sent)] == [t.to_json() for t in TEMPLATES]
    client.send_custom_memo(5678, {"name": "Muzi"})
    assert kakao_world.messages()[0]["template_object"]["text"] == "Hello Muzi!"
    result = client.send_default_message([APEACH, VIVI, HIDDEN], TEMPLATES[4])
    assert result == MessageSendResult(
        (APEACH,),
        (MessageFailure(-530, "the receiver does not accept messages from this app.", (VIVI,)),
         MessageFailure(-502, "the receiver is not a friend the sender may message in this app.",
                        (HIDDEN,))))
    assert client.send_custom_message([RYAN], 1234, {"name": "Ryan", "product": "tea"}) == \
        MessageSendResult((RYAN,))
    with pytest.raises(NotFriendError):
        client.send_default_message([HIDDEN], TEMPLATES[0])
    kakao_world.set_accepts_messages(1001, "apeach", False)
    with pytest.raises(MessageRefusedError) as refused:
        client.send_scrap_message([APEACH], "http://localhost:3000/")
    assert refused.value.http_status == 400
    kakao_world.set_accepts_messages(1001, "apeach", True)
    kakao_world.set_message_limits(1001, per_pair=1)
    with pytest.raises(PairDailyLimitError):
        client.send_default_message([RYAN], TEMPLATES[0])
    client.send_scrap_memo("http://localhost:3000/")  # nothing answers there: still sent
    assert kakao_world.messages()[0]["template_object"]["content"]["title"] == (
        "http://localhost:3000/")
    assert [(m["sender"], m["receiver"]) for m in kakao_world.messages(account="ryan")] == [
        ("muzi", "ryan")]


def test_async_sends(kakao_world: KakaoWorld) -> None:
    async def run() -> MessageSendResult:
        async with kakao_world.async_client(access_token="demo-access-token") as client:
            await client.send_default_memo(TEMPLATES[0])
            await client.send_custom_memo(5678)
            await client.send_scrap_memo("http://localhost:3000/x", 5678, {"name": "A"})
            await client.send_custom_message([APEACH], 5678, {"name": "Apeach"})
            await client.send_scrap_message([RYAN], "http://localhost:3000/y")
            return await client.send_default_message([APEACH, RYAN], {
                "object_type": "text", "text": "raw", "link": {"web_url": DEV}})

    assert asyncio.run(run()) == MessageSendResult((APEACH, RYAN))
    endpoints = [m["endpoint"] for m in reversed(kakao_world.messages())]
    assert endpoints == [
        "/v2/api/talk/memo/default/send", "/v2/api/talk/memo/send",
        "/v2/api/talk/memo/scrap/send", "/v1/api/talk/friends/message/send",
        "/v1/api/talk/friends/message/scrap/send", "/v1/api/talk/friends/message/default/send",
        "/v1/api/talk/friends/message/default/send"]
