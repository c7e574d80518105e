"""The database schema (SQLAlchemy 2 declarative). Writes and seeding go through these models;
the hot read paths (`storage.reads`) use plain SQL on the same tables.

Secrets: access and refresh tokens and passwords are stored only as hashes (sha256 hex for
tokens, which are long random strings; a slow salted hash for passwords). App keys are kept in
plain text because the console shows them, and also as sha256 so that a lookup never compares
the secret itself.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class App(Base):
    __tablename__ = "apps"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))
    rest_api_key: Mapped[str] = mapped_column(String(200))
    rest_api_key_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    admin_key: Mapped[str] = mapped_column(String(200))
    admin_key_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    # Kakao's JavaScript key and native app key (docs/reference/compatibility.md#keys).
    javascript_key: Mapped[str] = mapped_column(String(200))
    javascript_key_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    native_app_key: Mapped[str] = mapped_column(String(200))
    native_app_key_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    # Kept retrievable like the keys; None when the app has no secret.
    client_secret: Mapped[str | None] = mapped_column(String(200), nullable=True)
    redirect_uris: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    # Where `GET /oauth/logout` may send the browser back to (JSON list, compared exactly).
    logout_redirect_uris: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")
    # Origins of the app's web pages (JSON list): CORS, the Message API's scrap.
    web_domains: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")
    consent_items: Mapped[str] = mapped_column(Text, default="{}")  # JSON {item: setting}
    # The Message API's daily limits this app overrides (JSON {"per_sender": n, ...}); the
    # others are Kakao's (`domain.messages.DEFAULT_LIMITS`).
    message_limits: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")
    # The custom user property keys the app declares (JSON list; /v1/user/update_profile).
    user_properties: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")
    # Called when a link ends other than by the app's own /v1/user/unlink (None: no callback).
    unlink_callback_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    unlink_callback_method: Mapped[str] = mapped_column(String(8), default="GET",
                                                        server_default="GET")


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    talk_user: Mapped[bool] = mapped_column(Boolean, default=True)
    # The default Talk profile.
    nickname: Mapped[str] = mapped_column(String(400), default="")
    profile_image_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    thumbnail_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The Kakao Account profile of /v2/user/me; when absent it mirrors the Talk profile.
    has_account_profile: Mapped[bool] = mapped_column(Boolean, default=False)
    account_nickname: Mapped[str | None] = mapped_column(String(400), nullable=True)
    account_profile_image_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    account_thumbnail_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    email: Mapped[str | None] = mapped_column(String(400), nullable=True)
    email_valid: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    email_verified: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    password_hash: Mapped[str | None] = mapped_column(String(400), nullable=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class MultiProfile(Base):
    __tablename__ = "multi_profiles"
    __table_args__ = (UniqueConstraint("account_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    nickname: Mapped[str] = mapped_column(String(400))
    profile_image_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    thumbnail_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Friendship(Base):
    """A directed friend-list entry: `owner` has `friend` in their list. The multi-profile the
    owner shows to that friend lives here too, so "at most one per friend" is structural."""

    __tablename__ = "friendships"
    __table_args__ = (Index("ix_friendships_friend", "friend_id"),)

    owner_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    friend_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    favorite: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    shown_profile_id: Mapped[int | None] = mapped_column(
        ForeignKey("multi_profiles.id", ondelete="SET NULL"), nullable=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)


class Link(Base):
    """An account linked to an app (Kakao Login), with its app-scoped ids and agreed scopes."""

    __tablename__ = "links"
    __table_args__ = (
        UniqueConstraint("app_id", "user_id"),
        UniqueConstraint("app_id", "uuid"),
        Index("ix_links_account", "account_id"),
    )

    app_id: Mapped[int] = mapped_column(
        ForeignKey("apps.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger)
    uuid: Mapped[str] = mapped_column(String(200))
    scopes: Mapped[str] = mapped_column(Text, default="[]")  # JSON list, agreed items
    connected_at: Mapped[float] = mapped_column(Float, default=0.0)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # False: the user refuses the app's Talk messages (a friend's send to them fails, -530).
    accepts_messages: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # The app's custom user properties of this user (JSON object of strings).
    properties: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")


class Token(Base):
    """Access and refresh tokens, by sha256 of the token. A revoked token is deleted, so that it
    answers exactly like one that never existed."""

    __tablename__ = "tokens"
    __table_args__ = (
        Index("ix_tokens_app_account", "app_id", "account_id"),
        Index("ix_tokens_refresh_token", "refresh_token_id"),
        Index("ix_tokens_auth_code", "auth_code_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # "access" | "refresh"
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    expires_at: Mapped[float] = mapped_column(Float)
    issued_at: Mapped[float] = mapped_column(Float, default=0.0)
    # The refresh token an access token was issued with (logout revokes both).
    refresh_token_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The authorization code a token came from (a reused code revokes them).
    auth_code_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # When the user authenticated (the id_token's auth_time); None for seeded tokens.
    auth_time: Mapped[float | None] = mapped_column(Float, nullable=True)
    scopes: Mapped[str] = mapped_column(Text, default="[]")
    # True for tokens declared in a seed file (they are exported; issued ones are not).
    seeded: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)


class FriendRow(Base):
    """A listable friend, per (app, owner): the materialised answer of /v1/api/talk/friends.

    Maintained on every write that changes who is listable or how a friend looks to the owner
    (`storage.friend_index`), so that a page is one indexed range scan. Sort keys are bytes
    compared as bytes on every database; `user_id` is the unique tie-breaker (docs/reference/friends.md).

    The ranks are each row's 0-based position in its (app, owner) list ordered by
    (key, user_id) ascending: `*_rank` over the whole list (`friend_order=nickname`),
    `fav_*_rank` within its favorite block (`friend_order=favorite`). A page at any offset is
    then a seek on a rank range (descending: size - 1 - rank), not a walk past `offset` rows.
    On SQLite (migration 0004) the rank indexes also carry the returned columns, so a page
    never touches the table; SQLite cannot INCLUDE, so they are trailing key columns."""

    __tablename__ = "friend_rows"
    __table_args__ = (
        Index("ix_friend_rows_ko_rank", "app_id", "owner_id", "ko_rank"),
        Index("ix_friend_rows_en_rank", "app_id", "owner_id", "en_rank"),
        Index("ix_friend_rows_fav_ko_rank", "app_id", "owner_id", "favorite", "fav_ko_rank"),
        Index("ix_friend_rows_fav_en_rank", "app_id", "owner_id", "favorite", "fav_en_rank"),
        Index("ix_friend_rows_friend", "friend_id"),
    )

    app_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    owner_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    friend_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    uuid: Mapped[str] = mapped_column(String(200))
    nickname: Mapped[str] = mapped_column(String(400))
    thumbnail_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    favorite: Mapped[int] = mapped_column(Integer)  # 1 or 0
    ko_key: Mapped[bytes] = mapped_column(LargeBinary)
    en_key: Mapped[bytes] = mapped_column(LargeBinary)
    ko_rank: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    en_rank: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    fav_ko_rank: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    fav_en_rank: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The element of the friends page as JSON bytes (`storage.elements.friend_element_json`).
    element: Mapped[bytes] = mapped_column(LargeBinary)


class FriendCount(Base):
    """Stored `total_count` / `favorite_count` per (app, owner), kept with the rows."""

    __tablename__ = "friend_counts"

    app_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    owner_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    total_count: Mapped[int] = mapped_column(Integer, default=0)
    favorite_count: Mapped[int] = mapped_column(Integer, default=0)


class ServerState(Base):
    """Small shared settings every worker must agree on (the clock offset, signing keys)."""

    __tablename__ = "server_state"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# --- Kakao Login (docs/reference/kakao-login.md) -------------------------------------------------------------------


class AuthCode(Base):
    """An authorization code, by sha256. A used code is kept (with `used_at`) until it expires,
    so that presenting it again is recognised as reuse and revokes what it issued."""

    __tablename__ = "auth_codes"
    __table_args__ = (Index("ix_auth_codes_app_account", "app_id", "account_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    redirect_uri: Mapped[str] = mapped_column(Text)
    code_challenge: Mapped[str | None] = mapped_column(String(200), nullable=True)
    nonce: Mapped[str | None] = mapped_column(Text, nullable=True)
    auth_time: Mapped[float] = mapped_column(Float)
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)
    used_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class LoginSession(Base):
    """A browser's session on the login pages, by sha256 of the cookie value, so that any
    worker can serve it. `account_id` is None until the browser logs in."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(200))
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), nullable=True
    )
    auth_time: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)


