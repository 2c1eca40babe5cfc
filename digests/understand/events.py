"""Named events (forums, weeks, summits, hackathons …) with normalised keys, dates and place."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import cache, lru_cache

from digests.model import Event
from digests.understand import countries, dates
from digests.understand._data import load
from digests.understand._gazetteer import Hit, tokens
from digests.understand._text import transliterate
from digests.understand._trie import lower_same_length, trie_pattern

_YEAR_TAIL = re.compile(r"[\s\-–—]*((?:19|20)\d{2})$")
_QUOTED = r"[«\"“„]([^«»\"“”„\n]{2,80})[»\"”“]"
_CAPS = "A-ZÄÇŇÖŞÜÝŽ"
# a word may hold inner dots and hyphens (U.S., Go-Viral) but never ends with one: "Tokayev." is
# the end of a sentence, not part of a name
_LATIN_WORD = (
    rf"(?:[{_CAPS}](?:[\w&+'ʻʼ’‘]|[.\-](?=\w))*|[{_CAPS}0-9]{{2,}}(?:-\w+)*|(?:19|20)\d{{2}})"
)
_JOINERS = r"of|and|for|the|&|on|in|de"
_SEP = r"(?:\s[\-–—]\s|[ \-–—])"
# The first word as _LATIN_WORD matches it where a run starts (greedily: nothing after it may
# fail), written to open with one character class, so that ``re`` skips to capitals and digits
# instead of trying three branches at every character.
_FIRST_LATIN_WORD = (
    rf"[{_CAPS}0-9](?:(?<=[{_CAPS}])(?:[\w&+'ʻʼ’‘]|[.\-](?=\w))*|(?<=[0-9])[{_CAPS}0-9]+(?:-\w+)*)"
)
_LATIN_RUN = re.compile(
    rf"{_FIRST_LATIN_WORD}(?:{_SEP}(?:{_LATIN_WORD}|{_JOINERS})(?=[\s\-–—.,;:!?»\"”)(]|$))*"
)
_PAREN = re.compile(r"\s*\(([^()\n]{2,40})\)")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_SPLIT = re.compile(r"[ \-–—]+")
# a name glued to its year ("Türkmentel-2025", "Go Viral-2023") or an acronym with one ("ITTC 2025")
_YEAR_TAGGED = re.compile(
    rf"(?:[{_CAPS}][\w'’ ]*[\-–](?:19|20)\d\d|[{_CAPS}]{{2,}}(?:{_SEP})?(?:19|20)\d\d)(?!\w)"
)
_ONE_DAY = re.compile(r"(?i)\b(?:day|день|күні|күнү|kuni|куни|güni|рӯзи)\b")
_KEY_WORD = re.compile(r"[a-z0-9]+")
_ALNUM = re.compile(r"[^\W_]+")
_QUOTED_NAME = re.compile(_QUOTED)
# an ordinal or a numeral with a case ending: "XVIII", "18th", "12-ом", "2026-жылдагы", "34-халқаро"
_ROMAN = re.compile(r"^(?:[IVXLC]+(?:-[^\W\d_]{1,4})?|\d+(?:st|nd|rd|th|-[^\W\d_]{1,10})?)$")
# an acronym with a Turkic or Russian case or plural ending: "OAVlar", "АҚШнинг", "ЕАЭСа"
_INFLECTED_ACRONYM = re.compile(r"^[^\W\d_a-zа-яё]{2,6}[a-zа-яёʻ'’ўқғҳәөұүіңçäňöşüýž]{1,6}$")
_AFTER_WINDOW = 320  # characters after an event's mention where its dates are usually given
_BEFORE_WINDOW = 120
_SENTENCE_END = ".!?\n"
_TRAILING = frozenset({"of", "and", "for", "the", "&", "on", "in", "de", "-", "–", "—"})


@dataclass(frozen=True, slots=True)
class _Mention:
    name: str
    start: int
    end: int
    year: int | None = None  # from an alias in brackets: "… Forum (KIT 2017)"


@dataclass(frozen=True, slots=True)
class _Vocabulary:
    nouns: frozenset[str]
    compound: tuple[tuple[int, frozenset[str]], ...]  # by length, shortest first
    stop: frozenset[str]
    topics: frozenset[str]  # what an event is about, not which one: IT, fintech, startup
    russian_generic: tuple[str, ...]
    run_stops: frozenset[str]
    holidays: tuple[str, ...]  # public and religious holidays: never events
    turkic: re.Pattern[str]  # the head word of a Turkic name, in lower case
    heads: frozenset[str]  # those head words: what kind of event, not which
    before: re.Pattern[str]
    after: re.Pattern[str]
    context: re.Pattern[str]
    russian: re.Pattern[str]
    days: re.Pattern[str]
    tajik: re.Pattern[str]
    # the words the before, after, russian, days and tajik patterns need, in lower case, and
    # one scan for all of them: a pattern runs only on the lines that hold its words
    keyword_lists: tuple[tuple[str, ...], ...]
    keywords: re.Pattern[str]
    labels: re.Pattern[str]


def _alternation(words: Sequence[str]) -> str:
    return trie_pattern(words)


@cache
def _vocabulary() -> _Vocabulary:
    data = load("events")
    nouns = frozenset(w.casefold() for w in data["latin"])
    before, after = _alternation(data["before"]), _alternation(data["after"])
    heads = _alternation(data["russian_heads"])
    latin_run = rf"{_LATIN_WORD}(?:{_SEP}{_LATIN_WORD})*"
    keyword_lists = tuple(
        tuple(sorted({w.lower() for w in data[field]}))
        for field in ("before", "after", "russian_heads", "russian_days", "tajik_heads")
    )
    return _Vocabulary(
        nouns=nouns,
        # "ICTWEEK", "ICTEXPO": a name glued to its event word
        compound=tuple(
            (size, frozenset(n for n in nouns if len(n) == size and " " not in n))
            for size in sorted({len(n) for n in nouns if len(n) >= 4 and " " not in n})
        ),
        stop=frozenset(w.casefold() for w in data["not_names"]),
        topics=frozenset(w.casefold() for w in data["generic_topics"]),
        russian_generic=tuple(data["russian_generic"]),
        run_stops=frozenset(data["run_stops"]),
        holidays=tuple(h.casefold() for h in data["holidays"]),
        heads=frozenset(h.casefold() for h in data["turkic_heads"]),
        turkic=re.compile(
            rf"(?<![^\W\d_])(?:{_alternation([h.lower() for h in data['turkic_heads']])})"
            r"(?=[^\W\d_]{0,6}(?![^\W\d_]))"
        ),
        # the event word in any case, then a quoted name, or a Latin name after a Cyrillic word
        # ("форум «Digital Bridge»", "хакатон AI Hack 2025"); a bare run after a Latin word
        # needs a year or capitals ("forum ICT2025"), since "Ushbu forum O'zbekiston …" is not one
        # or a city in the nominative, which names the event it follows ("форум Астана")
        before=re.compile(
            rf"\b(?i:{before})\w*[ \t]+"
            rf"(?:{_QUOTED}|(?P<run>{latin_run})|(?P<word>[А-ЯЁ][а-яё]+(?![\w-])))"
        ),
        # a quoted or Latin name, at most one word, then the event word: "«…» форумы",
        # "Go Viral-2023 борборазиялык фестивалы", "ICTEXPO exhibition", "“Startups 2020” tadbiri"
        after=re.compile(
            rf"(?:{_QUOTED}|(?P<run>{latin_run}))[ \t]+(?:[^\W\d_]+[ \t]+)?(?i:{after})\w*"
        ),
        context=re.compile(_alternation([w.lower() for w in data["context"]])),
        # "Ташкентский международный инвестиционный форум 2025", "… форум по информатике"
        russian=re.compile(
            rf"\b([А-ЯЁ][а-яё]+(?:ий|ый|ой|ая|ое|ые|ого|ую|ом|ем|ей|ых|их)\s+"
            rf"(?:[а-яё-]+\s+){{0,3}}?(?:{heads})[а-яё]*"
            rf"(?:\s+по\s+[а-яё]{{4,}})?(?:[\s-]+(?:19|20)\d{{2}})?)"
        ),
        # "День финтеха", "День искусственного интеллекта", "День ИИ"
        days=re.compile(
            rf"\b(?:{_alternation(data['russian_days'])})\s+"
            r"(?:[а-яё]+(?:ого|его|ых|их|ой|ей)\s+[а-яё]{3,}|[а-яё]{4,}|[А-ЯЁA-Z]{2,5}\b)"
        ),
        # a Tajik izofa chain: every word but the last ends in -и
        tajik=re.compile(
            rf"\b(?:{_alternation(data['tajik_heads'])})(?:\s+[^\W\d_]+и\b)*\s+[^\W\d_]+"
            r"(?P<year>[-–](?:19|20)\d\d(?!\d))?"
        ),
        labels=re.compile(rf"^[ \t]*(?i:{_alternation(data['date_labels'])})[ \t]*:", re.MULTILINE),
        keyword_lists=keyword_lists,
        keywords=re.compile(_alternation([w for words in keyword_lists for w in words])),
    )


# Case and possessive endings of a key word (transliterated): Международного форума, Неделе,
# forumi, forumy → one stem, so that a name in any case finds its entry in the table of names
_KEY_ENDING = re.compile(
    r"(?:ogo|ego|omu|emu|ykh|ikh|yye|iye|aya|yaya|uyu|yuyu|yy|iy|oy|ym|im|om|em|a|ya|u|yu|e|y|i|o)$"
)


def _stem_key(base_key: str) -> str:
    """Return a key with each word's case ending cut off (mejdunarodnogo → mejdunarodn)."""
    return "-".join(
        _KEY_ENDING.sub("", w) if len(w) > 4 and not w.isdigit() else w for w in base_key.split("-")
    )


