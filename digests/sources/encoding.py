"""Turn bytes from the web or disk into text, even when the charset is declared wrongly."""

from __future__ import annotations

import codecs
import logging
import re

import charset_normalizer

from digests.errors import SourceError

logger = logging.getLogger(__name__)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# The 8-bit code pages the region's sites and files actually use, most common first:
# on a tie the earlier one wins (cp1251 and kz1048 agree on Russian text).
_WIDE = ("utf-32-le", "utf-32-be", "utf-16-le", "utf-16-be", "utf-8")
_CANDIDATES = ("cp1251", "koi8-r", "kz1048", "koi8-t", "cp866", "cp1252", "iso-8859-9")

_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_WORD = re.compile(r"[^\W\d_]+")

# Letters of the region's Cyrillic alphabets (ru, kk, ky, tg, uz); other Cyrillic letters
# (Serbian Ђ, Macedonian Ѓ …) turn up in our texts only as mojibake.
_REGION_CYRILLIC = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһіңөүғӣқӯҳҷўқғҳ")
# The most frequent letters of Russian, Kazakh, Kyrgyz, Tajik and Uzbek Cyrillic prose;
# a wrong code page permutes letters, so their share collapses.
_FREQUENT_CYRILLIC = frozenset("оеаинтсрвлкд")
# Latin letters beyond ASCII that Uzbek, Turkmen, Turkish and Western texts use.
_LATIN_EXTRA_OK = frozenset("ʻʼ‘’ğşçıöüäéèêàâîôûñßœæøåëïÿõšžýňḩ")


def decode(content: bytes, *, declared: str | None = None, item: str = "content") -> str:
    """Decode bytes to text, trusting a declared charset only when its result reads as text."""
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return content.decode(encoding, errors="replace")
    if b"\x00" in content[:4096]:
        return _decode_wide(content, item)

    # Bytes that are valid UTF-8 and not plain ASCII are UTF-8: 8-bit Cyrillic text never
    # passes strict UTF-8 by accident, while "charset=iso-8859-1" on UTF-8 is a common lie.
    text = _strict(content, "utf-8")
    if text is not None:
        return text
    text = _mostly_utf8(content)
    if text is not None:
        return text

    tried: set[str] = set()
    for name in (declared, _sniff_declaration(content)):
        candidate = _normalise(name)
        if candidate is None or candidate in tried:
            continue
        tried.add(candidate)
        text = _strict(content, candidate)
        if text is not None and looks_like_text(text):
            return text
        logger.debug("%s: declared charset %s does not fit the bytes", item, name)

    best: tuple[float, str] | None = None
    for encoding in _CANDIDATES:
        text = _strict(content, encoding)
        if text is None:
            continue
        score = text_score(text)
        if best is None or score > best[0]:
            best = (score, text)
    if best is not None and best[0] >= 0.3:
        return best[1]

    guess = charset_normalizer.from_bytes(content).best()
    if guess is not None and text_score(str(guess)) >= 0.3:
        return str(guess)
    raise SourceError(item, "unknown encoding")


def _mostly_utf8(content: bytes) -> str | None:
    """Return UTF-8 with a few broken bytes decoded (U+FFFD where they were), else None.

    A text in an 8-bit code page forms a valid multi-byte UTF-8 sequence only by accident,
    far less often than an invalid one; UTF-8 with a stray byte is the other way round.
    """
    text = content.decode("utf-8", errors="replace")
    broken = text.count("\ufffd") - content.count(b"\xef\xbf\xbd")
    valid = sum(1 for ch in text if ord(ch) > 0x7F) - broken
    if broken > 0 and valid >= 2 * broken:
        return text
    return None


def looks_like_text(text: str) -> bool:
    """Return whether decoded text reads as prose rather than mojibake."""
    return text_score(text) >= 0.6


