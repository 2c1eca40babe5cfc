"""Typed SQLAlchemy 2 models: the tables Chaikhana stores, named in DESIGN.md's vocabulary.

The Alembic migration in ``storage/migrations`` is the schema; these models must match it
(a test compares them). Full-text search objects (SQLite's ``articles_fts`` and
PostgreSQL's ``articles.search_vector``) live only in the migration, because they are
dialect-specific and never read through the ORM.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from digests.wordforms import index_terms

logger = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Store datetimes as UTC and always return them timezone-aware.

    SQLite has no timezone type and hands back naive values; storing naive UTC there
    keeps string comparison correct, and re-attaching UTC on the way out makes both
    backends return the same thing. A naive value on the way in is taken to be UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert to UTC (naive for SQLite)."""
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return an aware UTC datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _title_terms(context: DefaultExecutionContext) -> str:
    """Stem the title of the article being inserted (a column default, so bulk inserts too)."""
    row = context.get_current_parameters()
    return index_terms(row.get("title") or "", row.get("lang"))


def _body_terms(context: DefaultExecutionContext) -> str:
    """Stem the summary and text of the article being inserted."""
    row = context.get_current_parameters()
    lang = row.get("lang")
    return (
        index_terms(row.get("summary") or "", lang)
        + " "
        + index_terms((row.get("text") or "")[:BODY_TERMS_CHARS], lang)
    ).strip()


# PostgreSQL indexes at most 200,000 characters of the text (the migration); so do we.
BODY_TERMS_CHARS = 200_000


class Base(DeclarativeBase):
    """Declarative base with a constraint naming convention Alembic can rely on."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 — SQLAlchemy reads this class attribute
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[str]: JSON(),
        list[int]: JSON(),
    }


class Source(Base):
    """A feed or site we read."""

    __tablename__ = "sources"
    __table_args__ = (CheckConstraint("kind IN ('rss', 'page', 'file')", name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    name: Mapped[str | None] = mapped_column(String(256))
    country: Mapped[str | None] = mapped_column(String(8))
    lang: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Validators as the feed's server sent them, unbounded (HTTP sets no limit): TEXT on
    # PostgreSQL, and on SQLite the VARCHAR the table was made with, which it never enforces.
    etag: Mapped[str | None] = mapped_column(Text().with_variant(String(512), "sqlite"))
    last_modified: Mapped[str | None] = mapped_column(Text().with_variant(String(128), "sqlite"))
    last_fetched_at: Mapped[datetime | None]
    last_ok_at: Mapped[datetime | None]
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    articles_total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # How much a digest trusts this source when ranking stories (1.0 is ordinary).
    weight: Mapped[float] = mapped_column(Float, default=1.0, server_default="1.0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The instance polling the source now, and when its claim lapses (another takes over).
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_until: Mapped[datetime | None]

    articles: Mapped[list[Article]] = relationship(back_populates="source", lazy="raise")


class Story(Base):
    """Articles from several sources or languages that report the same thing."""

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    article_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    articles: Mapped[list[Article]] = relationship(back_populates="story", lazy="raise")


class Article(Base):
    """One piece of news, understood."""

    __tablename__ = "articles"
    __table_args__ = (
        Index("ix_articles_guid", "guid"),
        Index("ix_articles_published", "published"),
        Index("ix_articles_ingested_at", "ingested_at"),
        Index("ix_articles_story_id", "story_id"),
        Index("ix_articles_source_id", "source_id"),
        # story candidates are dated from it, never from their rows (see migration 0014)
        Index("ix_articles_id_published_story_id", "id", "published", "story_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"))
    source_name: Mapped[str | None] = mapped_column(String(256))
    url: Mapped[str | None] = mapped_column(String(2048))
    canonical_url: Mapped[str | None] = mapped_column(String(2048), unique=True)
    guid: Mapped[str | None] = mapped_column(String(2048))
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, default="", server_default="")
    published: Mapped[datetime | None]
    ingested_at: Mapped[datetime] = mapped_column(default=utcnow)
    lang: Mapped[str] = mapped_column(String(8))
    script: Mapped[str] = mapped_column(String(16))
    content_hash: Mapped[str] = mapped_column(String(128), unique=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id"))
    features: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Tech news; anything else is stored but lookups, search and digests leave it out.
    tech: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # The stems of the title's and the rest's words (digests.wordforms), for search to
    # match other word forms; worked out on insert from the row itself, never set by hand.
    title_terms: Mapped[str] = mapped_column(Text, default=_title_terms, server_default="")
    body_terms: Mapped[str] = mapped_column(Text, default=_body_terms, server_default="")

    source: Mapped[Source | None] = relationship(back_populates="articles", lazy="raise")
    story: Mapped[Story] = relationship(back_populates="articles", lazy="raise")
    tags: Mapped[list[ArticleTag]] = relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )
    keys: Mapped[list[ArticleKey]] = relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )
    events: Mapped[list[Event]] = relationship(
        secondary="article_events", back_populates="articles", lazy="raise"
    )


class ArticleTag(Base):
    """A country or topic an article is about."""

    __tablename__ = "article_tags"
    __table_args__ = (
        CheckConstraint("kind IN ('country', 'topic')", name="kind"),
        Index("ix_article_tags_kind_value_article_id", "kind", "value", "article_id"),
    )

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(64), primary_key=True)


class Event(Base):
    """A named happening with dates and place."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(256), unique=True)
    name: Mapped[str] = mapped_column(String(512))
    start: Mapped[date | None] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)
    place: Mapped[str | None] = mapped_column(String(256))
    country: Mapped[str | None] = mapped_column(String(8))

    articles: Mapped[list[Article]] = relationship(
        secondary="article_events", back_populates="events", lazy="raise"
    )