@cache
def _same() -> dict[str, str]:
    """Return the stemmed key of each known name of an event → the key of its first name."""
    out: dict[str, str] = {}
    for names in load("events").get("same", []):
        first = _base_key(names[0])
        for other in names:
            out.setdefault(_stem_key(_base_key(other)), first)
    return out


@lru_cache(maxsize=16384)
def key(name: str, year: int | None = None) -> str:
    """Return the language-independent key of an event name ("ICT Week-2025" → ict-week-2025).

    Names listed as one event in events.toml (Digital Bridge, Цифровой мост) share a key.
    """
    base, name_year = split_year(name)
    base_key = _base_key(base)
    base_key = _same().get(_stem_key(base_key), base_key)
    year = name_year or year
    return f"{base_key}-{year}" if year and base_key else (base_key or (str(year) if year else ""))


def _base_key(base: str) -> str:
    """Return the key words of a name without its year."""
    compound = _vocabulary().compound
    words: list[str] = []
    for word in _KEY_WORD.findall(transliterate(base)):
        for size, nouns in compound:
            if len(word) - size >= 2 and word[-size:] in nouns:
                words.extend((word[:-size], word[-size:]))  # ICTWEEK → ict week
                break
        else:
            words.append(word)
    return "-".join(words)


def split_year(name: str) -> tuple[str, int | None]:
    """Split a trailing year off an event name (Digital Bridge-2022 → Digital Bridge, 2022)."""
    match = _YEAR_TAIL.search(name.strip())
    if not match:
        return name.strip(), None
    return name[: match.start()].strip(" -–—"), int(match.group(1))


