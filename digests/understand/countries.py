"""Countries: names in every language, lookup for the bot, and what an article is about."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from operator import itemgetter

from rapidfuzz import fuzz, process

from digests.understand._data import load
from digests.understand._gazetteer import Form, Gazetteer, Hit, Token, make_form, tokens
from digests.understand._text import fold, transliterate

FOCUS = ("kz", "uz", "kg", "tj", "tm")
# How much one mention says about the article, by what was mentioned.
KIND_WEIGHT = {
    "name": 1.0,
    "institution": 1.0,
    "person": 1.0,
    "city": 0.8,
    "adjective": 0.5,
    "media": 0.2,  # Kazinform, UzDaily: where the news comes from, not what it is about
}
_LANG_KEYS = {
    "en": "en",
    "ru": "ru",
    "uz": "uz",
    "uz_cyrl": "uz_cyrl",
    "kk": "kk",
    "ky": "ky",
    "tg": "tg",
    "tk": "tk",
}
_FLAG_BASE = 0x1F1E6
_CODE = re.compile(r"^[a-z]{2}$")


@dataclass(frozen=True, slots=True)
class CountryMatch:
    """A country a user's words name: ISO code, confidence 0..1, and whether it was exact."""

    code: str
    score: float
    exact: bool


@cache
def _countries() -> dict[str, dict]:
    return load("countries")


@cache
def gazetteer() -> Gazetteer:
    """Return the index of every form that points to a country."""
    forms: list[Form] = []
    for code, entry in _countries().items():
        display = entry["names"].get("en", code.upper())
        for surface in entry.get("forms", ()):
            forms.append(make_form(surface, code, "name", display, proper=True))
        for surface in entry.get("adjectives", ()):
            forms.append(make_form(surface, code, "adjective", display))
        for surface in entry.get("institutions", ()):
            forms.append(make_form(surface, code, "institution", display, proper=True))
        for surface in entry.get("media", ()):
            forms.append(make_form(surface, code, "media", display, proper=True))
        for surface in entry.get("people", ()):
            forms.append(make_form(surface, code, "person", display, proper=True))
        for head, others in entry.get("cities", {}).items():
            for surface in (head, *others):
                forms.append(make_form(surface, code, "city", head, proper=True))
    return Gazetteer(forms)


@cache
def _namesakes() -> dict[tuple[str, ...], tuple[Form, ...]]:
    """Return the forms that name a city in more than one country (Gulistan), by their words."""
    by_words: dict[tuple[str, ...], dict[str, Form]] = defaultdict(dict)
    for code, entry in _countries().items():
        for head, others in entry.get("cities", {}).items():
            for surface in (head, *others):
                form = make_form(surface, code, "city", head, proper=True)
                by_words[form.words].setdefault(code, form)
    return {words: tuple(f.values()) for words, f in by_words.items() if len(f) > 1}


def places(toks: list[Token]) -> list[Hit]:
    """Return every country mention in the words; a city two countries have goes to the one
    the rest of the text names more (Гулистони вилояти Суғд … Тоҷикистон: Tajikistan's)."""
    hits = list(gazetteer().find(toks))
    namesakes = _namesakes()
    if not namesakes or not any(h.form.words in namesakes for h in hits):
        return hits
    support: dict[str, float] = defaultdict(float)
    for hit in hits:
        if hit.form.words not in namesakes:
            support[hit.form.value] += KIND_WEIGHT[hit.form.kind]
    # max() keeps the first of equals: with no other clue, the country the data lists first
    return [
        Hit(h.start, h.end, max(namesakes[h.form.words], key=lambda f: support[f.value]))
        if h.form.words in namesakes
        else h
        for h in hits
    ]


def flag(code: str) -> str:
    """Return the flag emoji of a country code (kz → 🇰🇿)."""
    code = code.strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        return ""
    return "".join(chr(_FLAG_BASE + ord(c) - ord("A")) for c in code)


def _from_flag(text: str) -> str | None:
    chars = [ord(c) - _FLAG_BASE for c in text.strip()]
    if len(chars) == 2 and all(0 <= c < 26 for c in chars):
        return "".join(chr(ord("a") + c) for c in chars)
    return None


