"""Dates in text: single days and ranges in every supported language, and publication dates."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache

from digests.understand._data import load
from digests.understand._gazetteer import Token
from digests.understand._trie import lower_same_length, trie_pattern

_HEADER_CHARS = 400


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date or a range of dates found at [start, end); year None when the text gives none."""

    start: int
    end: int
    day: int
    month: int
    year: int | None
    end_day: int | None = None
    end_month: int | None = None
    end_year: int | None = None

    @property
    def is_range(self) -> bool:
        """Tell whether the mention spans several days."""
        return self.end_day is not None


@cache
def _months() -> tuple[dict[str, int], str]:
    names: dict[str, int] = {}
    for number, forms in load("months")["months"].items():
        for form in forms:
            names[form.casefold()] = int(number)
    alternation = trie_pattern(names)
    return names, alternation


@cache
def _patterns() -> tuple[re.Pattern[str], ...]:
    _, months = _months()
    m = rf"(?P<{{g}}>{months})(?:[а-яёa-zәіңғүұқөһўҳӣӯҷçäňöşüýž]{{{{0,5}}}})?\.?"
    month = m.format(g="m")
    month2 = m.format(g="m2")
    # a hyphen, a dash or the minus sign that some sites type for one ("13−14-iyun")
    sep = r"\s*(?:-|–|—|−|‒|по|до|to|through|until|and|и|va|ва|то|dan|дан|-dan|-дан)\s*"
    year = r"(?:\s*,?\s*(?P<y>(?:19|20)\d{2})(?!\d))?"
    # ordinal endings: 7-го, 7th, 7-chi (uz), 28-nji / 28-njy / 1-inji (tk), 7-и (tg)
    ordinal = r"(?:-?(?:го|е|st|nd|rd|th|chi|чи|inchi|инчи|nji|njy|inji|ynjy|unji|üňji|ум|юм|и))?"
    day = rf"(?P<d>[0-3]?\d){ordinal}"
    day2 = rf"(?P<d2>[0-3]?\d){ordinal}"
    # the same day, not glued to a digit before it, as a digit first (a scan jumps to digits)
    first_day = rf"(?P<d>\d(?<!\d\d)(?:(?<=[0-3])\d)?){ordinal}"
    # a year before the day: "2020-yil 31-yanvar", "2025 жылғы 7 сәуір", "2024-yilning 13-iyun",
    # "2016-njy ýylyň 28-nji sentýabrynda", "2025 йили 7 апрел"
    year_before = (
        r"(?P<y0>(?:19|20)\d{2}(?:-?[^\W\d_]{1,8}\.?)?"
        r"(?:\s+(?:ýyl|yil|йил|жыл|сол|сал|год|г\.|ж\.|й\.|y\.)[^\W\d_]*\.?)?\s+)"
    )
    flags = re.I
    return (
        # 30 сентября – 2 октября 2025
        re.compile(rf"{first_day}[\s-]+{month}{sep}{day2}[\s-]+{month2}{year}", flags),
        # с 7 по 10 апреля, 7–10 April 2025, 7-10 aprel, 7-10-сәуір; a year before the days:
        # "2024-yilning 13-14-iyun", "2025 жылғы 7-10 сәуір", "2024-nji ýylyň 17-19-njy aprelinde"
        re.compile(
            rf"(?:(?<![\d.]){year_before})?"
            rf"(?:(?:с|со|from|between|от|аз)\s+)?(?<!\d){day}{sep}{day2}[\s-]+{month}{year}",
            flags,
        ),
        # April 7-10, 2025
        re.compile(rf"\b{month}\s+{day}{sep}{day2}(?!\d){year}", flags),
        # 7 апреля 2025, 7-aprel, 28 September, 2022
        re.compile(
            rf"(?:(?<![\d.]){year_before})?{day}[\s-]+{month}{year}",
            flags,
        ),
        # September 28, 2022
        re.compile(rf"\b{month}\s+{day}(?![\d:]){year}", flags),
    )


# 22.09.2025 — also when a full stop ends the sentence right after it. Each pattern opens with
# a digit and looks behind only after it: ``re`` then jumps from digit to digit instead of trying
# the lookbehind at every character (ten times faster on a 5 KB article).
_NUMERIC = re.compile(r"(\d(?<![\d.]\d)\d?)[./](\d{1,2})[./]((?:19|20)\d{2})(?!\d|\.\d)")
_ISO = re.compile(r"((?:19|20)(?<!\d\d\d)\d{2})-(\d{2})-(\d{2})(?!\d)")


def _valid(y: int | None, m: int, d: int) -> bool:
    try:
        date(y or 2000, m, d)
    except ValueError:
        return False
    return True


