"""Time digests.understand.understand() per article over the eval set and the seeds.

Usage::

    python bench/understanding/profile_understand.py            # medians per set
    python bench/understanding/profile_understand.py --rounds 5 # more repetitions
    python bench/understanding/profile_understand.py --profile  # and a cProfile of the hot spots

Articles are read once (reading is not timed); each is understood once to warm the caches
(lexicons, the language model), then ``--rounds`` times; the per-article time is the median
of its rounds, and the figure printed is the median (and mean, p90, max) over articles.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    everything = []
    for name, directory in SETS.items():
        raws = _read(directory)
        everything.extend(raws)
        ms = sorted(_time(raws, args.rounds))
        size = statistics.median(len(r.text or "") for r in raws) / 1000
        print(
            f"{name:6} n={len(raws):3}  median {statistics.median(ms):6.2f} ms  "
            f"mean {statistics.mean(ms):6.2f}  p90 {ms[int(0.9 * (len(ms) - 1))]:6.2f}  "
            f"max {ms[-1]:6.2f}  (median text {size:.1f} KB)"
        )
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
