"""Text plumbing for understanding: folding, words, paragraphs, sentences, transliteration."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import groupby

from digests.understand._data import load

# Every apostrophe-like mark writers use in Uzbek Latin (oʻ, gʻ) and in English possessives.
APOSTROPHES = "ʻʼ’‘'`´"
_APOS = re.compile("[" + APOSTROPHES + "]")
WORD = re.compile(r"\w+(?:[" + APOSTROPHES + r"]\w+)*")
_LEADING_DATE = re.compile(r"^\s*date\s+(\d{4})-(\d{2})-(\d{2})\b[ \t]*")
# Sentence ends: a stop, then space, then something that can open a sentence.
_SENT_END = re.compile(r"([.!?…]+[\"»”’)]*)\s+(?=[\"«“„(\[—–-]?\s*[\w\"«“])")
_ABBR_TAIL = re.compile(r"(?<!\w)(\w+(?:\.\w+)*)\.$")
_TAIL_REACH = 64  # the last word of a sentence is looked for this far from its end


def fold(text: str) -> str:
    """Return the text case-folded, with ё as е and without apostrophes, for comparison."""
    folded = text.casefold().replace("ё", "е")
    return _APOS.sub("", folded) if _APOS.search(folded) else folded


def unify_apostrophes(text: str) -> str:
    """Write every apostrophe-like mark as ' so that offsets stay and words stay whole."""
    return _APOS.sub("'", text)


def strip_date_line(text: str) -> tuple[str, tuple[int, int, int] | None]:
    """Remove a leading ``date YYYY-MM-DD`` line left by a file reader and return its date."""
    match = _LEADING_DATE.match(text)
    if not match:
        return text, None
    y, m, d = (int(g) for g in match.groups())
    return text[match.end() :], (y, m, d)


@cache
def _abbreviations() -> frozenset[str]:
    return frozenset(a.lower() for a in load("text")["abbreviations"])


def _abbreviation_tail(head: str) -> re.Match[str] | None:
    """Return the word (U.S, т.е, К) before the final stop of head, if it ends with one."""
    # the tail only: a search from the paragraph's start would try every position of it
    lo = max(0, len(head) - _TAIL_REACH)
    tail = _ABBR_TAIL.search(head, lo)
    if tail is not None and lo and head[tail.start() - 1] == ".":
        tail = _ABBR_TAIL.search(head)  # a chain of dotted words reaching further back
    return tail


def sentences(paragraph: str) -> list[str]:
    """Split a paragraph into sentences, keeping abbreviations and initials inside them."""
    abbrs = _abbreviations()
    out: list[str] = []
    start = 0
    for match in _SENT_END.finditer(paragraph):
        end = match.end(1)
        head = paragraph[start:end]
        tail = _abbreviation_tail(head.rstrip('"»”’)'))
        if tail:
            word = tail.group(1)
            # "К. Токаев", "т.е.", "млн." and "U.S." do not end a sentence
            if (len(word) == 1 and word.isalpha()) or word.lower() in abbrs:
                continue
        # a digit after the stop is a list item or a number, not a new sentence
        out.append(head.strip())
        start = match.end()
    rest = paragraph[start:].strip()
    if rest:
        out.append(rest)
    return [s for s in out if s]


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A line of the article with its offset and whether it is site furniture."""

    text: str
    start: int
    boilerplate: bool


@cache
def _boilerplate() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    data = load("boilerplate")
    full = re.compile("(?:" + "|".join(f"(?:{p})" for p in data["full"]) + r")\W*", re.I)
    start = re.compile("(?:" + "|".join(f"(?:{p})" for p in data["start"]) + ")", re.I)
    inner = "(?:" + "|".join(f"(?:{p})" for p in data["sentence"]) + ")"
    # written in lower case, the sentence patterns are matched against case-folded text without
    # re.I, which is four times faster (they are searched for, at every position)
    sentence = re.compile(inner) if inner == inner.lower() else re.compile(inner, re.I)
    return full, start, sentence


def is_boilerplate(line: str) -> bool:
    """Tell whether a whole line is site furniture rather than news."""
    full, start, _ = _boilerplate()
    stripped = line.strip()
    if not stripped:
        return True
    return bool(full.fullmatch(stripped) or start.match(stripped))


def is_boilerplate_sentence(sentence: str) -> bool:
    """Tell whether a sentence is furniture even inside a paragraph (subscribe, credits)."""
    _, start, inner = _boilerplate()
    text = sentence if inner.flags & re.I else sentence.casefold()
    return bool(inner.search(text) or start.match(sentence) or is_boilerplate(sentence))


def paragraphs(text: str) -> list[Paragraph]:
    """Split text into non-empty lines, marking the boilerplate ones."""
    out: list[Paragraph] = []
    pos = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            offset = pos + line.find(stripped[0])
            out.append(Paragraph(stripped, offset, is_boilerplate(stripped)))
        pos += len(line) + 1
    return out


# Cyrillic of every supported language to a Latin skeleton-friendly spelling.
_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхыэқғўҳәөұүіңһҷӣӯҗєї",
        "abvgdeejziyklmnoprstufhyekguhaouuinhjiujei",
        strict=True,
    )
) | {"ц": "ts", "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "", "ь": "", "ю": "yu", "я": "ya"}
_TRANSLIT_TABLE = str.maketrans(_TRANSLIT)
_LATIN_FOLD = str.maketrans(
    {
        "ä": "a",
        "ç": "ch",
        "ň": "n",
        "ö": "o",
        "ş": "sh",
        "ü": "u",
        "ý": "y",
        "ž": "j",
        "ğ": "g",
        "ı": "i",
        "ə": "a",
        "ñ": "n",
        "ū": "u",
        "é": "e",
        "è": "e",
        "á": "a",
        "í": "i",
        "ó": "o",
        "ú": "u",
        "â": "a",
        "î": "i",
        "û": "u",
        "ê": "e",
    }
)


def transliterate(text: str) -> str:
    """Return folded text in plain Latin letters (Тоқаев → tokaev, Türkiýe → turkiye)."""
    return fold(text).translate(_TRANSLIT_TABLE).translate(_LATIN_FOLD)


_DIGRAPHS = (
    ("dzh", "j"),
    ("kh", "h"),
    ("zh", "j"),
    ("dj", "j"),
    ("sh", "s"),
    ("ch", "c"),
    ("ts", "c"),
    ("x", "h"),
    ("q", "k"),
    ("c", "k"),
    ("w", "v"),
)
_VOWELS = re.compile(r"[aeiouy]+")
_NOT_LATIN = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=65536)
def skeleton(word: str) -> str:
    """Return a consonant skeleton that survives transliteration (Токаев, Tokayev → tkv)."""
    latin = _NOT_LATIN.sub("", transliterate(word))
    for a, b in _DIGRAPHS:
        if a in latin:
            latin = latin.replace(a, b)
    # ck and kc both come from one sound in some spellings
    latin = latin.replace("kc", "k").replace("ck", "k")
    latin = _VOWELS.sub("", latin)
    return "".join(letter for letter, _ in groupby(latin))  # doubles once
