"""Queries behind the events calendar: coming events by country, each with its newest link."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import models

MAX_EVENTS = 200  # one calendar file; more is a list nobody imports


async def coming_events(
    session: AsyncSession, *, today: date, countries: Sequence[str] = (), limit: int = MAX_EVENTS
) -> list[models.Event]:
    """Return dated events not yet over, soonest first (in ``countries`` when given)."""
    e = models.Event
    stmt = select(e).where(e.start.is_not(None), func.coalesce(e.end, e.start) >= today)
    if countries:
        stmt = stmt.where(e.country.in_([c.lower() for c in countries]))
    stmt = stmt.order_by(e.start, e.id).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def newest_links(session: AsyncSession, event_ids: Sequence[int]) -> dict[int, str]:
    """Return each event's newest article address (one query for any number of events)."""
    if not event_ids:
        return {}
    a, ae = models.Article, models.ArticleEvent
    rows = await session.execute(
        select(ae.event_id, a.url, a.canonical_url, a.published, a.id)
        .join(a, a.id == ae.article_id)
        .where(ae.event_id.in_(list(event_ids)))
        .order_by(a.published.desc().nulls_last(), a.id.desc())
    )
    links: dict[int, str] = {}
    for event_id, url, canonical, _published, _id in rows:
        link = url or canonical
        if event_id not in links and link:
            links[event_id] = link
    return links
