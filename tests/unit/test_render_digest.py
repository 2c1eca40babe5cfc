"""A digest renders as valid Telegram HTML, split at story boundaries, in the reader's language."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot import render_digest
from bot.render import MAX_MESSAGE, visible_length
from digests.digest import Candidate, Digest, UpcomingEvent
from tests.e2e.botapi import parse_html

UNTIL = datetime(2026, 11, 28, 3, 29, tzinfo=UTC)  # 08:29 in Tashkent


def candidate(n: int, country: str, *, title: str | None = None, summary: str = "") -> Candidate:
    return Candidate(
        story_id=n,
        article_id=n,
        title=title or f"Story {n}",
        url=f"https://news.example/{n}",
        summary=summary or f"What happened in story {n}. It matters.",
        lang="en",
        countries=(country,),
        topics=("ai",),
        sources=("Kun.uz", "Kazinform"),
        langs=("en", "ru"),
        published=UNTIL - timedelta(hours=n),
        first_seen=UNTIL - timedelta(hours=n),
    )


def digest_of(sections: dict[str, list[Candidate]], *, total: int | None = None) -> Digest:
    stories = tuple(c for group in sections.values() for c in group)
    return Digest(
        lang="en",
        since=UNTIL - timedelta(days=1),
        until=UNTIL,
        stories=stories,
        total=total if total is not None else len(stories),
        sections=tuple((code, tuple(group)) for code, group in sections.items()),
    )


def test_sections_carry_flags_names_and_stories() -> None:
    composed = digest_of({"kz": [candidate(1, "kz")], "uz": [candidate(2, "uz")]}, total=9)
    [text] = render_digest.digest(composed, "ru", cadence="daily", timezone="Asia/Tashkent")
    assert "дайджест за день" in text
    assert "28 нояб. 2026" in text.replace("\u00a0", " ")  # the local date, in Russian
    assert text.index("🇰🇿 <b>Казахстан</b>") < text.index("Story 1") < text.index("🇺🇿")
    assert "…и ещё 7" in text
    parse_html(text)


def test_header_date_is_the_readers_local_day() -> None:
    late = Digest(
        lang="en",
        since=UNTIL,
        until=datetime(2026, 11, 28, 20, 0, tzinfo=UTC),  # already the 29th in Tashkent
        stories=(),
        total=0,
        sections=(),
    )
    [utc] = render_digest.digest(late, "en", cadence="daily", timezone="UTC")
    [tashkent] = render_digest.digest(late, "en", cadence="daily", timezone="Asia/Tashkent")
    assert "Nov 28, 2026" in utc and "Nov 29, 2026" in tashkent


def test_web_text_is_escaped() -> None:
    hostile = candidate(1, "tj", title="<script>x</script> & <b>AI</b>", summary="a < b & c")
    [text] = render_digest.digest(digest_of({"tj": [hostile]}), "en", cadence="daily")
    assert "&lt;script&gt;" in text and "<script>" not in text
    parse_html(text)


def test_long_digest_splits_between_stories_and_keeps_headings_with_them() -> None:
    long = "A long sentence about Central Asian technology. " * 6
    sections = {
        code: [candidate(i * 10 + j, code, summary=long) for j in range(8)]
        for i, code in enumerate(["kz", "uz", "kg", "tj", "tm"])
    }
    texts = render_digest.digest(digest_of(sections), "en", cadence="weekly")
    assert len(texts) > 1
    for text in texts:
        assert visible_length(text) <= MAX_MESSAGE
        parse_html(text)
        # A heading is never the last thing in a message.
        assert not text.rstrip().endswith("</b>") or "Story" in text.rsplit("\n\n", 1)[-1]
    joined = "\n\n".join(texts)
    assert all(f"Story {i * 10 + j}" in joined for i in range(5) for j in range(8))


@pytest.mark.parametrize("lang", ["en", "ru", "uz", "uz-Cyrl", "kk", "ky", "tg", "tk"])
def test_empty_and_events_in_every_language(lang: str) -> None:
    empty = digest_of({})
    [text] = render_digest.digest(empty, lang, cadence="daily")
    parse_html(text)
    with_events = Digest(
        lang=lang,
        since=UNTIL - timedelta(days=1),
        until=UNTIL,
        stories=(candidate(1, "kz"),),
        total=1,
        sections=(("kz", (candidate(1, "kz"),)),),
        events=(
            UpcomingEvent(
                "ICT Week <2026>", date(2026, 12, 1), date(2026, 12, 3), "Dushanbe", "tj"
            ),
        ),
    )
    [text] = render_digest.digest(with_events, lang, cadence="instant")
    place = {
        "ru": "Душанбе",
        "uz-Cyrl": "Душанбе",
        "kk": "Душанбе",
        "ky": "Душанбе",
        "tg": "Душанбе",
        "tk": "Duşenbe",
    }
    assert "ICT Week &lt;2026&gt;" in text and place.get(lang, "Dushanbe") in text
    assert "🇹🇯" in text
    parse_html(text)


def test_channel_more_points_to_the_bot() -> None:
    composed = digest_of({"kz": [candidate(1, "kz")]}, total=5)
    [text] = render_digest.digest(
        composed, "en", cadence="daily", bot_username="ChaikhanaBot", channel=True
    )
    assert "@ChaikhanaBot" in text and "/latest" not in text
