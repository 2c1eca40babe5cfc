"""Score the understanding step against the labelled real-article set, dev and test side by side.

Usage::

    python bench/understanding/evaluate.py                 # both splits, side by side
    python bench/understanding/evaluate.py --split test    # one split (dev, test or all)
    python bench/understanding/evaluate.py -v              # and list the misses of the DEV split
    python bench/understanding/evaluate.py --from-json out.jsonl
        # score the JSON lines of `chaikhana ingest --json bench/understanding/articles/*.txt`
    python bench/understanding/evaluate.py --dir OTHER_SET  # another set laid out the same way

A set is a directory with ``labels.json`` (and any ``labels_*.json``) and ``articles/*.txt``.
The split is frozen (see ``make_split.py`` and ``split.json``): articles 000-099, which the rules
were developed on, are dev; a newer article is test when its story hashes below 55 of 100 with
the seed string, and a story with any article under 100 is dev. Rules are tuned on dev only:
``-v`` lists dev misses; ``--show-test-misses`` exists for the final report and must never be
used while tuning. This is a measurement, not a test: the exit status is 0 unless the labels
cannot be read at all. Only the standard library and project code are used.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from itertools import combinations
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SEED = "chaikhana-frozen-split-2026-12-03:"
TEST_PERCENT = 55
DEV_BELOW = 100  # articles numbered under this are the development set, always

TARGETS = {
    "lang": 0.98,
    "country_f1": 0.98,
    "event_recall": 0.90,
    "event_precision": 0.90,
    "pair_p": 0.95,
    "pair_r": 0.85,
    "tech": 0.95,
    "boilerplate": 0,
    "summary_len": 400,
    "p95_ms": 50.0,
}

_DATE_LINE = re.compile(r"^\s*date (\d{4}-\d{2}-\d{2})\s+")
_NUMBER = re.compile(r"^(\d+)_")

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


# --------------------------------------------------------------------------- labels and split


def number(file: str) -> int | None:
    """Return the article's number (the digits its file name opens with)."""
    m = _NUMBER.match(file)
    return int(m.group(1)) if m else None


def story_hash_side(story: str) -> str:
    """Return the side the frozen rule puts a new story on."""
    h = int(hashlib.sha256((SEED + story).encode()).hexdigest(), 16)
    return "test" if h % 100 < TEST_PERCENT else "dev"


def rule_split(labels: list[dict[str, Any]]) -> dict[str, str]:
    """Return file → 'dev' | 'test' by the frozen rule."""
    old_stories = {
        lab["story"]
        for lab in labels
        if (number(lab["file"]) or 0) < DEV_BELOW and lab.get("story")
    }
    out = {}
    for lab in labels:
        n = number(lab["file"])
        story = str(lab.get("story") or lab["file"])
        if n is None or n < DEV_BELOW or story in old_stories:
            out[lab["file"]] = "dev"
        else:
            out[lab["file"]] = story_hash_side(story)
    return out


def split_of(labels: list[dict[str, Any]], set_dir: Path) -> dict[str, str]:
    """Return file → side: split.json where it lists the file, the rule for any other file."""
    sides = rule_split(labels)
    frozen = set_dir / "split.json"
    if frozen.exists():
        data = json.loads(frozen.read_text(encoding="utf-8"))
        for side in ("dev", "test"):
            for f in data.get(side, []):
                if f in sides:
                    sides[f] = side
    return sides


_REQUIRED = ("file", "lang", "countries_about", "events", "story")


