"""Score the understanding step against the labelled real-article set (issue 3).

Usage::

    python bench/understanding/evaluate.py                 # run digests.understand on every article
    python bench/understanding/evaluate.py --from-json out.jsonl
        # score the JSON lines of `chaikhana ingest --json bench/understanding/articles/*.txt`
    python bench/understanding/evaluate.py --dir OTHER_SET  # another set laid out the same way
    python bench/understanding/evaluate.py -v               # also list every miss

A set is a directory with ``labels.json`` and ``articles/*.txt``.  Figures are printed per
language (the labelled language) and overall, next to the targets.  This is a measurement,
not a test: the exit status is always 0.  Only the standard library and project code are used.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import combinations
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGETS = {
    "lang": 0.98,
    "country_f1": 0.98,
    "event_recall": 0.90,
    "pair_p": 0.95,
    "pair_r": 0.80,
    "boilerplate": 0,
    "summary_len": 400,
}

_DATE_LINE = re.compile(r"^\s*date (\d{4}-\d{2}-\d{2})\s+")

# Generic boilerplate that must never reach a summary, whatever the article.
GENERIC_BOILERPLATE = [
    re.compile(r"(?<!\w)Фото[\s:]"),
    re.compile(r"(?i)\bphoto(?: credits)?\s*:"),
    re.compile(r"(?i)\bsubscribe\b"),
    re.compile(r"(?i)подпишитесь"),
    re.compile(r"(?i)обуна бўлиш|obuna bo"),
    re.compile(r"\bdate 20\d\d"),
    re.compile(r"(?i)currency rates"),
    re.compile(r"[$€₽]\s?1\s+[–-]\s+\d"),
    re.compile(r"\b(?:UZS|USD|EUR|RUB|KZT|KGS|TJS)\s+[–-]?\s*-?\d+[.,]\d+%?"),
    re.compile(r"(?i)\b(?:telegram|instagram)\s+/\s"),
    re.compile(r"(?i)read more|read also|новости по теме|поделиться:"),
    re.compile(r"©"),
]


# --------------------------------------------------------------------------- reading


def _fallback_read(path: Path) -> Any:
    """Read a seed-format .txt: optional ' date YYYY-MM-DD ' prefix, title line, text."""
    from digests.model import RawArticle

    raw = path.read_text(encoding="utf-8")
    published = None
    m = _DATE_LINE.match(raw)
    if m:
        published = datetime.fromisoformat(m.group(1))
        raw = raw[m.end() :]
    title, _, text = raw.partition("\n")
    return RawArticle(
        url=path.resolve().as_uri(),
        title=title.strip(),
        text=text.strip(),
        published=published,
        source="bench",
    )


def read_article(path: Path) -> tuple[Any, str]:
    """Return (RawArticle or None, how it was read)."""
    try:
        from digests.sources.files import read_path  # type: ignore[attr-defined]
    except Exception:
        return _fallback_read(path), "fallback"
    result = read_path(path)
    items = (
        [result]
        if not isinstance(result, (list, tuple)) and not hasattr(result, "__next__")
        else list(result)
    )
    for item in items:
        if hasattr(item, "title") and hasattr(item, "text"):
            return item, "read_path"
    return None, f"read_path error: {items[:1]!r}"


# --------------------------------------------------------------------------- normalising


def norm(s: str | None) -> str:
    """Case-fold, drop punctuation, quotes and spacing (for names and places)."""
    if not s:
        return ""
    s = unicodedata.normalize("NFKC", s).casefold()
    return "".join(ch for ch in s if ch.isalnum())


def names_match(label: str, got: str) -> bool:
    a, b = norm(label), norm(got)
    if not a or not b:
        return False
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 6 and short in long_


def iso(d: Any) -> str | None:
    if d is None or d == "":
        return None
    if isinstance(d, (date, datetime)):
        return d.isoformat()[:10]
    return str(d)[:10]


# --------------------------------------------------------------------------- predictions


@dataclass
class Pred:
    file: str
    lang: str | None = None
    script: str | None = None
    countries: list[str] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    summary: str = ""
    story: Any = None
    published: str | None = None
    seconds: float | None = None
    error: str | None = None


def predict_with_code(labels: list[dict[str, Any]], art_dir: Path) -> tuple[list[Pred], str]:
    from digests.model import StoryCandidate
    from digests.understand import best_story, understand

    preds: list[Pred] = []
    seen: list[tuple[int, int, Any]] = []  # (article_id, story_id, features)
    next_story = 1
    how_read = set()
    for i, lab in enumerate(labels):
        path = art_dir / lab["file"]
        p = Pred(file=lab["file"])
        raw, how = read_article(path)
        how_read.add(how.split(":")[0])
        if raw is None:
            p.error = how
            preds.append(p)
            continue
        t0 = time.perf_counter()
        try:
            art = understand(raw)
        except Exception as exc:
            p.error = f"understand raised {type(exc).__name__}: {exc}"
            preds.append(p)
            continue
        p.seconds = time.perf_counter() - t0
        p.lang = art.lang
        p.script = art.script
        p.countries = [c.lower() for c in art.countries]
        p.events = [
            {"name": e.name, "start": iso(e.start), "end": iso(e.end), "place": e.place}
            for e in art.events
        ]
        p.summary = art.summary or ""
        p.published = iso(art.published)
        candidates = [StoryCandidate(article_id=a, story_id=s, features=f) for a, s, f in seen]
        try:
            sid = best_story(art.features, candidates)
        except Exception as exc:
            p.error = f"best_story raised {type(exc).__name__}: {exc}"
            sid = None
        if sid is None:
            sid = next_story
            next_story += 1
        p.story = sid
        seen.append((i + 1, sid, art.features))
        preds.append(p)
    return preds, "+".join(sorted(how_read))


def predict_from_json(labels: list[dict[str, Any]], art_dir: Path, json_path: Path) -> list[Pred]:
    by_file = {lab["file"]: lab for lab in labels}
    by_title: dict[str, str] = {}
    for lab in labels:
        raw = (art_dir / lab["file"]).read_text(encoding="utf-8")
        m = _DATE_LINE.match(raw)
        if m:
            raw = raw[m.end() :]
        by_title.setdefault(norm(raw.partition("\n")[0]), lab["file"])
    got: dict[str, Pred] = {}
    unmatched = 0
    for line in json_path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        obj = json.loads(line)
        fname = None
        url = obj.get("url") or ""
        if url:
            name = Path(unquote(urlparse(url).path)).name
            if name in by_file:
                fname = name
        if fname is None:
            fname = by_title.get(norm(obj.get("title")))
        if fname is None:
            unmatched += 1
            continue
        got[fname] = Pred(
            file=fname,
            lang=obj.get("lang"),
            script=obj.get("script"),
            countries=[str(c).lower() for c in obj.get("countries") or []],
            events=[
                {
                    "name": e.get("name"),
                    "start": iso(e.get("start")),
                    "end": iso(e.get("end")),
                    "place": e.get("place"),
                }
                for e in obj.get("events") or []
            ],
            summary=obj.get("summary") or "",
            story=obj.get("story"),
            published=iso(obj.get("published")),
        )
    if unmatched:
        print(f"note: {unmatched} JSON line(s) matched no labelled article")
    preds = []
    for lab in labels:
        preds.append(
            got.get(lab["file"]) or Pred(file=lab["file"], error="no JSON line for this article")
        )
    return preds


# --------------------------------------------------------------------------- scoring


def event_hits(lab_ev: dict[str, Any], got: list[dict[str, Any]]) -> tuple[bool, bool]:
    """(name found, name found with the labelled dates and place)."""
    names = [lab_ev["name"], *lab_ev.get("aliases", [])]
    name_ok = full_ok = False
    for ev in got:
        if not any(names_match(n, ev.get("name") or "") for n in names):
            continue
        name_ok = True
        ok = True
        for key in ("start", "end"):
            if lab_ev.get(key) and iso(ev.get(key)) != lab_ev[key]:
                ok = False
        if lab_ev.get("place"):
            places = [lab_ev["place"], *lab_ev.get("place_aliases", [])]
            if not any(
                names_match(pl, ev.get("place") or "") or norm(pl) == norm(ev.get("place"))
                for pl in places
            ):
                ok = False
        if ok:
            full_ok = True
            break
    return name_ok, full_ok


def boilerplate_hits(summary: str, lab: dict[str, Any]) -> list[str]:
    hits = [b for b in lab.get("boilerplate", []) if b.strip() and b.strip() in summary]
    for rx in GENERIC_BOILERPLATE:
        m = rx.search(summary)
        if m and not any(m.group(0) in h for h in hits):
            hits.append(m.group(0))
    return hits


@dataclass
class Row:
    n: int = 0
    lang_ok: int = 0
    script_ok: int = 0
    script_n: int = 0
    c_tp: int = 0
    c_fp: int = 0
    c_fn: int = 0
    ev_n: int = 0
    ev_name: int = 0
    ev_full: int = 0
    pair_tp: int = 0
    pair_fp: int = 0
    pair_fn: int = 0
    bp_hits: int = 0
    bp_articles: int = 0
    too_long: int = 0
    empty: int = 0
    errors: int = 0
    pub_n: int = 0
    pub_ok: int = 0


def ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def f1(p: float | None, r: float | None) -> float | None:
    if p is None or r is None:
        return None
    return 2 * p * r / (p + r) if p + r else 0.0


def fmt(x: float | None) -> str:
    return "  -  " if x is None else f"{x:5.3f}"


def score(labels: list[dict[str, Any]], preds: list[Pred], verbose: bool) -> dict[str, Row]:
    rows: dict[str, Row] = defaultdict(Row)
    misses: list[str] = []
    for lab, p in zip(labels, preds, strict=True):
        for key in (lab["lang"], "ALL"):
            r = rows[key]
            r.n += 1
            if p.error:
                r.errors += 1
            r.lang_ok += int((p.lang or "").lower() == lab["lang"])
            if p.script is not None:
                r.script_n += 1
                r.script_ok += int(p.script == lab["script"])
            gold = set(lab["countries_about"])
            got = set(p.countries)
            r.c_tp += len(gold & got)
            r.c_fp += len(got - gold)
            r.c_fn += len(gold - got)
            for ev in lab["events"]:
                name_ok, full_ok = event_hits(ev, p.events)
                r.ev_n += 1
                r.ev_name += int(name_ok)
                r.ev_full += int(full_ok)
                if key == "ALL" and not full_ok:
                    misses.append(
                        f"{lab['file']}: event {ev['name']!r} {ev.get('start')}..{ev.get('end')} "
                        f"{'(name found, dates/place wrong)' if name_ok else 'not found'}"
                    )
            hits = boilerplate_hits(p.summary, lab)
            r.bp_hits += len(hits)
            r.bp_articles += int(bool(hits))
            if lab.get("published"):
                r.pub_n += 1
                r.pub_ok += int(p.published == lab["published"])
            r.too_long += int(len(p.summary) > TARGETS["summary_len"])
            r.empty += int(not p.summary.strip())
            if key == "ALL":
                if p.error:
                    misses.append(f"{lab['file']}: {p.error}")
                if (p.lang or "") != lab["lang"]:
                    misses.append(f"{lab['file']}: lang {p.lang!r}, expected {lab['lang']!r}")
                if gold != got:
                    misses.append(
                        f"{lab['file']}: countries {sorted(got)}, expected {sorted(gold)}"
                    )
                for h in hits:
                    misses.append(f"{lab['file']}: boilerplate in summary: {h!r}")
    # story pairs: a pair is attributed to each language of its two articles, and once to ALL
    for (la, pa), (lb, pb) in combinations(list(zip(labels, preds, strict=True)), 2):
        gold_same = la["story"] == lb["story"]
        got_same = pa.story is not None and pa.story == pb.story
        if not gold_same and not got_same:
            continue
        for key in {la["lang"], lb["lang"], "ALL"}:
            r = rows[key]
            if gold_same and got_same:
                r.pair_tp += 1
            elif got_same:
                r.pair_fp += 1
            else:
                r.pair_fn += 1
        if gold_same and not got_same:
            misses.append(f"story pair missed: {la['file']} ~ {lb['file']} ({la['story']})")
        elif got_same and not gold_same:
            misses.append(f"story pair wrongly joined: {la['file']} ~ {lb['file']}")
    if verbose and misses:
        print("\nMisses:")
        for m in misses:
            print("  " + m)
        print()
    return rows


def print_table(rows: dict[str, Row], times: list[float], mode: str) -> None:
    order = (
        [k for k in ("ru", "en", "uz", "kk", "ky", "tg", "tk") if k in rows]
        + sorted(k for k in rows if k not in {"ru", "en", "uz", "kk", "ky", "tg", "tk", "ALL"})
        + ["ALL"]
    )
    head = (
        f"{'lang':<5}{'n':>4}  {'lang_acc':>8} {'script':>6}  {'ctry_P':>6} {'ctry_R':>6} {'ctry_F1':>7}  "
        f"{'ev_rec':>6} {'ev_name':>7} {'ev_n':>4}  {'pair_P':>6} {'pair_R':>6} {'pairs':>5}  "
        f"{'bp_hits':>7} {'bp_art':>6} {'>400':>4} {'empty':>5} {'pub_acc':>7} {'err':>3}"
    )
    print(f"Understanding benchmark ({mode})")
    print(head)
    print("-" * len(head))
    for k in order:
        r = rows[k]
        cp, cr = ratio(r.c_tp, r.c_tp + r.c_fp), ratio(r.c_tp, r.c_tp + r.c_fn)
        pp, pr = ratio(r.pair_tp, r.pair_tp + r.pair_fp), ratio(r.pair_tp, r.pair_tp + r.pair_fn)
        if k == "ALL":
            print("-" * len(head))
        print(
            f"{k:<5}{r.n:>4}  {fmt(ratio(r.lang_ok, r.n)):>8} {fmt(ratio(r.script_ok, r.script_n)):>6}  "
            f"{fmt(cp):>6} {fmt(cr):>6} {fmt(f1(cp, cr)):>7}  "
            f"{fmt(ratio(r.ev_full, r.ev_n)):>6} {fmt(ratio(r.ev_name, r.ev_n)):>7} {r.ev_n:>4}  "
            f"{fmt(pp):>6} {fmt(pr):>6} {r.pair_tp + r.pair_fn:>5}  "
            f"{r.bp_hits:>7} {r.bp_articles:>6} {r.too_long:>4} {r.empty:>5} {fmt(ratio(r.pub_ok, r.pub_n)):>7} {r.errors:>3}"
        )
    t = TARGETS
    print(
        f"{'target':<5}{'':>4}  {'>=' + str(t['lang']):>8} {'':>6}  {'':>6} {'':>6} {'>=' + str(t['country_f1']):>7}  "
        f"{'>=' + str(t['event_recall']):>6} {'':>7} {'':>4}  {'>=' + str(t['pair_p']):>6} {'>=' + str(t['pair_r']):>6} {'':>5}  "
        f"{'0':>7} {'0':>6} {'0':>4}"
    )
    print(
        "\nColumns: lang_acc = predicted language equals the label; script = Cyrl/Latn, when the output carries it;"
        "\n  ctry_* = micro precision/recall/F1 over (article, country-about) pairs;"
        "\n  ev_rec = labelled events found with the labelled start/end dates and place; ev_name = name only;"
        "\n  pair_* = pairwise story precision/recall (a cross-language pair counts in both languages' rows);"
        "\n  bp_hits = boilerplate strings (labelled or generic) found in summaries, bp_art = summaries with any;"
        "\n  >400 = summaries longer than 400 characters; empty = empty summaries;"
        "\n  pub_acc = published date equals the label, where the text states one; err = read/understand errors."
    )
    if times:
        print(
            f"\nunderstand() time per article: mean {statistics.mean(times) * 1000:.2f} ms, "
            f"median {statistics.median(times) * 1000:.2f} ms, max {max(times) * 1000:.2f} ms (n={len(times)})"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--dir", type=Path, default=HERE, help="set directory (labels.json + articles/)"
    )
    ap.add_argument("--from-json", type=Path, help="JSON lines from `chaikhana ingest --json`")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    args = ap.parse_args(argv)

    labels = json.loads((args.dir / "labels.json").read_text(encoding="utf-8"))
    labels.sort(key=lambda lab: lab["file"])
    art_dir = args.dir / "articles"
    try:
        if args.from_json:
            preds = predict_from_json(labels, art_dir, args.from_json)
            mode = f"from JSON {args.from_json}"
        else:
            preds, how = predict_with_code(labels, art_dir)
            mode = f"digests.understand, read via {how}"
    except Exception as exc:
        print(f"could not run the understanding code: {type(exc).__name__}: {exc}")
        return 0
    rows = score(labels, preds, args.verbose)
    times = [p.seconds for p in preds if p.seconds is not None]
    print_table(rows, times, mode)
    return 0


if __name__ == "__main__":
    sys.exit(main())
