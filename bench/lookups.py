"""Measure the bot's lookups in-process: service function plus rendering, no network.

    python bench/lookups.py                       # 100,000 articles in SQLite
    python bench/lookups.py -n 1000000 --db-file /tmp/lookups-1m.db   # kept for --reuse
    python bench/lookups.py -n 20000 --runs 100
    python bench/lookups.py -n 1000000 --database postgresql://postgres@127.0.0.1:5432/bench

Builds a database of synthetic articles across countries, languages (the region's eight,
with their words in several forms), topics and events (bulk executemany inserts of
thousands of rows, not the ingest pipeline; the full-text index and the word-form stems
are filled by the schema's triggers and the articles table's column defaults), then times
each lookup as the bot runs it: /country NAME, /event NAME, /events, /search WORDS (with
word forms), /latest, an inline answer and an event's .ics. Prints p50 and p95 in
milliseconds. Targets at 1,000,000 articles on SQLite and PostgreSQL: /country, /event
and /latest p95 ≤ 10 ms; /search, inline answers and .ics p95 ≤ 30 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker  # noqa: E402

from bot import render  # noqa: E402
from digests.wordforms import index_terms  # noqa: E402
from storage import lookups, models  # noqa: E402
from storage.db import make_engine, make_sessionmaker, upgrade  # noqa: E402

COUNTRIES = ["kz", "uz", "kg", "tj", "tm", "ru", "cn", "us", "az", "tr"]
FOCUS_WEIGHTS = [30, 30, 12, 10, 5, 4, 3, 3, 2, 1]
LANGS = ["ru", "en", "uz", "kk", "ky", "tg", "tk"]
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
    "tk": "sanly bank startap platforma bazar maýa goýum tehnologiýa ulgam hökümet forum "
    "merkez Aşgabat Türkmenistan".split(),
}
# The same words in other forms, as real text holds them (what word-form search is for).
FORMS = {
    "ru": "цифровые цифрового цифровых банка банков банки стартапы стартапов платформы "
    "платформе рынка запуска инвестиций технологий сети данных правительства форума "
    "центре развития Ташкенте Алматы Астане Бишкеке Душанбе".split(),
    "en": "banks startups platforms markets launches investments technologies networks "
    "governments forums hubs developments".split(),
    "uz": "banklar startaplar startaplarni platformalari bozorda investitsiyalar "
    "texnologiyalari tarmoqlari hukumatning forumda markazi Toshkentda Samarqandda "
    "Тошкентда стартаплар".split(),
    "kk": "банктер стартаптар стартаптардың платформасы нарықта инвестициялар "
    "технологиялары желісі үкіметтің форумда орталығы Алматыда Астанадағы".split(),
    "ky": "банктар стартаптар платформасы рыногу инвестициялар технологиялары тармагы "
    "өкмөттүн форумда борбору Бишкекте Ошто".split(),
    "tg": "бонкҳо стартапҳо платформаҳо бозори технологияҳо шабакаҳо ҳукумати форуми "
    "маркази Душанбеда".split(),
    "tk": "banklar startaplar platformalary bazarda tehnologiýalary ulgamlary hökümetiň "
    "forumda merkezi Aşgabatda".split(),
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
BATCH = 10_000
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
    # Text is mostly common and rare filler words (Zipf, drawn with numpy a batch at a time);
    # the named words above (cities, topics, in several forms) occur in a few percent of
    # articles, as names do in real news.
    np_rng = np.random.default_rng(seed)
    cum = np.cumsum(1.0 / np.arange(1, VOCABULARY + 1))
    cum /= cum[-1]
    filler = {lang: np.array([f"{lang}{i:05d}" for i in range(VOCABULARY)]) for lang in LANGS}
    article_columns = (
        "id", "source_name", "url", "canonical_url", "title", "text", "summary", "lang",
        "script", "published", "ingested_at", "content_hash", "story_id", "features", "tech",
        "title_terms", "body_terms",
    )  # fmt: skip
    pending: dict[str, list[tuple[Any, ...]]] = {
        "stories": [],
        "articles": [],
        "tags": [],
        "ae": [],
    }
    sqlite = engine.dialect.name == "sqlite"

    def when(moment: datetime) -> Any:
        """Write a time as the UTCDateTime column does: naive UTC text on SQLite."""
        return f"{moment.replace(tzinfo=None):%Y-%m-%d %H:%M:%S.%f}" if sqlite else moment

    story_id = article_id = 0
    while article_id < n:
        # One batch of stories, and the filler words of its articles in one draw.
        batch_stories = []
        while len(batch_stories) < BATCH // 2 and article_id + len(batch_stories) < n:
            batch_stories.append(rng.choices([1, 2, 3], weights=[70, 22, 8])[0])
        words_needed = sum(batch_stories) * (TITLE_WORDS + BODY_WORDS)
        drawn = np.searchsorted(cum, np_rng.random(words_needed))
        at = 0
        for size in batch_stories:
            if article_id >= n:
                break
            story_id += 1
            countries = sorted(
                set(rng.choices(COUNTRIES, weights=FOCUS_WEIGHTS, k=rng.choice([1, 1, 2])))
            )
            topic = rng.choice(TOPICS)
            event = rng.choice(events) if rng.random() < 0.2 else None
            published = now - timedelta(minutes=rng.randint(0, 60 * 24 * 900))
            pending["stories"].append((story_id, when(published), when(published), size))
            for lang in rng.sample(LANGS, size):
                if article_id >= n:
                    break
                article_id += 1
                words = filler[lang][drawn[at : at + TITLE_WORDS + BODY_WORDS]].tolist()
                at += TITLE_WORDS + BODY_WORDS
                for _ in range(rng.choice([0, 0, 1, 2])):
                    named = WORDS[lang] if rng.random() < 0.6 else FORMS[lang]
                    words.insert(rng.randrange(len(words) + 1), rng.choice(named))
                title = " ".join(words[:TITLE_WORDS]).capitalize()
                body = " ".join(words[TITLE_WORDS:])
                summary = body[:200] + "."
                url = f"https://news.example/{article_id}"
                pending["articles"].append(
                    (
                        article_id, f"Source {rng.randint(1, 60)}", url, url, title, body,
                        summary, lang, "Latn" if lang in {"en", "tk"} else "Cyrl",
                        when(published + timedelta(minutes=rng.randint(0, 600))), when(now),
                        f"h{article_id}", story_id, "{}", True,
                        # what the articles table's column defaults work out on an insert
                        index_terms(title, lang),
                        (index_terms(summary, lang) + " " + index_terms(body, lang)).strip(),
                    )
                )  # fmt: skip
                pending["tags"].extend((article_id, "country", c) for c in countries)
                pending["tags"].append((article_id, "topic", topic))
                if event:
                    pending["ae"].append((article_id, event["id"]))
        await _flush(engine, pending, article_columns)
    async with engine.begin() as conn:
        await conn.execute(text("ANALYZE"))


TITLE_WORDS = 7
BODY_WORDS = 80
_TABLES = {
    "stories": ("stories", ("id", "created_at", "updated_at", "article_count")),
    "tags": ("article_tags", ("article_id", "kind", "value")),
    "ae": ("article_events", ("article_id", "event_id")),
}


async def _flush(
    engine: AsyncEngine, pending: dict[str, list[tuple[Any, ...]]], article_columns: tuple[str, ...]
) -> None:
    """Write the pending rows: one executemany per table on SQLite, COPY on PostgreSQL."""
    tables = [
        _TABLES["stories"] + (pending["stories"],),
        ("articles", article_columns, pending["articles"]),
        _TABLES["tags"] + (pending["tags"],),
        _TABLES["ae"] + (pending["ae"],),
    ]
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            raw = (await conn.get_raw_connection()).driver_connection
            for table, columns, rows in tables:
                if rows:
                    await raw.copy_records_to_table(table, records=rows, columns=list(columns))
        else:
            for table, columns, rows in tables:
                if rows:
                    marks = ", ".join("?" for _ in columns)
                    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
                    await conn.exec_driver_sql(sql, rows)
    for rows in pending.values():
        rows.clear()


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
    words = rng.choice(SEARCHES)
    lang = rng.choice(LANGS)
    page = await lookups.search(session, words, limit=5, reader_lang=lang)
    return render.search(words, page, lang, "s:1:5")


SEARCHES = [
    "Toshkent",
    "Тошкент",
    "digital bank",
    "стартап Алматы",
    "forum",
    "цифровой банк",
    "цифровых банков",
    "Bishkek data",
    "rivojlanish",
    "startaplarni",
    "стартаптардың",
    "инвестиций",
    "technologies",
    "Aşgabatda",
    "Душанбеда",
]


async def latest(session: AsyncSession, rng: random.Random) -> object:
    lang = rng.choice(LANGS)
    return render.latest(await lookups.latest(session, limit=5, reader_lang=lang), lang)


async def country_page3(session: AsyncSession, rng: random.Random) -> object:
    lang = rng.choice(LANGS)
    answer = await lookups.country(session, "uz", limit=5, offset=10, reader_lang=lang)
    return render.country(answer, lang)


Measure = Callable[[async_sessionmaker[AsyncSession], random.Random], Awaitable[object]]
NOW = datetime(2026, 6, 1, tzinfo=UTC)  # the archive's "now"


async def inline_answer(db: async_sessionmaker[AsyncSession], rng: random.Random) -> object:
    """Answer an inline query as the bot does (its own session), rendered into results."""
    from bot import render_inline
    from bot.services import inline

    query = rng.choice([*SEARCHES, "", "", "zzqqxx"])
    found = await inline.answer(
        db, query, offset=rng.choice(["", "", "20"]), user_id=1, telegram_lang="ru"
    )
    return render_inline.results(found)


def one_event_ics(event_ids: list[int]) -> Measure:
    """Build one event's .ics (the "Add to calendar" button), as the bot does."""

    async def build_ics(db: async_sessionmaker[AsyncSession], rng: random.Random) -> object:
        from bot.services import calendar

        return await calendar.event_calendar(
            db, rng.choice(event_ids), reader_lang=rng.choice(LANGS), now=NOW
        )

    return build_ics


