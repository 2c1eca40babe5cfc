"""Story matching: same story across sites and languages joins; different stories never do."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from digests.model import RawArticle, StoryCandidate, StoryFeatures
from digests.understand import best_story, understand
from digests.understand._text import skeleton

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"
WHEN = datetime(2026, 1, 5, tzinfo=UTC)


def seed_article(number: str) -> RawArticle:
    """Return a seed as a raw article: first line the title, the rest the text."""
    (path,) = SEEDS.glob(f"{number}_*.txt")
    title, _, text = path.read_text(encoding="utf-8").partition("\n")
    return RawArticle(url=None, title=title, text=text)


def features(raw: RawArticle) -> StoryFeatures:
    """Return the story features of a raw article, through their JSON round trip."""
    return StoryFeatures.from_json(understand(raw).features.to_json())


def matches(a: RawArticle, b: RawArticle) -> bool:
    """Tell whether b would join a's story."""
    return best_story(features(b), [StoryCandidate(1, 7, features(a))]) == 7


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param("Тоқаев", "Токаев", id="kazakh-russian"),
        pytest.param("Токаев", "Tokayev", id="russian-english"),
        pytest.param("Қасим-Жомарт", "Kassym-Jomart", id="uzbek-english"),
    ],
)
def test_transliterated_names_meet(a: str, b: str) -> None:
    assert skeleton(a) == skeleton(b)


def test_uzbek_and_russian_reports_of_one_interview_match() -> None:
    assert matches(seed_article("001"), seed_article("004"))
    assert matches(seed_article("004"), seed_article("001"))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param(a, b, id=f"{a}-{b}")
        for a, b in [
            ("000", "001"),
            ("000", "002"),
            ("000", "003"),
            ("000", "004"),
            ("001", "002"),
            ("001", "003"),
            ("002", "003"),
            ("002", "004"),
            ("003", "004"),
        ]
    ],
)
def test_different_seed_stories_never_match(a: str, b: str) -> None:
    assert not matches(seed_article(a), seed_article(b))


def test_near_duplicate_from_another_site_matches() -> None:
    raw = seed_article("004")
    copy = RawArticle(
        url="https://other.kz/x",
        title=raw.title,
        text=raw.text.replace("передает BAQ.KZ", "сообщает Zakon.kz") + "\nЧитайте также: новости",
    )
    assert matches(raw, copy)


TOKAYEV_LAW = RawArticle(
    url=None,
    published=WHEN,
    title="Токаев подписал закон об искусственном интеллекте",
    text=(
        "Глава государства Касым-Жомарт Токаев подписал Закон «Об искусственном интеллекте», "
        "сообщает Акорда. Закон определяет правила использования ИИ в государственных органах. "
        "Документ вступает в силу через 60 дней. В Astana Hub приветствовали решение Президента. "
        "По данным министерства, в 2025 году в стране работало 120 компаний в сфере ИИ."
    ),
)
TOKAYEV_VISIT = RawArticle(
    url=None,
    published=WHEN,
    title="Токаев посетил Astana Hub",
    text=(
        "Президент Касым-Жомарт Токаев посетил технопарк Astana Hub и встретился со стартапами. "
        "Глава государства осмотрел лаборатории и обсудил экспорт IT-услуг с основателями компаний. "  # noqa: E501
        "Касым-Жомарт Токаев поручил расширить программу грантов до 300 проектов."
    ),
)
MIRZIYOYEV_PARK = RawArticle(
    url=None,
    published=WHEN,
    title="Мирзиёев открыл новый комплекс IT Park в Ташкенте",
    text=(
        "Президент Шавкат Мирзиёев открыл новый комплекс IT Park в Ташкенте. Здесь будут работать "
        "2 000 специалистов. Глава государства поручил довести экспорт IT-услуг до 5 млрд долларов."
    ),
)
MIRZIYOYEV_AI = RawArticle(
    url=None,
    published=WHEN,
    title="Мирзиёев утвердил стратегию развития искусственного интеллекта",
    text=(
        "Президент Шавкат Мирзиёев утвердил стратегию развития искусственного интеллекта до 2030 года. "  # noqa: E501
        "IT Park в Ташкенте будет координировать 40 пилотных проектов."
    ),
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param(TOKAYEV_LAW, TOKAYEV_VISIT, id="tokayev-law-vs-visit"),
        pytest.param(MIRZIYOYEV_PARK, MIRZIYOYEV_AI, id="mirziyoyev-park-vs-strategy"),
        pytest.param(TOKAYEV_VISIT, seed_article("004"), id="tokayev-visit-vs-interview"),
    ],
)
def test_same_people_different_story_do_not_match(a: RawArticle, b: RawArticle) -> None:
    assert not matches(a, b)
    assert not matches(b, a)


def test_far_apart_dates_do_not_match() -> None:
    raw = seed_article("004")
    later = RawArticle(
        url=None, title=raw.title, text=raw.text, published=datetime(2026, 3, 1, tzinfo=UTC)
    )
    assert not matches(RawArticle(url=None, title=raw.title, text=raw.text, published=WHEN), later)


def test_no_candidates_no_story() -> None:
    assert best_story(features(seed_article("000")), []) is None
