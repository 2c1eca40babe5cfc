"""Find surface forms from the data files in text: inflected, case-folded, multi-word."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from itertools import repeat
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
# WORD after unify_apostrophes(): one apostrophe instead of a class of seven is faster to scan
_finditer = re.compile(r"\w+(?:'\w+)*").finditer
_start, _end, _group = re.Match.start, re.Match.end, re.Match.group
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
    text = unify_apostrophes(text)
    low = text.casefold()
    if len(low) != len(text):  # ß → ss and the like: fold word by word to keep the offsets
        return [
            Token(s, e, r, r.casefold().replace("ё", "е"))
            for s, e, r in (
                (m.start(), m.end(), m.group().replace("'", "")) for m in _finditer(text)
            )
        ]
    low = low.replace("ё", "е")
    # every step a map() in C: a Python loop over the words costs half as much again
    found = list(_finditer(text))
    starts = list(map(_start, found))
    ends = list(map(_end, found))
    folded = map(low.__getitem__, map(slice, starts, ends))
    new = tuple.__new__
    out = list(map(new, repeat(Token), zip(starts, ends, map(_group, found), folded, strict=True)))
    if "'" in text:  # Uzbek oʻ and English 's: the word without the mark
        out = [
            new(Token, (t[0], t[1], t[2].replace("'", ""), t[3].replace("'", "")))
            if "'" in t[2]
            else t
            for t in out
        ]
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
        self._acronym_heads = frozenset(a[:2] for a in self._acronyms)
        for bucket in self._index.values():
            # longest form first: "IT Park Uzbekistan" before "Uzbekistan"
            bucket.sort(key=lambda f: (-len(f.words), -sum(map(len, f.words))))
        # (form, its length in words, its second word's first four letters) for find()
        self._entries: dict[str, list[tuple[Form, int, str | None]]] = {
            key: [(f, len(f.words), f.words[1][:4] if len(f.words) > 1 else None) for f in bucket]
            for key, bucket in self._index.items()
        }

    def find(self, toks: list[Token]) -> Iterator[Hit]:
        """Yield the longest form at each position, left to right, without overlaps."""
        index = self._entries
        acronyms = self._acronyms
        heads = self._acronym_heads
        n = len(toks)
        # the first word decides for almost every position: visit only the words that may start
        # a form, found with one dict lookup each
        if heads:
            starts = [i for i, t in enumerate(toks) if t[3][:4] in index or t[2][:2] in heads]
        else:
            starts = [i for i, t in enumerate(toks) if t[3][:4] in index]
        after = 0  # the first token a new hit may start at
        for i in starts:
            if i < after:
                continue
            tok = toks[i]
            raw = tok[2]
            if heads and raw[:2] in heads:
                for size in range(5, 1, -1):
                    for form in acronyms.get(raw[:size], ()):
                        if _word_matches(tok, form.words[0], form.acronym) and not _rejects(
                            form, toks, i, 1
                        ):
                            yield Hit(tok[0], tok[1], form)
                            after = i + 1
                            break
                    else:
                        continue
                    break
                if after > i:
                    continue
            entries = index.get(tok[3][:4])
            if not entries:
                continue
            # a word matches a form's word only if their first four letters agree: compare
            # those before anything dearer, and match each distinct first word once
            nxt = toks[i + 1][3][:4] if i + 1 < n else None
            first: dict[str, bool] = {}
            for form, k, second in entries:
                if k > 1 and (second != nxt or i + k > n):
                    continue
                w0 = form.words[0]
                ok = first.get(w0)
                if ok is None:
                    ok = first[w0] = _word_matches(tok, w0, None)
                if not ok:
                    continue
                if (
                    k == 1
                    or all(_word_matches(toks[i + j], form.words[j], None) for j in range(1, k))
                ) and not _rejects(form, toks, i, k):
                    yield Hit(tok[0], toks[i + k - 1][1], form)
                    after = i + k
                    break


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
