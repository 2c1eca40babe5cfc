"""Extractive summary: sentences central to the article, early ones preferred, no furniture."""

from __future__ import annotations

import math
import re
from collections import Counter

from digests.understand._text import fold, is_boilerplate_sentence, sentences

MAX_CHARS = 400
MAX_SENTENCES = 3
_MAX_CANDIDATES = 60
_MIN_WORDS = 5
_OPEN_QUOTES = "«“„"
_CLOSE_QUOTES = "»”"
_ENDS = (".", "!", "?", "…", "»", '"', "”")
_HEADING_WORDS = 9  # a line this short without a full stop is a heading or a caption
_WORD = re.compile(r"[^\W\d_]{3,}")
_STEM = 6
_QUOTE_MARKS = re.compile('[«“„»”"]')
# Agency datelines that open a lead: "ASTANA. Kazinform –", "Tashkent, Uzbekistan (UzDaily.com) --"
_DATELINE = re.compile(
    r"^(?:[A-ZА-ЯЁЎҚҒҲӘӨҰҮІҢ][\w'ʻ.-]*(?:,? [A-ZА-ЯЁЎҚҒҲӘӨҰҮІҢ][\w'ʻ.-]*){0,3}[.,]?\s*"
    r"(?:\(?[\w.-]+\.(?:com|uz|kz|kg|tj|tm|ru|org|net|info)\)?|[A-ZА-ЯЁ][\w.-]*)?\s*(?:--|–|—)\s+)"
)


# A publication stamp glued to the paragraph it heads: "Чоп шуд: 24/04/2025Ҳаёти …"
_STAMP = re.compile(
    r"^(?:чоп шуд|опубликовано|published|nashr qilindi|жарияланды|жарыяланды|neşir edildi)"
    r"\s*:\s*[\d./:, -]{6,24}",
    re.IGNORECASE,
)
_DATE_IN_LINE = re.compile(r"\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b")


def summarize(paragraphs: list[str], title: str = "") -> str:
    """Return 2–3 sentences (at most 400 characters) that say what the article reports."""
    title_key = fold(" ".join(title.split()))
    folded = [fold(" ".join(p.split())) for p in paragraphs]
    candidates: list[tuple[int, str, bool]] = []
    for k, para in enumerate(paragraphs):
        if title_key and folded[k].endswith(title_key):
            continue  # the headline repeated in the body, often after a rubric and a date
        if _is_heading(para, k, folded):
            continue
        para = _DATELINE.sub("", para, count=1) if len(candidates) < 2 else para
        para = _STAMP.sub("", para, count=1)
        depth = 0
        quotes = _QUOTE_MARKS.search(para) is not None
        for sentence in sentences(para):
            # a sentence that opens inside a quotation is a fragment of someone's speech
            inside = quotes and (depth > 0 or sentence.lstrip()[:1] in _OPEN_QUOTES + '"')
            if quotes:
                depth += sum(sentence.count(q) for q in _OPEN_QUOTES) - sum(
                    sentence.count(q) for q in _CLOSE_QUOTES
                )
                if sentence.count('"') % 2:
                    depth = 0 if depth > 0 else 1
                depth = max(depth, 0)
            if sentence.count(" ") + 1 < _MIN_WORDS:
                continue  # furniture is checked only for the sentences chosen, below
            candidates.append((len(candidates), sentence, inside))
            if len(candidates) >= _MAX_CANDIDATES:
                break
        if len(candidates) >= _MAX_CANDIDATES:
            break
    if not candidates:
        return ""
    # each sentence as a set of word stems, all folded at once (a sentence holds no line break)
    folded_sentences = fold("\n".join(s for _, s, _ in candidates)).split("\n")
    # a word's first six letters: a crude stem that serves every language here, for inflections
    # live at the word's end
    bags = [{w[:_STEM] for w in _WORD.findall(s)} for s in folded_sentences]
    document: Counter[str] = Counter()
    for bag in bags:
        document.update(bag)  # how many sentences share a stem: its centrality
    count = document.__getitem__
    root_n = math.sqrt(len(candidates))
    scored: list[tuple[float, int]] = []
    for (index, sentence, quoted), bag in zip(candidates, bags, strict=True):
        if not bag:
            continue
        # centroid similarity: shared stems count by how many other sentences use them
        overlap = (sum(map(count, bag)) - len(bag)) / (math.sqrt(len(bag)) * root_n)
        position = 1.0 + 1.5 / (1 + index)  # news leads with what happened
        penalty = 0.4 if quoted else 1.0  # someone's words tell less than what happened
        penalty *= 0.6 if sentence.rstrip().endswith("?") else 1.0
        scored.append((overlap * position * penalty, index))
    scored.sort(reverse=True)
    # the headline is shown above the summary: a sentence that says it again says nothing
    headline = {w[:_STEM] for w in _WORD.findall(fold(title))}
    short = title.rstrip().endswith(("…", "..."))  # a lead cut short to make a headline
    scored = [(v, i) for v, i in scored if not repeats(headline, bags[i], cut=short)]
    chosen: list[int] = []
    length = 0
    for _, index in scored:
        sentence = candidates[index][1]
        if length + len(sentence) + (1 if chosen else 0) > MAX_CHARS:
            continue
        if is_boilerplate_sentence(sentence):
            continue
        chosen.append(index)
        length += len(sentence) + (1 if len(chosen) > 1 else 0)
        if len(chosen) >= MAX_SENTENCES:
            break
    if not chosen:
        # even the best sentence is too long: cut it at a word boundary
        clean = [
            candidates[i][1] for _, i in scored if not is_boilerplate_sentence(candidates[i][1])
        ]
        if not clean:
            return ""
        best = clean[0]
        if len(best) <= MAX_CHARS:
            return _terminated(best)
        cut = best[: MAX_CHARS - 1].rsplit(" ", 1)[0]
        return cut.rstrip(",;:—– ") + "…"
    return " ".join(_terminated(candidates[i][1]) for i in sorted(chosen))


def repeats(headline: set[str], sentence: set[str], *, cut: bool = False) -> bool:
    """Tell whether a sentence (as word stems) is the headline again.

    ``cut``: the headline is the opening of a sentence cut short ("…"), so the sentence goes on.
    """
    if len(headline) < 3 or not sentence:
        return False
    shared = len(headline & sentence)
    return shared >= 0.8 * len(headline) and (cut or shared >= 0.6 * len(sentence))


def _terminated(sentence: str) -> str:
    """Return the sentence with a full stop when it has no closing punctuation (a subtitle)."""
    return sentence if sentence.rstrip().endswith(_ENDS) else sentence.rstrip() + "."


def _is_heading(para: str, index: int, folded: list[str]) -> bool:
    """Tell whether a paragraph is a heading, caption or rubric line rather than prose."""
    if para.rstrip().endswith(_ENDS):
        return False
    if len(para.split()) < _HEADING_WORDS or _DATE_IN_LINE.search(para):
        return True
    # a line repeated inside another (rubric + date + headline, then the headline) is a heading
    me = folded[index]
    return any(k != index and (me in other or other in me) for k, other in enumerate(folded))
