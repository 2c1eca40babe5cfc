"""Story signals that survive translation, and the matcher that joins articles into stories.

An article's anchors are short, language-independent tokens: the consonant skeletons of its
capitalised names (Тоқаевтың, Токаева, Tokayev's → tkv), its numbers, the days it names and its
event keys. Two articles tell one story when they share enough *specific* anchors of more than
one kind; names every article of the region carries (presidents, countries, capitals, "IT Park")
weigh little, so that sharing them never joins two stories on its own. Two articles about the
same several countries with a topic in common (a bilateral visit) share one more anchor.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache

import numpy as np

from digests.model import StoryCandidate, StoryFeatures
from digests.understand import dates as _dates
from digests.understand import topics as _topics
from digests.understand._data import load
from digests.understand._text import fold, skeleton
from digests.understand._trie import trie_pattern

SKETCH_SIZE = 128  # a bottom-k sketch: exact Jaccard for texts of up to this many shingles
# The smallest shingle hashes are also lookup keys, so an archive can find an article that
# shares a passage but no name (a rewrite of a wire story); two texts sharing a fifth of
# their shingles share one of them with near certainty, unrelated texts almost never.
SKETCH_KEYS = 16
_MAX_ANCHORS = 48
READ_CHARS = 20_000  # the signals read this much of an article's text
_SHINGLE = 3
_MIX = tuple(np.uint64(m) for m in (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9))
_HIGH = np.uint64(32)
_WORD_HASHES: dict[str, int] = {}
_MAX_WORD_HASHES = 200_000

_CAPS = "A-ZА-ЯЁЎҚҒҲӘӨҰҮІҢҺҶӢӮÄÇŇÖŞÜÝŽ"
# Each pattern opens with a character class and looks behind only after it, so that the scan
# jumps from capital to capital or digit to digit instead of trying a lookbehind everywhere.
_NAME = re.compile(rf"[{_CAPS}](?<![\w'’ʻ].)[\w'’ʻ]*(?:[.-][{_CAPS}\w][\w'’ʻ]*)*")
_NUMBER = re.compile(r"\d(?<![\d.,]\d)(?:\d{0,2}(?:[ \u00a0]\d{3})+|\d*)(?:[.,](\d+))?")
_WORDS = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")
_POSSESSIVE = re.compile(r"['’]s$")  # Tokayev's
_NAME_PARTS = re.compile(r"[-.'’ʻ]")
_ENDS_WITH_DIGIT = re.compile(r"\d\s*$")
_ENDS_WITH_LETTER = re.compile(r"[^\W\d_]\s*$")
_YEAR = re.compile(r"(?:19|20)(?<!\d\d\d)\d\d(?!\d)")
_AMOUNT = re.compile(
    r"(\d(?<![\d.,]\d)\d{0,2}(?:[.,]\d{1,3})?)\s*"
    r"(million|mln|млн|миллион|миллиард|млрд|billion|bln|mlrd|milliard|миллиард)\w*\.?"
    r"(?:\s+(\d{1,3})\s*(?:миң|мың|ming|минг|тысяч|тыс|thousand|ҳазор|müň)\w*)?",
    re.IGNORECASE,
)
_QUOTE = re.compile(r"[«“„\"]([^«»“”„\"\n]{12,200})[»”“\"]")
_BILLIONS = ("bil", "bln", "млрд", "миллиард", "mlrd", "milliard")
_SENTENCE_END = frozenset(".!?…\n—–-:•")
_SKELETON_SIZE = 4  # consonants kept: Касым-Жомарта and Kassym-Jomart meet as "ksmj"

# How much a shared anchor of each kind says that two articles tell one story. "g" is no anchor
# of one article but of a pair: both are about the same several countries (Uzbekistan and
# Tajikistan) and share a topic, as two reports of one visit or deal are in any language.
WEIGHTS = {"w": 1.0, "n": 1.5, "d": 1.0, "m": 1.0, "q": 1.5, "e": 2.0, "g": 1.5}
_COMMON_WEIGHT = 0.15  # a shared president, country or "IT Park"
_MIN_SCORE = 3.0
_MIN_SPECIFIC = 3
_MIN_OVERLAP = 0.2
_NEAR_DUPLICATE = 0.7
_SHARED_TEXT = 0.08  # MinHash estimate of shingle Jaccard: a shared passage, not chance
_SHARED_PASSAGES = 0.15  # so much shared text is one story even with no names in common
_CONTENT_WEIGHT = 20.0
_MAX_DAYS = 4


@cache
def _endings() -> tuple[tuple[int, frozenset[str]], ...]:
    """Return the endings by length, longest first: one set lookup per length, not per ending."""
    by_length: dict[int, set[str]] = {}
    for ending in {fold(e) for e in load("story")["endings"]}:
        if ending:
            by_length.setdefault(len(ending), set()).add(ending)
    return tuple((n, frozenset(by_length[n])) for n in sorted(by_length, reverse=True))


def _stem(word: str) -> str:
    low = fold(word)
    for size, endings in _endings():
        if len(low) - size >= 4 and low[-size:] in endings:
            return low[:-size]
    return low


@lru_cache(maxsize=65536)
def name_anchor(word: str) -> str | None:
    """Return the skeleton a name keeps in every script and case (Тоқаевтың, Tokayev → tkv)."""
    parts = [p for p in _NAME_PARTS.split(_POSSESSIVE.sub("", word)) if p]
    if not parts or (len(parts) == 1 and len(parts[0]) < 3):
        return None
    skel = "".join(skeleton(_stem(p)) for p in parts)[:_SKELETON_SIZE]
    return skel if len(skel) >= 2 else None


@cache
def _common() -> frozenset[str]:
    """Return the skeletons of names too common to tell stories apart."""
    words: list[str] = list(load("story")["common"])
    words += load("text")["generic_names"]
    for country in load("countries").values():
        if not isinstance(country, dict):
            continue
        # the country, its people in power, its media and its capital open many stories; an
        # institution (Tunduk) or another city (Jalal-Abad) says which story it is
        for field in ("people", "media"):
            words += country.get(field, [])
        # "Түндүк Корея" is a country, but Түндүк alone is Kyrgyzstan's data exchange system
        names = [*country.get("forms", []), *country.get("adjectives", [])]
        names += list(country.get("names", {}).values())
        words += [n for n in names if " " not in n.strip()]
        capital = next(iter(country.get("cities", {}).items()), None)
        if capital:
            words += [capital[0], *capital[1]]
    out = set()
    for phrase in words:
        for word in re.split(r"\s+", phrase):
            anchor = name_anchor(word)
            if anchor:
                out.add(anchor)
    return frozenset(out)


@cache
def _phases() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple(
        (name, re.compile(trie_pattern(w.lower() for w in words)))
        for name, words in load("story")["phases"].items()
    )


def phase(text: str) -> str:
    """Return which day of a many-day event the text reports ("day2"), or "" for the whole."""
    low = text.lower()
    return next((name for name, pattern in _phases() if pattern.search(low)), "")


_LEAD_CHARS = 300  # of the text, after the title: where an article says what it reports


@cache
def _aspects() -> tuple[re.Pattern[str], tuple[tuple[str, re.Pattern[str]], ...]]:
    data = load("story")["aspects"]
    cancel = re.compile(trie_pattern(w.lower() for w in data["cancel"]))
    others = tuple(
        (name, re.compile(trie_pattern(w.lower() for w in data[name])))
        for name in ("announce", "report")
    )
    return cancel, others


def aspect(title: str, text: str) -> str:
    """Return what an article on an event says of it: "announce", "report", "cancel" or "".

    Read from the title and the first lines, where news says what happened; the words of
    the other tenses further down (a report recalls the plans) do not count.
    """
    lead = f"{title}\n{text[:_LEAD_CHARS]}".lower().replace("ё", "е")
    cancel, others = _aspects()
    if cancel.search(lead):
        return "cancel"
    found = [(m.start(), name) for name, pattern in others if (m := pattern.search(lead))]
    return min(found)[1] if found else ""


def weight(anchor: str) -> float:
    """Return how much sharing this anchor says that two articles tell one story."""
    kind, value = anchor[0], anchor[2:]
    if kind == "w" and value in _common():
        return _COMMON_WEIGHT
    return WEIGHTS.get(kind, 0.0)


def _names(body: str) -> tuple[Counter[str], Counter[str]]:
    """Count the skeletons of capitalised names inside sentences, and of those only opening one.

    A capital that opens a sentence may be any word ("По", "During"); such a name counts only
    where the other article has it inside a sentence.
    """
    inner: Counter[str] = Counter()
    initial: Counter[str] = Counter()
    for match in _NAME.finditer(body):
        word = match.group()
        anchor = name_anchor(word)
        if anchor is None:
            continue
        i = match.start() - 1
        while i >= 0 and body[i] in " \t\u00a0(":
            i -= 1
        opens = i < 0 or body[i] in _SENTENCE_END
        if opens and not (word.isupper() and len(word) > 1):
            initial[anchor] += 1
        else:
            inner[anchor] += 1
    for anchor in [a for a in initial if a in inner]:
        inner[anchor] += initial.pop(anchor)
    return inner, initial


@cache
def _month_names() -> tuple[dict[str, int], re.Pattern[str]]:
    names: dict[str, int] = {}
    for number, forms in load("months")["months"].items():
        for form in forms:
            if len(form) >= 3 and " " not in form:
                names[fold(form)] = int(number)
    return names, re.compile(r"[^\W\d_]{3,}")


def _month_near(body: str, start: int, end: int) -> int | None:
    """Return the month named right before or after a year, without a day next to it."""
    names, word = _month_names()
    before = body[max(0, start - 14) : start]
    after = body[end : end + 24]
    if _ENDS_WITH_DIGIT.search(before.split(",")[-1]) and not _ENDS_WITH_LETTER.search(before):
        return None  # "7 May 2023" is a day, read as a date
    candidates = [*word.findall(before)[-1:], *word.findall(after)[:3]]
    for candidate in candidates:
        low = fold(candidate)
        for size in range(min(len(low), 9), 2, -1):
            month = names.get(low[:size])
            if month:
                return month
    return None


def anchors(title: str, text: str, event_keys: Sequence[str] = ()) -> Counter[str]:
    """Return the article's anchors (kind:value) with how often each occurs."""
    return _anchors(f"{title}\n{text[:20000]}", event_keys)[0]


