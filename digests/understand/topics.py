"""Topics from multilingual lexicons in digests/data/topics.toml."""

from __future__ import annotations

from collections import defaultdict
from functools import cache

from digests.understand._data import load
from digests.understand._gazetteer import Form, Gazetteer, Token, make_form, tokens

TOPICS: tuple[str, ...] = (
    "ai",
    "fintech",
    "startups",
    "telecom",
    "egov",
    "crypto",
    "education",
    "cybersecurity",
    "investment",
    "ecommerce",
    "outsourcing",
    "hardware",
)
_MAX_TOPICS = 4
_TITLE_WEIGHT = 3.0
_MIN_SCORE = 3.0


@cache
def _lexicon() -> Gazetteer:
    data = load("topics")
    forms: list[Form] = []
    for topic in TOPICS:
        for term in data[topic]["terms"]:
            forms.append(make_form(term, topic, "term", topic))
    return Gazetteer(forms)


def label(topic: str, lang: str) -> str:
    """Return the topic's name in a UI language, English when there is none."""
    labels = load("topics").get(topic, {}).get("labels", {})
    key = lang.lower().replace("-", "_")
    return labels.get(key) or labels.get("en") or topic


def detect(title: str, text: str, *, toks: list[Token] | None = None) -> tuple[str, ...]:
    """Return the article's topics, strongest first.

    ``toks``: the tokens of the title and the text joined by a newline, when the caller has them.
    """
    if toks is None:
        toks = tokens(f"{title}\n{text}" if title else text)
    return detect_tokens(toks, len(title) if title else -1, len(text))


def detect_tokens(toks: list[Token], title_end: int, text_length: int) -> tuple[str, ...]:
    """Return the topics of tokenised text whose first ``title_end`` characters are the title."""
    scores: dict[str, float] = defaultdict(float)
    distinct: dict[str, set[str]] = defaultdict(set)
    for hit in _lexicon().find(toks):
        topic = hit.form.value
        scores[topic] += _TITLE_WEIGHT if hit.start < title_end else 1.0
        distinct[topic].add(" ".join(hit.form.words))
    # density, so a long article needs more than a short one, but never less than three hits
    threshold = max(_MIN_SCORE, text_length / 2500)
    ranked = sorted(
        (
            t
            for t in scores
            if (scores[t] >= threshold and len(distinct[t]) >= 2) or scores[t] >= 2 * threshold
        ),
        key=lambda t: -scores[t],
    )
    return tuple(ranked[:_MAX_TOPICS])
