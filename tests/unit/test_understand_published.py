"""Publication dates: never after ingest, never a deadline or a date the story tells."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from digests.model import RawArticle
from digests.understand import understand
from digests.understand.dates import published_from_text

NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        pytest.param(
            "Цифровизация школ завершится к 2028 году",
            "Министерство просвещения обещает подключить все школы к интернету до 1 января "
            "2028 года.",
            None,
            id="ru-deadline",
        ),
        pytest.param(
            "Uzbekistan plans a national data centre",
            "The ministry said the centre must open by 1 March 2027, with a second site later.",
            None,
            id="en-deadline",
        ),
        pytest.param(
            "Dasturchilar soni oshadi",
            "Vazirlik 2030-yil 1-yanvargacha bir million dasturchi tayyorlashni rejalashtirmoqda.",
            None,
            id="uz-latn-deadline",
        ),
        pytest.param(
            "Форум пройдёт в Алматы",
            "15 марта 2027 г.",
            None,
            id="ru-future-line",
        ),
        pytest.param(
            "Kazakhstan opens an AI centre",
            "ASTANA, March 4, 2026 /Newswire/ -- Kazakhstan opened a national AI centre today "
            "after a year of construction and a long public debate about its funding model.",
            datetime(2026, 3, 4, tzinfo=UTC),
            id="en-dateline",
        ),
        pytest.param(
            "Мәжіліс цифрлық кодексті қабылдады",
            "2025 ж. 18 қазан\nДепутаттар цифрлық кодексті екінші оқылымда мақұлдады.",
            datetime(2025, 10, 18, tzinfo=UTC),
            id="kk-year-first",
        ),
        pytest.param(
            "Түркмөнстанда байланыш форуму өттү",
            "29.11.24\nАшгабатта эл аралык байланыш форуму өттү.",
            datetime(2024, 11, 29, tzinfo=UTC),
            id="ky-short-year-stamp",
        ),
        pytest.param(
            "Договор о сотрудничестве продлён",
            "Стороны напомнили, что первое соглашение о сотрудничестве в области связи между "
            "странами было подписано ещё 27 марта 1992 года в Ташкенте, и с тех пор его "
            "продлевали четыре раза.",
            None,
            id="ru-date-told-in-prose",
        ),
    ],
)
def test_publication_date_from_the_page(title: str, text: str, expected: datetime | None) -> None:
    assert published_from_text(title, text, now=NOW) == expected


def test_a_feed_date_in_the_future_is_the_moment_of_ingest() -> None:
    raw = RawArticle(
        url=None,
        title="Tajik operators cut roaming prices",
        text="Tajikistan's mobile operators cut roaming prices by a fifth.",
        published=datetime(2027, 1, 1, tzinfo=UTC),
    )
    assert understand(raw, now=NOW).published == NOW


def test_a_date_line_in_the_future_is_not_the_publication_date() -> None:
    raw = RawArticle(
        url=None,
        title="Хакатон в Бишкеке",
        text=" date 2027-05-01 Хакатон пройдёт в Бишкеке в мае.",
    )
    published = understand(raw, now=NOW).published
    assert published is None or published <= NOW
