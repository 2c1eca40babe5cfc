"""Measure ingest throughput: parse + understand + store, from text and from HTML pages.

    python bench/ingest.py                 # 10,000 articles of each kind into SQLite
    python bench/ingest.py -n 2000 --kinds text
    python bench/ingest.py --database postgresql://postgres@127.0.0.1:5432/test
    python bench/ingest.py --pages DIR     # real pages: chaikhana ingest vs bare trafilatura
    python bench/ingest.py --pages DIR --workers 2   # and with 2 worker processes

Real pages are not shipped: any folder of saved news pages (.html) will do, e.g. the test
pages of trafilatura's repository (github.com/adbar/trafilatura, tests/cache and tests/eval,
about 140 KB a page). Both are timed in the same process, alternating, ``--rounds`` times;
the figures are the medians.

Each kind runs in a fresh child process (so its peak RSS is its own) and a fresh database.
Prints overall articles/s, the median rate over chunks of 500 articles, the CPU time the
process spent (all its threads; on a shared machine it says what one core would do, where
the wall clock also counts waiting for a core) and peak memory.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEEDS = ROOT / "tests" / "fixtures" / "seeds"
CHUNK = 500

# A few real sentences in the languages the seeds lack, so every detector path runs.
EXTRA = {
    "kk": [
        "Астана Hub халықаралық технопаркі биыл жаңа стартаптарды қабылдады.",
        "Қазақстан цифрлық үкімет қызметтерін дамытуды жалғастыруда.",
        "Жасанды интеллект бойынша ұлттық бағдарлама қабылданды.",
    ],
    "ky": [
        "Бишкекте Жогорку технологиялар паркинин резиденттери көбөйдү.",
        "Кыргызстанда санариптик өкмөт кызматтары кеңейтилүүдө.",
        "Жасалма интеллект боюнча жаңы долбоор ишке кирди.",
    ],
    "tg": [
        "Дар Душанбе ҳафтаи технологияҳои иттилоотӣ баргузор шуд.",
        "Тоҷикистон барои рушди иқтисоди рақамӣ барнома қабул кард.",
        "Ширкатҳои финтех дар кишвар хизматрасониҳои нав пешниҳод карданд.",
    ],
    "uz": [
        "Toshkentda IT Park rezidentlari soni oʻtgan yilga nisbatan oshdi.",
        "Oʻzbekiston raqamli iqtisodiyotni rivojlantirish strategiyasini qabul qildi.",
        "Sunʼiy intellekt boʻyicha yangi loyihalar taqdim etildi.",
    ],
}


def paragraph_pool() -> list[list[str]]:
    """Return paragraphs grouped by source text, so a synthetic article stays in one language."""
    pools = []
    for path in sorted(SEEDS.glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()[1:]
        pools.append([line.strip() for line in lines if len(line.strip()) > 60])
    pools.extend(list(sentences) for sentences in EXTRA.values())
    return [pool for pool in pools if pool]


def synthetic(n: int, seed: int = 7) -> list[dict[str, str]]:
    """Return n distinct articles of about 3 KB made of real paragraphs."""
    return list(synthetic_stream(n, seed))


def synthetic_stream(n: int, seed: int = 7) -> Iterator[dict[str, str]]:
    """Yield :func:`synthetic`'s articles one by one (an archive of 200k need not fit)."""
    rng = random.Random(seed)
    pools = paragraph_pool()
    for i in range(n):
        pool = rng.choice(pools)
        paragraphs = [rng.choice(pool) for _ in range(rng.randint(6, 12))]
        text = "\n\n".join(paragraphs)[:3500]
        title = f"{paragraphs[0][:70]} №{i}"
        yield {
            "url": f"https://bench.example/{i}",
            "title": title,
            "text": f"{text}\n\n#{i}-{rng.random():.12f}",
            "published": f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}T08:00:00+05:00",
            "source": rng.choice(["Kazinform", "Kun.uz", "24.kg", "Asia-Plus", "UzDaily"]),
        }


