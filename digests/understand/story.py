"""Story signals that survive translation, and the matcher that joins articles into stories."""

from __future__ import annotations

import re
import zlib
from collections import Counter
from collections.abc import Sequence
from datetime import date
from functools import cache, lru_cache

import numpy as np

from digests.model import StoryCandidate, StoryFeatures
from digests.understand._data import load
from digests.understand._text import fold, skeleton

NUM_PERM = 64
_MAX_ANCHORS = 40
_SHINGLE = 3
_PRIME = (1 << 61) - 1
_rng = np.random.default_rng(20250407)  # fixed: signatures must compare across runs
# a, b < 2**31 and x < 2**32 keep a·x + b below 2**64: no overflow, same result everywhere
_A = _rng.integers(1, 1 << 31, NUM_PERM, dtype=np.uint64)
_B = _rng.integers(0, 1 << 31, NUM_PERM, dtype=np.uint64)
_MASK = np.uint64((1 << 32) - 1)

_CAPITALISED = re.compile(r"\b[A-ZА-ЯЁЎҚҒҲӘӨҰҮІҢҺҶӢӮ][\w'ʻ’.-]*\w")
_LATIN_IN_CYRILLIC = re.compile(r"\b[A-Za-z][\w.-]*[A-Za-z0-9]")
_NUMBER = re.compile(r"(?<![\d.,])(\d{1,3}(?:[ \u00a0]\d{3})+|\d+)(?:[.,](\d+))?")
_WORDS = re.compile(r"\w+")

# How much each kind of shared anchor says that two articles tell one story.
WEIGHTS = {"n": 2.0, "l": 1.5, "p": 1.0, "e": 3.0, "y": 0.3}
_MIN_SCORE = 6.0
_MIN_STRONG = 3
_MIN_OVERLAP = 0.25
_NEAR_DUPLICATE = 0.7
_MAX_DAYS = 4


@cache
def _generic() -> frozenset[str]:
    return frozenset(fold(w) for w in load("text")["generic_names"])


@cache
def _endings() -> tuple[tuple[int, frozenset[str]], ...]:
    endings = {fold(e) for e in load("text")["endings"]}
    lengths = sorted({len(e) for e in endings}, reverse=True)
    return tuple((n, frozenset(e for e in endings if len(e) == n)) for n in lengths)


def _stem(word: str) -> str:
    low = fold(word)
    for size, endings in _endings():
        if len(low) - size >= 4 and low[-size:] in endings:
            return low[:-size]
    return low


@lru_cache(maxsize=65536)
def _name_anchor(word: str) -> str | None:
    word = word.strip(".-'’ʻ")
    if len(word) < 4 or fold(word) in _generic():
        return None
    parts = [p for p in re.split(r"[-.]", word) if p]
    skel = "".join(skeleton(_stem(p)) for p in parts)
    return skel if len(skel) >= 3 else None


def anchors(title: str, text: str, event_keys: Sequence[str] = ()) -> Counter[str]:
    """Return the article's anchors (kind:value) with how often each occurs."""
    found: Counter[str] = Counter()
    body = f"{title}\n{text[:20000]}"
    for match in _CAPITALISED.finditer(body):
        before = body[max(0, match.start() - 2) : match.start()]
        word = match.group()
        # a capital after a full stop may only open a sentence; Latin in Cyrillic text never does
        latin = word.isascii()
        if not latin and (
            "\n" in before or not before.strip() or before.rstrip()[-1:] in '.!?"«“—–-:'
        ):
            continue
        anchor = _name_anchor(word)
        if anchor:
            found[("l:" if latin else "p:") + anchor] += 1
    for match in _NUMBER.finditer(body):
        digits = re.sub(r"\D", "", match.group(1))
        value = int(digits) if digits else 0
        if 1900 <= value <= 2100 and not match.group(2):
            found[f"y:{value}"] += 1
        elif value >= 100 or match.group(2):
            found[f"n:{value}" + (f".{match.group(2)}" if match.group(2) else "")] += 1
    for event_key in event_keys:
        found[f"e:{event_key}"] += 2
    # a Cyrillic and a Latin spelling of one name are one anchor kind for matching
    merged: Counter[str] = Counter()
    for anchor, count in found.items():
        kind, value = anchor.split(":", 1)
        merged[("p:" if kind == "l" and f"p:{value}" in found else anchor)] += count
    return merged