class EventAlias(Base):
    """Another name of an event (another script, language or spelling): /event finds it too."""

    __tablename__ = "event_aliases"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    alias: Mapped[str] = mapped_column(String(512), primary_key=True)


class ArticleEvent(Base):
    """Link between an article and an event it mentions."""

    __tablename__ = "article_events"
    __table_args__ = (Index("ix_article_events_event_id", "event_id"),)

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )


class ArticleKey(Base):
    """A story-matching key of an article, indexed for candidate retrieval."""

    __tablename__ = "article_keys"
    __table_args__ = (Index("ix_article_keys_key_article_id", "key", "article_id"),)

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(256), primary_key=True)


class Subscriber(Base):
    """A chat the bot talks to."""

    __tablename__ = "subscribers"
    __table_args__ = (
        CheckConstraint(
            "chat_type IN ('private', 'group', 'supergroup', 'channel')", name="chat_type"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    chat_type: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(String(256))
    ui_lang: Mapped[str] = mapped_column(String(8), default="ru", server_default="ru")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    deactivated_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    subscriptions: Mapped[list[Subscription]] = relationship(
        back_populates="subscriber",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class Subscription(Base):
    """What a subscriber wants, and when."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        CheckConstraint("cadence IN ('daily', 'weekly', 'instant')", name="cadence"),
        # One subscription per chat: a chat has one schedule and one set of filters.
        Index("ix_subscriptions_subscriber_id", "subscriber_id", unique=True),
        Index("ix_subscriptions_next_due_at", "next_due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords_include: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords_exclude: Mapped[list[str]] = mapped_column(JSON, default=list)
    cadence: Mapped[str] = mapped_column(String(16), default="daily", server_default="daily")
    weekday: Mapped[int | None] = mapped_column(Integer)
    time_of_day: Mapped[str] = mapped_column(String(5), default="09:00", server_default="09:00")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    paused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    digest_size: Mapped[int] = mapped_column(Integer, default=10, server_default="10")
    # End of the last period planned: the next digest starts here (at most one period back).
    last_period_end: Mapped[datetime | None]
    # When the next digest is due (UTC); the planner reads only subscriptions due by now.
    next_due_at: Mapped[datetime | None]
    # Unsubscribed (kept for a one-tap undo); a cancelled subscription is never planned.
    cancelled_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    subscriber: Mapped[Subscriber] = relationship(back_populates="subscriptions", lazy="raise")
    deliveries: Mapped[list[Delivery]] = relationship(
        back_populates="subscription",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class Delivery(Base):
    """One digest to one chat for one period: the unit of the outbox."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "period_key"),
        CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'skipped', 'expired')",
            name="status",
        ),
        Index("ix_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    period_key: Mapped[str] = mapped_column(String(64))
    # The composed digest this delivery sends (shared by every delivery of the same
    # filters, language and period); null for a period that had nothing to send.
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("digests.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]
    message_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    # "digest", or "reminder" (an event's reminder: its texts are a Digest row too)
    kind: Mapped[str] = mapped_column(String(16), default="digest", server_default="digest")

    subscription: Mapped[Subscription] = relationship(back_populates="deliveries", lazy="raise")


class EventReminder(Base):
    """A subscription that asked to be reminded of its countries' events."""

    __tablename__ = "event_reminders"

    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Digest(Base):
    """A composed selection of stories for one filter, period and reader language.

    Rendered once and shared by every delivery whose subscription has the same filters,
    language and period, so composing does not grow with the number of subscribers.
    """

    __tablename__ = "digests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(128), unique=True)
    lang: Mapped[str] = mapped_column(String(8))
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    story_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    texts: Mapped[list[str]] = mapped_column(JSON, default=list)
    story_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