def page(article: dict[str, str]) -> str:
    """Return a news page around the article, with the usual menus, widgets and share links."""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in article["text"].split("\n\n"))
    nav = "".join(f'<li><a href="/c/{i}">Раздел {i}</a></li>' for i in range(40))
    return f"""<!doctype html><html lang="ru"><head><meta charset="utf-8">
<title>{html.escape(article["title"])}</title>
<meta property="article:published_time" content="{article["published"]}"></head>
<body><header><nav><ul>{nav}</ul></nav>
<div class="rates">USD 12724.84 UZS -0.12% EUR 14223.83 UZS 0.23%</div></header>
<main><article><h1>{html.escape(article["title"])}</h1>{body}
<p class="credit">Фото Asia-Plus</p></article>
<div class="share"><a href="https://t.me/share">Telegram</a> / <a href="#">Facebook</a></div>
<aside><h3>Читайте также</h3><ul>{nav}</ul></aside></main>
<footer>Подпишитесь на наш Telegram-канал · © 2025 Bench News</footer></body></html>"""


async def run_kind(kind: str, n: int, database: str) -> dict[str, str | float]:
    """Ingest n synthetic articles of one kind and return the figures."""
    from bot.services.ingest import Status, ingest_items
    from storage import db as storage_db

    articles = synthetic(n)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"bench-{kind}.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for a in articles:
                if kind == "html":
                    a = {**a, "html": page(a)}
                    del a["text"]
                fh.write(json.dumps(a, ensure_ascii=False) + "\n")
        url = database or f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = storage_db.make_engine(url)
        await storage_db.upgrade(engine)
        db = storage_db.make_sessionmaker(engine)
        counts = {status: 0 for status in Status}
        chunk_rates: list[float] = []
        cpu_started = _cpu_seconds()
        started = chunk_started = time.perf_counter()
        done = 0
        async for outcome in ingest_items(db, [str(path)], fetcher=None):
            counts[outcome.status] += 1
            done += 1
            if done % CHUNK == 0:
                now = time.perf_counter()
                chunk_rates.append(CHUNK / (now - chunk_started))
                chunk_started = now
        elapsed = time.perf_counter() - started
        cpu = _cpu_seconds() - cpu_started
        await engine.dispose()
    return {
        "kind": kind,
        "articles": done,
        "new": counts[Status.NEW],
        "duplicates": counts[Status.DUPLICATE],
        "failed": counts[Status.FAILED],
        "seconds": round(elapsed, 2),
        "per_second": round(done / elapsed, 1),
        "median_chunk_per_second": round(statistics.median(chunk_rates), 1) if chunk_rates else 0,
        "cpu_seconds": round(cpu, 2),
        "per_cpu_second": round(done / cpu, 1) if cpu else 0,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _read_pages(folder: Path) -> tuple[list[Path], list[bytes]]:
    pages = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".html", ".htm"))
    return pages, [p.read_bytes() for p in pages]


async def _ingest_pages(pages: list[Path], pool: object | None) -> tuple[float, list[object]]:
    """Ingest the pages into a fresh SQLite database; return pages/s and the outcomes."""
    from bot.services.ingest import ingest_items
    from storage import db as storage_db

    with tempfile.TemporaryDirectory() as tmp:
        engine = storage_db.make_engine(f"sqlite:///{Path(tmp) / 'pages.db'}")
        await storage_db.upgrade(engine)
        db = storage_db.make_sessionmaker(engine)
        started = time.perf_counter()
        stream = ingest_items(db, [str(p) for p in pages], fetcher=None, pool=pool)  # type: ignore[arg-type]
        outcomes = [o async for o in stream]
        rate = len(pages) / (time.perf_counter() - started)
        await engine.dispose()
    return rate, outcomes


