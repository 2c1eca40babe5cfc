"""Counts behind the trend charts: stories' articles per day and country, topics, activity."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import models


def _day(value: object) -> date:
    # SQLite's date() is text, PostgreSQL's a date.
    return value if isinstance(value, date) else date.fromisoformat(str(value))


async def per_day_by_country(
    session: AsyncSession, *, since: datetime, countries: Sequence[str] = ()
) -> list[tuple[date, str, int]]:
    """Count articles per publication day and country since a moment (grouped in SQL)."""
    a, t = models.Article, models.ArticleTag
    when = func.coalesce(a.published, a.ingested_at)
    day = func.date(when)
    stmt = (
        select(day, t.value, func.count())
        .select_from(t)
        .join(a, a.id == t.article_id)
        .where(t.kind == "country", when >= since)
        .group_by(day, t.value)
    )
    if countries:
        stmt = stmt.where(t.value.in_(list(countries)))
    return [(_day(d), code, int(n)) for d, code, n in await session.execute(stmt)]


async def top_topics(
    session: AsyncSession, *, since: datetime, country: str | None = None, limit: int = 8
) -> list[tuple[str, int]]:
    """Return the most frequent topics of articles since a moment (in a country if given)."""
    a, t = models.Article, models.ArticleTag
    when = func.coalesce(a.published, a.ingested_at)
    stmt = (
        select(t.value, func.count())
        .select_from(t)
        .join(a, a.id == t.article_id)
        .where(t.kind == "topic", when >= since)
        .group_by(t.value)
        .order_by(func.count().desc(), t.value)
        .limit(limit)
    )
    if country:
        c = models.ArticleTag.__table__.alias("c")
        stmt = stmt.join(c, c.c.article_id == a.id).where(
            c.c.kind == "country", c.c.value == country
        )
    return [(topic, int(n)) for topic, n in await session.execute(stmt)]


async def activity(session: AsyncSession, *, since: datetime) -> dict[str, dict[date, int]]:
    """Count articles stored and deliveries sent per day since a moment."""
    a, d = models.Article, models.Delivery
    stored = await session.execute(
        select(func.date(a.ingested_at), func.count())
        .where(a.ingested_at >= since)
        .group_by(func.date(a.ingested_at))
    )
    sent = await session.execute(
        select(func.date(d.sent_at), func.count())
        .where(d.sent_at >= since, d.status == "sent")
        .group_by(func.date(d.sent_at))
    )
    return {
        "ingested": {_day(day): int(n) for day, n in stored},
        "sent": {_day(day): int(n) for day, n in sent},
    }
