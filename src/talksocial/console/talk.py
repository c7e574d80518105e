"""The Kakao Talk view of an account (docs/server/console.md#talk): its chat with itself ("to
me") and one chat per account it exchanged messages with, each delivered message drawn as the
card Kakao Talk draws for its template (`console.cards`). Read only: the inbox is written by the
Message API and cleared through the control plane."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from talksocial.console import queries
from talksocial.console.cards import Card, card_of
from talksocial.console.views import iso, not_found, read
from talksocial.console.web import Console, page
from talksocial.storage.models import Account


@dataclass(frozen=True)
class Bubble:
    message: queries.ChatMessage
    card: Card
    sent_at: str


@page
async def talk_page(con: Console) -> Response:
    key = str(con.request.path_params["key"])
    wanted = con.request.query_params.get("chat", "")[:200]

    def load(s: Session) -> Any:
        account = s.scalar(select(Account).where(Account.key == key))
        if account is None:
            return None
        chats = queries.chats(s, account.id)
        chosen = next((c for c in chats if c.key == wanted), None) if wanted else None
        if chosen is None and not wanted:
            chosen = chats[0] if chats else None  # the most recent
        if chosen is None:
            return account, chats, None, [], 0
        other_id = account.id if chosen.to_me else queries.account_id(s, chosen.key)
        assert other_id is not None
        messages, total = queries.chat_messages(s, account.id, other_id)
        return account, chats, chosen, messages, total

    loaded = await read(con, load)
    if loaded is None:
        return not_found(con, "No such account.")
    account, chats, chosen, messages, total = loaded
    bubbles = [Bubble(m, card_of(m.template_object, m.sent_at), iso(m.sent_at))
               for m in messages]
    return con.render(
        "talk.html", account=account, chats=chats, chosen=chosen, bubbles=bubbles,
        total=total, shown=len(bubbles), unknown_chat=bool(wanted) and chosen is None,
    )
