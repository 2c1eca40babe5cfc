"""parse_feed() and looks_like_feed() on hand-written feeds in the region's languages."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

from digests.errors import SourceError
from digests.sources.feeds import looks_like_feed, parse_feed

FEEDS = Path(__file__).parent.parent / "fixtures" / "feeds"
URL = "https://example.org/rss.xml"


def feed(name: str) -> bytes:
    """Return a fixture feed's bytes."""
    return (FEEDS / name).read_bytes()


def test_feedparser_alone_garbles_a_wrongly_declared_feed() -> None:
    # why parse_feed decodes the bytes itself: feedparser trusts the declaration
    parsed = feedparser.parse(feed("ru_cp1251_declared_utf8.xml"))
    assert parsed.entries[0].title != "В Душанбе завершилась ICT WEEK 2025"


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("ru_cp1251.xml", id="cp1251-declared"),
        pytest.param("ru_cp1251_declared_utf8.xml", id="cp1251-wrongly-declared"),
        pytest.param("ru_cp1251_undeclared.xml", id="cp1251-undeclared"),
    ],
)
@pytest.mark.parametrize(
    "header",
    [
        pytest.param(None, id="no-header"),
        pytest.param("utf-8", id="header-utf8"),
        pytest.param("iso-8859-1", id="header-latin1"),
    ],
)
def test_cp1251_feed(name: str, header: str | None) -> None:
    parsed = parse_feed(feed(name), url=URL, declared_encoding=header)

    assert parsed.title == "Азия-Плюс: Технологии"
    assert [e.title for e in parsed.entries] == [
        "В Душанбе завершилась ICT WEEK 2025",
        "Таджикистан и Узбекистан договорились о цифровом коридоре",
        "Хакатон «Цифровой Душанбе» собрал 300 участников",
    ]
    first = parsed.entries[0]
    paragraphs = first.text.split("\n\n")
    assert len(paragraphs) == 3
    assert paragraphs[0].startswith("В Душанбе завершилась ICT WEEK 2025 — главная")
    assert "Фото Asia-Plus" not in first.text
    assert "Подпишитесь" not in first.text
    assert first.published == datetime(2025, 4, 10, 13, 30, tzinfo=UTC)
    assert first.guid == "asiaplus-2025-04-10-ict-week"
    assert first.url == "https://example.org/news/ict-week-2025"
    assert first.source == "Азия-Плюс: Технологии"
    # entities unescaped once, tags dropped
    assert parsed.entries[2].text == (
        "Победители получат гранты на развитие стартапов & место в акселераторе."
    )


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("ru_koi8r.xml", id="koi8r"),
        pytest.param("ru_koi8r_undeclared.xml", id="koi8r-undeclared"),
    ],
)
def test_koi8r_feed(name: str) -> None:
    parsed = parse_feed(feed(name), url=URL, declared_encoding="windows-1251", source="Kazinform")

    assert parsed.entries[0].title == "Токаев: Казахстан должен стать цифровой державой"
    assert parsed.entries[0].source == "Kazinform"
    assert parsed.entries[1].published == datetime(2026, 1, 4, 10, 45, tzinfo=UTC)


def test_atom_feed_uzbek_latin_and_cyrillic() -> None:
    parsed = parse_feed(feed("uz_atom.xml"), url=URL)

    latin, cyrillic = parsed.entries
    assert latin.title == "IT Park yangi majmuasi Toshkentda ochildi"
    assert latin.url == "https://kun.uz/uz/news/2025/06/10/it-park-majmua"
    assert latin.guid == "tag:kun.uz,2025:news/it-park-majmua"
    assert latin.published == datetime(2025, 6, 10, 4, 30, tzinfo=UTC)
    # the full content wins over the one-line summary; the subscribe line is dropped
    assert latin.text.startswith("Toshkentda IT Parkning yangi majmuasi ochildi.")
    assert "so‘zlariga" in latin.text
    assert "obuna" not in latin.text
    assert cyrillic.title == "Ўзбекистонда сунъий интеллект стратегияси қабул қилинди"
    assert cyrillic.text.split("\n\n")[1].startswith("Ҳужжатга кўра")
    assert cyrillic.published == datetime(2025, 6, 9, 16, 20, tzinfo=UTC)