def _anchors(
    body: str,
    event_keys: Sequence[str],
    mentions: Sequence[_dates.DateMention] | None = None,
) -> tuple[Counter[str], Counter[str]]:
    """Return the anchors of a text and the names only seen opening its sentences."""
    inner, initial = _names(body)
    found: Counter[str] = Counter({f"w:{a}": n for a, n in inner.items()})
    for match in _NUMBER.finditer(body):
        digits = match.group().split(".")[0].split(",")[0] if match.group(1) else match.group()
        digits = digits.replace(" ", "").replace("\u00a0", "")
        value = int(digits) if digits.isdigit() else 0
        if 1900 <= value <= 2100 and not match.group(1):
            continue  # a year says little: every article of a year has it
        if value >= 100 or match.group(1):
            found[f"n:{value}" + (f".{match.group(1)}" if match.group(1) else "")] += 1
    for match in _QUOTE.finditer(body):
        # the title of a decree, law or programme, quoted: «О мерах по дальнейшему …»
        words = _WORDS.findall(fold(match.group(1)))
        if len(words) >= 4:
            found["q:" + " ".join(words[:4])] += 1
    for match in _AMOUNT.finditer(body):
        # "65.363 million" and "65 млн 363 миң" are one amount in any language
        whole = float(match.group(1).replace(",", "."))
        scale = 1_000_000_000 if match.group(2).casefold().startswith(_BILLIONS) else 1_000_000
        thousands = int(match.group(3)) * 1000 if match.group(3) else 0
        found[f"n:{round(whole * scale) + thousands}"] += 1
    for match in _YEAR.finditer(body):
        # "May 2023", "в мае 2023 года", "2023-жылдын май айында": a month of a year
        month = _month_near(body, match.start(), match.end())
        if month:
            found[f"m:{match.group()}-{month:02d}"] += 1
    if mentions is None:
        mentions = _dates.find(body) if _DIGIT.search(body) else ()
    for dm in mentions:
        found[f"d:{dm.month:02d}-{dm.day:02d}"] += 1
        if dm.end_day is not None and dm.end_month is not None:
            found[f"d:{dm.end_month:02d}-{dm.end_day:02d}"] += 1
    for event_key in event_keys:
        found[f"e:{event_key}"] += 2
    return found, initial