async def coming_ics(db: async_sessionmaker[AsyncSession], rng: random.Random) -> object:
    """Build the coming events' .ics as the first request of an hour does (no cache)."""
    from bot.services import calendar

    calendar._coming.clear()
    return await calendar.coming_calendar(db, -1, reader_lang="ru", now=NOW)


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
        samples, cpu = [], []
        for _ in range(runs):
            started, used = time.perf_counter(), time.process_time()
            async with db() as session:
                await lookup(session, rng)
            samples.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - used) * 1000)
        timings[name] = samples
        CPU[name] = cpu
    async with db() as session:
        event_ids = list(
            (
                await session.execute(
                    select(models.Event.id).where(models.Event.start.is_not(None))
                )
            ).scalars()
        )
    measures: dict[str, tuple[Measure, int]] = {
        "inline answer": (inline_answer, runs),
        ".ics one event": (one_event_ics(event_ids), runs),
        ".ics coming (build)": (coming_ics, max(5, runs // 10)),
    }
    for name, (fn, count) in measures.items():
        for _ in range(3):
            await fn(db, rng)
        samples, cpu = [], []
        for _ in range(count):
            started, used = time.perf_counter(), time.process_time()
            await fn(db, rng)
            samples.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - used) * 1000)
        timings[name] = samples
        CPU[name] = cpu
    return timings