_DIGITS = re.compile(r"\d+")
_YEAR_LIKE = re.compile(r"(?:19|20)\d\d")
_WINDOW = 48  # characters around a number where a month name of the same date can be


@cache
def _month_finder() -> re.Pattern[str]:
    names, _ = _months()
    # a month name opening a word, in lower case: one pass of a trie over the text
    return re.compile(r"(?<![^\W\d_])(?:" + trie_pattern(names) + ")")


def _segments(text: str) -> list[tuple[int, int]]:
    """Return the stretches around month names that also hold a number: all a date can be."""
    spans: list[tuple[int, int]] = []
    for match in _month_finder().finditer(lower_same_length(text)):
        lo, hi = max(0, match.start() - _WINDOW), min(len(text), match.end() + _WINDOW)
        if spans and lo <= spans[-1][1]:
            spans[-1] = (spans[-1][0], hi)
        else:
            spans.append((lo, hi))
    return [(lo, hi) for lo, hi in spans if _DIGITS.search(text, lo, hi)]


@cache
def _month_heads() -> dict[str, tuple[tuple[str, int], ...]]:
    """Return (first word, length) of the month names by their first three letters."""
    names, _ = _months()
    heads: dict[str, set[tuple[str, int]]] = {}
    for name in names:
        heads.setdefault(name[:3], set()).add((name.split()[0], len(name)))
    return {key: tuple(sorted(words)) for key, words in heads.items()}


def _token_segments(text: str, toks: Sequence[Token]) -> list[tuple[int, int]]:
    """Return what _segments() returns, from the text's folded words: no scan of the text."""
    heads = _month_heads()
    spans: list[tuple[int, int]] = []
    for tok in [t for t in toks if t[3][:3] in heads]:
        word = tok[3]
        size = max((n for first, n in heads[word[:3]] if word.startswith(first)), default=0)
        if not size:
            continue
        # the window reaches as far as the longest name could (a two-word one, "баш оона")
        lo, hi = max(0, tok[0] - _WINDOW), min(len(text), max(tok[1], tok[0] + size) + _WINDOW)
        if spans and lo <= spans[-1][1]:
            spans[-1] = (spans[-1][0], hi)
        else:
            spans.append((lo, hi))
    return [(lo, hi) for lo, hi in spans if _DIGITS.search(text, lo, hi)]


def find(text: str, toks: Sequence[Token] | None = None) -> list[DateMention]:
    """Return the date mentions in text, ranges before single days, in text order.

    ``toks``: the words of ``text`` (tokens()), when the caller has them: months are then found
    among them instead of by a scan of the text.
    """
    return _find(text, _segments(text) if toks is None else _token_segments(text, toks))


def _find(text: str, segments: list[tuple[int, int]]) -> list[DateMention]:
    names, _ = _months()
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    for pattern in _patterns():
        matches = (m for lo, hi in segments for m in pattern.finditer(text, lo, hi))
        for match in matches:
            if not free(match.start(), match.end()):
                continue
            g = match.groupdict()
            month = names.get(g["m"].casefold())
            if month is None:
                continue
            year = int(g["y"]) if g.get("y") else None
            if year is None and g.get("y0"):
                year = int(g["y0"].strip()[:4])
            d = int(g["d"])
            d2 = int(g["d2"]) if g.get("d2") else None
            m2 = names.get(g["m2"].casefold()) if g.get("m2") else (month if d2 else None)
            if not _valid(year, month, d) or (d2 and m2 and not _valid(year, m2, d2)):
                continue
            if d2 is not None and m2 == month and d2 <= d:
                continue  # "10-7 April" is not a range
            taken.append((match.start(), match.end()))
            found.append(
                DateMention(
                    match.start(), match.end(), d, month, year, d2, m2, year if d2 else None
                )
            )
    for match in _NUMERIC.finditer(text):
        if not free(match.start(), match.end()):
            continue
        a, b, y = int(match.group(1)), int(match.group(2)), int(match.group(3))
        # day first, as the region writes it, unless that is impossible
        d, m = (a, b) if b <= 12 else (b, a)
        if _valid(y, m, d):
            taken.append((match.start(), match.end()))
            found.append(DateMention(match.start(), match.end(), d, m, y))
    for match in _ISO.finditer(text):
        if not free(match.start(), match.end()):
            continue
        y, m, d = (int(g) for g in match.groups())
        if _valid(y, m, d):
            taken.append((match.start(), match.end()))
            found.append(DateMention(match.start(), match.end(), d, m, y))
    found.sort(key=lambda dm: dm.start)
    return found