def _word_hashes(words: Sequence[str]) -> np.ndarray:
    """Return a stable 32-bit hash of each word, remembered across articles (words recur)."""
    known = _WORD_HASHES
    missing = set(words).difference(known)
    if missing:
        if len(known) + len(missing) > _MAX_WORD_HASHES:
            known.clear()
            missing = set(words)
        for word in missing:
            known[word] = zlib.crc32(word.encode())
    return np.fromiter(map(known.__getitem__, words), dtype=np.uint64, count=len(words))


def sketch(text: str, words: Sequence[str] | None = None) -> list[int]:
    """Return a bottom-k sketch of the text's three-word shingles (shared passages).

    The smallest ``SKETCH_SIZE`` distinct shingle hashes, sorted. Two sketches estimate the
    Jaccard similarity of the shingle sets, exactly when neither text has more shingles than
    that; a k-permutation MinHash costs k hashes per shingle and estimates short texts worse.
    ``words``: the text's folded words, when the caller has them already.
    """
    if words is None:
        words = _WORDS.findall(fold(text[:20000]))
    if len(words) < _SHINGLE:
        return []
    hashed = _word_hashes(words)
    # a shingle's hash: its three word hashes mixed by odd multipliers, the high 32 bits kept
    # (uint64 arithmetic wraps around, the same on every machine)
    shingles = hashed[:-2] * _MIX[0]
    shingles += hashed[1:-1] * _MIX[1]
    shingles += hashed[2:] * _MIX[2]
    shingles >>= _HIGH
    return np.unique(shingles)[:SKETCH_SIZE].tolist()