def name(code: str, lang: str) -> str:
    """Return the country's name in a UI language (uz is Latin; uz_cyrl for Cyrillic)."""
    code = code.lower()
    key = _LANG_KEYS.get(lang.lower().replace("-", "_"), "en")
    entry = _countries().get(code)
    if entry:
        names = entry["names"]
        return names.get(key) or names.get("en") or code.upper()
    try:
        from babel import Locale

        locale = Locale.parse("uz_Cyrl" if key == "uz_cyrl" else key)
        return locale.territories.get(code.upper()) or code.upper()
    except (ValueError, LookupError):
        return code.upper()


@cache
def _lookup() -> tuple[dict[str, str], list[str], list[str]]:
    """Return folded name → code for exact lookup, and parallel lists for fuzzy lookup."""
    exact: dict[str, str] = {}
    for code, entry in _countries().items():
        surfaces = [*entry["names"].values(), *entry.get("forms", ())]
        for surface in surfaces:
            for variant in (fold(surface), transliterate(surface)):
                exact.setdefault(variant, code)
    try:  # every other country, in every UI language, from CLDR
        from babel import Locale

        for key in ("en", "ru", "uz", "uz_Cyrl", "kk", "ky", "tg", "tk"):
            for code, surface in Locale.parse(key).territories.items():
                if len(code) == 2 and code.isalpha():
                    exact.setdefault(fold(surface), code.lower())
    except (ValueError, LookupError):
        pass
    names = list(exact)
    codes = [exact[n] for n in names]
    return exact, names, codes


# What a reader may type for a country besides its name: "Uzbek", "казахский", "Astana".
_LOOKUP_KINDS = frozenset({"name", "adjective", "city"})


def _inflected(folded: str) -> str | None:
    """Return the country the words name, inflected or not (Казахстане, Uzbek, Astana → …)."""
    # a user may type a name in lower case; in text only a capitalised word is a name
    toks = tokens(folded[:1].upper() + folded[1:])
    for hit in gazetteer().find(toks):
        if hit.form.kind in _LOOKUP_KINDS and hit.start == 0 and hit.end == len(folded):
            return hit.form.value
    return None


def suggest(name: str, limit: int = 3) -> list[CountryMatch]:
    """Return the countries a user's words most likely mean, best first."""
    text = (name or "").strip()
    if not text:
        return []
    code = _from_flag(text)
    if code:
        return [CountryMatch(code, 1.0, True)]
    exact, names, codes = _lookup()
    folded = fold(text)
    if _CODE.match(folded) and (folded in _countries() or folded in set(codes)):
        return [CountryMatch(folded, 1.0, True)]
    hit = exact.get(folded) or exact.get(transliterate(text)) or _inflected(folded)
    if hit:
        return [CountryMatch(hit, 1.0, True)]
    found = process.extract(folded, names, scorer=fuzz.ratio, limit=limit * 4, score_cutoff=60)
    latin = transliterate(text)
    if latin != folded:
        found += process.extract(latin, names, scorer=fuzz.ratio, limit=limit * 4, score_cutoff=60)
    best: dict[str, float] = {}
    for _, score, index in found:
        code = codes[index]
        best[code] = max(best.get(code, 0.0), score / 100)
    ranked = sorted(best.items(), key=lambda item: -item[1])[:limit]
    return [CountryMatch(code, round(score, 3), False) for code, score in ranked]


def resolve(name: str) -> CountryMatch | None:
    """Return the country a user named, or None when nothing is close enough to be sure."""
    found = suggest(name, limit=1)
    if found and (found[0].exact or found[0].score >= 0.85):
        return found[0]
    return None


# --- what an article is about -------------------------------------------------------------

_CHAIN_GAP = 3  # words between two mentions that still make them one list
_LIST_WEIGHT = 0.3


def find(text: str) -> list[Hit]:
    """Return every country mention in the text."""
    return places(tokens(text))


def _list_members(hits: list[Hit], toks: list[Token]) -> set[int]:
    """Return indexes of hits that sit in an enumeration of three or more countries."""
    # a hit starts where a word starts and ends where one ends: find those words by bisection
    starts = list(map(itemgetter(0), toks))
    ends = list(map(itemgetter(1), toks))
    members: set[int] = set()
    chain: list[int] = []

    def close() -> None:
        if len({hits[k].form.value for k in chain}) >= 3:
            members.update(chain)

    for k, hit in enumerate(hits):
        if chain:
            prev = hits[chain[-1]]
            gap = bisect_left(starts, hit.start) - bisect_left(ends, prev.end) - 1
            if gap > _CHAIN_GAP:
                close()
                chain = []
        chain.append(k)
    close()
    return members