# This process's CPU time per call, beside the wall time: on a shared machine the wall time
# holds the waits for a core; the CPU time is the lookup's own cost (all of it on SQLite,
# which runs in-process; on PostgreSQL the server's share is not in it).
CPU: dict[str, list[float]] = {}


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def report(label: str, timings: dict[str, list[float]]) -> None:
    print(f"\n{label}")
    print(f"{'lookup':<22}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'CPU p50':>10}{'CPU p95':>10}")
    for name, samples in timings.items():
        cpu = CPU.get(name) or [float("nan")]
        print(
            f"{name:<22}{statistics.median(samples):>10.2f}{_p95(samples):>10.2f}"
            f"{max(samples):>10.2f}{statistics.median(cpu):>10.2f}{_p95(cpu):>10.2f}"
        )


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
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        report(
            f"{engine.dialect.name}, {max(n, count)} articles, {runs} runs each, load {load}",
            timings,
        )
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100_000, help="articles (default 100,000)")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--database", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--reuse", action="store_true", help="reuse an already built database")
    parser.add_argument("--db-file", help="SQLite file to build (and keep) instead of a temporary")
    args = parser.parse_args()
    if args.database or args.db_file:
        url = args.database or f"sqlite:///{args.db_file}"
        asyncio.run(run(url, args.n, args.runs, args.reuse))
        return
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(f"sqlite:///{tmp}/bench.db", args.n, args.runs, args.reuse))


if __name__ == "__main__":
    main()
