"""Understanding: language, countries, topics, events, summary and story signals."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from digests.model import Article, RawArticle, SourceHints, StoryCandidate, StoryFeatures
from digests.text import content_hash
from digests.understand import countries as _countries
from digests.understand import dates as _dates
from digests.understand import events as _events
from digests.understand import lang as _lang
from digests.understand import story as _story
from digests.understand import summary as _summary
from digests.understand import tech as _tech
from digests.understand import topics as _topics
from digests.understand._gazetteer import tokens
from digests.understand._text import is_boilerplate, paragraphs, strip_date_line
from digests.urls import canonical_url

__all__ = ["best_story", "understand"]

logger = logging.getLogger(__name__)

# Everything past this many characters is read for nothing but the content hash: a 1 MB page
# must cost what a long article costs.
MAX_ANALYSED = 20_000


def understand(
    raw: RawArticle, *, hints: SourceHints = SourceHints(), now: datetime | None = None
) -> Article:
    """Decide what the article is: language, countries, topics, events, summary, story signals.

    ``now``: the moment of ingest (default: the clock); no publication date is later.
    """
    now = now or datetime.now(UTC)
    title = " ".join((raw.title or "").split())
    text, line_date = strip_date_line(raw.text or "")
    title, title_date = strip_date_line(title)
    head = text[:MAX_ANALYSED]
    paras = paragraphs(head)
    news = [p.text for p in paras if not p.boilerplate]
    clean = "\n".join(news)

    published = raw.published
    if published is not None and _aware(published) > now:
        published = now  # a feed's clock ahead of ours: the article cannot be from the future
    if published is None:
        found = line_date or title_date
        published = (
            datetime(*found, tzinfo=UTC)
            if found and datetime(*found, tzinfo=UTC) <= now
            else _dates.published_from_text(title, head, now=now)
        )
    day = published.date() if published else None

    if title and is_boilerplate(title):
        title = ""  # a page whose first line is a widget has no usable headline
    # the headline often names the event and the lead gives its dates: read them together
    headed, blocks = _countries.blocks_of(title, news)
    lang, script = _lang.detect(headed, hints.lang)
    toks = tokens(headed)  # once: countries, places and topics all read these words
    places = _countries.places(toks)
    about = _countries.about_text(headed, toks, places, blocks, hints.country)
    if not about:  # domestic news names no country: the source's
        found_in = _countries.source_country(hints.name or raw.source, raw.url)
        about = (found_in,) if found_in else ()
    topics = _topics.detect(title, clean, toks=toks)  # headed is title + "\n" + clean
    tech = _tech.is_tech(title, clean, toks=toks, topics=topics)
    mentions = _dates.find(headed, toks)  # events and story signals read the same dates
    events = _events.extract(headed, published=day, places=places, mentions=mentions)
    summary = _summary.summarize(news, title) if lang != "und" else ""
    # the day the news is about, for telling stories apart: the publication's, else the first
    # full date the page's header gives
    if day is None:
        loose = _dates.published_from_text(title, head, now=now, loose=True)
        story_day = loose.date() if loose else None
    else:
        story_day = day
    features = _story.features(
        title,
        clean,
        published=story_day,
        countries=about,
        event_keys=[e.key for e in events],
        words=[t.folded for t in toks],
        mentions=mentions,
        # the story signals read the text's first READ_CHARS: these topics are theirs only
        # when the text is no longer (a longer one is read again, cut)
        topics=topics if len(clean) <= _story.READ_CHARS else None,
    )
    return Article(
        url=raw.url,
        canonical_url=canonical_url(raw.url),
        title=raw.title,
        text=raw.text,
        published=published,
        lang=lang,
        script=script,
        countries=about,
        topics=topics,
        events=events,
        summary=summary,
        content_hash=content_hash(raw.title, raw.text),
        features=features,
        source=raw.source or hints.name,
        guid=raw.guid,
        tech=tech,
    )


def _aware(when: datetime) -> datetime:
    """Return the moment as an aware datetime (a naive one is UTC)."""
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def best_story(features: StoryFeatures, candidates: Sequence[StoryCandidate]) -> int | None:
    """Return the story id of the candidate that tells the same story, or None."""
    return _story.best_story(features, candidates)
