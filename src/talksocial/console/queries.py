"""What the console pages show, read from the world (plain reads; every write goes through
the storage service layer)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from talksocial.storage import webhooks
from talksocial.storage.models import (
    Account,
    App,
    Friendship,
    Link,
    Message,
    MessageTemplate,
    MultiProfile,
)

PAGE_SIZE = 50


@dataclass(frozen=True)
class AppView:
    id: int
    name: str
    rest_api_key: str
    admin_key: str
    javascript_key: str
    native_app_key: str
    client_secret: str | None
    redirect_uris: list[str]
    consent_items: dict[str, str]
    link_count: int = 0
    #: Where `GET /oauth/logout` may send the browser back to.
    logout_redirect_uris: list[str] = field(default_factory=list)
    #: The app's daily message limit overrides (names missing: Kakao's default).
    message_limits: dict[str, int] = field(default_factory=dict)
    user_properties: list[str] = field(default_factory=list)
    unlink_callback_url: str | None = None
    unlink_callback_method: str = "GET"


@dataclass(frozen=True)
class DeliveryView:
    """One call of the app's unlink callback."""

    id: int
    at: str
    user_id: int
    referrer_type: str
    method: str
    url: str
    status: str
    response_code: int | None
    error: str | None


def deliveries(s: Session, app_id: int, limit: int = 20) -> list[DeliveryView]:
    return [
        DeliveryView(row.id, datetime.fromtimestamp(row.at, UTC).isoformat(timespec="seconds")
                     .replace("+00:00", "Z"), row.user_id, row.referrer_type, row.method,
                     row.url, row.status, row.response_code, row.error)
        for row in webhooks.list_deliveries(s, app_id)[:limit]
    ]


@dataclass(frozen=True)
class ProfileView:
    nickname: str
    profile_image_url: str | None
    thumbnail_url: str | None


@dataclass(frozen=True)
class AccountRow:
    id: int
    key: str
    nickname: str
    talk_user: bool
    thumbnail_url: str | None
    friend_count: int
    link_count: int


@dataclass(frozen=True)
class MultiProfileView:
    id: int
    key: str
    nickname: str
    profile_image_url: str | None
    thumbnail_url: str | None
    shown_to: list[str]


@dataclass(frozen=True)
class FriendView:
    key: str
    nickname: str
    thumbnail_url: str | None
    favorite: bool
    hidden: bool
    blocked: bool
    shown_profile: str | None


@dataclass(frozen=True)
class LinkView:
    app_id: int
    app_name: str
    account_key: str
    nickname: str
    user_id: int
    uuid: str
    scopes: list[str]
    connected_at: float
    consent_items: dict[str, str]
    accepts_messages: bool = True


@dataclass(frozen=True)
class TemplateView:
    """One of an app's custom message templates: its id and its template object as JSON."""

    id: int
    json: str


@dataclass
class AccountDetail:
    account: Account
    multi_profiles: list[MultiProfileView] = field(default_factory=list)
    friends: list[FriendView] = field(default_factory=list)
    friend_of: list[str] = field(default_factory=list)
    links: list[LinkView] = field(default_factory=list)


def _app_view(app: App, link_count: int = 0) -> AppView:
    return AppView(
        id=app.id,
        name=app.name,
        rest_api_key=app.rest_api_key,
        admin_key=app.admin_key,
        javascript_key=app.javascript_key,
        native_app_key=app.native_app_key,
        client_secret=app.client_secret,
        redirect_uris=list(json.loads(app.redirect_uris)),
        consent_items=dict(json.loads(app.consent_items)),
        link_count=link_count,
        logout_redirect_uris=list(json.loads(app.logout_redirect_uris)),
        message_limits=dict(json.loads(app.message_limits or "{}")),
        user_properties=list(json.loads(app.user_properties or "[]")),
        unlink_callback_url=app.unlink_callback_url,
        unlink_callback_method=app.unlink_callback_method,
    )


def apps(s: Session) -> list[AppView]:
    counts = dict(
        s.execute(select(Link.app_id, func.count()).group_by(Link.app_id)).all()
    )
    return [_app_view(a, counts.get(a.id, 0)) for a in s.scalars(select(App).order_by(App.id))]


