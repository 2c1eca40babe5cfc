"""Freeze the dev/test split of the labelled set into split.json (run once, when labelling stops).

Usage::

    python bench/understanding/make_split.py            # write bench/understanding/split.json
    python bench/understanding/make_split.py --check    # say what would change, write nothing

The rule (the same as evaluate.py applies to any file split.json does not list): articles
numbered under 100, which the rules were developed on, are dev; a newer article is test when
int(sha256(SEED + story), 16) % 100 < 55, so a whole story falls on one side; a story with any
article under 100 is dev.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import evaluate  # noqa: E402  (the rule lives in one place)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=HERE, help="set directory (labels + articles/)")
    ap.add_argument("--check", action="store_true", help="compare with split.json, write nothing")
    args = ap.parse_args(argv)
    labels, notes = evaluate.load_labels(args.dir)
    for note in notes:
        print(f"note: {note}")
    sides = evaluate.rule_split(labels)
    frozen = {
        "seed": evaluate.SEED,
        "rule": (
            f"articles numbered under {evaluate.DEV_BELOW} are dev; a newer article is test iff "
            "int(sha256((seed + story).encode()).hexdigest(), 16) % 100 < "
            f"{evaluate.TEST_PERCENT}; "
            f"a story with any article under {evaluate.DEV_BELOW} is dev"
        ),
        "test": sorted(f for f, side in sides.items() if side == "test"),
        "dev": sorted(f for f, side in sides.items() if side == "dev"),
    }
    path = args.dir / "split.json"
    if args.check:
        if path.exists():
            old = json.loads(path.read_text(encoding="utf-8"))
            moved = sorted(set(old.get("test", [])) ^ set(frozen["test"]))
            print(f"{len(moved)} file(s) would change side: {moved[:10]}")
        print(f"test {len(frozen['test'])}, dev {len(frozen['dev'])}")
        return 0
    path.write_text(json.dumps(frozen, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tests, devs = len(frozen["test"]), len(frozen["dev"])
    print(f"wrote {path}: test {tests} ({tests / len(sides):.0%}), dev {devs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
