"""Find surface forms from the data files in text: inflected, case-folded, multi-word."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from digests.understand._data import load
from digests.understand._text import APOSTROPHES, WORD, fold, unify_apostrophes

_MAX_ENDING = 7
_FINAL_VOWELS = frozenset("аяьй")
_RU_ENDINGS = frozenset(
    {
        "ы",
        "е",
        "у",
        "ой",
        "ою",
        "и",
        "ю",
        "ей",
        "ем",
        "ям",
        "ях",
        "ями",
        "ам",
        "ах",
        "ами",
        "ию",
        "ией",
        "ии",
        "ия",
    }
)
_ACRONYM = re.compile(r"^[^\W\d_a-zа-яё]{2,5}$")  # США, АҚШ, UAE: capitals only


@cache
def endings() -> frozenset[str]:
    """Return the inflectional endings a four-letter form may take (Баку → Бакуда)."""
    return frozenset(fold(e) for e in load("text")["endings"])


@dataclass(frozen=True, slots=True)
class Form:
    """One surface form: its folded words, what it stands for, and how strictly it matches."""

    words: tuple[str, ...]
    acronym: str | None
    value: str
    kind: str
    display: str
    # a proper name (Kazakhstan, Astana): only a capitalised word is it (Қатар, not қатар "row")
    capital: bool = False


# A surname that goes on is another surname: Rahmon is not Rahmonov, Aripov not Aripova's son.
_PATRONYMIC = ("ов", "ев", "ёв", "ov", "ev", "yev", "оғл", "ugl")


def _rejects(form: Form, toks: list[Token], i: int, k: int) -> bool:
    """Tell whether a hit that matched letter by letter is still not the form."""
    if form.capital and not toks[i].raw[:1].isupper():
        return True
    if form.kind == "person":
        last = toks[i + k - 1].folded
        return last[len(form.words[-1]) :].startswith(_PATRONYMIC)
    return False


@dataclass(frozen=True, slots=True)
class Hit:
    """A form found in text at [start, end)."""

    start: int
    end: int
    form: Form


class Token(NamedTuple):
    """A word of the text: where it is, as written, and folded."""

    start: int
    end: int
    raw: str
    folded: str


def tokens(text: str) -> list[Token]:
    """Split text into words with their offsets, folded for comparison."""
    out: list[Token] = []
    for m in WORD.finditer(unify_apostrophes(text)):
        raw = m.group()
        if "'" in raw:
            raw = raw.replace("'", "")
        out.append(Token(m.start(), m.end(), raw, raw.casefold().replace("ё", "е")))
    return out


def _word_matches(token: Token, word: str, acronym: str | None) -> bool:
    if acronym is not None:
        # АҚШнинг and США match, USAID does not: only lower-case endings may follow
        rest = token.raw[len(acronym) :]
        return token.raw.startswith(acronym) and (not rest or rest.islower())
    folded = token.folded
    if len(word) >= 5:
        if folded.startswith(word):
            return len(folded) - len(word) <= _MAX_ENDING
        # Russian changes the final vowel: Астана → Астане, Турция → Турции
        return (
            word[-1] in _FINAL_VOWELS
            and folded.startswith(word[:-1])
            and len(folded) - len(word) <= 2
            and folded[len(word) - 1 :] in _RU_ENDINGS
        )
    if len(word) == 4:
        return folded == word or (folded.startswith(word) and folded[4:] in endings())
    return folded == word


class Gazetteer:
    """An index of forms by their first letters, for one pass over a text."""

    def __init__(self, forms: Iterable[Form]) -> None:
        self._index: dict[str, list[Form]] = {}
        self._acronyms: dict[str, list[Form]] = {}
        for form in forms:
            if not form.words:
                continue
            if form.acronym and len(form.words) == 1:
                # looked up by the capitals the word starts with (АҚШнинг → АҚШ)
                self._acronyms.setdefault(form.acronym, []).append(form)
            else:
                self._index.setdefault(form.words[0][:4], []).append(form)
        for bucket in self._index.values():
            # longest form first: "IT Park Uzbekistan" before "Uzbekistan"
            bucket.sort(key=lambda f: (-len(f.words), -sum(map(len, f.words))))

    def find(self, toks: list[Token]) -> Iterator[Hit]:
        """Yield the longest form at each position, left to right, without overlaps."""
        # the first word decides for almost every position; check it before building anything
        i, n = 0, len(toks)
        index = self._index
        while i < n:
            bucket = index.get(toks[i].folded[:4])
            raw = toks[i].raw
            if self._acronyms and raw[:2].isupper():
                extra = [f for size in range(5, 1, -1) for f in self._acronyms.get(raw[:size], ())]
                bucket = extra + (bucket or [])
            if bucket:
                for form in bucket:
                    k = len(form.words)
                    if i + k > n:
                        continue
                    acronym = form.acronym if k == 1 else None
                    if not _word_matches(toks[i], form.words[0], acronym):
                        continue
                    if (
                        k == 1
                        or all(_word_matches(toks[i + j], form.words[j], None) for j in range(1, k))
                    ) and not _rejects(form, toks, i, k):
                        yield Hit(toks[i].start, toks[i + k - 1].end, form)
                        i += k
                        break
                else:
                    i += 1
                continue
            i += 1


def make_form(surface: str, value: str, kind: str, display: str, *, proper: bool = False) -> Form:
    """Build a form from a surface string as written in a data file.

    ``proper``: the form is a proper name, which matches only a capitalised word when the data
    file writes it with a capital.
    """
    acronym = surface.translate(str.maketrans("", "", APOSTROPHES))
    is_acronym = bool(_ACRONYM.match(acronym))
    words = tuple(
        w.translate(str.maketrans("", "", APOSTROPHES))
        for w in (fold(m.group()) for m in WORD.finditer(surface))
    )
    capital = proper and surface[:1].isupper()
    return Form(words, acronym if is_acronym else None, value, kind, display, capital)