@lru_cache(maxsize=16384)
def _cleaned(name: str) -> str:
    """Return _clean(name) with the vocabulary: the same runs are cleaned again and again."""
    return _clean(name, _vocabulary())


def _clean(name: str, vocab: _Vocabulary) -> str:
    words = name.strip(" -–—.,:;").split()
    while words and (
        words[0].casefold() in vocab.stop or _ROMAN.match(words[0]) or words[0] in "-–—"
    ):
        words.pop(0)  # "the", "X Halkara", "18th", "Sep 2008 – The Week"
    for i, word in enumerate(words[1:], 1):
        if word.casefold().strip(".,") in vocab.run_stops:
            words = words[:i]  # "ICT Week-2025 on Monday"
            break
    while words and words[-1].casefold() in _TRAILING:
        words.pop()
    return " ".join(words)


def _distinctive(name: str, vocab: _Vocabulary) -> bool:
    """Tell whether a name says which event it is, not only that it is one ("the Forum").

    "Conference and Exhibition" says what kind; "SERGI TÄZE MÜMKINÇILIKLERI AÇDY" is a headline
    shouted in capitals; "OAVlar" is an acronym with a case ending (a common noun, "the media").
    """
    base = split_year(name)[0]
    words = [w.casefold() for w in _ALNUM.findall(base)]
    if not any(
        w not in vocab.nouns
        and w not in vocab.heads
        and w not in vocab.stop
        and w not in _TRAILING
        and not w.isdigit()
        for w in words
    ):
        return False
    raw = base.split()
    if len(raw) == 1 and _INFLECTED_ACRONYM.match(raw[0]) and not split_year(name)[1]:
        return False
    if (
        not split_year(name)[1]
        and _only_a_topic(words, vocab)
        and _stem_key(_base_key(base)) not in _same()
    ):
        # "Fintech Forum", "BPO Summit", "IT-форуму": what about, not which ("EXPO IT Day",
        # a day of an expo, says which)
        return False
    shouted = [w for w in raw if len(w) >= 4 and w.isupper()]
    if len(shouted) >= 2 and not any(w in vocab.nouns for w in words) and not split_year(name)[1]:
        return False
    return not any(name.casefold().startswith(h) for h in vocab.holidays)


def _only_a_topic(words: list[str], vocab: _Vocabulary) -> bool:
    """Tell whether a name says only what a gathering is about ("Fintech Forum", "Fintech")."""
    kinds = [w for w in words if w in vocab.nouns or w in vocab.heads]
    if len(kinds) > 1 or (kinds and kinds[0] not in _GATHERINGS and kinds[0] not in vocab.heads):
        return False
    return all(w in vocab.topics or w in vocab.stop or w in kinds for w in words)