def features(
    title: str,
    text: str,
    *,
    published: date | None,
    countries: Sequence[str],
    event_keys: Sequence[str] = (),
    words: Sequence[str] | None = None,
    mentions: Sequence[_dates.DateMention] | None = None,
    topics: Sequence[str] | None = None,
) -> StoryFeatures:
    """Build the story signals of an article.

    ``words``, ``mentions`` and ``topics``: the folded words, the date mentions and the
    topics of ``title`` and ``text`` (of its first 20,000 characters, as the signals read
    it), when the caller has them already.
    """
    body = f"{title}\n{text[:READ_CHARS]}"
    counted, initial = _anchors(body, event_keys, mentions)
    ranked = sorted(counted.items(), key=lambda kv: (-(weight(kv[0]) * min(kv[1], 3)), kv[0]))
    kept = dict(ranked[:_MAX_ANCHORS])
    shingles = sketch(f"{title}\n{text}", words)
    keys = frozenset(a for a in kept if weight(a) >= 1.0)
    keys |= {f"s:{h:x}" for h in shingles[:SKETCH_KEYS]}
    # what a story about several countries is about; one country's stories need no such check
    subjects: Sequence[str] = ()
    if len(countries) >= 2:
        subjects = topics if topics is not None else _topics.detect(title, text[:READ_CHARS])
    return StoryFeatures(
        keys=keys,
        data={
            "anchors": kept,
            "initial": sorted(a for a in initial if a not in _common())[:_MAX_ANCHORS],
            "sketch": shingles,
            "published": published.isoformat() if published else None,
            "year": _year_of(published, event_keys, mentions, body),
            "countries": list(countries),
            "topics": list(subjects),
            # only a report on an event has a day of it
            "phase": phase(body) if event_keys else None,
            "aspect": aspect(title, text) if event_keys else None,
        },
    )


_KEY_YEAR = re.compile(r"-((?:19|20)\d\d)$")


def _year_of(
    published: date | None,
    event_keys: Sequence[str],
    mentions: Sequence[_dates.DateMention] | None,
    body: str,
) -> int | None:
    """Return the year the article reports on: its publication's, else its events' or dates'."""
    if published is not None:
        return published.year
    years = Counter(int(m.group(1)) for k in event_keys if (m := _KEY_YEAR.search(k)))
    if not years:  # the year its dates give most, when one does
        if mentions is None:
            mentions = _dates.find(body) if _DIGIT.search(body) else ()
        years.update(dm.year for dm in mentions if dm.year is not None)
    if not years:
        return None
    (year, n), *rest = years.most_common(2)
    return year if not rest or rest[0][1] < n else None  # a tie says nothing