def test_bad_entries_are_skipped_with_an_error_each() -> None:
    parsed = parse_feed(feed("central_asia.xml"), url=URL)

    # a guid without isPermaLink="false" is a permalink: feedparser resolves it like a link
    assert [e.guid for e in parsed.entries] == [
        "https://example.org/kk-astana-hub-residents",
        "https://example.org/ky-htp-forum",
        "https://example.org/tg-ict-week",
        "https://example.org/en-digital-bridge-2025",
    ]
    assert parsed.errors == [f"{URL}: entry 4 (?): no title and no text"]
    kyrgyz = parsed.entries[1]
    assert kyrgyz.text == "Форумга Борбор Азиянын 12 өлкөсүнөн 800дөн ашуун катышуучу келди."
    assert kyrgyz.published == datetime(2025, 9, 15, 4, 30, tzinfo=UTC)
    # an unreadable date does not cost the entry
    assert parsed.entries[3].published is None


def test_duplicate_guids_are_kept_in_order_for_storing_to_count() -> None:
    parsed = parse_feed(feed("dup_guids.xml"), url=URL)

    # storing keeps the first of a guid and counts the others as duplicates
    assert [e.title for e in parsed.entries] == [
        "Кыргызстан запустил портал электронных госуслуг Tunduk 2.0",
        "Кыргызстан запустил портал электронных госуслуг Tunduk 2.0 (обновлено)",
        "В Бишкеке открылась школа программирования для девушек",
    ]
    assert parsed.entries[0].guid == parsed.entries[1].guid
    assert parsed.entries[0].text == "Первая версия новости."


def test_truncated_feed_keeps_complete_entries() -> None:
    parsed = parse_feed(feed("truncated.xml"), url=URL)

    (entry,) = parsed.entries
    assert entry.title == "Oʻzbekistonda 5G tarmogʻi 12 ta viloyatga yetib bordi"
    assert len(parsed.errors) == 2
    assert parsed.errors[0].startswith(f"{URL}: malformed XML (no element found at line 17)")
    assert parsed.errors[1].endswith("truncated, skipped")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        pytest.param(feed("html_as_feed.xml"), "an HTML page", id="html-page"),
        pytest.param(feed("truncated_early.xml"), "unclosed token at line 3", id="truncated-early"),
        pytest.param(b"just some words, no markup", "syntax error at line 1", id="plain-text"),
    ],
)
def test_not_a_feed(content: bytes, reason: str) -> None:
    with pytest.raises(SourceError) as caught:
        parse_feed(content, url=URL)

    assert caught.value.item == URL
    assert caught.value.reason == f"not an RSS/Atom feed: {reason}"


def test_empty_but_valid_feed_has_no_entries() -> None:
    content = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title></channel></rss>'
    )

    parsed = parse_feed(content, url=URL)

    assert parsed.title == "Quiet"
    assert parsed.entries == []
    assert parsed.errors == []


@pytest.mark.parametrize(
    ("content", "content_type", "expected"),
    [
        pytest.param(feed("uz_atom.xml"), "application/atom+xml", True, id="atom-typed"),
        pytest.param(feed("ru_cp1251.xml"), "text/html", True, id="rss-served-as-html"),
        pytest.param(feed("ru_cp1251.xml"), None, True, id="rss-untyped"),
        pytest.param(feed("html_as_feed.xml"), "application/rss+xml", True, id="html-typed-as-rss"),
        pytest.param(feed("html_as_feed.xml"), "text/html", False, id="html-page"),
        pytest.param(
            b"<!DOCTYPE html><html><body><p>See our <rss> feed</p></body></html>",
            "text/html",
            False,
            id="html-mentioning-rss",
        ),
    ],
)
def test_looks_like_feed(content: bytes, content_type: str | None, expected: bool) -> None:
    assert looks_like_feed(content, content_type) is expected