def text_score(text: str) -> float:
    """Score how much decoded text looks like real writing: about 1 for prose, below 0.3 for junk.

    Mojibake has tell-tale shapes: words made only of accented Latin letters ("Ïðåçèäåíò"),
    Cyrillic words in mostly capitals or with capitals inside them (KOI8-R read as cp1251),
    rare letters of other alphabets, box-drawing and control characters.
    """
    sample = text[:20000]
    bad = sum(1 for ch in sample if _is_junk(ch))
    total = 0.0
    letters = 0
    for word in _WORD.findall(sample):
        letters += len(word)
        total += _word_score(word)
    if letters == 0:
        return 1.0 if bad == 0 else 0.0
    return (total - 3 * bad) / letters


def _word_score(word: str) -> float:
    if word.isascii():
        return float(len(word))
    non_ascii = [ch for ch in word if not ch.isascii()]
    cyrillic = [ch for ch in word if "\u0400" <= ch <= "\u04ff"]
    if len(cyrillic) == len(word):
        return _cyrillic_word_score(word)
    if cyrillic:
        if len(cyrillic) == len(non_ascii):
            # look-alike letters in a Latin word ("VС.ru") are a typo, not mojibake
            return 0.9 * len(word)
        return -float(len(word))
    if all(ch.lower() in _LATIN_EXTRA_OK for ch in non_ascii) and len(non_ascii) <= len(word) / 2:
        return 0.9 * len(word)
    if len(non_ascii) <= len(word) / 3 and all("\u00c0" <= ch <= "\u024f" for ch in non_ascii):
        return 0.5 * len(word)
    return -float(len(word))


def _cyrillic_word_score(word: str) -> float:
    lower = word.lower()
    if word == lower:
        case_weight = 1.0
    elif word[0].isupper() and word[1:] == lower[1:]:
        case_weight = 1.0  # Capitalised
    elif word.isupper():
        # Acronyms are short; long all-capital runs are what KOI8-R read as cp1251 looks like
        case_weight = 0.7 if len(word) <= 5 else 0.3
    else:
        return -float(len(word))
    score = 0.0
    for ch in lower:
        if ch in _FREQUENT_CYRILLIC:
            score += 1.0
        elif ch in _REGION_CYRILLIC:
            score += 0.6
        else:
            score -= 1.0
    return score * case_weight


def _is_junk(ch: str) -> bool:
    code = ord(ch)
    if ch in "\t\n\r":
        return False
    return (
        code < 0x20
        or 0x7F <= code <= 0x9F
        or 0x2500 <= code <= 0x259F  # box drawing: cp866 read as cp1251 and vice versa
        or ch == "\ufffd"
    )


def _decode_wide(content: bytes, item: str) -> str:
    # NUL bytes mean UTF-16/32 without a BOM, or binary data: the wide encoding whose text
    # reads best wins (decoding strictly, so most binary data fits none of them)
    best: tuple[float, str] | None = None
    for encoding in _WIDE:
        text = _strict(content, encoding)
        # a stray NUL character is text's (cleaned later); NUL after NUL is binary's
        if text is None or text.count("\x00") > len(text) // 100:
            continue
        score = text_score(text)
        if best is None or score > best[0]:
            best = (score, text)
    if best is not None and best[0] >= 0.3:  # the bar the 8-bit code pages must pass
        return best[1]
    guess = charset_normalizer.from_bytes(content[:200_000]).best()
    if guess is not None and guess.encoding.startswith("utf_"):
        text = _strict(content, guess.encoding)
        if text is not None and looks_like_text(text):
            return text
    raise SourceError(item, "binary data")


def _sniff_declaration(content: bytes) -> str | None:
    head = content[:4096]
    match = _XML_DECL.match(head) or _META_CHARSET.search(head)
    return match.group(1).decode("ascii") if match else None


def _normalise(name: str | None) -> str | None:
    if not name:
        return None
    try:
        encoding = codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None
    # Browsers read "iso-8859-1" and "ascii" as windows-1252 (WHATWG), and so do we
    return "cp1252" if encoding in ("latin-1", "iso8859-1", "ascii") else encoding


def _strict(content: bytes, encoding: str) -> str | None:
    try:
        return content.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None
