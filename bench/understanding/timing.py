"""Time the understanding step per article: events, story features and understand() as a whole.

Usage::

    python bench/understanding/timing.py            # every article of bench/understanding/articles
    python bench/understanding/timing.py --repeat 50

Each figure is the median over articles of the best-of-3 mean time of one call (timeit), so a
noisy shared machine disturbs it as little as can be. Not part of the test run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import timeit
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from digests.model import RawArticle  # noqa: E402
from digests.understand import countries, dates, events, story, understand  # noqa: E402
from digests.understand._gazetteer import tokens  # noqa: E402
from digests.understand._text import paragraphs, strip_date_line  # noqa: E402


def read(path: Path) -> RawArticle:
    """Read a bench article: optional date line, title line, text."""
    raw = path.read_text(encoding="utf-8")
    title, _, text = raw.strip().partition("\n")
    return RawArticle(url=None, title=title, text=text)


def best(fn: object, repeat: int) -> float:
    """Return the best-of-3 mean seconds of one call."""
    return min(timeit.repeat(fn, number=repeat, repeat=3)) / repeat  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dir", type=Path, default=HERE / "articles")
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args(argv)
    rows: dict[str, list[float]] = {"events": [], "story": [], "understand": []}
    sizes = []
    for path in sorted(args.dir.glob("*.txt")):
        raw = read(path)
        article = understand(raw)  # warm the caches once
        day = article.published.date() if article.published else None
        text, _ = strip_date_line(raw.text)
        title, _ = strip_date_line(" ".join(raw.title.split()))
        news = [p.text for p in paragraphs(text[:20_000]) if not p.boilerplate]
        headed, _ = countries.blocks_of(title, news)
        clean = "\n".join(news)
        toks = tokens(headed)
        places = countries.places(toks)
        mentions = dates.find(headed, toks)
        words = [t.folded for t in toks]
        keys = [e.key for e in article.events]
        sizes.append(len(raw.text))

        def run_events(
            headed: str = headed,
            places: list = places,
            day: object = day,
            mentions: list = mentions,
        ) -> None:
            events.extract(headed, published=day, places=places, mentions=mentions)  # type: ignore[arg-type]

        def run_story(
            title: str = title,
            clean: str = clean,
            keys: list[str] = keys,
            day: object = day,
            about: tuple[str, ...] = article.countries,
            words: list[str] = words,
            mentions: list = mentions,
        ) -> None:
            story.features(  # type: ignore[arg-type]
                title,
                clean,
                published=day,
                countries=about,
                event_keys=keys,
                words=words,
                mentions=mentions,
            )

        def run_all(raw: RawArticle = raw) -> None:
            understand(raw)

        rows["events"].append(best(run_events, args.repeat))
        rows["story"].append(best(run_story, args.repeat))
        rows["understand"].append(best(run_all, max(1, args.repeat // 4)))
    print(f"{len(sizes)} articles, median {statistics.median(sizes)} characters")
    for name, times in rows.items():
        print(
            f"{name:<11} median {statistics.median(times) * 1000:7.3f} ms   "
            f"mean {statistics.mean(times) * 1000:7.3f} ms   max {max(times) * 1000:7.3f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
