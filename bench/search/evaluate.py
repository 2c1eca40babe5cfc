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
overall. Answers are labelled in the query's language only, so a hit in another language
counts against precision even when it holds the very word (Kazakh and Kyrgyz share
интернет, мектеп, инновация; Uzbek Latin folds to Turkmen): "in its language" is the
precision among the hits in the query's language, "other" the share of hits in others.
Every article is stored as tech news: the measure is of matching words, and the tech
filter (which hides non-tech news from search) is not what it is about.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import importlib.util
import json
import sys
import tempfile
import tomllib
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from digests.model import SourceHints  # noqa: E402
from digests.understand import understand  # noqa: E402
from storage import articles  # noqa: E402
from storage import search as fts  # noqa: E402
from storage.db import make_engine, make_sessionmaker, upgrade  # noqa: E402
from storage.lookups import transliterations  # noqa: E402

ARCHIVE = ROOT / "bench" / "understanding"
# The archive is read as bench/understanding/evaluate.py reads it (a module of the same name).
_spec = importlib.util.spec_from_file_location("understanding_evaluate", ARCHIVE / "evaluate.py")
assert _spec and _spec.loader
_understanding = sys.modules["understanding_evaluate"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_understanding)
read_article = _understanding.read_article
QUERIES = Path(__file__).with_name("queries.toml")
PAGE = 10
LANGS = ["ru", "en", "uz-Latn", "uz-Cyrl", "kk", "ky", "tg", "tk"]


def load_archive() -> list[tuple[str, str, object]]:
    """Understand every labelled article; return (id, labelled language, Article) triples."""
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
        article = replace(article, url=url, canonical_url=url, content_hash=digest, tech=True)
        out.append((number, label["lang"], article))
    return out


async def run(url: str, show: bool) -> None:
    queries = tomllib.loads(QUERIES.read_text(encoding="utf-8"))["query"]
    engine = make_engine(url)
    try:
        await upgrade(engine)
        db = make_sessionmaker(engine)
        ids: dict[int, str] = {}
        lang_of: dict[str, str] = {}
        async with db() as session, session.begin():
            for number, lang, article in load_archive():
                stored = await articles.add(session, article, source_id=None, story_id=None)  # type: ignore[arg-type]
                ids[stored.id] = number
                lang_of[number] = lang
        # found, answers (capped), hits, queries, hits in the query's language
        totals: dict[tuple[str, bool], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
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
                own = sum(1 for g in got if lang_of[g] == q["lang"].split("-")[0])
                for key in ((q["lang"], word_forms), ("all", word_forms)):
                    t = totals[key]
                    t[0] += found
                    t[1] += min(len(relevant), PAGE)
                    t[2] += len(got)
                    t[3] += 1
                    t[4] += own
                if show and word_forms:
                    missed = sorted(relevant - set(got))
                    strays = [g for g in got if g not in relevant]
                    print(f"{q['lang']:8} {q['text']!r}: {found}/{min(len(relevant), PAGE)}"
                          f" missed {missed[:8]} strays {strays[:8]}")  # fmt: skip
        print(f"\n{engine.dialect.name}, {len(ids)} articles, {len(queries)} queries, first {PAGE}")
        print(f"{'':<18}{'recall':>15}{'precision':>16}{'in its language':>18}{'other':>14}")
        print(f"{'language':<10}{'queries':>8}" + f"{'before':>9}{'after':>7}" * 4)

        def ratio(a: int, b: int) -> str:
            return f"{a / b:.3f}" if b else "—"

        for lang in [*LANGS, "all"]:
            b, a = totals[(lang, False)], totals[(lang, True)]
            cells = [
                (b[0], b[1], a[0], a[1]),
                (b[0], b[2], a[0], a[2]),
                (b[0], b[4], a[0], a[4]),
                (b[2] - b[4], b[2], a[2] - a[4], a[2]),
            ]
            row = "".join(f"{ratio(x, y):>9}{ratio(z, w):>7}" for x, y, z, w in cells)
            print(f"{lang:<10}{a[3]:>8}{row}")
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
