"""Measure inline answers, .ics building and chart rendering on a synthetic archive.

    python bench/features.py                      # 100,000 articles in SQLite
    python bench/features.py -n 1000000 --runs 200
    python bench/features.py --database postgresql://postgres@127.0.0.1:5432/test

The archive is bench/lookups.py's (same generator: countries, languages, topics, events).
Each measure is the bot's own path minus Telegram: the service function and the
rendering into what would be sent (InlineQueryResultArticle objects, .ics bytes, PNG).
Prints p50 and p95 in milliseconds. Targets: inline and .ics p95 ≤ 30 ms; a chart ≤ 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import lookups as archive  # noqa: E402  (bench/lookups.py: the archive's generator)
from sqlalchemy import select, text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker  # noqa: E402

from bot import render_inline  # noqa: E402
from bot.services import calendar, inline, trends  # noqa: E402
from storage import models  # noqa: E402
from storage.db import make_engine, make_sessionmaker, upgrade  # noqa: E402

NOW = datetime(2026, 6, 1, tzinfo=UTC)  # the archive's "now"
QUERIES = [
    "digital bank",
    "startup",
    "Ташкент",
    "Toshkent",
    "ICT Week",
    "Astana Hub",
    "инвестиции",
    "fintech platform",
    "Бишкек форум",
    "zzqqxx",
    "",
    "",
    "рақамӣ бонк",
    "Алматы деректер",
]

Measure = Callable[[async_sessionmaker[AsyncSession], random.Random], Awaitable[object]]


async def inline_answer(db: async_sessionmaker[AsyncSession], rng: random.Random) -> object:
    query = rng.choice(QUERIES)
    found = await inline.answer(
        db, query, offset=rng.choice(["", "", "20"]), user_id=1, telegram_lang="ru"
    )
    return render_inline.results(found)


def event_ids_of(ids: list[int]) -> Measure:
    async def one_event(db: async_sessionmaker[AsyncSession], rng: random.Random) -> object:
        return await calendar.event_calendar(db, rng.choice(ids), reader_lang="en", now=NOW)

    return one_event


async def coming_events(db: async_sessionmaker[AsyncSession], rng: random.Random) -> object:
    calendar._coming.clear()  # the first request of an hour: query and build
    return await calendar.coming_calendar(db, -1, reader_lang="ru", now=NOW)


async def coming_cached(db: async_sessionmaker[AsyncSession], rng: random.Random) -> object:
    return await calendar.coming_calendar(db, -1, reader_lang="ru", now=NOW)


async def chart_uncached(db: async_sessionmaker[AsyncSession], rng: random.Random) -> object:
    trends._cache.clear()  # the first request of an hour: query and render
    return await trends.trends(db, rng.choice(["", "kz", "uz"]), lang="ru", now=NOW)


async def chart_cached(db: async_sessionmaker[AsyncSession], rng: random.Random) -> object:
    return await trends.trends(db, "", lang="ru", now=NOW)


async def measure(
    db: async_sessionmaker[AsyncSession], measures: dict[str, tuple[Measure, int]]
) -> dict[str, list[float]]:
    rng = random.Random(1)
    timings: dict[str, list[float]] = {}
    for name, (fn, runs) in measures.items():
        for _ in range(3):
            await fn(db, rng)
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            await fn(db, rng)
            samples.append((time.perf_counter() - started) * 1000)
        timings[name] = samples
    return timings


async def run(url: str, n: int, runs: int, reuse: bool) -> None:
    engine = make_engine(url)
    try:
        await upgrade(engine)
        async with engine.connect() as conn:
            count = (await conn.execute(text("SELECT count(*) FROM articles"))).scalar_one()
        if count < n or not reuse:
            if count:
                raise SystemExit(f"{url}: holds {count} articles; use an empty database or --reuse")
            started = time.perf_counter()
            await archive.build(engine, n)
            print(f"built {n} articles in {time.perf_counter() - started:.1f} s")
        db = make_sessionmaker(engine)
        async with db() as session:
            ids = list(
                (
                    await session.execute(
                        select(models.Event.id).where(models.Event.start.is_not(None))
                    )
                ).scalars()
            )
        timings = await measure(
            db,
            {
                "inline answer": (inline_answer, runs),
                ".ics one event": (event_ids_of(ids), runs),
                ".ics coming (build)": (coming_events, max(5, runs // 10)),
                ".ics coming (cached)": (coming_cached, runs),
                "chart (render)": (chart_uncached, max(5, runs // 20)),
                "chart (cached)": (chart_cached, runs),
            },
        )
        archive.report(f"{engine.dialect.name}, {max(n, count)} articles", timings)
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100_000, help="articles (default 100,000)")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--database", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--reuse", action="store_true", help="reuse an already built database")
    args = parser.parse_args()
    if args.database:
        asyncio.run(run(args.database, args.n, args.runs, args.reuse))
        return
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(f"sqlite:///{tmp}/bench.db", args.n, args.runs, args.reuse))


if __name__ == "__main__":
    main()