@dataclass(frozen=True, slots=True)
class Signals:
    """An article's story features decoded once, for comparing it with many others."""

    day: int | None  # the publication day's ordinal
    year: int | None  # the year it reports on (its publication's, else its events' editions')
    sketch: frozenset[int]
    countries: frozenset[str]
    phase: str | None
    aspect: str | None  # of an article on an event: announce, report, cancel or ""
    weights: dict[str, float]  # anchor → weight
    total: float
    initial: tuple[str, ...]  # "w:" anchors of names seen only opening a sentence
    topics: frozenset[str]  # of an article about several countries only


def signals(feats: StoryFeatures) -> Signals:
    """Decode the features :func:`similarity` compares."""
    data = feats.data
    published = data.get("published")
    day = None
    if published:
        try:
            day = date.fromisoformat(published[:10]).toordinal()
        except ValueError:
            day = None
    anchors_: dict[str, int] = data.get("anchors", {})
    weights = {a: weight(a) for a in anchors_}
    year = data.get("year")
    return Signals(
        day=day,
        year=year if isinstance(year, int) else None,
        sketch=frozenset(data.get("sketch", ())),
        countries=frozenset(data.get("countries", ())),
        phase=data.get("phase"),
        aspect=data.get("aspect"),
        weights=weights,
        total=sum(weights.values()),
        initial=tuple(f"w:{w}" for w in data.get("initial", ())),
        topics=frozenset(data.get("topics", ())),
    )


def _jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    """Estimate the Jaccard similarity of two shingle sets from their bottom-k sketches."""
    if not a or not b:
        return 0.0
    both = a & b
    if not both:
        return 0.0
    union = a | b
    if len(union) <= SKETCH_SIZE:
        return len(both) / len(union)
    # the union's sketch: its SKETCH_SIZE smallest hashes
    cut = sorted(union)[SKETCH_SIZE - 1]
    return sum(1 for h in both if h <= cut) / SKETCH_SIZE


def similarity(a: StoryFeatures, b: StoryFeatures) -> float:
    """Return how surely two articles tell the same story, 0..1; above 0.5 they do."""
    return _similarity(signals(a), signals(b))


def _apart(a: Signals, b: Signals, content: float) -> bool:
    """Tell whether two articles cannot tell one story, whatever else they share.

    Days apart, another year's edition, other countries, another day of an event. A near
    copy of the same text is one story all the same.
    """
    if a.day is not None and b.day is not None and abs(a.day - b.day) > _MAX_DAYS:
        return True
    if content >= _NEAR_DUPLICATE:
        return False
    if a.year is not None and b.year is not None and a.year != b.year:
        return True  # this year's edition, holiday or decree is not last year's
    if a.countries and b.countries and a.countries.isdisjoint(b.countries):
        return True  # about different countries: a different story
    if a.aspect and b.aspect and a.aspect != b.aspect:
        return True  # a forum announced, held, or cancelled: three stories
    return bool(a.phase and b.phase and a.phase != b.phase)  # the forum and its second day


def _similarity(a: Signals, b: Signals, content: float | None = None) -> float:
    """Return :func:`similarity` of two decoded articles (``content``: their _jaccard, if known)."""
    days = None if a.day is None or b.day is None else abs(a.day - b.day)
    if days is not None and days > _MAX_DAYS:
        return 0.0
    if content is None:
        content = _jaccard(a.sketch, b.sketch)
    if _apart(a, b, content):
        return 0.0
    if content >= _NEAR_DUPLICATE:
        return 1.0
    wa, wb = a.weights, b.weights
    shared = wa.keys() & wb.keys()
    # a name that opens a sentence in one article and sits inside one in the other
    shared.update(w for w in a.initial if w in wb)
    shared.update(w for w in b.initial if w in wa)
    if len(a.countries) >= 2 and a.countries == b.countries and a.topics & b.topics:
        shared.add("g:" + "+".join(sorted(a.countries)))
    if _other_days(wa, wb, shared):
        return 0.0
    total_a, total_b = a.total, b.total
    if (not shared or not total_a or not total_b) and content < _SHARED_PASSAGES:
        return 0.0
    score = 0.0
    specific = []
    for s in shared:
        w = wa[s] if s in wa else wb[s] if s in wb else WEIGHTS[s[0]]
        score += w
        if w >= 1.0:
            specific.append(s)
    # shared passages (same language): a quoted decree, a repeated quotation
    if content >= _SHARED_TEXT:
        specific.append("c:")
    score += _CONTENT_WEIGHT * content
    # an article with hardly any anchors is measured against what a match needs at least
    overlap = score / max(min(total_a, total_b), _MIN_SCORE)
    # several specific anchors, of more than one kind unless there are many names, and a fair
    # share of the smaller article; or two events reported together
    kinds = {s[0] for s in specific}
    events = sum(1 for s in specific if s[0] == "e")
    enough = (
        events >= 2
        or content >= _SHARED_PASSAGES
        or (len(specific) >= _MIN_SPECIFIC and (len(kinds) >= 2 or len(specific) >= 5))
    )
    need = _MIN_SCORE if days is not None else _MIN_SCORE * 4 / 3
    if enough and score >= need and overlap >= _MIN_OVERLAP:
        return min(1.0, 0.5 + overlap / 2)
    return min(0.5, overlap / 2)