def minhash(text: str) -> list[int]:
    """Return a MinHash signature of the text's word shingles (same-language near-duplicates)."""
    words = _WORDS.findall(fold(text[:20000]))
    if len(words) < _SHINGLE:
        return []
    shingles = {" ".join(words[i : i + _SHINGLE]) for i in range(len(words) - _SHINGLE + 1)}
    hashes = np.fromiter(
        (zlib.crc32(s.encode()) for s in shingles), dtype=np.uint64, count=len(shingles)
    )
    # (a·x + b) mod p per permutation, kept to 32 bits; all in uint64 arithmetic
    products = (np.outer(hashes, _A) + _B) % np.uint64(_PRIME)
    return (products & _MASK).min(axis=0).astype(np.int64).tolist()


def features(
    title: str,
    text: str,
    *,
    published: date | None,
    countries: Sequence[str],
    event_keys: Sequence[str] = (),
) -> StoryFeatures:
    """Build the story signals of an article."""
    counted = anchors(title, text, event_keys)
    ranked = sorted(counted.items(), key=lambda kv: (-(WEIGHTS[kv[0][0]] * min(kv[1], 3)), kv[0]))
    kept = dict(ranked[:_MAX_ANCHORS])
    keys = frozenset(a for a in kept if not a.startswith("y:"))
    return StoryFeatures(
        keys=keys,
        data={
            "anchors": kept,
            "minhash": minhash(f"{title}\n{text}"),
            "published": published.isoformat() if published else None,
            "countries": list(countries),
        },
    )


def _jaccard(a: list[int], b: list[int]) -> float:
    if not a or len(a) != len(b):
        return 0.0
    return sum(1 for x, y in zip(a, b, strict=True) if x == y) / len(a)


def _days_apart(a: str | None, b: str | None) -> int | None:
    if not a or not b:
        return None
    try:
        return abs((date.fromisoformat(a[:10]) - date.fromisoformat(b[:10])).days)
    except ValueError:
        return None


def similarity(a: StoryFeatures, b: StoryFeatures) -> float:
    """Return how surely two articles tell the same story, 0..1; above 0.5 they do."""
    days = _days_apart(a.data.get("published"), b.data.get("published"))
    if days is not None and days > _MAX_DAYS:
        return 0.0
    if _jaccard(a.data.get("minhash", []), b.data.get("minhash", [])) >= _NEAR_DUPLICATE:
        return 1.0
    ca, cb = set(a.data.get("countries", ())), set(b.data.get("countries", ()))
    if ca and cb and not ca & cb:
        return 0.0  # about different countries: a different story
    aa: dict[str, int] = a.data.get("anchors", {})
    ab: dict[str, int] = b.data.get("anchors", {})
    shared = set(aa) & set(ab)
    strong = [s for s in shared if not s.startswith("y:")]
    score = sum(WEIGHTS[s[0]] for s in shared)
    total_a = sum(WEIGHTS[s[0]] for s in aa)
    total_b = sum(WEIGHTS[s[0]] for s in ab)
    if not total_a or not total_b:
        return 0.0
    overlap = score / min(total_a, total_b)
    # several distinct anchors, a fair share of the smaller article, and something specific
    specific = any(s[0] in "nle" for s in strong)
    need = _MIN_SCORE if days is not None else _MIN_SCORE * 1.5
    if len(strong) >= _MIN_STRONG and score >= need and overlap >= _MIN_OVERLAP and specific:
        return min(1.0, 0.5 + overlap / 2)
    return overlap / 2


def best_story(feats: StoryFeatures, candidates: Sequence[StoryCandidate]) -> int | None:
    """Return the story id of the candidate that tells the same story, or None."""
    best: tuple[float, int] | None = None
    for candidate in candidates:
        score = similarity(feats, candidate.features)
        if score > 0.5 and (best is None or score > best[0]):
            best = (score, candidate.story_id)
    return best[1] if best else None