class SigningKey(Base):
    """RSA keys that sign id_tokens (RS256). The oldest one signs; all are published."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(100), primary_key=True)
    private_key_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Float)


class TokenIssuance(Base):
    """One row per token issued by /oauth/token, for the per (app, account) issuance limits.
    Kept apart from `tokens` because revoked tokens are deleted but still count."""

    __tablename__ = "token_issuances"
    __table_args__ = (
        Index("ix_token_issuances_lookup", "app_id", "account_id", "kind", "issued_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_id: Mapped[int] = mapped_column(BigInteger)
    account_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # "access" | "refresh"
    issued_at: Mapped[float] = mapped_column(Float)


# --- The control plane (faults, quotas, journal) ----------------------------------------------


class FaultRule(Base):
    """A rule that makes matching requests fail with a Kakao error or answer late. `remaining`
    (None: unlimited) counts down the "next N" rules; `probability` is the share of matching
    requests it applies to. `app_id` / `account_id` (None: any) narrow it."""

    __tablename__ = "fault_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    endpoint: Mapped[str] = mapped_column(String(400))  # a path or a glob ("/oauth/*")
    method: Mapped[str | None] = mapped_column(String(16), nullable=True)
    kind: Mapped[str] = mapped_column(String(16))  # "error" | "latency"
    code: Mapped[int | None] = mapped_column(Integer, nullable=True)  # Kakao code (docs/reference/errors.md)
    koe_code: Mapped[str | None] = mapped_column(String(32), nullable=True)  # login server
    oauth_error: Mapped[str | None] = mapped_column(String(100), nullable=True)
    http_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    msg: Mapped[str | None] = mapped_column(Text, nullable=True)
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    probability: Mapped[float] = mapped_column(Float, default=1.0)
    remaining: Mapped[int | None] = mapped_column(Integer, nullable=True)
    app_id: Mapped[int | None] = mapped_column(
        ForeignKey("apps.id", ondelete="CASCADE"), nullable=True
    )
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), nullable=True
    )
    created_at: Mapped[float] = mapped_column(Float, default=0.0)


class QuotaLimit(Base):
    """A daily limit of one API for one app (no row: no limit)."""

    __tablename__ = "quota_limits"

    app_id: Mapped[int] = mapped_column(
        ForeignKey("apps.id", ondelete="CASCADE"), primary_key=True
    )
    api: Mapped[str] = mapped_column(String(100), primary_key=True)
    daily_limit: Mapped[int] = mapped_column(BigInteger)


class QuotaUsage(Base):
    """Calls of one API by one app on one Korean day (`YYYY-MM-DD`, UTC+9, server clock),
    flushed in batches by each worker."""

    __tablename__ = "quota_usage"

    app_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    api: Mapped[str] = mapped_column(String(100), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0)


class JournalEntry(Base):
    """One request the server answered (tokens and keys never stored), flushed in batches."""

    __tablename__ = "journal_entries"
    __table_args__ = (Index("ix_journal_entries_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[float] = mapped_column(Float)
    method: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(Text)
    app_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    account_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[int] = mapped_column(Integer)
    code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    duration_ms: Mapped[float] = mapped_column(Float)
    fault_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class LoginThrottle(Base):
    """Wrong passwords per account or client address (`domain.throttle`): shared by every
    worker, so a guesser cannot spread attempts across them."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[float] = mapped_column(Float)
    locked_until: Mapped[float] = mapped_column(Float)


