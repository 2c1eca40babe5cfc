"""Word forms for search: a word and its other endings share one stem.

Russian and English go through Snowball (PyStemmer, a maintained C stemmer); Kazakh,
Kyrgyz, Uzbek (Latin and Cyrillic), Tajik and Turkmen, which Snowball lacks, through the
suffix rules of ``data/suffixes.toml``. The same function cuts the words of a stored
article and of a query (:data:`TOKEN`), so both sides meet on the same stems.

An article's words are stemmed in its own language where the word is in that language's
script, else in the script's main language (an English name in a Russian article is
English). A query's language is unknown, so a query word gets the stems of every language
written in its script; one of them meets the article's.
"""

from __future__ import annotations

import re
import threading
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import Stemmer

DATA_DIR = Path(__file__).parent / "data"
# Letters and digits of any script, plus combining marks and the modifier letters Uzbek
# Latin uses as apostrophes (ʻ ʼ); ASCII and typographic apostrophes separate tokens, as
# they do in both SQLite's unicode61 tokenizer and PostgreSQL's parser.
TOKEN = re.compile(r"[^\W_]+(?:[\u0300-\u036f\u02b9-\u02bf][^\W_]*)*")
_CYRILLIC = re.compile(r"[\u0400-\u052f]")
_LATIN = re.compile(r"[a-zA-Z\u00c0-\u024f]")
SNOWBALL = {"ru": "russian", "en": "english"}
# Which rules stem a word of a language's script, and which a word in the other script.
_BY_LANG: dict[str, dict[str, str]] = {
    "ru": {"Cyrl": "ru", "Latn": "en"},
    "en": {"Cyrl": "ru", "Latn": "en"},
    "uz": {"Cyrl": "uz_cyrl", "Latn": "uz_latn"},
    "kk": {"Cyrl": "kk", "Latn": "en"},
    "ky": {"Cyrl": "ky", "Latn": "en"},
    "tg": {"Cyrl": "tg", "Latn": "en"},
    "tk": {"Cyrl": "ru", "Latn": "tk"},
}
_DEFAULT = {"Cyrl": "ru", "Latn": "en"}
# A query word in a script may be in any of these.
_BY_SCRIPT = {
    "Cyrl": ("ru", "kk", "ky", "uz_cyrl", "tg"),
    "Latn": ("en", "uz_latn", "tk"),
}
MIN_WORD = 3  # shorter words (IT, AI, ЕС) have no endings to take off


@dataclass(frozen=True, slots=True)
class SuffixRules:
    """Endings by slot, outermost first (case, possessive, plural), each longest first."""

    slots: tuple[tuple[str, ...], ...]
    min_stem: int

    def stems(self, word: str) -> tuple[str, ...]:
        """Return every stem the word may have: each slot's ending taken off or left on.

        One reading is not enough: Kyrgyz өкмөтү is өкмөт-ү (its government) but reads
        as өкмө-тү too, while өкмөттүн can only be өкмөт-түн; the forms of one word share
        one of their stems. The word itself is not among them.
        """
        found = {word}
        for suffixes in self.slots:
            found |= {
                w[: -len(s)]
                for w in found
                for s in suffixes
                if w.endswith(s) and len(w) - len(s) >= self.min_stem
            }
        found.discard(word)
        return tuple(sorted(found, key=len))


@cache
def suffix_rules() -> dict[str, SuffixRules]:
    """Load the suffix rules of the languages Snowball lacks (``data/suffixes.toml``)."""
    with (DATA_DIR / "suffixes.toml").open("rb") as fh:
        data = tomllib.load(fh)
    return {
        name: SuffixRules(
            slots=tuple(
                tuple(sorted(dict.fromkeys(slot), key=len, reverse=True)) for slot in entry["slots"]
            ),
            min_stem=int(entry["min_stem"]),
        )
        for name, entry in data.items()
    }


# PyStemmer's stemmers keep a cache and are not safe to share between threads (migrations
# and run_sync may stem off the event loop's thread): one set per thread.
_local = threading.local()


def _snowball(name: str) -> Stemmer._Stemmer:
    stemmers: dict[str, Stemmer._Stemmer] | None = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = {}
    stemmer = stemmers.get(name)
    if stemmer is None:
        stemmer = stemmers[name] = Stemmer.Stemmer(SNOWBALL[name])
    return stemmer


@lru_cache(maxsize=200_000)
def stems(word: str, rules: str) -> tuple[str, ...]:
    """Return the stems of a lowercase word under one language's rules (``ru``, ``uz_latn``…).

    Snowball gives one stem; suffix rules may give several readings. A word that is its own
    stem gives none.
    """
    if len(word) < MIN_WORD or word.isdigit():
        return ()
    folded = word.replace("ё", "е")
    if rules in SNOWBALL:
        found: tuple[str, ...] = (str(_snowball(rules).stemWord(folded)),)
    else:
        found = (folded, *suffix_rules()[rules].stems(folded))
    return tuple(s for s in found if s != word)


def script_of(word: str) -> str | None:
    """Return "Cyrl" or "Latn" for a word in either script, else None."""
    if _CYRILLIC.match(word):
        return "Cyrl"
    if _LATIN.match(word):
        return "Latn"
    return None


def words(text: str) -> list[str]:
    """Cut text into lowercase word tokens, as search does."""
    return [m.group().lower() for m in TOKEN.finditer(text)]


def index_terms(text: str, lang: str | None) -> str:
    """Return the stems of a stored text's words that differ from the words themselves.

    A word that is its own stem is found through the text itself; only the others are
    added, in order and with repeats (ranking counts them), joined by spaces.
    """
    rules = _BY_LANG.get(lang or "", _DEFAULT)
    out: list[str] = []
    for word in words(text):
        script = script_of(word)
        if script is None:
            continue
        out.extend(stems(word, rules[script]))
    return " ".join(out)


def query_stems(word: str) -> list[str]:
    """Return the stems a query word may have in any language of its script, not itself."""
    script = script_of(word)
    if script is None:
        return []
    found = dict.fromkeys(s for rules in _BY_SCRIPT[script] for s in stems(word, rules))
    return list(found)


def stems_of(spellings: Iterable[str]) -> list[str]:
    """Return the stems of a word's spellings, without repeats or the spellings themselves."""
    given = list(spellings)
    found: dict[str, None] = {}
    for spelling in given:
        found.update(dict.fromkeys(query_stems(spelling)))
    return [s for s in found if s not in given]