def app(s: Session, app_id: int) -> AppView | None:
    found = s.get(App, app_id)
    if found is None:
        return None
    count = s.scalar(select(func.count()).select_from(Link).where(Link.app_id == app_id)) or 0
    return _app_view(found, count)


def counts(s: Session) -> dict[str, int]:
    return {
        "apps": s.scalar(select(func.count()).select_from(App)) or 0,
        "accounts": s.scalar(select(func.count()).select_from(Account)) or 0,
        "links": s.scalar(select(func.count()).select_from(Link)) or 0,
        "friend entries": s.scalar(select(func.count()).select_from(Friendship)) or 0,
    }


def _search(q: str) -> str:
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def accounts(s: Session, q: str = "", offset: int = 0) -> tuple[list[AccountRow], int]:
    """A page of accounts (matching `q` in key or nickname) and how many match."""
    where = []
    if q:
        pattern = _search(q)
        where.append(
            or_(Account.key.like(pattern, escape="\\"), Account.nickname.like(pattern, escape="\\"))
        )
    total = s.scalar(select(func.count()).select_from(Account).where(*where)) or 0
    friends = (
        select(func.count()).where(Friendship.owner_id == Account.id).scalar_subquery()
    )
    links = select(func.count()).where(Link.account_id == Account.id).scalar_subquery()
    rows = s.execute(
        select(Account, friends, links)
        .where(*where)
        .order_by(Account.id)
        .offset(offset)
        .limit(PAGE_SIZE)
    )
    return [
        AccountRow(a.id, a.key, a.nickname, a.talk_user, a.thumbnail_url, f, n)
        for a, f, n in rows
    ], total


def account_keys(s: Session, limit: int = 500) -> list[tuple[str, str]]:
    """(key, nickname) of the first accounts, for choosers."""
    rows = s.execute(select(Account.key, Account.nickname).order_by(Account.id).limit(limit))
    return [(k, n) for k, n in rows]


def account_detail(s: Session, key: str) -> AccountDetail | None:
    account = s.scalar(select(Account).where(Account.key == key))
    if account is None:
        return None
    detail = AccountDetail(account)
    friend = aliased(Account)
    rows = s.execute(
        select(Friendship, friend.key, friend.nickname, friend.thumbnail_url, MultiProfile.key)
        .join(friend, friend.id == Friendship.friend_id)
        .outerjoin(MultiProfile, MultiProfile.id == Friendship.shown_profile_id)
        .where(Friendship.owner_id == account.id)
        .order_by(Friendship.position, friend.id)
    )
    shown_to: dict[int, list[str]] = {}
    for f, fkey, fnick, fthumb, mp_key in rows:
        detail.friends.append(
            FriendView(fkey, fnick, fthumb, f.favorite, f.hidden, f.blocked, mp_key)
        )
        if f.shown_profile_id is not None:
            shown_to.setdefault(f.shown_profile_id, []).append(fkey)
    for mp in s.scalars(
        select(MultiProfile)
        .where(MultiProfile.account_id == account.id)
        .order_by(MultiProfile.position, MultiProfile.id)
    ):
        detail.multi_profiles.append(
            MultiProfileView(
                mp.id, mp.key, mp.nickname, mp.profile_image_url, mp.thumbnail_url,
                shown_to.get(mp.id, []),
            )
        )
    detail.friend_of = list(
        s.scalars(
            select(Account.key)
            .join(Friendship, Friendship.owner_id == Account.id)
            .where(Friendship.friend_id == account.id)
            .order_by(Account.id)
        )
    )
    detail.links = links(s, account_id=account.id)[0]
    return detail