def _sentence_start(text: str, pos: int) -> bool:
    """Tell whether pos opens a sentence or a line (where every word is capitalised)."""
    i = pos - 1
    while i >= 0 and text[i] in ' \t\u00a0«"“„(':
        i -= 1
    if i >= 0 and text[i] in _BULLETS:
        # "- Organizing a hackathon …": an item of a list opens like a sentence
        j = i - 1
        while j >= 0 and text[j] in " \t\u00a0":
            j -= 1
        if j < 0 or text[j] == "\n":
            return True
    return i < 0 or text[i] in _SENTENCE_END


_BULLETS = "-–—•*·▪●"
# the event words of gatherings that a topic alone does not name ("Fintech Forum"); a
# "Battle", a "Day" or a "Cup" with a topic is a name ("AI Battle", "Startup Day")
_GATHERINGS = frozenset(
    {"forum", "summit", "conference", "congress", "exhibition", "symposium", "convention", "expo"}
)


def _with_alias(text: str, mention: _Mention) -> _Mention:
    """Take the year of an alias in brackets right after the name: "… Forum (KIT 2017)"."""
    paren = _PAREN.match(text, mention.end)
    if paren and mention.year is None:
        year = _YEAR.search(paren.group(1))
        if year:
            return replace(mention, year=int(year.group(1)))
    return mention


def _add(found: list[_Mention], name: str, start: int, end: int, vocab: _Vocabulary) -> None:
    name = _cleaned(name)
    if name and _distinctive(name, vocab):
        found.append(_Mention(name, start, end))


# How far before its head word a Russian name may open (an adjective and three more words).
_RUSSIAN_REACH = 160


# which keyword lists (before, after, russian, days, tajik) a word found by the scan opens
_OPENS: dict[str, tuple[bool, ...]] = {}


def _keywords(low: str, vocab: _Vocabulary) -> list[list[tuple[int, int]]]:
    """Return where the words of each keyword list occur, found in one scan of the text."""
    found: list[list[tuple[int, int]]] = [[] for _ in vocab.keyword_lists]
    for match in vocab.keywords.finditer(low):
        word = match.group()
        opens = _OPENS.get(word)
        if opens is None:  # the longest keyword here: every list's own keyword is a prefix of it
            opens = tuple(any(map(word.startswith, ws)) for ws in vocab.keyword_lists)
            _OPENS[word] = opens
        for spans, yes in zip(found, opens, strict=True):
            if yes:
                spans.append(match.span())
    return found


def _lines(text: str, words: list[tuple[int, int]], reach: int = 0) -> list[tuple[int, int]]:
    """Return the stretches of whole lines that hold one of the words (from ``reach`` before it).

    A name and its event word sit on one line: the dear patterns run on those lines only, not
    over the whole article, and find there what a scan of the whole article finds.
    """
    spans: list[tuple[int, int]] = []
    for start, end in words:
        if spans and start < spans[-1][1]:
            continue  # on a line taken already
        lo = text.rfind("\n", 0, max(0, start - reach)) + 1
        hi = text.find("\n", end)
        hi = len(text) if hi == -1 else hi
        if spans and lo <= spans[-1][1]:
            spans[-1] = (spans[-1][0], hi)
        else:
            spans.append((lo, hi))
    return spans


def _each(
    pattern: re.Pattern[str], text: str, spans: list[tuple[int, int]]
) -> Iterator[re.Match[str]]:
    for lo, hi in spans:
        yield from pattern.finditer(text, lo, hi)


