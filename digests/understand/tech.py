"""Tech or not: whether an article is the technology news Chaikhana serves.

Regional feeds are mostly general news. An article is tech when its technology words (in
``digests/data/tech.toml``, every supported language) weigh enough and are not outweighed by
what a general article is about (sport, weather, religious holidays, politics, crime, culture,
farming). Tech-adjacent news (e-government, telecom, the digital economy, fintech rules, IT
parks) is tech.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import cache

from digests.understand._data import load
from digests.understand._gazetteer import Form, Gazetteer, Token, make_form, tokens

# topics.detect() finds these only in technology news; education and investment alone do not
# make an article tech
TECH_TOPICS = frozenset(
    {
        "ai",
        "fintech",
        "startups",
        "telecom",
        "egov",
        "crypto",
        "cybersecurity",
        "ecommerce",
        "outsourcing",
        "hardware",
    }
)
_TITLE_WEIGHT = 3.0
_TOPIC_WEIGHT = 2.0
_MIN_TECH = 3.0  # at least a title word, or three in the text
_MIN_DISTINCT = 2  # and two different terms: one repeated word ("online") is not a subject
_OUTWEIGH = 1.0  # the general subject wins when it weighs this much more than tech


@cache
def _lexicon() -> Gazetteer:
    data = load("tech")
    terms = [*data["tech"]["terms"], *data.get("tech_more", {}).get("terms", ())]
    forms: list[Form] = [make_form(t, "tech", "tech", "tech") for t in terms]
    for kind, entry in data["not"].items():
        forms.extend(make_form(t, "not", kind, kind) for t in entry["terms"])
    return Gazetteer(forms)


def scores(toks: Sequence[Token], title_end: int) -> tuple[float, float, int, bool]:
    """Return (tech weight, general-news weight, distinct tech terms, a tech term in the title
    that the text repeats) of tokenised text."""
    weight: dict[str, float] = defaultdict(float)
    distinct: set[tuple[str, ...]] = set()
    titled: set[tuple[str, ...]] = set()
    repeated = False
    for hit in _lexicon().find(list(toks)):
        in_title = hit.start < title_end
        weight[hit.form.value] += _TITLE_WEIGHT if in_title else 1.0
        if hit.form.value == "tech":
            distinct.add(hit.form.words)
            if in_title:
                titled.add(hit.form.words)
            elif hit.form.words in titled:
                repeated = True
    return weight["tech"], weight["not"], len(distinct), repeated


def is_tech(
    title: str,
    text: str = "",
    *,
    toks: Sequence[Token] | None = None,
    topics: Sequence[str] = (),
) -> bool:
    """Tell whether the article is tech news.

    ``toks``: the tokens of the title and the text joined by a newline, when the caller has them;
    ``topics``: what topics.detect() found.
    """
    if toks is None:
        toks = tokens(f"{title}\n{text}" if title else text)
    tech, general, distinct, repeated = scores(toks, len(title) if title else -1)
    found = sum(1 for t in topics if t in TECH_TOPICS)  # a topic is a subject of its own
    tech += _TOPIC_WEIGHT * found
    # one word over and over is no subject, unless the headline names it and the text goes on
    if tech < _MIN_TECH or (distinct + found < _MIN_DISTINCT and not repeated):
        return False
    return general <= _OUTWEIGH * tech