async def run_pages(folder: Path, rounds: int, workers: int) -> dict[str, float]:
    """Time chaikhana's ingest of real pages against bare trafilatura on the same pages.

    Each round: bare trafilatura, chaikhana in one process, then (``workers`` > 0) chaikhana
    with that many worker processes (started and warmed before the first round).
    """
    import trafilatura

    from bot.services.ingest import Status
    from digests.sources.workers import WorkerPool

    pages, contents = _read_pages(folder)
    ours: list[float] = []
    bare: list[float] = []
    pooled: list[float] = []
    pool = WorkerPool(workers) if workers else None
    if pool is not None:
        await _ingest_pages(pages[: 4 * workers], pool)  # workers started, modules imported
    stored = failed = 0
    for _ in range(rounds):
        started = time.perf_counter()
        for content in contents:
            trafilatura.bare_extraction(
                content,
                favor_precision=True,
                include_comments=False,
                include_tables=False,
                with_metadata=True,
            )
        bare.append(len(pages) / (time.perf_counter() - started))
        rate, outcomes = await _ingest_pages(pages, None)
        ours.append(rate)
        stored = sum(o.status is Status.NEW for o in outcomes)  # type: ignore[attr-defined]
        failed = sum(o.status is Status.FAILED for o in outcomes)  # type: ignore[attr-defined]
        if pool is not None:
            rate, outcomes = await _ingest_pages(pages, pool)
            pooled.append(rate)
    if pool is not None:
        pool.close()
    one = statistics.median(ours)
    return {
        "pages": len(pages),
        "mean_kb": round(sum(map(len, contents)) / len(contents) / 1024, 1),
        "chaikhana_per_second": round(one, 2),
        "trafilatura_per_second": round(statistics.median(bare), 2),
        "ratio": round(one / statistics.median(bare), 3),
        "pooled_per_second": round(statistics.median(pooled), 2) if pooled else 0.0,
        "pool_ratio": round(statistics.median(pooled) / one, 3) if pooled else 0.0,
        "rounds": ", ".join(
            f"{o:.2f}/{b:.2f}" + (f"/{p:.2f}" if pooled else "")
            for o, b, p in zip(ours, bare, pooled or ours, strict=True)
        ),
        "stored": stored,
        "failed": failed,
    }


def _cpu_seconds() -> float:
    """Return the CPU time this process has used, in all its threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    """Run each kind in its own process and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000, help="articles per kind")
    parser.add_argument("--kinds", default="text,html")
    parser.add_argument("--database", default="", help="database URL (default: scratch SQLite)")
    parser.add_argument("--pages", type=Path, help="a folder of real news pages (.html)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the pages mode")
    parser.add_argument(
        "--workers", type=int, default=0, help="pages mode: also ingest with N worker processes"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pages:
        r = asyncio.run(run_pages(args.pages, args.rounds, args.workers))
        pooled = (
            f"; with {args.workers} workers {r['pooled_per_second']} pages/s = "
            f"{r['pool_ratio']} x one process"
            if args.workers
            else ""
        )
        print(
            f"real pages: {r['pages']} (mean {r['mean_kb']} KB): chaikhana ingest "
            f"{r['chaikhana_per_second']} pages/s, bare trafilatura "
            f"{r['trafilatura_per_second']} pages/s, ratio {r['ratio']} "
            f"(median of {args.rounds}){pooled}; rounds (ours/bare{'/pool' if pooled else ''}): "
            f"{r['rounds']}; stored {r['stored']}, failed {r['failed']}; "
            f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )
        return
    if args.child:
        result = asyncio.run(run_kind(args.child, args.n, args.database))
        print(json.dumps(result))
        return
    print(f"ingest benchmark: {args.n} articles per kind, python {sys.version.split()[0]}")
    for kind in args.kinds.split(","):
        cmd = [sys.executable, __file__, "--child", kind, "-n", str(args.n)]
        if args.database:
            cmd += ["--database", args.database]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            print(f"{kind}: failed\n{proc.stderr[-2000:]}")
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        print(
            f"{kind:>4}: {r['articles']} articles in {r['seconds']} s = {r['per_second']}/s "
            f"(median over chunks of {CHUNK}: {r['median_chunk_per_second']}/s; "
            f"CPU {r['cpu_seconds']} s = {r['per_cpu_second']}/CPU-s); "
            f"new {r['new']}, duplicates {r['duplicates']}, failed {r['failed']}; "
            f"peak RSS {r['peak_rss_mb']} MB"
        )


if __name__ == "__main__":
    main()
