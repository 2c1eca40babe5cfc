"""Understanding: language, countries, topics, events, summary and story signals."""

from __future__ import annotations

from collections.abc import Sequence

from digests.model import Article, RawArticle, SourceHints, StoryCandidate, StoryFeatures
from digests.text import content_hash
from digests.urls import canonical_url


def understand(raw: RawArticle, *, hints: SourceHints = SourceHints()) -> Article:
    """Decide what the article is: language, countries, topics, events, summary, story signals."""
    # Placeholder until the understanding work lands (issue 3): it decides nothing.
    return Article(
        url=raw.url,
        canonical_url=canonical_url(raw.url),
        title=raw.title,
        text=raw.text,
        published=raw.published,
        lang=hints.lang or "und",
        script="Zyyy",
        countries=(hints.country,) if hints.country else (),
        topics=(),
        events=(),
        summary="",
        content_hash=content_hash(raw.title, raw.text),
        features=StoryFeatures(),
        source=raw.source or hints.name,
        guid=raw.guid,
    )


def best_story(features: StoryFeatures, candidates: Sequence[StoryCandidate]) -> int | None:
    """Return the story id of the candidate that tells the same story, or None."""
    return None