def salience(
    toks: list[Token], hits: list[Hit], blocks: list[tuple[int, float]], hint: str | None = None
) -> list[tuple[str, float]]:
    """Score the countries an article is about: title and lead weigh more, lists less.

    ``blocks`` are (end offset, weight) of consecutive stretches of the text (title, lead, body).
    """
    scores: dict[str, float] = defaultdict(float)
    listed = _list_members(hits, toks) if len(hits) >= 3 else set()
    for k, hit in enumerate(hits):
        weight = next((w for end, w in blocks if hit.start < end), 1.0)
        w = KIND_WEIGHT[hit.form.kind] * weight
        if k in listed:
            w *= _LIST_WEIGHT
        scores[hit.form.value] += w
    if hint and hint in scores:
        scores[hint] += 1.0
    return sorted(scores.items(), key=lambda item: -item[1])


# Sentence ends, for counting in how many sentences a country is named.
# (a stop and its closing marks then space, or a line end; written to open with one class)
_SENTENCE_END = re.compile(r"[.!?…\n](?:(?<=\n)|[.!?…]*[\"»”’)]*\s+)")
# An agency dateline opening the lead: "ASTANA. KAZINFORM –", "Tashkent (UzDaily.com) --"
_DATELINE = re.compile(
    r"(?:[A-ZА-ЯЁЎҚҒҲӘӨҰҮІҢ][\w'ʻ.-]*(?:,? [A-ZА-ЯЁЎҚҒҲӘӨҰҮІҢ][\w'ʻ.-]*){0,3}[.,]?\s*"
    r"(?:\(?[\w.-]+\.(?:com|uz|kz|kg|tj|tm|ru|org|net|info)\)?|[A-ZА-ЯЁ][\w.-]*)?\s*(?:--|–|—)\s+)"
)
_PARTNER_RATIO = 2.0  # the main country outweighs a partner named only beside it this much


def about_text(
    text: str,
    toks: list[Token],
    hits: list[Hit],
    blocks: list[tuple[int, float]],
    hint: str | None = None,
) -> tuple[str, ...]:
    """Return the countries ``text`` (title and paragraphs joined by blocks_of) is about.

    Title and lead weigh most and a list there names the article's parties; a list further on,
    a country named in one sentence only, a foreign country met only as a venue city, and a
    foreign country only ever named beside a far more salient one (a partner, an ambassador's
    country) are mentioned, not about. A dateline says where the reporter files from.
    """
    hits = [h for h in hits if not _currency(text, toks, h)]
    if not hits:
        return (hint,) if hint else ()
    title_end = blocks[0][0] if blocks and blocks[0][1] > 2.0 else 0
    lead_end = max((end for end, w in blocks if w >= 2.0), default=0)
    dateline = _DATELINE.match(text, title_end)
    date_end = dateline.end() if dateline and dateline.end() - title_end < 80 else -1
    cuts = [m.end() for m in _SENTENCE_END.finditer(text)]
    listed = _list_members(hits, toks) if len(hits) >= 3 else set()
    scores: dict[str, float] = defaultdict(float)
    said: dict[str, set[int]] = defaultdict(set)  # sentences that name the country
    titled: set[str] = set()
    named: set[str] = set()  # countries met as more than a city
    for k, hit in enumerate(hits):
        code, kind = hit.form.value, hit.form.kind
        weight = next((w for end, w in blocks if hit.start < end), 1.0)
        if hit.start < date_end:
            weight = 1.0  # the reporter's city, not the lead's subject
        elif k in listed and hit.start >= lead_end:
            weight *= _LIST_WEIGHT  # an enumeration past the lead: mentioned
        scores[code] += KIND_WEIGHT[kind] * weight
        if kind != "city":
            named.add(code)
        if hit.start < title_end:
            titled.add(code)
        if not hit.start < date_end:
            said[code].add(bisect_right(cuts, hit.start))
    if hint and hint in scores:
        scores[hint] += 1.0
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    top_code, top = ranked[0]
    chosen = []
    for code, score in _kept(ranked, hint):
        if code not in (hint, top_code) and code not in titled and len(said[code]) < 2:
            continue  # named in one sentence beside a more salient country: a mention
        if code not in FOCUS and code != hint:
            if code not in named:
                continue  # a foreign city alone is a venue
            if code != top_code and top >= _PARTNER_RATIO * score and said[code] <= said[top_code]:
                continue  # always beside the main country: its partner
        chosen.append(code)
    return tuple(chosen)


