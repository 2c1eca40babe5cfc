"""Events, dates and publication dates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from digests.model import RawArticle
from digests.understand import dates, events, understand

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"


def seed_article(number: str) -> RawArticle:
    """Return a seed as a raw article: first line the title, the rest the text."""
    (path,) = SEEDS.glob(f"{number}_*.txt")
    title, _, text = path.read_text(encoding="utf-8").partition("\n")
    return RawArticle(url=None, title=title, text=text)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("ICT WEEK 2025", id="caps"),
        pytest.param("ICT Week-2025", id="hyphen"),
        pytest.param("ICT Week 2025", id="plain"),
        pytest.param("ict week  2025", id="lower"),
    ],
)
def test_event_key_is_normalised(name: str) -> None:
    assert events.key(name) == "ict-week-2025"


def test_cyrillic_names_get_latin_keys() -> None:
    assert events.key("Неделя ИКТ", 2025) == "nedelya-ikt-2025"


def test_seed_000_ict_week() -> None:
    article = understand(seed_article("000"))
    (event,) = article.events
    assert event.key == "ict-week-2025"
    assert (event.start, event.end) == (date(2025, 4, 7), date(2025, 4, 10))
    assert event.place == "Dushanbe"


def test_seed_002_digital_bridge() -> None:
    (event,) = understand(seed_article("002")).events
    assert event.key == "digital-bridge-2022"
    assert event.start == date(2022, 9, 28)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        pytest.param(
            "С 7 по 10 апреля в Душанбе прошла ICT Week 2025.",
            date(2025, 4, 7),
            date(2025, 4, 10),
            id="ru-s-po",
        ),
        pytest.param(
            "ICT Week 2025 will take place on 7–10 April in Dushanbe.",
            date(2025, 4, 7),
            date(2025, 4, 10),
            id="en-dash",
        ),
        pytest.param(
            "ICT Week 2025 will take place April 7-10 in Dushanbe.",
            date(2025, 4, 7),
            date(2025, 4, 10),
            id="en-month-first",
        ),
        pytest.param(
            "ICT Week 2025 haftaligi 7-10 aprel kunlari Toshkentda oʻtadi.",
            date(2025, 4, 7),
            date(2025, 4, 10),
            id="uz-latin",
        ),
        pytest.param(
            "«ICT Week 2025» форумы 7-10 сәуір күндері Астанада өтеді.",
            date(2025, 4, 7),
            date(2025, 4, 10),
            id="kk",
        ),
        pytest.param(
            "Форум «Digital Almaty 2025» пройдёт 30 января – 1 февраля в Алматы.",
            date(2025, 1, 30),
            date(2025, 2, 1),
            id="cross-month",
        ),
    ],
)
def test_event_date_ranges(text: str, start: date, end: date) -> None:
    (event,) = understand(RawArticle(url=None, title="", text=text)).events
    assert (event.start, event.end) == (start, end)


def test_event_year_from_published_date_when_name_has_none() -> None:
    raw = RawArticle(
        url=None,
        title="",
        text="Хакатон «AI Battle» пройдёт 12–14 марта в Ташкенте.",
        published=datetime(2024, 2, 1, tzinfo=UTC),
    )
    (event,) = understand(raw).events
    assert (event.start, event.end, event.place) == (
        date(2024, 3, 12),
        date(2024, 3, 14),
        "Tashkent",
    )
    assert event.key == "ai-battle-2024"


def test_event_without_year_or_date_has_no_dates() -> None:
    raw = RawArticle(url=None, title="", text="Хакатон «AI Battle» пройдёт 12–14 марта в Ташкенте.")
    (event,) = understand(raw).events
    assert event.start is None and event.end is None  # never a guessed year


def test_generic_forum_is_not_an_event() -> None:
    raw = RawArticle(url=None, title="", text="The Forum will begin tomorrow. The Summit ended.")
    assert understand(raw).events == ()


def test_russian_place_adjective_names_an_event() -> None:
    raw = RawArticle(
        url=None, title="", text="В столице прошёл Ташкентский международный инвестиционный форум."
    )
    (event,) = understand(raw).events
    assert event.place == "Tashkent"


@pytest.mark.parametrize(
    ("number", "published"),
    [
        pytest.param("000", None, id="000-none-never-guessed"),
        pytest.param("001", datetime(2026, 1, 5, tzinfo=UTC), id="001-date-line"),
        pytest.param("002", datetime(2022, 9, 28, tzinfo=UTC), id="002-text"),
        pytest.param("003", datetime(2022, 6, 10, tzinfo=UTC), id="003-day-month-not-widget"),
    ],
)
def test_published_from_text(number: str, published: datetime | None) -> None:
    assert understand(seed_article(number)).published == published


def test_given_published_is_kept() -> None:
    when = datetime(2020, 1, 2, 3, 4, tzinfo=UTC)
    raw = RawArticle(url=None, title="T", text="Published 28 September, 2022.", published=when)
    assert understand(raw).published == when


def test_numeric_dates_are_day_first_unless_impossible() -> None:
    (a,) = dates.find("10/06/2022")
    (b,) = dates.find("06/25/2022")
    assert (a.day, a.month) == (10, 6)
    assert (b.day, b.month) == (25, 6)
