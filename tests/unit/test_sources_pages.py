"""extract_page(): the article's paragraphs in, the page around them out."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digests.errors import SourceError
from digests.sources.pages import extract_page

PAGES = Path(__file__).parent.parent / "fixtures" / "pages"
URL = "https://asiaplustj.info/ru/news/digital-corridor"


@pytest.fixture(scope="module")
def article_html() -> bytes:
    """Return the boilerplate-heavy article page."""
    return (PAGES / "asiaplus_article.html").read_bytes()


def test_article_paragraphs_are_extracted(article_html: bytes) -> None:
    article = extract_page(article_html, url=URL)

    assert article.title == "Таджикистан и Узбекистан договорились о цифровом коридоре"
    assert article.url == URL
    assert article.source == "Азия-Плюс"
    assert article.published == datetime(2025, 4, 9, tzinfo=UTC)
    paragraphs = article.text.split("\n\n")
    assert paragraphs[0].startswith("Министерства цифрового развития Таджикистана и Узбекистана")
    assert paragraphs[-1].startswith("Эксперты считают, что цифровой коридор")
    assert len(paragraphs) == 4


@pytest.mark.parametrize(
    "boilerplate",
    [
        pytest.param("Курсы валют", id="currency-widget"),
        pytest.param("USD 10.95", id="currency-rate"),
        pytest.param("Политика", id="menu"),
        pytest.param("Поиск", id="search-box"),
        pytest.param("Поделиться", id="share"),
        pytest.param("WhatsApp", id="share-links"),
        pytest.param("Instagram", id="social-row"),
        pytest.param("Подпишитесь на наш Telegram-канал", id="subscribe"),
        pytest.param("Фото Asia-Plus", id="photo-credit"),
        pytest.param("Фото: пресс-служба", id="photo-credit-with-colon"),
        pytest.param("Читайте также", id="related"),
        pytest.param("Все права защищены", id="footer"),
        pytest.param("cookie", id="cookie-banner"),
        pytest.param("просмотров", id="view-counter"),
        pytest.param("dataLayer", id="script"),
    ],
)
def test_boilerplate_is_absent(article_html: bytes, boilerplate: str) -> None:
    assert boilerplate not in extract_page(article_html, url=URL).text


def test_source_name_given_wins(article_html: bytes) -> None:
    assert extract_page(article_html, url=URL, source="Asia-Plus").source == "Asia-Plus"


def test_page_given_as_text() -> None:
    html = (PAGES / "asiaplus_article.html").read_text("utf-8")
    assert extract_page(html, url=None).title.startswith("Таджикистан и Узбекистан")


def test_cp1251_page_declared_wrongly_by_the_server() -> None:
    article = extract_page(
        (PAGES / "cp1251_article.html").read_bytes(), url=URL, declared_encoding="utf-8"
    )

    assert article.title == "В Бишкеке открылся центр компетенций по искусственному интеллекту"
    # the <h1> repeats the title: the text starts after it
    assert article.text.startswith("В Бишкеке на базе Парка высоких технологий")
    assert "Фото: пресс-служба ПВТ" not in article.text
    assert article.published == datetime(2025, 3, 14, tzinfo=UTC)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param((PAGES / "empty.html").read_bytes(), id="layout-only"),
        pytest.param(b"", id="empty-bytes"),
        pytest.param("   \n", id="blank-text"),
        pytest.param((PAGES / "blob.bin").read_bytes(), id="binary"),
    ],
)
def test_no_article_text(content: bytes | str) -> None:
    with pytest.raises(SourceError) as caught:
        extract_page(content, url=URL)

    assert caught.value.item == URL
    assert caught.value.reason.startswith("no article text")


def test_huge_page_is_capped_before_parsing(article_html: bytes) -> None:
    # a real article, then 30 MB of inline script state and 10 MB of advertising markup
    script = b"<script>window.__STATE__=" + b'{"k":"v"},' * 3_000_000 + b"</script>"
    ads = b"<p class='ad'>" + "Реклама. ".encode() * 20 + b"</p>\n"
    page = article_html.replace(b"</body>", script + ads * 50_000 + b"</body>")
    assert len(page) > 40_000_000
    started = time.monotonic()

    article = extract_page(page, url=URL)

    assert article.title == "Таджикистан и Узбекистан договорились о цифровом коридоре"
    assert article.text.startswith("Министерства цифрового развития")
    assert time.monotonic() - started < 15


LINKED_DATA_PAGE = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<title>{title} | Sayt</title>
<script>window.ads = {{"slot": "top", "published": "2019-01-01"}};</script>
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle",
"headline": "{title}", "datePublished": "{date}",
"publisher": {{"@type": "Organization", "name": "{site}"}}}}</script>
</head><body><nav><a href="/">Bosh sahifa</a></nav><article><h1>{title}</h1>
<p>{text}</p><p>{text} {text}</p></article></body></html>"""


@pytest.mark.parametrize(
    ("lang", "title", "site", "text"),
    [
        (
            "uz",
            "Toshkentda yangi IT park ochildi",
            "Kun.uz",
            "Toshkentda IT Park rezidentlari soni oʻtgan yilga nisbatan oshdi va yangi bino "
            "foydalanishga topshirildi.",
        ),
        (
            "kk",
            "Астанада жаңа технопарк ашылды",
            "Kazinform",
            "Астана Hub халықаралық технопаркі биыл жаңа стартаптарды қабылдады және "
            "жаңа ғимарат ашты.",
        ),
        (
            "ru",
            "В Душанбе открылся новый технопарк",
            "Азия-Плюс",
            "В Душанбе прошла неделя информационных технологий, открылся новый технопарк "
            "для стартапов.",
        ),
    ],
)
def test_the_date_and_site_of_linked_data_are_read(
    lang: str, title: str, site: str, text: str
) -> None:
    """Scripts are cut before extraction, but not the page's JSON-LD: where most pages give
    their date (and without it, the date was guessed from the text, at a third of the cost
    of the page)."""
    html = LINKED_DATA_PAGE.format(
        lang=lang, title=title, site=site, text=text, date="2025-03-14T09:30:00+05:00"
    )
    article = extract_page(html.encode(), url=f"https://news.example/{lang}/1")
    assert article.published == datetime(2025, 3, 14, tzinfo=UTC)  # htmldate gives the day
    assert article.source == site
    assert article.title == title
    assert text in article.text
