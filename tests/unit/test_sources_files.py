"""read_path(): seeds, JSON lines, saved pages and feeds, and files that are none of these."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from digests.errors import SourceError
from digests.model import RawArticle
from digests.sources.files import read_path

FIXTURES = Path(__file__).parent.parent / "fixtures"
SEEDS = FIXTURES / "seeds"


def read_one(path: Path) -> RawArticle:
    """Read a file that must hold exactly one article."""
    (item,) = list(read_path(path))
    assert isinstance(item, RawArticle), item
    return item


@pytest.mark.parametrize(
    ("name", "title", "published", "starts"),
    [
        pytest.param(
            "000_e5c67c44697725e2.txt",
            "В Душанбе завершилась ICT WEEK 2025 - главная технологическая неделя страны,",
            None,
            "В Душанбе завершилась ICT WEEK 2025",
            id="000-ru-paragraph-first-line",
        ),
        pytest.param(
            "001_5aa6a9335c8af796.txt",
            "Президент: Қозоғистон рақамли давлатга айланиши керак",
            datetime(2026, 1, 5, tzinfo=UTC),
            "ASTANA. Kazinform – Қозоғистон рақамли давлатга",
            id="001-uz-cyrillic-date-line",
        ),
        pytest.param(
            "002_55bd73bf10128c92.txt",
            "Digital Bridge: technology parks signed memorandum of innovation development",
            None,
            "28 September, 2022",
            id="002-en",
        ),
        pytest.param(
            "003_ed859990f82a85b7.txt",
            "Minister of ICT proposes to open regional offices of American IT companies",
            None,
            "Technologies 10/06/2022 Minister of ICT",
            id="003-en-currency-widget",
        ),
        pytest.param(
            "004_2d6ca10c64bcb45e.txt",
            "В газете Turkistan опубликовано обширное интервью Главы государства Касым-Жомарта",
            datetime(2026, 1, 5, tzinfo=UTC),
            "В газете Turkistan опубликовано обширное интервью",
            id="004-ru-date-line-paragraph",
        ),
    ],
)
def test_seed(name: str, title: str, published: datetime | None, starts: str) -> None:
    path = SEEDS / name
    article = read_one(path)

    assert article.title.startswith(title)
    assert len(article.title) <= 200
    assert article.published == published
    assert article.text.startswith(starts)
    assert article.url == path.resolve().as_uri()
    assert "date 2026" not in article.text
    for boilerplate in (
        "Фото Asia-Plus",
        "Currency rates",
        "UZS",
        "Search",
        "Subscribe",
        "Stay up to date",
        "Instagram",
    ):
        assert boilerplate not in article.text


def test_paragraph_first_line_stays_in_the_text() -> None:
    article = read_one(SEEDS / "004_2d6ca10c64bcb45e.txt")

    # the first sentence is too long for a headline: its first clause is the title
    first_paragraph = article.text.split("\n\n")[0]
    assert first_paragraph.startswith(article.title)
    assert len(article.title) <= 140 and not article.title.endswith("…")
    assert first_paragraph.endswith("передает BAQ.KZ.")


def test_cp1251_text_file(tmp_path: Path) -> None:
    seed = (SEEDS / "004_2d6ca10c64bcb45e.txt").read_text("utf-8")
    path = tmp_path / "baq.txt"
    path.write_bytes(seed.encode("cp1251"))

    article = read_one(path)

    assert article.title.startswith("В газете Turkistan опубликовано")
    assert article.published == datetime(2026, 1, 5, tzinfo=UTC)


def test_jsonl_reads_good_lines_and_reports_bad_ones() -> None:
    path = FIXTURES / "files" / "articles.jsonl"

    items = list(read_path(path))

    articles = [i for i in items if isinstance(i, RawArticle)]
    errors = [i for i in items if isinstance(i, SourceError)]
    assert [a.title for a in articles] == [
        "Uzbekistan adopts an AI strategy to 2030",
        "A line without a title.",  # no "title": taken from the text, as for .txt files
        "Астана Хаб: 1500 резидент",
    ]
    daryo, _, kazinform = articles
    assert daryo.published == datetime(2025, 3, 1, 5, 0, tzinfo=UTC)
    assert daryo.text == (
        "Tashkent approved a national strategy for artificial intelligence.\n\n"
        "The plan foresees training 10,000 AI specialists."
    )
    assert daryo.source == "Daryo"
    assert kazinform.text.startswith("Astana Hub технопаркінің резиденттері")
    assert kazinform.published is None  # "yesterday" is not a date
    assert [(e.item, e.reason) for e in errors] == [
        (f"{path}:2", "not JSON: Expecting value at column 1"),
        (f"{path}:4", 'no "text" or "html"'),
        (f"{path}:7", "not a JSON object"),
        (f"{path}:8", '"source" is not a string'),
    ]


def test_saved_html_page() -> None:
    article = read_one(FIXTURES / "pages" / "asiaplus_article.html")
    assert article.title == "Таджикистан и Узбекистан договорились о цифровом коридоре"


def test_saved_feed_yields_entries_and_errors() -> None:
    items = list(read_path(FIXTURES / "feeds" / "central_asia.xml"))

    assert sum(isinstance(i, RawArticle) for i in items) == 4
    (error,) = [i for i in items if isinstance(i, SourceError)]
    assert error.reason.endswith("no title and no text")


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        pytest.param(
            "notes.docx", b"PK\x03\x04", "unsupported file type .docx", id="unknown-suffix"
        ),
        pytest.param("README", b"hello", "unsupported file type (no suffix)", id="no-suffix"),
        pytest.param("empty.txt", b"  \n\n", "empty file", id="empty-txt"),
        pytest.param("empty.jsonl", b"\n", "empty file", id="empty-jsonl"),
        pytest.param("blob.txt", bytes(range(256)) * 16, "binary file, not text", id="binary-txt"),
        pytest.param(
            "blob.html", b"\x89PNG\r\n\x1a\n\x00\x00", "binary file, not text", id="binary-html"
        ),
        pytest.param(
            "title-only.txt",
            "Заголовок без текста\n".encode(),
            "only a title, no article text",
            id="title-only",
        ),
        pytest.param(
            "page.html",
            b"<html><body><nav>Menu</nav></body></html>",
            "no article text",
            id="html-without-article",
        ),
        pytest.param(
            "feed.xml",
            b"<html><body>moved</body></html>",
            "not an RSS/Atom feed: an HTML page",
            id="xml-not-a-feed",
        ),
    ],
)
def test_unreadable_file_gives_one_error(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)

    (item,) = list(read_path(path))

    assert isinstance(item, SourceError)
    assert item.item == str(path)
    assert item.reason == reason


def test_missing_file(tmp_path: Path) -> None:
    (item,) = list(read_path(tmp_path / "missing.txt"))
    assert isinstance(item, SourceError)
    assert item.reason.startswith("cannot read")
