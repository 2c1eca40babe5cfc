"""Measure the storage half of ingest alone: dedupe + story candidates + insert.

    python bench/store.py                       # 2,000 pre-understood articles into SQLite
    python bench/store.py -n 5000 --mode single # one transaction per article, as ``store``
    python bench/store.py --database postgresql://postgres@127.0.0.1:5432/test

Articles are understood once, before the clock starts (understanding is timed by
bench/ingest.py); then they are stored into a fresh database, either one transaction per
article (``--mode single``: find_duplicate → story_candidates → best_story → add) or in
batches (``--mode batch``: ``bot.services.ingest.save_many``). Each run is repeated
(``--runs``, a fresh database each time) and the median is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ingest import synthetic  # noqa: E402
from digests.model import Article, RawArticle  # noqa: E402
from digests.understand import best_story, understand  # noqa: E402


def understood(n: int) -> list[Article]:
    """Return bench/ingest.py's n synthetic articles, understood."""
    out = []
    for a in synthetic(n):
        raw = RawArticle(
            url=a["url"],
            title=a["title"],
            text=a["text"],
            published=datetime.fromisoformat(a["published"]),
            source=a["source"],
        )
        out.append(understand(raw))
    return out


async def single(db, items: list[Article]) -> int:  # type: ignore[no-untyped-def]
    """Store each article in its own transaction, the way ``store`` always did."""
    from storage import articles

    new = 0
    for article in items:
        async with db() as session, session.begin():
            dup = await articles.find_duplicate(
                session,
                canonical_url=article.canonical_url,
                guid=article.guid,
                source_id=None,
                content_hash=article.content_hash,
            )
            if dup is not None:
                continue
            candidates = await articles.story_candidates(
                session, article.features.keys, around=article.published
            )
            story_id = best_story(article.features, candidates)
            await articles.add(session, article, source_id=None, story_id=story_id)
            new += 1
    return new


async def batch(db, items: list[Article], size: int) -> int:  # type: ignore[no-untyped-def]
    """Store the articles ``size`` at a time with ``save_many``."""
    from bot.services.ingest import Status, save_many

    new = 0
    for start in range(0, len(items), size):
        chunk = items[start : start + size]
        outcomes = await save_many(db, [(a.url or "", a) for a in chunk], source_id=None)
        new += sum(o.status is Status.NEW for o in outcomes)
    return new


async def run_once(items: list[Article], mode: str, size: int, database: str) -> float:
    """Store the articles into a fresh database and return the seconds it took."""
    from storage import db as storage_db

    with tempfile.TemporaryDirectory() as tmp:
        admin = None
        url = database or f"sqlite:///{Path(tmp) / 'bench.db'}"
        if database.startswith("postgres"):
            import asyncpg

            name = f"chaikhana_bench_{uuid.uuid4().hex[:12]}"
            admin = await asyncpg.connect(database)
            await admin.execute(f'CREATE DATABASE "{name}"')
            url = database.rsplit("/", 1)[0] + f"/{name}"
        engine = storage_db.make_engine(url)
        try:
            await storage_db.upgrade(engine)
            db = storage_db.make_sessionmaker(engine)
            started = time.perf_counter()
            new = await (single(db, items) if mode == "single" else batch(db, items, size))
            elapsed = time.perf_counter() - started
        finally:
            await engine.dispose()
            if admin is not None:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                await admin.close()
    if new != len({a.content_hash for a in items}):
        raise SystemExit(f"stored {new} of {len(items)}: something was lost or doubled")
    return elapsed


def main() -> None:
    """Understand once, store several times, print the median."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="articles")
    parser.add_argument("--mode", choices=("single", "batch"), default="batch")
    parser.add_argument("--size", type=int, default=64, help="batch size")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database", default="", help="PostgreSQL admin URL (default: SQLite)")
    args = parser.parse_args()
    started = time.perf_counter()
    items = understood(args.n)
    print(f"understood {len(items)} articles in {time.perf_counter() - started:.1f} s")
    times = []
    for _ in range(args.runs):
        times.append(asyncio.run(run_once(items, args.mode, args.size, args.database)))
        print(f"  {args.mode}: {times[-1]:.2f} s = {1000 * times[-1] / len(items):.2f} ms/article")
    median = statistics.median(times)
    print(
        f"{args.mode} (size {args.size if args.mode == 'batch' else 1}): median of {len(times)} "
        f"{median:.2f} s = {1000 * median / len(items):.2f} ms/article, "
        f"{len(items) / median:.0f} articles/s"
    )


if __name__ == "__main__":
    main()