def _mentions(text: str, low: str) -> list[_Mention]:
    vocab = _vocabulary()
    found: list[_Mention] = []
    runs = list(_LATIN_RUN.finditer(text))
    for match in runs:
        run = match.group()
        words = [w.casefold() for w in _SPLIT.split(run)]
        if any(w in vocab.nouns for w in words) or "demo day" in " ".join(words):
            _add(found, run, match.start(), match.end(), vocab)
        elif _YEAR_TAGGED.match(run) and len(words) <= 6:
            # "Türkmentel-2025 – the 18th International Exhibition …": a name with its year is an
            # event when its sentence says it is one
            lo, hi = _sentence_bounds(text, match.start())
            if vocab.context.search(low, lo, hi):
                _add(found, run, match.start(), match.end(), vocab)
    before, after, russian, days, tajik = _keywords(low, vocab)
    for match in _each(vocab.before, text, _lines(text, before)):
        name = match.group(1)
        if match.group("word") is not None:
            if not _only_a_place(match.group("word"), exact=True):
                continue
            name = match.group("word")
        elif name is None:
            name = match.group("run")
            cyrillic_word = not match.group().isascii() and not match.group()[0].isascii()
            if not (cyrillic_word or _YEAR.search(name) or name.split()[0].isupper()):
                continue
        start = match.start()
        if _only_a_place(name.strip()):
            # "международный форум «Астана»": a city alone names no event, the head and its
            # adjective are the name's
            start = _adjective_before(text, start)
            name = text[start : match.end()]
        _add(found, name, start, match.end(), vocab)
    for match in _each(vocab.after, text, _lines(text, after)):
        run = match.group("run")
        whole = _turkic_whole(text, match, vocab)
        if whole is not None:
            # "Açyk Halkara informatika olimpiadasy", "Ostona xalqaro forumi": in Turkic order the
            # words between the name and its possessive head are the name's, and so is the head
            _add(found, whole, match.start(), match.end(), vocab)
            continue
        if run is not None and len(_cleaned(run)) < 5 and not _YEAR.search(run):
            continue  # "a youth ICT forum", "the ICT summit": an acronym before a common noun
        if (
            run is not None
            and " " not in run.strip()
            and run.strip()[1:].islower()
            and _sentence_start(text, match.start())
            and not _is_place(run)
        ):
            continue  # "Prezident forumida …": every sentence opens with a capital
        _add(found, match.group(1) or run, match.start(), match.end(), vocab)
    for match in _QUOTED_NAME.finditer(text):
        # «Türkmentel-2016» atly … sergisi: a quoted name with a year in an event's sentence
        name = match.group(1)
        if split_year(name)[1] and len(name.split()) <= 6:
            lo, hi = _sentence_bounds(text, match.start())
            if vocab.context.search(low, lo, hi):
                _add(found, name, match.start(), match.end(), vocab)
    for match in _each(vocab.russian, text, _lines(text, russian, _RUSSIAN_REACH)):
        first = match.group(1).split()[0]
        if first.casefold().startswith(vocab.russian_generic) and " по " not in match.group(1):
            # "Международной выставки" says what kind, not which; "Международная олимпиада по
            # информатике" says which
            continue
        # a capitalised adjective inside a sentence opens a name; at a sentence start only a
        # place does (Ташкентский, Казахстанский)
        if not _sentence_start(text, match.start()) or any(
            True for _ in countries.gazetteer().find(tokens(first))
        ):
            found.append(_Mention(match.group(1), match.start(), match.end()))
    for match in _each(vocab.days, text, _lines(text, days)):
        if not _sentence_start(text, match.start()):
            found.append(_Mention(match.group(), match.start(), match.end()))
    for match in _each(vocab.tajik, text, _lines(text, tajik)):
        name = match.group()
        # a capitalised word after the head, or the edition's year: "Ҷоми ҷаҳон-2026"
        if match.group("year") or any(w[:1].isupper() for w in name.split()[1:]):
            found.append(_Mention(name, match.start(), match.end()))
    # "at Digital Bridge-2022": a bare name counts once the text has called it an event
    known = {key(split_year(m.name)[0]) for m in found}
    if known:
        for match in runs:
            name = _cleaned(match.group())
            if name and key(split_year(name)[0]) in known:
                found.append(_Mention(name, match.start(), match.end()))
    _turkic(text, low, found, vocab)
    # a public or religious holiday is a day off, not an event ("День республики", "Navro'z")
    found = [m for m in found if not m.name.casefold().startswith(vocab.holidays)]
    # a mention inside a longer one is part of it ("IT Day" in "EXPO IT Day")
    found.sort(key=lambda m: (m.start, -m.end))
    kept: list[_Mention] = []
    for mention in found:
        if kept and mention.end <= kept[-1].end:
            continue
        kept.append(_with_alias(text, mention))
    return kept


_NAME_WORD = re.compile(r"[^\W\d_][\w'ʻʼ’‘-]*")
_NAME_STOP = re.compile(r"[,.;:!?«»\"“”()—–\n]")
_TURKIC_REACH = 5  # words a Turkic name may hold before its head
# a genitive ending: the word owns what follows ("Geňeşiniň maslahaty", "вазирликнинг форуми")
_GENITIVE = re.compile(r"(?:[iyыі][ңň]|ning|нинг|н[иы]н|[дт][иы]н)$", re.I)