def resolve(
    day: int, month: int, year: int | None, *, year_hint: int | None, around: date | None
) -> date | None:
    """Return the date, taking a missing year from a hint or the nearest to a reference day."""
    if year is not None:
        return date(year, month, day) if _valid(year, month, day) else None
    if year_hint is not None:
        return date(year_hint, month, day) if _valid(year_hint, month, day) else None
    if around is None:
        return None  # no year and nothing to take one from: unknown, not guessed
    options = [
        date(y, month, day)
        for y in (around.year - 1, around.year, around.year + 1)
        if _valid(y, month, day)
    ]
    return min(options, key=lambda d: abs((d - around).days)) if options else None


# a currency widget carries a date that is not the article's ("Курсы валют на 20.09.2024")
_WIDGET = re.compile(r"(?i)\b(?:currency|курс|kurs|rates?\b|бағам|valyuta)")
# what a deadline or a plan opens with: "до 1 января 2028 года", "by 1 March 2026", "2030-yilgacha"
_DEADLINE_BEFORE = re.compile(
    r"(?i)(?:\b(?:до|к|по|не позднее|вплоть до|by|until|till|before|to|from|с|со|after|после|"
    r"dan|gacha|qadar|то|аз|дейін|чейин|çenli|başlap)\s+(?:конца\s+|the end of\s+)?)$"
)
_DEADLINE_AFTER = re.compile(
    r"(?i)^[\s-]*(?:года|г\.)?\s*(?:gacha|-?гача|-?гacha|дейін|чейин|ga qadar|çenli|гача)"
)
# a date heading a line or closing a short one is a page's date line; one deep inside a long
# sentence is something the article tells ("… signed on 27 March 1992 …")
_LINE_HEAD = 40
_SHORT_LINE = 80
_DATELINE_CLOSE = re.compile(r"[ \t]*(?:/[^/\n]{1,40}/|\([^()\n]{1,40}\))?[ \t]*(?:--|–|—)[ \t]")
# "08.09.2025", "17.07.20": a page's stamp may be numeric with a short year
_STAMP = re.compile(r"(?<!\d)(\d{1,2})\.(\d{1,2})\.(\d{2}|(?:19|20)\d{2})(?![\d])")


def published_from_text(
    title: str, text: str, *, now: datetime | None = None, loose: bool = False
) -> datetime | None:
    """Return the publication date a page shows in its header (a date line), or None.

    A date later than ``now`` (the moment of ingest), a deadline or plan ("до 1 января 2028
    года") and a date told deep inside a long sentence are not the page's.

    ``loose``: take the header's first full date even so (not the page's date, but the day the
    news is about, which tells stories apart).
    """
    now = now or datetime.now(UTC)
    header: list[str] = []
    size = 0
    for line in [title, *text.split("\n")]:
        stripped = line.strip()
        if not stripped:
            continue
        if _WIDGET.search(stripped) and len(stripped.split()) < 12:
            continue
        header.append(stripped)  # furniture or not: the loop stops at _HEADER_CHARS anyway
        size += len(stripped)
        if size >= _HEADER_CHARS:
            break
    for line in header:
        for when in _line_dates(line, loose=loose):
            if when <= now:
                return when
    return None


def _line_dates(line: str, *, loose: bool = False) -> list[datetime]:
    """Return the dates in one header line that can be the page's, in line order."""
    found: list[tuple[int, datetime]] = []
    if _YEAR_LIKE.search(line):
        for mention in find(line):
            if mention.year is None or mention.is_range:
                continue
            if not loose and not _page_date(line, mention.start, mention.end):
                continue
            found.append(
                (mention.start, datetime(mention.year, mention.month, mention.day, tzinfo=UTC))
            )
    if len(line) <= _SHORT_LINE or any(m.start() < _LINE_HEAD for m in _STAMP.finditer(line)):
        for match in _STAMP.finditer(line):
            d, m, y = int(match.group(1)), int(match.group(2)), int(match.group(3))
            y = y + 2000 if y < 100 else y
            if _valid(y, m, d) and _page_date(line, match.start(), match.end()):
                found.append((match.start(), datetime(y, m, d, tzinfo=UTC)))
    found.sort(key=lambda f: f[0])
    return [when for _, when in found]


def _page_date(line: str, start: int, end: int) -> bool:
    """Tell whether a date at [start, end) of a line can be the page's own date."""
    if _DEADLINE_BEFORE.search(line, 0, start) or _DEADLINE_AFTER.match(line[end:]):
        return False
    if _DATELINE_CLOSE.match(line, end):
        return True  # "TASHKENT, May 4, 2024 /EINPresswire.com/ --": an agency's dateline
    return start < _LINE_HEAD or len(line) - (end - start) <= _SHORT_LINE