# --- The Kakao Talk Message API (docs/reference/messages.md) ----------------------------------


class MessageTemplate(Base):
    """A custom message template an app registered (`template_id` of the Message API): a
    template object whose strings may hold `${name}` placeholders."""

    __tablename__ = "message_templates"

    app_id: Mapped[int] = mapped_column(
        ForeignKey("apps.id", ondelete="CASCADE"), primary_key=True
    )
    template_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    template_object: Mapped[str] = mapped_column(Text)  # JSON


class Message(Base):
    """A delivered Talk message (the inbox): the final template object, who sent it to whom
    through which endpoint, when (server clock). A "to me" message has sender == receiver.
    `day` is the Korean calendar day of `sent_at`, which the daily limits count by."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_app_day", "app_id", "day"),
        Index("ix_messages_sender_day", "app_id", "sender_id", "day"),
        Index("ix_messages_receiver_day", "app_id", "receiver_id", "day"),
        Index("ix_messages_sender", "sender_id"),
        Index("ix_messages_receiver", "receiver_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"))
    sender_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    receiver_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    endpoint: Mapped[str] = mapped_column(String(100))
    template_object: Mapped[str] = mapped_column(Text)  # JSON
    sent_at: Mapped[float] = mapped_column(Float)
    day: Mapped[str] = mapped_column(String(10))


# --- The user APIs (docs/reference/kakao-login.md#user-apis) --------------------------------


class RateCounter(Base):
    """Calls of one rate-limited API by one app in one window (`window_start` = the window's start,
    server clock, whole seconds), counted in the database so every worker agrees."""

    __tablename__ = "rate_counters"

    app_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    api: Mapped[str] = mapped_column(String(100), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class WebhookDelivery(Base):
    """One call of an app's unlink callback: what was sent, and how it ended (`status`
    "pending", "delivered" or "failed"; the answer's HTTP status; the error)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_app", "app_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    referrer_type: Mapped[str] = mapped_column(String(40))
    url: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    response_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    at: Mapped[float] = mapped_column(Float)