def _turkic(text: str, low: str, found: list[_Mention], vocab: _Vocabulary) -> None:
    """Add Turkic names that end in a possessive event word ("Самарқанд саммити").

    The name opens at the nearest capitalised word before the head (a place or a name: "Ipak
    yo'li sun'iy intellekt forumi"); one opening a sentence must be a place, since every
    sentence opens with a capital. A head already inside a found name is that name's.
    """
    covered = [(m.start, m.end) for m in found]
    for head in vocab.turkic.finditer(low):
        hs, he = head.span()
        if any(lo <= hs < hi for lo, hi in covered):
            continue
        line = text.rfind("\n", 0, hs) + 1
        stops = list(_NAME_STOP.finditer(text, line, hs))
        left = stops[-1].end() if stops else line
        words = list(_NAME_WORD.finditer(text, left, hs))[-_TURKIC_REACH:]
        k = next((k for k in range(len(words) - 1, -1, -1) if words[k].group()[0].isupper()), -1)
        if k < 0:
            continue
        # "Алматы IT көрмесі": a place or an acronym before the capitalised word is the name's
        while k > 0 and words[k].group().isupper() and _is_place(words[k - 1].group()):
            k -= 1
        first = words[k]
        if _GENITIVE.search(first.group()):
            continue  # "Hudaýgulyýewiň alyp baran maslahaty": someone's meeting, not a name
        if _sentence_start(text, first.start()) and not _is_place(first.group()):
            continue
        name = text[first.start() : he]
        if _distinctive(name, vocab):
            found.append(_Mention(name, first.start(), he))


def _turkic_whole(text: str, match: re.Match[str], vocab: _Vocabulary) -> str | None:
    """Return the whole span of an ``after`` match when its name cannot stand without the head.

    "Ostona xalqaro forumi" (a place alone names no event), "Açyk Halkara informatika
    olimpiadasy", "Halkara Informatika olimpiadasyna" (a generic adjective needs its noun): in
    Turkic order the words between the name and the event word are the name's, and so is the
    event word, its case ending cut off ("olimpiadasyna" → "olimpiadasy") so that every case
    form gives one name. None for a name that stands alone ("Go Viral-2023 … фестивалы") and
    for a head in the nominative ("Açyk Halkara olimpiada": an open international olympiad).
    """
    run = match.group("run")
    if run is None:
        return None
    words = match.group().split()
    last = words[-1].lower()
    if last.startswith(tuple(_GENERIC_HEADS)):
        return None
    before_head = [w.casefold() for w in _SPLIT.split(" ".join(words[:-1]))]
    if not (_only_a_place(run.strip()) or any(w in vocab.stop for w in before_head)):
        return None
    if (
        len(words) > 2
        and _sentence_start(text, match.start())
        and words[1][:1].isupper()
        and not _is_place(words[0])
    ):
        words = words[1:]  # "Hukumat Samarqand xalqaro forumini …": the sentence's first word
    head = max((h for h in vocab.heads if last.startswith(h)), key=len, default=None)
    if head is None:
        return None  # "Açyk Halkara olimpiada", "technological forum": a kind, not a name
    words[-1] = words[-1][: len(head)]
    name = _cleaned(" ".join(words))
    if len(name.split()) < 2:
        return None  # "Halkara olimpiada": only what kind of event
    return name


# possessive forms of "event", "measure": they say that something is an event, not its name
_GENERIC_HEADS = frozenset({"tadbir", "тадбир"})


def _only_a_place(name: str, *, exact: bool = False) -> bool:
    """Tell whether a name is a city or a country and nothing more (Ostona, Samarqand).

    ``exact``: as the place is written in the nominative (Астана, not Астане).
    """
    toks = tokens(name)
    return any(
        hit.form.kind in ("city", "name")
        and hit.start == 0
        and hit.end == len(name)
        and (not exact or tuple(t.folded for t in toks) == hit.form.words)
        for hit in countries.gazetteer().find(toks)
    )


# a Russian adjective ending: "международный", "Международного", "ежегодной"
_ADJECTIVE = re.compile(r"[А-ЯЁа-яё]{3,}(?:ый|ий|ой|ого|его|ая|ое|ую|ом|ем|ей|ых|их)[ \t]+$")


def _adjective_before(text: str, pos: int) -> int:
    """Return where an adjective right before pos opens, or pos when there is none."""
    match = _ADJECTIVE.search(text, max(0, pos - 40), pos)
    return match.start() if match else pos


def _is_place(word: str) -> bool:
    return any(True for _ in countries.gazetteer().find(tokens(word)))


def _sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    left = max(text.rfind(". ", 0, pos), text.rfind("\n", 0, pos))
    right_candidates = [i for i in (text.find(". ", pos), text.find("\n", pos)) if i != -1]
    return left + 1, (min(right_candidates) if right_candidates else len(text))


def _document_year(found: list[_Mention], mentions: list[dates.DateMention]) -> int | None:
    """Return the year an undated article is about: the one its event names and dates give most."""
    years = Counter(m.year or split_year(m.name)[1] for m in found)
    years.update(dm.year for dm in mentions)
    years.pop(None, None)
    return years.most_common(1)[0][0] if years else None


