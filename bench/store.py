"""Measure the storage half of ingest alone: dedupe + story candidates + insert.

    python bench/store.py                       # 2,000 pre-understood articles into SQLite
    python bench/store.py -n 5000 --mode single # one transaction per article, as ``store``
    python bench/store.py --database postgresql://postgres@127.0.0.1:5432/test
    python bench/store.py --prefill 20000      # the same 2,000 into an archive of 20,000
    python bench/store.py --archive FILE --lookup   # only their story candidates, CPU time

Articles are understood once, before the clock starts (understanding is timed by
bench/ingest.py); then they are stored into a fresh database, either one transaction per
article (``--mode single``: find_duplicate → story_candidates → best_story → add) or in
batches (``--mode batch``: ``bot.services.ingest.save_many``). Each run is repeated
(``--runs``, a fresh database each time) and the median is printed. ``--prefill N`` stores N
other synthetic articles (dated across the same year) once, untimed, and starts each run from
a copy of that archive, to show how storing scales with the archive's size.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ingest import synthetic, synthetic_stream  # noqa: E402
from digests.model import Article, RawArticle  # noqa: E402
from digests.understand import best_story, understand  # noqa: E402


def understood(n: int, *, seed: int = 7, prefix: str = "") -> list[Article]:
    """Return bench/ingest.py's n synthetic articles, understood (URLs under ``prefix``)."""
    return understand_dicts(synthetic(n, seed=seed), prefix)


