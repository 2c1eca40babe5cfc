"""Latin ↔ Cyrillic: Uzbek transliteration both ways, and a spelling fold for matching.

``to_cyrillic`` and ``to_latin`` follow Uzbek's two alphabets (1995 Latin); the other
Cyrillic alphabets of the region go to Latin through the nearest Uzbek letter.
``loose`` folds any text — either script, any of the region's languages — to one plain
Latin spelling, so the same word written by an Uzbek or Kazakh writer in Latin or in
Cyrillic folds alike (Toshkent/Тошкент, Qazaqstan/Қазақстан, Kazakhstan/Казахстан). It is
transliteration, not translation or transcription: Hub and Хаб stay different words.
"""

from __future__ import annotations

import re
import unicodedata

# Uzbek Latin ↔ Cyrillic (1995 alphabet). Apostrophe variants of oʻ/gʻ all count.
APOSTROPHES = "ʻʼ'‘’`"
_LAT_TO_CYR_MULTI = [
    ("shch", "щ"),
    ("sh", "ш"),
    ("ch", "ч"),
    ("yo", "ё"),
    ("yu", "ю"),
    ("ya", "я"),
    ("ye", "е"),
    ("oʻ", "ў"),
    ("gʻ", "ғ"),
]
_LAT_TO_CYR = dict(zip("abdefghijklmnopqrstuvxyzʼ", "абдефгҳижклмнопқрстувхйзъ", strict=True))
_CYR_TO_LAT = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "ғ": "gʻ",
    "д": "d",
    "е": "e",
    "ё": "yo",
    "ж": "j",
    "з": "z",
    "и": "i",
    "й": "y",
    "к": "k",
    "қ": "q",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ў": "oʻ",
    "ф": "f",
    "х": "x",
    "ҳ": "h",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "ʼ",
    "ь": "",
    "ы": "i",
    "э": "e",
    "ю": "yu",
    "я": "ya",
    "ң": "ng",
    "ә": "a",
    "ө": "o",
    "ү": "u",
    "ұ": "u",
    "һ": "h",
    "і": "i",
    "ӣ": "i",
    "ӯ": "u",
    "ҷ": "j",
}
_APOS = re.compile(f"([og])[{APOSTROPHES}]", re.IGNORECASE)


def to_cyrillic(text: str) -> str:
    """Transliterate Uzbek Latin to Cyrillic (``Toshkent`` → ``тошкент``), lowercased."""
    s = _APOS.sub(lambda m: m.group(1) + "ʻ", text.casefold())
    out: list[str] = []
    i = 0
    while i < len(s):
        for lat, cyr in _LAT_TO_CYR_MULTI:
            if s.startswith(lat, i):
                out.append(cyr)
                i += len(lat)
                break
        else:
            ch = s[i]
            # "e" starts a word as э, inside it as е.
            if ch == "e" and (i == 0 or not s[i - 1].isalpha()):
                out.append("э")
            else:
                out.append(_LAT_TO_CYR.get(ch, ch))
            i += 1
    return "".join(out)


def to_latin(text: str) -> str:
    """Transliterate Cyrillic (Uzbek first, then its neighbours) to Uzbek Latin."""
    s = text.casefold()
    out: list[str] = []
    for i, ch in enumerate(s):
        if ch == "е" and (i == 0 or not s[i - 1].isalpha()):
            out.append("ye")
        else:
            out.append(_CYR_TO_LAT.get(ch, ch))
    return "".join(out)


CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-zA-Z]")


def transliterations(text: str) -> list[str]:
    """Return the query in the other script (Latin ↔ Cyrillic), if it differs."""
    variants: list[str] = []
    if CYRILLIC.search(text):
        variants.append(to_latin(text))
    if _LATIN.search(text):
        variants.append(to_cyrillic(text))
    return [v for v in variants if v and v != text.casefold()]


# ---- the loose spelling --------------------------------------------------------------------

# Every Cyrillic letter of the region's languages, and the Latin letters with diacritics of
# Kazakh (2021), Turkmen and Turkish-style spellings, to plain Latin. ъ is an apostrophe (the
# Uzbek tutuq belgisi, taʼlim/таълим); apostrophes are kept as ' for the matcher to skip.
_LOOSE = str.maketrans(
    {
        **dict.fromkeys(APOSTROPHES + "´", "'"),
        "ъ": "'",
        "ь": "",
        "а": "a",
        "б": "b",
        "в": "v",
        "г": "g",
        "д": "d",
        "е": "e",
        "ё": "yo",
        "ж": "j",
        "з": "z",
        "и": "i",
        "й": "y",
        "к": "k",
        "л": "l",
        "м": "m",
        "н": "n",
        "о": "o",
        "п": "p",
        "р": "r",
        "с": "s",
        "т": "t",
        "у": "u",
        "ф": "f",
        "х": "h",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "sh",
        "ы": "y",
        "э": "e",
        "ю": "yu",
        "я": "ya",
        "ғ": "g",
        "қ": "k",
        "ў": "o",
        "ҳ": "h",
        "ә": "a",
        "ө": "o",
        "ұ": "u",
        "ү": "u",
        "і": "i",
        "ң": "ng",
        "һ": "h",
        "ҷ": "j",
        "ӣ": "i",
        "ӯ": "u",
        "є": "e",
        "ї": "i",
        "ä": "a",
        "ö": "o",
        "ü": "u",
        "ū": "u",
        "ı": "i",
        "ş": "sh",
        "ç": "ch",
        "ñ": "ng",
        "ň": "ng",
        "ğ": "g",
        "ý": "y",
        "ž": "j",
        "ə": "a",
        # Latin spellings of one sound: x and kh are Cyrillic х, q is қ, w is в
        "x": "h",
        "q": "k",
        "w": "v",
    }
)
_DIGRAPHS = (("dzh", "j"), ("dj", "j"), ("zh", "j"), ("kh", "h"))
# Cyrillic е is written "ye" where it is said so: at a word start (Yevropa, Yerevan: Европа,
# Ереван) and after a vowel (Tokayev, Sergeyev: Токаев, Сергеев).
_SAID_YE = re.compile(r"(?<![\w'])ye|(?<=[aeiou])ye")
_NOT_WORD = re.compile(r"[^\w']+")
_COMBINING = re.compile(r"[\u0300-\u036f]")


def loose(text: str) -> str:
    """Fold text to plain Latin words separated by single spaces, apostrophes kept as '.

    Case, script (Latin or Cyrillic of the region's languages), diacritics and punctuation
    are folded away, so ``Oʻzbekiston``, ``O'zbekiston`` and ``Ўзбекистон`` all read
    ``o'zbekiston`` and ``Қазақстан``/``Qazaqstan`` read ``kazakstan``.
    """
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_LOOSE)
    for digraph, single in _DIGRAPHS:
        if digraph in folded:
            folded = folded.replace(digraph, single)
    if "ye" in folded:
        folded = _SAID_YE.sub("e", folded)
    if not folded.isascii():  # letters with other accents (é, ã) lose them
        folded = _COMBINING.sub("", unicodedata.normalize("NFKD", folded))
    return " ".join(_NOT_WORD.sub(" ", folded).split())