# The national domains of the region: a site under one publishes that country's news.
_NATIONAL_DOMAINS = {"uz": "uz", "kz": "kz", "qaz": "kz", "kg": "kg", "tj": "tj", "tm": "tm"}


def source_country(name: str | None, url: str | None) -> str | None:
    """Return where a source publishes from: its publisher's country, else its site's domain's."""
    from urllib.parse import urlsplit

    publishers: dict[str, str] = load("publishers")["publishers"]
    host = ""
    if url:
        try:
            host = (urlsplit(url).hostname or "").removeprefix("www.")
        except ValueError:
            host = ""
    for key in (fold(name or "").strip(), host):
        if key and key in publishers:
            return publishers[key]
    if name:
        for hit in gazetteer().find(tokens(name)):
            if hit.form.kind == "media":
                return hit.form.value
    for candidate in (host, fold(name or "").strip()):
        tld = candidate.rsplit(".", 1)[-1] if "." in candidate else ""
        if tld in _NATIONAL_DOMAINS:
            return _NATIONAL_DOMAINS[tld]
    return None


@cache
def _currency_words() -> tuple[str, ...]:
    return tuple(fold(w) for w in load("text")["currency_words"])


def _currency(text: str, toks: list[Token], hit: Hit) -> bool:
    """Tell whether a country is named as its money's ("АҚШ доллари", "долларов США", "US$")."""
    if text.startswith("$", hit.end) or text.startswith(" $", hit.end):
        return True
    if hit.form.kind not in ("name", "adjective"):
        return False
    i, j = _first_at(toks, hit.end), _first_at(toks, hit.start) - 1
    words = _currency_words()
    after = toks[i].folded if i < len(toks) else ""
    before = toks[j].folded if j >= 0 else ""
    return after.startswith(words) or before.startswith(words)


def _first_at(toks: list[Token], offset: int) -> int:
    """Return the index of the first token that starts at or after ``offset``."""
    lo, hi = 0, len(toks)
    while lo < hi:
        mid = (lo + hi) // 2
        if toks[mid].start < offset:
            lo = mid + 1
        else:
            hi = mid
    return lo


def blocks_of(title: str, paragraphs: list[str]) -> tuple[str, list[tuple[int, float]]]:
    """Join title and paragraphs into one text and say how much each stretch weighs."""
    parts: list[str] = []
    blocks: list[tuple[int, float]] = []
    offset = 0
    if title:
        parts.append(title)
        offset = len(title) + 1
        blocks.append((offset, 3.0))
    lead_left = 400  # characters of the opening that count double
    for para in paragraphs:
        parts.append(para)
        offset += len(para) + 1
        if lead_left > 0:
            blocks.append((offset, 2.0))
        lead_left -= len(para)
    blocks.append((offset + 1, 1.0))
    return "\n".join(parts), blocks


def about(title: str, paragraphs: list[str], hint: str | None = None) -> tuple[str, ...]:
    """Return the countries the article is about, most salient first."""
    text, blocks = blocks_of(title, paragraphs)
    toks = tokens(text)
    return about_text(text, toks, places(toks), blocks, hint)


def choose(ranked: list[tuple[str, float]], hint: str | None = None) -> tuple[str, ...]:
    """Keep the scored countries the article is about, not those it only mentions."""
    return tuple(code for code, _ in _kept(ranked, hint)) if ranked else ((hint,) if hint else ())


def _kept(ranked: list[tuple[str, float]], hint: str | None = None) -> list[tuple[str, float]]:
    top = ranked[0][1]
    chosen = []
    for code, score in ranked:
        # a Central Asian country needs a real presence; any other one a substantial share
        if code in FOCUS:
            keep = score >= 1.5 and score >= 0.12 * top
        else:
            keep = score >= 2.0 and score >= 0.3 * top
        if keep:
            chosen.append((code, score))
    return chosen