def links(
    s: Session, *, app_id: int | None = None, account_id: int | None = None, offset: int = 0,
    limit: int = PAGE_SIZE,
) -> tuple[list[LinkView], int]:
    where = []
    if app_id is not None:
        where.append(Link.app_id == app_id)
    if account_id is not None:
        where.append(Link.account_id == account_id)
    total = s.scalar(select(func.count()).select_from(Link).where(*where)) or 0
    rows = s.execute(
        select(Link, App.name, App.consent_items, Account.key, Account.nickname)
        .join(App, App.id == Link.app_id)
        .join(Account, Account.id == Link.account_id)
        .where(*where)
        .order_by(Link.app_id, Link.user_id)
        .offset(offset)
        .limit(limit)
    )
    return [
        LinkView(
            link.app_id, app_name, key, nickname, link.user_id, link.uuid,
            list(json.loads(link.scopes)), link.connected_at, dict(json.loads(items)),
            bool(link.accepts_messages),
        )
        for link, app_name, items, key, nickname in rows
    ], total


def account_id(s: Session, key: str) -> int | None:
    return s.scalar(select(Account.id).where(Account.key == key))


def link(s: Session, app_id: int, account_key: str) -> LinkView | None:
    account = s.scalar(select(Account).where(Account.key == account_key))
    if account is None:
        return None
    found = links(s, app_id=app_id, account_id=account.id, limit=1)[0]
    return found[0] if found else None


def message_templates(s: Session, app_id: int) -> list[TemplateView]:
    return [
        TemplateView(row.template_id,
                     json.dumps(json.loads(row.template_object), indent=2, ensure_ascii=False))
        for row in s.scalars(
            select(MessageTemplate)
            .where(MessageTemplate.app_id == app_id)
            .order_by(MessageTemplate.template_id)
        )
    ]


# --- the Kakao Talk view (console/talk.py) ------------------------------------------------------

#: The newest messages a chat shows.
CHAT_SIZE = 100


@dataclass(frozen=True)
class ChatView:
    """One chat of an account: with itself ("to me", `key` is the account's own key) or with
    another account, the messages either sent the other."""

    key: str
    nickname: str
    thumbnail_url: str | None
    count: int
    last_at: float
    to_me: bool


@dataclass(frozen=True)
class ChatMessage:
    id: int
    incoming: bool
    sender_key: str
    sender_nickname: str
    sender_thumbnail_url: str | None
    app_id: int
    app_name: str
    endpoint: str
    template_object: str
    sent_at: float


def chats(s: Session, account_id: int) -> list[ChatView]:
    """The account's chats, the most recent first."""
    other = case((Message.sender_id == account_id, Message.receiver_id),
                 else_=Message.sender_id).label("other")
    grouped = (
        select(other, func.count().label("n"), func.max(Message.sent_at).label("last"),
               func.max(Message.id).label("last_id"))
        .where(or_(Message.sender_id == account_id, Message.receiver_id == account_id))
        .group_by(other)
        .subquery()
    )
    rows = s.execute(
        select(Account.key, Account.nickname, Account.thumbnail_url, grouped.c.n,
               grouped.c.last, Account.id)
        .join(grouped, grouped.c.other == Account.id)
        .order_by(grouped.c.last_id.desc())
    )
    return [ChatView(k, n, t, int(c), float(last), other_id == account_id)
            for k, n, t, c, last, other_id in rows]


def chat_messages(s: Session, account_id: int, other_id: int,
                  limit: int = CHAT_SIZE) -> tuple[list[ChatMessage], int]:
    """The newest messages of one chat, oldest first, and how many the chat holds."""
    if other_id == account_id:
        where = and_(Message.sender_id == account_id, Message.receiver_id == account_id)
    else:
        where = or_(
            and_(Message.sender_id == account_id, Message.receiver_id == other_id),
            and_(Message.sender_id == other_id, Message.receiver_id == account_id),
        )
    total = s.scalar(select(func.count()).select_from(Message).where(where)) or 0
    rows = s.execute(
        select(Message, App.name, Account.key, Account.nickname, Account.thumbnail_url)
        .join(App, App.id == Message.app_id)
        .join(Account, Account.id == Message.sender_id)
        .where(where)
        .order_by(Message.id.desc())
        .limit(limit)
    )
    found = [
        ChatMessage(m.id, m.sender_id != account_id, key, nickname, thumb, m.app_id, app_name,
                    m.endpoint, m.template_object, m.sent_at)
        for m, app_name, key, nickname, thumb in rows
    ]
    found.reverse()
    return found, total