def understand_dicts(dicts: list[dict[str, str]], prefix: str) -> list[Article]:
    """Understand synthetic articles (in a worker process, for a big archive)."""
    out = []
    for a in dicts:
        raw = RawArticle(
            url=a["url"].replace("bench.example/", f"bench.example/{prefix}"),
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

    try:
        from digests.understand.story import StoryMatcher
    except ImportError:  # an older commit, measured for comparison
        run: dict[str, object] = {}
    else:
        run = {"matcher": StoryMatcher()}  # one per run, as ingest_items keeps one
    try:
        from storage.articles import ArticleDates
    except ImportError:  # an older commit
        pass
    else:
        run["dates"] = ArticleDates()  # one per run, as ingest_items keeps one
    new = 0
    for start in range(0, len(items), size):
        chunk = items[start : start + size]
        pending = [(a.url or "", a) for a in chunk]
        outcomes = await save_many(db, pending, source_id=None, **run)  # type: ignore[arg-type]
        new += sum(o.status is Status.NEW for o in outcomes)
    return new


async def run_once(
    items: list[Article], mode: str, size: int, database: str, template: str = ""
) -> float:
    """Store the articles into a fresh database and return the seconds it took.

    ``template``: an archive to start from (a SQLite file, or a PostgreSQL database name).
    """
    from storage import db as storage_db

    with tempfile.TemporaryDirectory() as tmp:
        admin = None
        url = database or f"sqlite:///{Path(tmp) / 'bench.db'}"
        if template and not database:
            shutil.copyfile(template, Path(tmp) / "bench.db")
        if database.startswith("postgres"):
            import asyncpg

            name = f"chaikhana_bench_{uuid.uuid4().hex[:12]}"
            admin = await asyncpg.connect(database)
            copy = f' TEMPLATE "{template}"' if template else ""
            await admin.execute(f'CREATE DATABASE "{name}"{copy}')
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


async def prefill(n: int, database: str, tmp: str, keep: str = "") -> str:
    """Store n archive articles once; return the template run_once copies.

    ``keep``: a SQLite file to keep the archive in.
    """
    from storage import db as storage_db

    template = keep or str(Path(tmp) / "archive.db")
    url = f"sqlite:///{template}"
    if database.startswith("postgres"):
        import asyncpg

        template = f"chaikhana_archive_{uuid.uuid4().hex[:12]}"
        admin = await asyncpg.connect(database)
        await admin.execute(f'CREATE DATABASE "{template}"')
        await admin.close()
        url = database.rsplit("/", 1)[0] + f"/{template}"
    engine = storage_db.make_engine(url)
    try:
        await storage_db.upgrade(engine)
        await _fill(storage_db.make_sessionmaker(engine), n)
    finally:
        await engine.dispose()
    return template


async def _fill(db, n: int) -> None:  # type: ignore[no-untyped-def]
    """Store n archive articles: understood in worker processes, a few chunks ahead."""
    from digests.sources.workers import WorkerPool

    stream = synthetic_stream(n, seed=11)
    chunks = iter(lambda: list(itertools.islice(stream, 2048)), [])
    async with WorkerPool() as pool:
        ahead: list[asyncio.Task[list[Article]]] = []
        done = 0
        for chunk in itertools.chain(chunks, [None] * 4):
            if chunk is not None:
                task = pool.run("chunk", understand_dicts, chunk, "archive/")
                ahead.append(asyncio.ensure_future(task))
            if len(ahead) > 3 or (chunk is None and ahead):
                await batch(db, await ahead.pop(0), 64)
                done += 2048
                if done % 20480 == 0:
                    print(f"  archive: {done} stored", flush=True)


async def lookup_only(items: list[Article], archive: str, runs: int) -> list[float]:
    """Return the CPU seconds of finding the articles' story candidates in an archive, per run.

    Nothing is stored (the archive is migrated, then only read): the figure is the lookup's, the
    part of storing whose cost may grow with the archive.
    """
    import resource

    from storage import articles
    from storage import db as storage_db

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    engine = storage_db.make_engine(f"sqlite:///{archive}")
    await storage_db.upgrade(engine)
    db = storage_db.make_sessionmaker(engine)
    spent = []
    try:
        for _ in range(runs):
            started = cpu()
            dates = articles.ArticleDates()  # one per run, as ingest_items keeps one
            async with db() as session:
                for start in range(0, len(items), 64):
                    chunk = items[start : start + 64]
                    wanted = [(a.features.keys, a.published) for a in chunk]
                    await articles.story_candidate_ids(session, wanted, dates=dates, features=4)
            spent.append(cpu() - started)
    finally:
        await engine.dispose()
    return spent


async def drop(database: str, template: str) -> None:
    """Drop a PostgreSQL archive template."""
    import asyncpg

    admin = await asyncpg.connect(database)
    await admin.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
    await admin.close()


def main() -> None:
    """Understand once, store several times, print the median."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="articles")
    parser.add_argument("--mode", choices=("single", "batch"), default="batch")
    parser.add_argument("--size", type=int, default=64, help="batch size")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database", default="", help="PostgreSQL admin URL (default: SQLite)")
    parser.add_argument("--prefill", type=int, default=0, help="archive articles stored first")
    parser.add_argument("--archive", default="", help="SQLite file to keep the archive in")
    parser.add_argument(
        "--lookup", action="store_true", help="only time story-candidate lookup in --archive"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    items = understood(args.n)
    print(f"understood {len(items)} articles in {time.perf_counter() - started:.1f} s")
    if args.lookup:
        spent = asyncio.run(lookup_only(items, args.archive, args.runs))
        print(
            f"story candidates in {args.archive}: CPU per run {[round(x, 2) for x in spent]} s, "
            f"median {1000 * statistics.median(spent) / len(items):.2f} ms/article"
        )
        return
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        template = ""
        if args.archive and Path(args.archive).exists():
            template = args.archive  # kept from an earlier run: two commits, one archive
        elif args.prefill:
            started = time.perf_counter()
            template = asyncio.run(prefill(args.prefill, args.database, tmp, args.archive))
            print(f"archive of {args.prefill} in {time.perf_counter() - started:.1f} s")
        try:
            for _ in range(args.runs):
                elapsed = asyncio.run(
                    run_once(items, args.mode, args.size, args.database, template)
                )
                times.append(elapsed)
                ms = 1000 * elapsed / len(items)
                print(f"  {args.mode}: {elapsed:.2f} s = {ms:.2f} ms/article")
        finally:
            if template and args.database.startswith("postgres"):
                asyncio.run(drop(args.database, template))
    median = statistics.median(times)
    print(
        f"{args.mode} (size {args.size if args.mode == 'batch' else 1}): median of {len(times)} "
        f"{median:.2f} s = {1000 * median / len(items):.2f} ms/article, "
        f"{len(items) / median:.0f} articles/s"
    )


if __name__ == "__main__":
    main()
