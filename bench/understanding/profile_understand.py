"""Time digests.understand.understand() per article over the eval set and the seeds.

Usage::

    python bench/understanding/profile_understand.py            # medians per set
    python bench/understanding/profile_understand.py --rounds 5 # more repetitions
    python bench/understanding/profile_understand.py --profile  # and a cProfile of the hot spots
    python bench/understanding/profile_understand.py --stages   # median time of each step

Articles are read once (reading is not timed). "first sight" times one call per article after
the other set warmed the lexicons and the language model, as ingest meets new articles; then
each is understood ``--rounds`` times more; the per-article time is the median of its rounds,
and the figure printed is the median (and mean, p90, max) over articles.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from digests.sources.files import read_path  # noqa: E402
from digests.understand import understand  # noqa: E402

SETS = {
    "eval": HERE / "articles",
    "seeds": ROOT / "tests" / "fixtures" / "seeds",
}


def _read(directory: Path) -> list:
    out = []
    for path in sorted(directory.glob("*.txt")):
        result = read_path(path)
        items = list(result)
        out.extend(i for i in items if hasattr(i, "title") and hasattr(i, "text"))
    return out


def _first_sight(raws: list) -> list[float]:
    """Time one call per article never seen before, as ingest makes them (caches cold for it)."""
    per = []
    for raw in raws:
        t0 = time.perf_counter()
        understand(raw)
        per.append((time.perf_counter() - t0) * 1000)
    return per


def _time(raws: list, rounds: int) -> list[float]:
    for raw in raws:
        understand(raw)  # warm caches
    per = []
    for raw in raws:
        runs = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            understand(raw)
            runs.append(time.perf_counter() - t0)
        per.append(statistics.median(runs) * 1000)
    return per


def _stages(raws: list, rounds: int) -> None:
    """Time each step understand() takes, the same way it takes them, and print medians."""
    from digests.text import content_hash
    from digests.understand import countries, dates, events, lang, story, summary, topics
    from digests.understand._gazetteer import tokens
    from digests.understand._text import paragraphs, strip_date_line

    acc: dict[str, list[float]] = {}

    def timed(name: str, f, *a, **k):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        value = f(*a, **k)
        acc.setdefault(name, []).append((time.perf_counter() - t0) * 1000)
        return value

    for _ in range(rounds):
        for raw in raws:
            title = " ".join((raw.title or "").split())
            text, _ = strip_date_line(raw.text or "")
            paras = timed("paragraphs", paragraphs, text[:20000])
            news = [p.text for p in paras if not p.boilerplate]
            clean = "\n".join(news)
            if raw.published is None:
                timed("published_from_text", dates.published_from_text, title, text[:20000])
            else:
                acc.setdefault("published_from_text", []).append(0.0)
            day = raw.published.date() if raw.published else None
            headed, blocks = countries.blocks_of(title, news)
            timed("lang", lang.detect, headed, None)
            toks = timed("tokens", tokens, headed)
            places = timed("countries.places", countries.places, toks)
            about = timed(
                "countries.about", countries.about_text, headed, toks, places, blocks, None
            )
            timed("topics", topics.detect_tokens, toks, len(title), len(clean))
            mentions = timed("dates", dates.find, headed, toks)
            found = timed(
                "events", events.extract, headed, published=day, places=places, mentions=mentions
            )
            timed("summary", summary.summarize, news, title)
            timed(
                "story",
                story.features,
                title,
                clean,
                published=day,
                countries=about,
                event_keys=[e.key for e in found],
                words=[t.folded for t in toks],
                mentions=mentions,
            )
            timed("content_hash", content_hash, raw.title, raw.text)
    for name, values in acc.items():
        print(f"  {name:20} median {statistics.median(values):6.3f} ms")
    per_article = [sum(values[i] for values in acc.values()) for i in range(len(acc["lang"]))]
    print(f"  {'all steps, summed':20} median {statistics.median(per_article):6.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--stages", action="store_true")
    args = parser.parse_args()
    everything = []
    sets = {name: _read(directory) for name, directory in SETS.items()}
    # the language model loads on first need (~0.1 s): load it now, not inside one article
    from digests.understand.lang import _detector

    _detector()
    for name, raws in sets.items():
        for other, others in sets.items():
            if other != name:
                for raw in others:
                    understand(raw)  # lexicons and the language model loaded, not these articles
        first = sorted(_first_sight(raws))
        everything.extend(raws)
        ms = sorted(_time(raws, args.rounds))
        size = statistics.median(len(r.text or "") for r in raws) / 1000
        print(
            f"{name:6} n={len(raws):3}  median {statistics.median(ms):6.2f} ms  "
            f"mean {statistics.mean(ms):6.2f}  p90 {ms[int(0.9 * (len(ms) - 1))]:6.2f}  "
            f"max {ms[-1]:6.2f}  (median text {size:.1f} KB)"
        )
        # repeated calls hit the per-word caches (name skeletons, event keys) every time; a new
        # article misses some of them
        print(
            f"{'':6} first sight: median {statistics.median(first):6.2f} ms  "
            f"mean {statistics.mean(first):6.2f}  p90 {first[int(0.9 * (len(first) - 1))]:6.2f}"
        )
    if args.stages:
        _stages(everything, args.rounds)
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(args.rounds):
            for raw in everything:
                understand(raw)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