_MIN_DAYS_NAMED = 2


def _other_days(wa: Mapping[str, float], wb: Mapping[str, float], shared: set[str]) -> bool:
    """Tell whether both articles name their own days and not one the other names.

    This year's holiday decree and last year's (26 June, 20 August), each with its days: two
    stories however alike their words, even with no year to tell them apart.
    """
    if any(s[0] == "d" for s in shared):
        return False
    days_a = sum(1 for k in wa if k[0] == "d")
    days_b = sum(1 for k in wb if k[0] == "d")
    return days_a >= _MIN_DAYS_NAMED and days_b >= _MIN_DAYS_NAMED


def best_story(feats: StoryFeatures, candidates: Sequence[StoryCandidate]) -> int | None:
    """Return the story id of the candidate that tells the same story, or None."""
    return best_of(signals(feats), [(c.story_id, signals(c.features)) for c in candidates])


def best_of(article: Signals, candidates: Iterable[tuple[int, Signals]]) -> int | None:
    """Return the story id of the (story id, signals) candidate telling the same story, or None.

    The first of the best-scoring candidates wins, as in :func:`best_story`.
    """
    best: dict[int, float] = {}  # story id → its best score, in the order first met
    apart: set[int] = set()
    for story_id, candidate in candidates:
        if story_id in apart:
            continue
        content = _jaccard(article.sketch, candidate.sketch)
        if _apart(article, candidate, content):
            # a story is joined as a whole: an article that cannot go with one of its
            # members (the announcement of a forum and a report weeks later, another
            # year's edition) does not join it through another member either
            apart.add(story_id)
            best.pop(story_id, None)
            continue
        score = _similarity(article, candidate, content)
        if score > 0.5 and score > best.get(story_id, 0.0):
            best[story_id] = score
    if not best:
        return None
    top = max(best.values())
    return next(s for s, score in best.items() if score == top)


class StoryMatcher:
    """Remember the decoded features of stored articles by id, for one ingest run.

    Articles are never updated, so an id's features stay what they were for as long as the
    ids name one database's articles: keep one matcher per run (or per database).
    """

    def __init__(self, size: int = 20_000) -> None:
        self._size = size
        self._features: dict[int, StoryFeatures] = {}
        self._signals: dict[int, Signals] = {}

    @property
    def features(self) -> Mapping[int, StoryFeatures]:
        """Return the features of the stored articles remembered, by article id."""
        return self._features

    def remember(
        self, article_id: int, feats: StoryFeatures, decoded: Signals | None = None
    ) -> Signals:
        """Remember a stored article's features (and their signals, if decoded); return these."""
        if self._features.get(article_id) is feats:
            return self._signals[article_id]
        if len(self._features) >= self._size:
            # forget the oldest half: candidates are mostly recent articles
            for old in list(self._features)[: self._size // 2]:
                del self._features[old], self._signals[old]
        sig = self._signals[article_id] = decoded or signals(feats)
        self._features[article_id] = feats
        return sig

    def signals(self, candidate: StoryCandidate) -> Signals:
        """Return a candidate's signals, decoding a stored one's once."""
        if candidate.article_id <= 0:  # not stored: nothing to remember it by
            return signals(candidate.features)
        return self.remember(candidate.article_id, candidate.features)