def extract(
    text: str,
    *,
    published: date | None,
    places: Sequence[Hit] = (),
    mentions: Sequence[dates.DateMention] | None = None,
) -> tuple[Event, ...]:
    """Return the named events in text with their dates and place, one per key."""
    vocab = _vocabulary()
    found = _mentions(text, lower_same_length(text))
    if not found:
        return ()
    date_mentions = list(mentions) if mentions is not None else dates.find(text)
    labelled = [dm for dm in date_mentions if _labelled(text, dm, vocab)]
    doc_year = _document_year(found, date_mentions)
    filed = _dateline_ends(text, places)
    dated = [dm for dm in date_mentions if not _filed(dm, filed)]
    # group mentions by name without year; a name with a year gives the group its name
    groups: dict[str, list[_Mention]] = {}
    for mention in found:
        groups.setdefault(key(split_year(mention.name)[0]), []).append(mention)
    events: list[Event] = []
    for base, members in _editions(groups):
        if not base:
            continue
        with_year = [m for m in members if split_year(m.name)[1]]
        display = (with_year or members)[0].name
        name_year = split_year(display)[1] or next((m.year for m in members if m.year), None)
        # the date of a dateline is the day of filing: the event's only when nothing else is
        start, end = _dates_near(text, members, dated, labelled, name_year, published, doc_year)
        if start is None and len(dated) < len(date_mentions):
            start, end = _dates_near(
                text, members, date_mentions, labelled, name_year, published, doc_year
            )
        place, country = _place_near(text, members, places)
        year = (
            name_year or (start.year if start else None) or (published.year if published else None)
        )
        others = tuple(dict.fromkeys(m.name for m in members if m.name != display))
        events.append(
            Event(key(display, year), display, start, end, place, country, aliases=others)
        )
    events = _inherit_places(events)
    # one event per key: keep the first (text order), which carries the most context
    unique: dict[str, Event] = {}
    for event in events:
        unique.setdefault(event.key, event)
    return tuple(unique.values())


def _editions(groups: dict[str, list[_Mention]]) -> list[tuple[str, list[_Mention]]]:
    """Split each name's mentions by edition: "Tech Week 2024" and "Tech Week 2025" are two.

    A mention without a year belongs to the first edition the text names.
    """
    out: list[tuple[str, list[_Mention]]] = []
    for base, members in groups.items():
        named = (split_year(m.name)[1] or m.year for m in members)
        years = [y for y in dict.fromkeys(named) if y is not None]
        if len(years) < 2:
            out.append((base, members))
            continue
        for year in years:
            own = [m for m in members if (split_year(m.name)[1] or m.year) == year]
            if year == years[0]:
                own += [m for m in members if not (split_year(m.name)[1] or m.year)]
            own.sort(key=lambda m: m.start)
            out.append((base, own))
    return out


def _inherit_places(events: list[Event]) -> list[Event]:
    """Give a day of a programme the place of the event whose dates hold it (День финтеха)."""
    hosts = [e for e in events if e.place and e.start and e.end and e.end > e.start]
    out = []
    for event in events:
        if event.place is None and event.start is not None:
            host = next((h for h in hosts if h.start <= event.start <= h.end), None)  # type: ignore[operator]
            if host is not None:
                event = replace(event, place=host.place, country=host.country)
        out.append(event)
    return out


def _labelled(text: str, dm: dates.DateMention, vocab: _Vocabulary) -> bool:
    line_start = text.rfind("\n", 0, dm.start) + 1
    return bool(vocab.labels.match(text, line_start)) and dm.start - line_start < 24


def _heading_date(
    text: str, pos: int, mentions: list[dates.DateMention]
) -> dates.DateMention | None:
    """Return the date of the programme heading ("7 апреля - открытие") the position falls under."""
    best = None
    for dm in mentions:
        if dm.start >= pos:
            break
        line_start = text.rfind("\n", 0, dm.start) + 1
        line_end = text.find("\n", dm.start)
        line_end = len(text) if line_end == -1 else line_end
        if dm.start == line_start and line_end - line_start <= 100:
            best = dm
    return best


