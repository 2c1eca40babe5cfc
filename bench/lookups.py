"""Measure the bot's lookups in-process: service function plus rendering, no network.

    python bench/lookups.py                       # 100,000 articles in SQLite
    python bench/lookups.py -n 20000 --runs 100
    python bench/lookups.py --database postgresql://postgres@127.0.0.1:5432/test

Builds a database of synthetic articles across countries, languages, topics and events
(bulk inserts; the FTS index is filled by the schema's own triggers), then times each
lookup as the bot runs it: /country NAME, /event NAME, /events, /search WORDS, /latest.
Prints p50 and p95 in milliseconds. Targets on SQLite: /country and /event p95 ≤ 10 ms,
/search p95 ≤ 30 ms. PostgreSQL runs when --database names one that answers.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker  # noqa: E402

from bot import render  # noqa: E402
from storage import lookups, models  # noqa: E402
from storage.db import make_engine, make_sessionmaker, upgrade  # noqa: E402

COUNTRIES = ["kz", "uz", "kg", "tj", "tm", "ru", "cn", "us", "az", "tr"]
FOCUS_WEIGHTS = [30, 30, 12, 10, 5, 4, 3, 3, 2, 1]
LANGS = ["ru", "en", "uz", "kk", "ky", "tg"]
TOPICS = ["ai", "fintech", "startups", "telecom", "egov", "crypto"]
WORDS = {
    "ru": "цифровой банк стартап платформа рынок запуск инвестиции технологии сеть данные "
    "правительство форум центр развитие Ташкент Алматы Астана Бишкек Душанбе".split(),
    "en": "digital bank startup platform market launch investment technology network data "
    "government forum hub development Tashkent Almaty Astana Bishkek Dushanbe".split(),
    "uz": "raqamli bank startap platforma bozor ishga tushirish investitsiya texnologiya tarmoq "
    "hukumat forum markaz rivojlanish Toshkent Samarqand Тошкент Самарқанд".split(),
    "kk": "цифрлық банк стартап платформа нарық инвестиция технология желі деректер үкімет "
    "форум орталық Алматы Астана".split(),
    "ky": "санариптик банк стартап платформа рынок инвестиция технология тармак өкмөт форум "
    "борбор Бишкек Ош".split(),
    "tg": "рақамӣ бонк стартап платформа бозор сармоягузорӣ технология шабака ҳукумат форум "
    "марказ Душанбе Хуҷанд".split(),
}
EVENT_NAMES = [
    "ICT Week",
    "Digital Bridge",
    "Astana Hub Forum",
    "Tashkent Tech Summit",
    "Bishkek AI Day",
    "Dushanbe Fintech Fest",
    "Central Asia Startup Cup",
    "IT Park Demo Day",
    "Kazakhstan Cloud Conference",
    "Samarkand Digital Week",
]
BATCH = 5_000
VOCABULARY = 30_000  # pseudo-words per language, drawn Zipf-like, as real text is


async def build(engine: AsyncEngine, n: int, seed: int = 7) -> None:
    """Fill the database with ``n`` synthetic articles (bulk inserts, in batches)."""
    rng = random.Random(seed)
    now = datetime(2026, 6, 1, tzinfo=UTC)
    events = []
    for i, name in enumerate(EVENT_NAMES * 50):
        year = 2020 + i % 8
        start = date(year, 1 + i % 12, 1 + i % 27)
        events.append(
            {
                "id": i + 1,
                "key": f"{name.lower().replace(' ', '-')}-{year}-{i}",
                "name": f"{name} {year}" + (f" #{i}" if i >= len(EVENT_NAMES) * 8 else ""),
                "start": start,
                "end": start + timedelta(days=i % 4),
                "place": name.split()[0],
                "country": rng.choice(COUNTRIES[:5]),
            }
        )
    async with engine.begin() as conn:
        await conn.execute(insert(models.Event), events)
    story_id = 0
    article_id = 0
    # Text is mostly common and rare filler words (Zipf); the named words above (cities,
    # topics) occur in a few percent of articles, as names do in real news.
    cum_weights = []
    total = 0.0
    for rank in range(1, VOCABULARY + 1):
        total += 1.0 / rank
        cum_weights.append(total)
    filler = {lang: [f"{lang}{i:05d}" for i in range(VOCABULARY)] for lang in LANGS}

    def words_of(lang: str, k: int) -> list[str]:
        chosen = rng.choices(filler[lang], cum_weights=cum_weights, k=k)
        for _ in range(rng.choice([0, 0, 1, 2])):
            chosen.insert(rng.randrange(len(chosen) + 1), rng.choice(WORDS[lang]))
        return chosen

    pending: dict[str, list[dict]] = {"stories": [], "articles": [], "tags": [], "ae": []}

    async def flush() -> None:
        async with engine.begin() as conn:
            if pending["stories"]:
                await conn.execute(insert(models.Story), pending["stories"])
            if pending["articles"]:
                await conn.execute(insert(models.Article), pending["articles"])
            if pending["tags"]:
                await conn.execute(insert(models.ArticleTag), pending["tags"])
            if pending["ae"]:
                await conn.execute(insert(models.ArticleEvent), pending["ae"])
        for rows in pending.values():
            rows.clear()

    while article_id < n:
        story_id += 1
        size = rng.choices([1, 2, 3], weights=[70, 22, 8])[0]
        countries = sorted(
            set(rng.choices(COUNTRIES, weights=FOCUS_WEIGHTS, k=rng.choice([1, 1, 2])))
        )
        topic = rng.choice(TOPICS)
        event = rng.choice(events) if rng.random() < 0.2 else None
        published = now - timedelta(minutes=rng.randint(0, 60 * 24 * 900))
        pending["stories"].append(
            {
                "id": story_id,
                "created_at": published,
                "updated_at": published,
                "article_count": size,
            }
        )
        for lang in rng.sample(LANGS, size):
            article_id += 1
            title = " ".join(words_of(lang, 7)).capitalize()
            body = " ".join(words_of(lang, 80))
            pending["articles"].append(
                {
                    "id": article_id,
                    "source_name": f"Source {rng.randint(1, 60)}",
                    "url": f"https://news.example/{article_id}",
                    "canonical_url": f"https://news.example/{article_id}",
                    "title": title,
                    "text": body,
                    "summary": body[:200] + ".",
                    "lang": lang,
                    "script": "Latn" if lang == "en" else "Cyrl",
                    "published": published + timedelta(minutes=rng.randint(0, 600)),
                    "ingested_at": now,
                    "content_hash": f"h{article_id}",
                    "story_id": story_id,
                    "features": {},
                }
            )
            pending["tags"].extend(
                {"article_id": article_id, "kind": "country", "value": c} for c in countries
            )
            pending["tags"].append({"article_id": article_id, "kind": "topic", "value": topic})
            if event:
                pending["ae"].append({"article_id": article_id, "event_id": event["id"]})
        if len(pending["articles"]) >= BATCH:
            await flush()
    await flush()
    async with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            await conn.execute(text("ANALYZE"))
        else:
            await conn.execute(text("ANALYZE"))


Lookup = Callable[[AsyncSession, random.Random], Awaitable[object]]


async def country(session: AsyncSession, rng: random.Random) -> object:
    name = rng.choice(
        ["kz", "Казахстан", "Qozogʻiston", "Uzbekistan", "🇰🇬", "Таджикистан", "Kazakstan", "tm"]
    )
    lang = rng.choice(LANGS)
    return render.country(await lookups.country(session, name, limit=5, reader_lang=lang), lang)


async def event(session: AsyncSession, rng: random.Random) -> object:
    name = rng.choice(
        [
            "ICT Week 2025",
            "digital bridge",
            "Astana Hub Forum 2024",
            "tashkent tech summit",
            "Bishkek AI Day 2023",
        ]
    )
    lang = rng.choice(LANGS)
    return render.event_card(
        await lookups.event_card(session, name, limit=5, reader_lang=lang), name, lang
    )


async def events(session: AsyncSession, rng: random.Random) -> object:
    found = await lookups.events(session, today=date(2026, 6, 1), limit=10)
    return render.events(found, rng.choice(LANGS))


async def search(session: AsyncSession, rng: random.Random) -> object:
    words = rng.choice(
        [
            "Toshkent",
            "Тошкент",
            "digital bank",
            "стартап Алматы",
            "forum",
            "цифровой банк",
            "Bishkek data",
            "rivojlanish",
        ]
    )
    lang = rng.choice(LANGS)
    page = await lookups.search(session, words, limit=5, reader_lang=lang)
    return render.search(words, page, lang, "s:1:5")


async def latest(session: AsyncSession, rng: random.Random) -> object:
    lang = rng.choice(LANGS)
    return render.latest(await lookups.latest(session, limit=5, reader_lang=lang), lang)


async def country_page3(session: AsyncSession, rng: random.Random) -> object:
    lang = rng.choice(LANGS)
    answer = await lookups.country(session, "uz", limit=5, offset=10, reader_lang=lang)
    return render.country(answer, lang)


LOOKUPS: dict[str, Lookup] = {
    "/country": country,
    "/country (page 3)": country_page3,
    "/event": event,
    "/events": events,
    "/search": search,
    "/latest": latest,
}


async def measure(db: async_sessionmaker[AsyncSession], runs: int) -> dict[str, list[float]]:
    """Time each lookup ``runs`` times (after a warm-up), one session per call like the bot."""
    rng = random.Random(1)
    timings: dict[str, list[float]] = {}
    for name, lookup in LOOKUPS.items():
        for _ in range(5):
            async with db() as session:
                await lookup(session, rng)
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            async with db() as session:
                await lookup(session, rng)
            samples.append((time.perf_counter() - started) * 1000)
        timings[name] = samples
    return timings


def report(label: str, timings: dict[str, list[float]]) -> None:
    print(f"\n{label}")
    print(f"{'lookup':<22}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    for name, samples in timings.items():
        ordered = sorted(samples)
        p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
        print(f"{name:<22}{statistics.median(ordered):>10.2f}{p95:>10.2f}{ordered[-1]:>10.2f}")


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
            await build(engine, n)
            print(f"built {n} articles in {time.perf_counter() - started:.1f} s")
        timings = await measure(make_sessionmaker(engine), runs)
        report(f"{engine.dialect.name}, {max(n, count)} articles, {runs} runs each", timings)
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
