"""Trends as pictures: stories per week by country and the top topics, and for admins the
ingest and delivery of recent days; rendered in a worker thread and cached per hour."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import charts, i18n
from digests.understand import countries
from storage import trends as stored

logger = logging.getLogger(__name__)

WEEKS = 13  # three months
ACTIVITY_DAYS = 14
FOCUS = ("kz", "uz", "kg", "tj", "tm")
CACHE_SIZE = 64


@dataclass(frozen=True, slots=True)
class Chart:
    """A rendered chart, what it shows in words, and the numbers behind it."""

    png: bytes | None  # None when there is nothing to draw
    caption: str
    days: tuple[date, ...]  # the x axis: week starts (trends) or days (activity)
    series: dict[str, tuple[int, ...]]
    bars: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class TrendsAnswer:
    """What /trends found: a chart, or a country it could not name."""

    chart: Chart | None
    unknown: str | None = None


# Per process; a chart is rebuilt at most once an hour per database, language and country
# (two readers asking at the same instant may both render it: harmless).
_cache: OrderedDict[tuple[object, ...], Chart] = OrderedDict()


def _where(db: async_sessionmaker[AsyncSession]) -> str:
    bind = db.kw.get("bind")
    return str(getattr(bind, "url", id(db)))


async def _cached(key: tuple[object, ...], build: object) -> Chart:
    """Return the chart for a key built this hour, else build (once at a time) and keep it."""
    found = _cache.get(key)
    if found is not None:
        _cache.move_to_end(key)
        return found
    chart: Chart = await build()  # type: ignore[operator]
    _cache[key] = chart
    while len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)
    return chart


def _week(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly(
    rows: list[tuple[date, str, int]], weeks: tuple[date, ...]
) -> dict[str, tuple[int, ...]]:
    """Sum per-day counts into weeks (Monday starts), one series per country."""
    index = {w: i for i, w in enumerate(weeks)}
    sums: dict[str, list[int]] = {}
    for day, code, n in rows:
        i = index.get(_week(day))
        if i is not None:
            sums.setdefault(code, [0] * len(weeks))[i] += n
    return {code: tuple(v) for code, v in sums.items()}


def _trend_caption(
    series: dict[str, tuple[int, ...]],
    weeks: tuple[date, ...],
    topics: list[tuple[str, int]],
    lang: str,
) -> str:
    from bot import render

    head = i18n.t(lang, "trends.caption_head", since=i18n.format_date(weeks[0], lang))
    parts = []
    for code, values in sorted(series.items(), key=lambda kv: -sum(kv[1])):
        peak = max(range(len(values)), key=lambda i: values[i])
        parts.append(
            i18n.t(
                lang,
                "trends.caption_country",
                country=f"{render.flag(code)} {render.esc(render.country_name(code, lang))}",
                total=sum(values),
                week=i18n.format_date(weeks[peak], lang),
                peak=values[peak],
            )
        )
    lines = [head, *parts[:6]]
    if topics:
        named = ", ".join(f"{render.esc(render.topic_label(k, lang))} {n}" for k, n in topics)
        lines.append(i18n.t(lang, "trends.caption_topics", topics=named))
    return _fit(lines)


def _fit(lines: list[str], limit: int = 1000) -> str:
    """Keep whole lines while the caption stays under Telegram's 1,024 characters."""
    kept: list[str] = []
    for line in lines:
        if sum(len(x) + 1 for x in kept) + len(line) > limit:
            break
        kept.append(line)
    return "\n".join(kept)


async def trends(
    db: async_sessionmaker[AsyncSession], country: str, *, lang: str, now: datetime
) -> TrendsAnswer:
    """Chart stories per week over three months (every focus country, or the one named)."""
    code: str | None = None
    if country.strip():
        match = countries.resolve(country.strip()[:100])
        if match is None:
            return TrendsAnswer(None, unknown=country.strip()[:100])
        code = match.code
    key = ("trends", _where(db), code, lang, now.strftime("%Y-%m-%dT%H"))

    async def build() -> Chart:
        this_week = _week(now.date())
        weeks = tuple(this_week - timedelta(weeks=WEEKS - 1 - i) for i in range(WEEKS))
        since = datetime.combine(weeks[0], datetime.min.time(), now.tzinfo)
        async with db() as session:
            rows = await stored.per_day_by_country(
                session, since=since, countries=(code,) if code else FOCUS
            )
            topics = await stored.top_topics(session, since=since, country=code)
        series = {c: v for c, v in weekly(rows, weeks).items() if any(v)}
        caption = _trend_caption(series, weeks, topics, lang)
        if not series:
            return Chart(None, i18n.t(lang, "trends.empty"), weeks, {}, tuple(topics))
        from bot import render

        lines = [charts.Series(render.country_name(c, lang), v) for c, v in series.items()]
        bars = [(render.shorten(render.topic_label(k, lang), 24), n) for k, n in topics]
        png = await asyncio.to_thread(
            charts.lines_and_bars,
            title=i18n.t(lang, "trends.title"),
            days=weeks,
            series=lines,
            bars_title=i18n.t(lang, "trends.topics"),
            bars=bars,
        )
        return Chart(png, caption, weeks, series, tuple(topics))

    return TrendsAnswer(await _cached(key, build))


async def activity(db: async_sessionmaker[AsyncSession], *, lang: str, now: datetime) -> Chart:
    """Chart articles stored and deliveries sent per day over the last two weeks."""
    key = ("activity", _where(db), lang, now.strftime("%Y-%m-%dT%H"))

    async def build() -> Chart:
        days = tuple(
            now.date() - timedelta(days=ACTIVITY_DAYS - 1 - i) for i in range(ACTIVITY_DAYS)
        )
        since = datetime.combine(days[0], datetime.min.time(), now.tzinfo)
        async with db() as session:
            counted = await stored.activity(session, since=since)
        series = {
            name: tuple(counted[name].get(day, 0) for day in days) for name in ("ingested", "sent")
        }
        caption = i18n.t(
            lang,
            "trends.activity_caption",
            days=ACTIVITY_DAYS,
            ingested=sum(series["ingested"]),
            sent=sum(series["sent"]),
        )
        png = await asyncio.to_thread(
            charts.activity,
            title=i18n.t(lang, "trends.activity_title"),
            days=days,
            series=[charts.Series(i18n.t(lang, f"trends.{name}"), v) for name, v in series.items()],
        )
        return Chart(png, caption, days, series)

    return await _cached(key, build)
