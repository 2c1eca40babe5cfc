"""Measure search on the labelled archive: first-page recall and precision, word forms off and on.

    python bench/search/evaluate.py                 # a fresh SQLite file
    python bench/search/evaluate.py --database postgresql://postgres@127.0.0.1:5432/test
    python bench/search/evaluate.py --show          # also each query's misses and strays

Reads the 451 real articles of bench/understanding (understood as ingest would: title,
summary, language), stores them in an empty database, and runs every query of
bench/search/queries.toml as /search does (each word in its own script and transliterated),
once without word forms (the search as it was) and once with. The first page is the first
PAGE hits. Recall: answers on the first page / min(answers, PAGE); precision: answers on the
first page / hits on it; both summed over the queries (micro-averaged), per language and
overall. Every article is stored as tech news: the measure is of matching words, and the
tech filter (which hides non-tech news from search) is not what it is about.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import sys
import tempfile
import tomllib
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "understanding"))

from evaluate import read_article  # noqa: E402  (bench/understanding/evaluate.py)

from digests.model import SourceHints  # noqa: E402
from digests.understand import understand  # noqa: E402
from storage import articles  # noqa: E402
from storage import search as fts  # noqa: E402
from storage.db import make_engine, make_sessionmaker, upgrade  # noqa: E402
from storage.lookups import transliterations  # noqa: E402

ARCHIVE = ROOT / "bench" / "understanding"
QUERIES = Path(__file__).with_name("queries.toml")
PAGE = 10
LANGS = ["ru", "en", "uz-Latn", "uz-Cyrl", "kk", "ky", "tg", "tk"]


def load_archive() -> list[tuple[str, object]]:
    """Understand every labelled article; return (id, Article) pairs, id being the file number."""
    labels = []
    for name in ("labels.json", "labels_ru_en_uz.json", "labels_kk_ky_tg_tk.json"):
        labels += json.loads((ARCHIVE / name).read_text(encoding="utf-8"))
    out = []
    for label in labels:
        raw, how = read_article(ARCHIVE / "articles" / label["file"])
        if raw is None:
            raise SystemExit(f"{label['file']}: {how}")
        number = label["file"][:3]
        article = understand(raw, hints=SourceHints(name=None))
        # Copies of one text sit in the archive under different files: keep each.
        digest = hashlib.sha256(f"{number}:{article.content_hash}".encode()).hexdigest()
        url = f"https://archive.example/{number}"
        out.append(
            (number, replace(article, url=url, canonical_url=url, content_hash=digest, tech=True))
        )
    return out


async def run(url: str, show: bool) -> None:
    queries = tomllib.loads(QUERIES.read_text(encoding="utf-8"))["query"]
    engine = make_engine(url)
    try:
        await upgrade(engine)
        db = make_sessionmaker(engine)
        ids: dict[int, str] = {}
        async with db() as session, session.begin():
            for number, article in load_archive():
                stored = await articles.add(session, article, source_id=None, story_id=None)  # type: ignore[arg-type]
                ids[stored.id] = number
        totals: dict[tuple[str, bool], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        for word_forms in (False, True):
            for q in queries:
                async with db() as session:
                    hits = await fts.search(
                        session,
                        q["text"],
                        limit=PAGE,
                        alternatives=transliterations,
                        word_forms=word_forms,
                    )
                got = [ids[h.article_id] for h in hits]
                relevant = set(q["relevant"])
                found = sum(1 for g in got if g in relevant)
                for key in ((q["lang"], word_forms), ("all", word_forms)):
                    t = totals[key]
                    t[0] += found
                    t[1] += min(len(relevant), PAGE)
                    t[2] += len(got)
                    t[3] += 1
                if show and word_forms:
                    missed = sorted(relevant - set(got))
                    strays = [g for g in got if g not in relevant]
                    print(f"{q['lang']:8} {q['text']!r}: {found}/{min(len(relevant), PAGE)}"
                          f" missed {missed[:8]} strays {strays[:8]}")  # fmt: skip
        print(f"\n{engine.dialect.name}, {len(ids)} articles, {len(queries)} queries, first {PAGE}")
        print(f"{'language':<10}{'queries':>8}{'recall before':>15}{'after':>8}"
              f"{'precision before':>18}{'after':>8}")  # fmt: skip
        for lang in [*LANGS, "all"]:
            before, after = totals[(lang, False)], totals[(lang, True)]

            def ratio(a: int, b: int) -> str:
                return f"{a / b:.3f}" if b else "—"

            print(
                f"{lang:<10}{after[3]:>8}{ratio(before[0], before[1]):>15}"
                f"{ratio(after[0], after[1]):>8}{ratio(before[0], before[2]):>18}"
                f"{ratio(after[0], after[2]):>8}"
            )
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="an empty database's URL (default: a fresh SQLite file)")
    parser.add_argument("--show", action="store_true", help="print each query's misses and strays")
    args = parser.parse_args()
    if args.database:
        asyncio.run(run(args.database, args.show))
        return
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(f"sqlite:///{tmp}/search.db", args.show))


if __name__ == "__main__":
    main()