def _dates_near(
    text: str,
    members: list[_Mention],
    mentions: list[dates.DateMention],
    labelled: list[dates.DateMention],
    name_year: int | None,
    published: date | None,
    doc_year: int | None,
) -> tuple[date | None, date | None]:
    best: tuple[tuple[int, int, int], dates.DateMention] | None = None
    # a "Day" is held on one day: its own date beats a nearby range; anything else spans days
    one_day = bool(_ONE_DAY.search(members[0].name))
    for member in members:
        lo, hi = member.start - _BEFORE_WINDOW, member.end + _AFTER_WINDOW
        s_lo, s_hi = _sentence_bounds(text, member.start)
        for dm in mentions:
            in_sentence = s_lo <= dm.start <= s_hi
            if not (in_sentence or lo <= dm.start <= hi):
                continue
            where, distance = (0 if in_sentence else 1), abs(dm.start - member.end)
            if one_day:
                rank = (where, 1 if dm.is_range else 0, distance)
            else:  # a range near the name is the event's span; a single day in its sentence next
                rank = (0 if dm.is_range else 1, where, distance)
            if best is None or rank < best[0]:
                best = (rank, dm)
    if labelled:
        # "Date: 12–14 November 2025" heads a report on one event: it beats a stray day nearby
        dm = labelled[0]
        rank = (2, 1 if dm.is_range else 0, 0) if one_day else (0 if dm.is_range else 1, 2, 0)
        if best is None or rank < best[0]:
            best = (rank, dm)
    chosen = best[1] if best else None
    if chosen is None or (best is not None and best[0][1 if not one_day else 0] == 2):
        heading = _heading_date(text, members[0].start, mentions)
        chosen = heading or chosen
    if chosen is None:
        return None, None
    dm = chosen
    hint = name_year if published is None or name_year else None
    start = dates.resolve(dm.day, dm.month, dm.year, year_hint=hint, around=published)
    if start is None and doc_year is not None:
        start = dates.resolve(dm.day, dm.month, dm.year, year_hint=doc_year, around=None)
    if start is None:
        return None, None
    if dm.end_day is None or dm.end_month is None:
        return start, start  # a one-day event starts and ends that day
    end_year = dm.end_year or start.year
    if dm.end_month < dm.month:
        end_year += 1  # 30 December – 2 January
    end = dates.resolve(dm.end_day, dm.end_month, end_year, year_hint=None, around=None)
    return start, end


# What follows the city of an agency dateline: ", 12 марта —", ", 22.09.2025.", " (UzDaily.com) --",
# ", Uzbekistan (UzDaily.com) --", ". KAZINFORM –".
_DATELINE_TAIL = re.compile(
    r"(?:,?[ \t]*[A-ZА-ЯЁ][\w'ʻ.-]*){0,2}[ \t]*"
    r"(?:[,.][ \t]*\d{1,2}(?:[./]\d{1,2}[./]\d{2,4}|[ \t]+[^\W\d_]+\.?(?:[ \t]+\d{4})?)[ \t]*)?"
    r"(?:\([^()\n]{1,40}\)[ \t]*)?(?:--|–|—|-)[ \t]"
)
_CAPITALS_TAIL = re.compile(r"[ \t]*[,.(]")
_DATELINE_DATE = re.compile(
    r"[ \t]*[,.]?[ \t]*(?:\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{1,2}[ \t]+[^\W\d_]+\.?(?:[ \t]+\d{4})?)"
)


def _dateline_ends(text: str, places: Sequence[Hit]) -> list[tuple[int, int]]:
    """Return where each dateline city ends and where the filing date right after it ends."""
    out = []
    for hit in places:
        if hit.form.kind == "city" and _in_dateline(text, hit):
            date = _DATELINE_DATE.match(text, hit.end)
            out.append((hit.end, date.end() if date else hit.end))
    return out


def _filed(dm: dates.DateMention, filed: list[tuple[int, int]]) -> bool:
    """Tell whether a date mention is the filing date of a dateline (ДУШАНБЕ, 22.09.2025.)."""
    return any(lo <= dm.start < hi for lo, hi in filed)


def _in_dateline(text: str, hit: Hit) -> bool:
    """Tell whether a city opens its line as an agency dateline (ДУШАНБЕ, 12 марта — …).

    A dateline says where the reporter files from, not where the event is.
    """
    line_start = text.rfind("\n", 0, hit.start) + 1
    if text[line_start : hit.start].strip(' \t«"“'):
        return False
    city = text[hit.start : hit.end]
    if city.isupper() and len(city) > 2 and _CAPITALS_TAIL.match(text, hit.end):
        return True  # BISHKEK (TCA), ДУШАНБЕ, 22.09.2025.
    return bool(_DATELINE_TAIL.match(text, hit.end))


def _place_near(
    text: str, members: list[_Mention], places: Sequence[Hit]
) -> tuple[str | None, str | None]:
    cities = [h for h in places if h.form.kind == "city" and not _in_dateline(text, h)]
    if not cities:
        return None, None
    best: tuple[tuple[int, int], Hit] | None = None
    for mention in members:
        s_lo, s_hi = _sentence_bounds(text, mention.start)
        for hit in cities:
            distance = abs(hit.start - mention.start)
            in_sentence = s_lo <= hit.start <= s_hi
            if not in_sentence and distance > _AFTER_WINDOW:
                continue
            rank = (0 if in_sentence else 1, distance)
            if best is None or rank < best[0]:
                best = (rank, hit)
    if best is None:
        return None, None
    return best[1].form.display, best[1].form.value