def load_labels(set_dir: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Read labels.json and every labels_*.json; skip (and say) entries that cannot be scored."""
    notes: list[str] = []
    files = [set_dir / "labels.json", *sorted(set_dir.glob("labels_*.json"))]
    seen: dict[str, str] = {}
    labels: list[dict[str, Any]] = []
    art_dir = set_dir / "articles"
    for path in files:
        if not path.exists():
            continue
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            notes.append(f"{path.name}: unreadable ({exc}); skipped")
            continue
        if isinstance(entries, dict):
            entries = entries.get("articles") or entries.get("labels") or []
        for lab in entries:
            if not isinstance(lab, dict) or any(k not in lab for k in _REQUIRED):
                name = lab.get("file") if isinstance(lab, dict) else repr(lab)[:40]
                notes.append(f"{path.name}: entry {name} lacks one of {_REQUIRED}; skipped")
                continue
            if lab["file"] in seen:
                notes.append(f"{path.name}: {lab['file']} also in {seen[lab['file']]}; skipped")
                continue
            if not (art_dir / lab["file"]).exists():
                notes.append(f"{path.name}: {lab['file']} has no article file yet; skipped")
                continue
            seen[lab["file"]] = path.name
            labels.append(lab)
    labels.sort(key=lambda lab: lab["file"])
    return labels, notes


def tech_label(lab: dict[str, Any]) -> bool | None:
    """Return whether the article is labelled tech news (older labels: topic == 'tech')."""
    if isinstance(lab.get("tech"), bool):
        return lab["tech"]
    topic = lab.get("topic")
    if topic is None:
        return None
    return topic == "tech"


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


@lru_cache(maxsize=4096)
def _cities(place: str) -> frozenset[str]:
    from digests.understand import countries
    from digests.understand._gazetteer import tokens

    toks = tokens(place)
    return frozenset(
        h.form.display for h in countries.gazetteer().find(toks) if h.form.kind == "city"
    )


def same_city(label: str, got: str) -> bool:
    """Tell whether two spellings name one city (Ашхабад, Aşgabat, Ashgabat) by the gazetteer.

    A label writes the place as the article does; the extractor gives the city's display name.
    """
    if not label or not got:
        return False
    return bool(_cities(label) & _cities(got))


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
    title: str = ""
    lang: str | None = None
    script: str | None = None
    countries: list[str] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    summary: str = ""
    story: Any = None
    published: str | None = None
    tech: bool | None = None
    seconds: float | None = None
    cpu: float | None = None  # CPU seconds: what the wall time is on a machine nobody shares
    error: str | None = None


def _source_of(lab: dict[str, Any]) -> tuple[str | None, str | None]:
    """Return (URL, site name) the article was published under, as a real ingest would see."""
    url = lab.get("source_url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return None, None
    host = urlparse(url).hostname or None
    return url, host


def predict_with_code(
    labels: list[dict[str, Any]], art_dir: Path, sides: dict[str, str]
) -> tuple[list[Pred], str]:
    """Understand every article; stories are built in file order, within each split."""
    from dataclasses import replace

    from digests.model import SourceHints, StoryCandidate
    from digests.understand import best_story, understand

    preds: list[Pred] = []
    seen: dict[str, list[tuple[int, int, Any]]] = defaultdict(list)  # side → archive
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
        url, host = _source_of(lab)
        if url:
            raw = replace(raw, url=url)
        p.title = raw.title
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            art = understand(raw, hints=SourceHints(name=host))
        except Exception as exc:
            p.error = f"understand raised {type(exc).__name__}: {exc}"
            preds.append(p)
            continue
        p.seconds = time.perf_counter() - t0
        p.cpu = time.process_time() - c0
        p.lang = art.lang
        p.script = art.script
        p.countries = [c.lower() for c in art.countries]
        p.events = [
            {
                "name": e.name,
                "aliases": list(getattr(e, "aliases", ()) or ()),
                "start": iso(e.start),
                "end": iso(e.end),
                "place": e.place,
            }
            for e in art.events
        ]
        p.summary = art.summary or ""
        p.published = iso(art.published)
        p.tech = getattr(art, "tech", None)
        archive = seen[sides[lab["file"]]]
        candidates = [StoryCandidate(article_id=a, story_id=s, features=f) for a, s, f in archive]
        try:
            sid = best_story(art.features, candidates)
        except Exception as exc:
            p.error = f"best_story raised {type(exc).__name__}: {exc}"
            sid = None
        if sid is None:
            sid = next_story
            next_story += 1
        p.story = sid
        archive.append((i + 1, sid, art.features))
        preds.append(p)
    return preds, "+".join(sorted(how_read))


def predict_from_json(labels: list[dict[str, Any]], art_dir: Path, json_path: Path) -> list[Pred]:
    by_file = {lab["file"]: lab for lab in labels}
    by_title: dict[str, str] = {}
    titles: dict[str, str] = {}
    for lab in labels:
        raw = (art_dir / lab["file"]).read_text(encoding="utf-8")
        m = _DATE_LINE.match(raw)
        if m:
            raw = raw[m.end() :]
        titles[lab["file"]] = raw.partition("\n")[0].strip()
        by_title.setdefault(norm(titles[lab["file"]]), lab["file"])
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
            title=titles[fname],
            lang=obj.get("lang"),
            script=obj.get("script"),
            countries=[str(c).lower() for c in obj.get("countries") or []],
            events=[
                {
                    "name": e.get("name"),
                    "aliases": e.get("aliases") or [],
                    "start": iso(e.get("start")),
                    "end": iso(e.get("end")),
                    "place": e.get("place"),
                }
                for e in obj.get("events") or []
            ],
            summary=obj.get("summary") or "",
            story=obj.get("story"),
            published=iso(obj.get("published")),
            tech=obj.get("tech") if isinstance(obj.get("tech"), bool) else None,
        )
    if unmatched:
        print(f"note: {unmatched} JSON line(s) matched no labelled article")
    return [
        got.get(lab["file"]) or Pred(file=lab["file"], error="no JSON line for this article")
        for lab in labels
    ]


# --------------------------------------------------------------------------- scoring


def _label_names(lab_ev: dict[str, Any]) -> list[str]:
    return [lab_ev["name"], *lab_ev.get("aliases", [])]


def _matches(lab_ev: dict[str, Any], ev: dict[str, Any]) -> bool:
    got = [ev.get("name") or "", *(ev.get("aliases") or [])]
    return any(names_match(n, g) for n in _label_names(lab_ev) for g in got if g)


def event_hits(lab_ev: dict[str, Any], got: list[dict[str, Any]]) -> tuple[bool, bool]:
    """(name found, name found with the labelled dates and place)."""
    name_ok = full_ok = False
    for ev in got:
        if not _matches(lab_ev, ev):
            continue
        name_ok = True
        ok = True
        for key in ("start", "end"):
            if lab_ev.get(key) and iso(ev.get(key)) != lab_ev[key]:
                ok = False
        if lab_ev.get("place"):
            places = [lab_ev["place"], *lab_ev.get("place_aliases", [])]
            if not any(
                names_match(pl, ev.get("place") or "")
                or norm(pl) == norm(ev.get("place"))
                or same_city(pl, ev.get("place") or "")
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


_WORDS = re.compile(r"[^\W_]+")
_SENT = re.compile(r"(?<=[.!?…])\s+")


def repeats_title(summary: str, title: str) -> bool:
    """Tell whether a summary sentence is the headline again (most of its words, in its order)."""
    tw = [w.casefold() for w in _WORDS.findall(title)]
    if len(tw) < 3:
        return False
    tset = set(tw)
    for sentence in _SENT.split(summary):
        sw = [w.casefold() for w in _WORDS.findall(sentence)]
        if not sw:
            continue
        shared = tset & set(sw)
        if len(shared) >= 0.8 * len(tset) and len(shared) >= 0.6 * len(set(sw)):
            return True
    return False


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
    ev_got: int = 0  # events extracted
    ev_got_ok: int = 0  # extracted events that are a labelled event
    ev_not: int = 0  # extracted events the label says are not events
    tech_n: int = 0
    tech_ok: int = 0
    non_tp: int = 0  # non-tech said non-tech
    non_fp: int = 0  # tech said non-tech
    non_fn: int = 0  # non-tech said tech
    pair_tp: int = 0
    pair_fp: int = 0
    pair_fn: int = 0
    xpair_tp: int = 0
    xpair_fn: int = 0
    bp_hits: int = 0
    bp_articles: int = 0
    title_rep: int = 0
    too_long: int = 0
    empty: int = 0
    errors: int = 0
    pub_n: int = 0
    pub_ok: int = 0
    pub_future: int = 0
    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)


def ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def f1(p: float | None, r: float | None) -> float | None:
    if p is None or r is None:
        return None
    return 2 * p * r / (p + r) if p + r else 0.0


def fmt(x: float | None) -> str:
    return "  -  " if x is None else f"{x:5.3f}"


def score(labels: list[dict[str, Any]], preds: list[Pred]) -> tuple[dict[str, Row], list[str]]:
    """Score one split: rows per labelled language and ALL, and the misses."""
    rows: dict[str, Row] = defaultdict(Row)
    misses: list[str] = []
    today = date.today().isoformat()
    for lab, p in zip(labels, preds, strict=True):
        f = lab["file"]
        for key in (lab["lang"], "ALL"):
            r = rows[key]
            r.n += 1
            if p.seconds is not None:
                r.times.append(p.seconds)
            if p.cpu is not None:
                r.cpu.append(p.cpu)
            if p.error:
                r.errors += 1
            r.lang_ok += int((p.lang or "").lower() == lab["lang"])
            if p.script is not None and lab.get("script"):
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
                        f"{f}: event {ev['name']!r} {ev.get('start')}..{ev.get('end')} "
                        f"{ev.get('place')} "
                        f"{'(name found, dates/place wrong)' if name_ok else 'not found'}"
                    )
            not_events = [s for s in lab.get("not_events", []) if isinstance(s, str)]
            for ev in p.events:
                r.ev_got += 1
                ok = any(_matches(le, ev) for le in lab["events"])
                r.ev_got_ok += int(ok)
                bad = any(names_match(s, ev.get("name") or "") for s in not_events)
                r.ev_not += int(bad and not ok)
                if key == "ALL" and not ok:
                    misses.append(
                        f"{f}: extracted event {ev.get('name')!r} is no labelled event"
                        + (" (labelled not an event)" if bad else "")
                    )
            truth = tech_label(lab)
            if truth is not None and p.tech is not None:
                r.tech_n += 1
                r.tech_ok += int(truth == p.tech)
                r.non_tp += int(not truth and not p.tech)
                r.non_fp += int(truth and not p.tech)
                r.non_fn += int(not truth and p.tech)
                if key == "ALL" and truth != p.tech:
                    misses.append(f"{f}: tech {p.tech}, expected {truth}")
            hits = boilerplate_hits(p.summary, lab)
            r.bp_hits += len(hits)
            r.bp_articles += int(bool(hits))
            rep = repeats_title(p.summary, p.title)
            r.title_rep += int(rep)
            if lab.get("published"):
                r.pub_n += 1
                r.pub_ok += int(p.published == lab["published"])
                if key == "ALL" and p.published != lab["published"]:
                    misses.append(f"{f}: published {p.published}, expected {lab['published']}")
            if p.published and p.published > today:
                r.pub_future += 1
            r.too_long += int(len(p.summary) > TARGETS["summary_len"])
            r.empty += int(not p.summary.strip())
            if key == "ALL":
                if p.error:
                    misses.append(f"{f}: {p.error}")
                if (p.lang or "") != lab["lang"]:
                    misses.append(f"{f}: lang {p.lang!r}, expected {lab['lang']!r}")
                if gold != got:
                    misses.append(f"{f}: countries {sorted(got)}, expected {sorted(gold)}")
                for h in hits:
                    misses.append(f"{f}: boilerplate in summary: {h!r}")
                if rep:
                    misses.append(f"{f}: summary repeats the title")
    # story pairs: a pair is attributed to each language of its two articles, and once to ALL
    for (la, pa), (lb, pb) in combinations(list(zip(labels, preds, strict=True)), 2):
        gold_same = la["story"] == lb["story"]
        got_same = pa.story is not None and pa.story == pb.story
        if not gold_same and not got_same:
            continue
        cross = la["lang"] != lb["lang"] or la.get("script") != lb.get("script")
        for key in {la["lang"], lb["lang"], "ALL"}:
            r = rows[key]
            if gold_same and got_same:
                r.pair_tp += 1
                r.xpair_tp += int(cross)
            elif got_same:
                r.pair_fp += 1
            else:
                r.pair_fn += 1
                r.xpair_fn += int(cross)
        if gold_same and not got_same:
            misses.append(f"story pair missed: {la['file']} ~ {lb['file']} ({la['story']})")
        elif got_same and not gold_same:
            misses.append(f"story pair wrongly joined: {la['file']} ~ {lb['file']}")
    return rows, misses


def _pct(times: list[float], q: float) -> float | None:
    if not times:
        return None
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def measures(r: Row) -> list[tuple[str, str, str]]:
    """Return (measure, figure, target) for one row."""
    cp, cr = ratio(r.c_tp, r.c_tp + r.c_fp), ratio(r.c_tp, r.c_tp + r.c_fn)
    pp, pr = ratio(r.pair_tp, r.pair_tp + r.pair_fp), ratio(r.pair_tp, r.pair_tp + r.pair_fn)
    np_, nr = ratio(r.non_tp, r.non_tp + r.non_fp), ratio(r.non_tp, r.non_tp + r.non_fn)
    t = TARGETS
    p50, p95 = _pct(r.times, 0.5), _pct(r.times, 0.95)
    ms = lambda x: "  -  " if x is None else f"{x:5.1f}"  # noqa: E731
    return [
        ("articles", str(r.n), ""),
        ("language accuracy", fmt(ratio(r.lang_ok, r.n)), f">= {t['lang']}"),
        ("script accuracy", fmt(ratio(r.script_ok, r.script_n)), ""),
        ("country precision", fmt(cp), ""),
        ("country recall", fmt(cr), ""),
        ("country F1", fmt(f1(cp, cr)), f">= {t['country_f1']}"),
        (
            f"event recall, dates+place (of {r.ev_n})",
            fmt(ratio(r.ev_full, r.ev_n)),
            f">= {t['event_recall']}",
        ),
        ("event recall, name only", fmt(ratio(r.ev_name, r.ev_n)), ""),
        (
            f"event precision (of {r.ev_got} extracted)",
            fmt(ratio(r.ev_got_ok, r.ev_got)),
            f">= {t['event_precision']}",
        ),
        ("extracted events labelled not-events", str(r.ev_not), "0"),
        (f"tech accuracy (of {r.tech_n})", fmt(ratio(r.tech_ok, r.tech_n)), f">= {t['tech']}"),
        ("non-tech precision", fmt(np_), ""),
        ("non-tech recall", fmt(nr), ""),
        ("story pair precision", fmt(pp), f">= {t['pair_p']}"),
        (f"story pair recall (of {r.pair_tp + r.pair_fn})", fmt(pr), f">= {t['pair_r']}"),
        (
            f"cross-language pair recall (of {r.xpair_tp + r.xpair_fn})",
            fmt(ratio(r.xpair_tp, r.xpair_tp + r.xpair_fn)),
            "",
        ),
        (f"published-date accuracy (of {r.pub_n})", fmt(ratio(r.pub_ok, r.pub_n)), ""),
        ("published after today", str(r.pub_future), "0"),
        ("boilerplate hits in summaries", str(r.bp_hits), "0"),
        ("summaries repeating the title", str(r.title_rep), "0"),
        (f"summaries > {t['summary_len']} chars / empty", f"{r.too_long} / {r.empty}", "0"),
        ("read/understand errors", str(r.errors), "0"),
        ("understand() ms p50", ms(p50), ""),
        ("understand() ms p95", ms(p95), f"<= {t['p95_ms']:.0f}"),
        ("understand() CPU ms p50", ms(_pct(r.cpu, 0.5)), ""),
        ("understand() CPU ms p95", ms(_pct(r.cpu, 0.95)), f"<= {t['p95_ms']:.0f}"),
    ]


def print_side_by_side(results: dict[str, dict[str, Row]], mode: str) -> None:
    sides = list(results)
    print(f"Understanding benchmark ({mode})")
    cols = {s: measures(results[s]["ALL"]) for s in sides}
    names = [m[0] for m in cols[sides[0]]]
    width = max(len(n) for n in names) + 2
    head = f"{'measure':<{width}}" + "".join(f"{s:>10}" for s in sides) + f"{'target':>10}"
    print(head)
    print("-" * len(head))
    for k, name in enumerate(names):
        line = f"{name:<{width}}"
        # a measure's label carries its count, which differs by split: show the first's
        for s in sides:
            line += f"{cols[s][k][1]:>10}"
        print(line + f"{cols[sides[0]][k][2]:>10}")
    for s in sides:
        rows = results[s]
        order = [k for k in ("ru", "en", "uz", "kk", "ky", "tg", "tk") if k in rows] + sorted(
            k for k in rows if k not in {"ru", "en", "uz", "kk", "ky", "tg", "tk", "ALL"}
        )
        print(f"\n{s} split by language:")
        print(
            f"  {'lang':<5}{'n':>4} {'lang':>6} {'ctryF1':>6} {'ev_rec':>6} {'ev_P':>6} "
            f"{'tech':>6} {'pairP':>6} {'pairR':>6} {'pub':>6}"
        )
        for k in order:
            r = rows[k]
            cp, cr = ratio(r.c_tp, r.c_tp + r.c_fp), ratio(r.c_tp, r.c_tp + r.c_fn)
            print(
                f"  {k:<5}{r.n:>4} {fmt(ratio(r.lang_ok, r.n)):>6} {fmt(f1(cp, cr)):>6} "
                f"{fmt(ratio(r.ev_full, r.ev_n)):>6} {fmt(ratio(r.ev_got_ok, r.ev_got)):>6} "
                f"{fmt(ratio(r.tech_ok, r.tech_n)):>6} "
                f"{fmt(ratio(r.pair_tp, r.pair_tp + r.pair_fp)):>6} "
                f"{fmt(ratio(r.pair_tp, r.pair_tp + r.pair_fn)):>6} {fmt(ratio(r.pub_ok, r.pub_n)):>6}"
            )
    print(
        "\nCounts in a measure's name are the first column's. Country figures are micro over"
        "\n(article, country-about) pairs; an extracted event counts as correct when it matches a"
        "\nlabelled event's name or alias; story pairs are pairwise within the split (a pair across"
        "\nlanguages or scripts also counts in the cross-language row); tech is against the label's"
        "\n`tech` (older labels: topic == 'tech')."
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--dir", type=Path, default=HERE, help="set directory (labels + articles/)")
    ap.add_argument("--from-json", type=Path, help="JSON lines from `chaikhana ingest --json`")
    ap.add_argument(
        "--split",
        choices=("dev", "test", "all", "both"),
        default="both",
        help="which split to score (default: dev and test side by side)",
    )
    ap.add_argument("-v", "--verbose", action="store_true", help="list the misses of the dev split")
    ap.add_argument(
        "--show-test-misses",
        action="store_true",
        help="also list the test split's misses (for the final report only: never while tuning)",
    )
    args = ap.parse_args(argv)

    labels, notes = load_labels(args.dir)
    for note in notes:
        print(f"note: {note}")
    if not labels:
        print("no labelled article found")
        return 1
    sides = split_of(labels, args.dir)
    art_dir = args.dir / "articles"
    try:
        if args.from_json:
            preds = predict_from_json(labels, art_dir, args.from_json)
            mode = f"from JSON {args.from_json}"
        else:
            preds, how = predict_with_code(labels, art_dir, sides)
            mode = f"digests.understand, read via {how}"
    except Exception as exc:
        print(f"could not run the understanding code: {type(exc).__name__}: {exc}")
        return 0
    wanted = {"both": ("dev", "test"), "all": ("all",)}.get(args.split, (args.split,))
    results: dict[str, dict[str, Row]] = {}
    misses: dict[str, list[str]] = {}
    for side in wanted:
        keep = [k for k, lab in enumerate(labels) if side == "all" or sides[lab["file"]] == side]
        results[side], misses[side] = score([labels[k] for k in keep], [preds[k] for k in keep])
    if args.verbose and "dev" in misses:
        print("\nMisses (dev split):")
        for m in misses["dev"]:
            print("  " + m)
        print()
    if args.show_test_misses and "test" in misses:
        print("\nMisses (TEST split; never tune on these):")
        for m in misses["test"]:
            print("  " + m)
        print()
    print_side_by_side(results, mode)
    return 0


if __name__ == "__main__":
    sys.exit(main())
