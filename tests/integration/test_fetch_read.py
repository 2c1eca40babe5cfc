"""read_url end to end over loopback: feeds in every charset, full text for teasers, pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from digests.errors import SourceError
from digests.sources.http import Fetcher
from digests.sources.read import read_url
from tests.integration.conftest import FeedServer, Route

ASIAPLUS_TITLES = [
    "В Душанбе завершилась ICT WEEK 2025",
    "Таджикистан и Узбекистан договорились о цифровом коридоре",
    "Хакатон «Цифровой Душанбе» собрал 300 участников",
]


@pytest.mark.parametrize(
    ("fixture", "content_type"),
    [
        pytest.param("feeds/ru_cp1251.xml", "application/rss+xml", id="cp1251-declared"),
        pytest.param(
            "feeds/ru_cp1251.xml",
            "application/rss+xml; charset=windows-1251",
            id="cp1251-declared-twice",
        ),
        pytest.param(
            "feeds/ru_cp1251_declared_utf8.xml",
            "application/rss+xml",
            id="cp1251-wrongly-declared-utf8",
        ),
        pytest.param(
            "feeds/ru_cp1251_declared_utf8.xml",
            "text/xml; charset=iso-8859-1",
            id="cp1251-header-latin1-xml-utf8",
        ),
        pytest.param("feeds/ru_cp1251_undeclared.xml", "text/xml", id="cp1251-undeclared"),
        pytest.param(
            "feeds/ru_cp1251_undeclared.xml",
            "text/html; charset=utf-8",
            id="cp1251-undeclared-served-as-html-utf8",
        ),
    ],
)
async def test_cp1251_feed_reads_right_however_declared(
    feed_server: FeedServer, fetcher: Fetcher, fixture: str, content_type: str
) -> None:
    url = feed_server.add_fixture("/rss/tech.xml", fixture, content_type)

    read = await read_url(fetcher, url, source="Asia-Plus", fetch_full_text=False)

    assert [a.title for a in read.articles] == ASIAPLUS_TITLES
    first = read.articles[0]
    assert first.text.startswith("В Душанбе завершилась ICT WEEK 2025 — главная")
    assert "Фото Asia-Plus" not in first.text
    assert "Подпишитесь" not in first.text
    assert first.published == datetime(2025, 4, 10, 13, 30, tzinfo=UTC)
    assert first.source == "Asia-Plus"
    # relative links resolve against the feed's URL
    assert first.url == feed_server.url("/news/ict-week-2025")
    assert read.errors == []


@pytest.mark.parametrize(
    ("fixture", "content_type"),
    [
        pytest.param("feeds/ru_koi8r.xml", "application/rss+xml", id="koi8r-declared"),
        pytest.param("feeds/ru_koi8r_undeclared.xml", "application/rss+xml", id="koi8r-undeclared"),
        pytest.param(
            "feeds/ru_koi8r_undeclared.xml",
            "text/xml; charset=windows-1251",
            id="koi8r-header-says-cp1251",
        ),
        pytest.param(
            "feeds/ru_koi8r_undeclared.xml",
            "text/xml; charset=utf-8",
            id="koi8r-header-says-utf8",
        ),
    ],
)
async def test_koi8r_feed_reads_right_however_declared(
    feed_server: FeedServer, fetcher: Fetcher, fixture: str, content_type: str
) -> None:
    url = feed_server.add_fixture("/rss.xml", fixture, content_type)

    read = await read_url(fetcher, url, fetch_full_text=False)

    assert [a.title for a in read.articles] == [
        "Токаев: Казахстан должен стать цифровой державой",
        "Астана Хаб открыл набор в новую программу акселерации",
    ]
    assert read.articles[0].source == "Казинформ: Цифровизация"


async def test_teasers_are_replaced_by_full_text(feed_server: FeedServer, fetcher: Fetcher) -> None:
    url = feed_server.add_fixture(
        "/rss/tech.xml", "feeds/ru_cp1251.xml", "application/rss+xml", etag='"tech-1"'
    )
    feed_server.add_fixture(
        "/news/digital-corridor", "pages/asiaplus_article.html", "text/html; charset=utf-8"
    )
    # /news/hackathon is not registered: the server answers 404

    read = await read_url(fetcher, url, source="Asia-Plus")

    by_title = {a.title: a for a in read.articles}
    corridor = by_title["Таджикистан и Узбекистан договорились о цифровом коридоре"]
    assert corridor.text.startswith("Министерства цифрового развития Таджикистана")
    assert "Курсы валют" not in corridor.text
    assert "Подпишитесь" not in corridor.text
    # the feed's own data stays: its timestamp is more precise than the page's date
    assert corridor.published == datetime(2025, 4, 9, 4, 15, tzinfo=UTC)
    assert corridor.guid == "asiaplus-2025-04-09-corridor"
    hackathon = by_title["Хакатон «Цифровой Душанбе» собрал 300 участников"]
    assert (
        hackathon.text == "Победители получат гранты на развитие стартапов & место в акселераторе."
    )
    assert read.warnings == [
        f"{feed_server.url('/news/hackathon')}: full text not fetched, teaser kept (HTTP 404)"
    ]
    assert read.errors == []  # the teaser was kept: nothing was lost
    # the long first entry was complete: its page was never requested
    assert feed_server.requests_for("/news/ict-week-2025") == []
    assert read.etag == '"tech-1"'
    assert read.final_url == url


async def test_unchanged_feed_is_not_parsed_again(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    url = feed_server.add_fixture(
        "/rss.xml",
        "feeds/uz_atom.xml",
        "application/atom+xml",
        etag='"a1"',
        last_modified="Tue, 10 Jun 2025 07:00:00 GMT",
    )

    first = await read_url(fetcher, url, fetch_full_text=False)
    second = await read_url(
        fetcher, url, etag=first.etag, last_modified=first.last_modified, fetch_full_text=False
    )

    assert len(first.articles) == 2
    assert second.not_modified
    assert second.articles == []
    assert second.etag == '"a1"'


async def test_single_page_is_one_article(feed_server: FeedServer, fetcher: Fetcher) -> None:
    url = feed_server.add_fixture(
        "/news/digital-corridor", "pages/asiaplus_article.html", "text/html; charset=utf-8"
    )

    read = await read_url(fetcher, url)

    (article,) = read.articles
    assert article.title == "Таджикистан и Узбекистан договорились о цифровом коридоре"
    assert article.url == url
    assert article.source == "Азия-Плюс"


async def test_cp1251_page_served_as_utf8(feed_server: FeedServer, fetcher: Fetcher) -> None:
    url = feed_server.add_fixture(
        "/news/ai-center", "pages/cp1251_article.html", "text/html; charset=utf-8"
    )

    read = await read_url(fetcher, url, source="24.kg")

    (article,) = read.articles
    assert article.title == "В Бишкеке открылся центр компетенций по искусственному интеллекту"
    assert article.text.startswith("В Бишкеке на базе Парка высоких технологий")


@pytest.mark.parametrize(
    ("fixture", "content_type", "reason"),
    [
        pytest.param(
            "feeds/html_as_feed.xml",
            "application/rss+xml",
            "not an RSS/Atom feed: an HTML page",
            id="html-page-served-as-feed",
        ),
        pytest.param(
            "feeds/truncated_early.xml",
            "application/rss+xml",
            "not an RSS/Atom feed: unclosed token at line 3",
            id="truncated-before-any-entry",
        ),
        pytest.param(
            "pages/empty.html",
            "text/html; charset=utf-8",
            "no article text",
            id="empty-page",
        ),
        pytest.param(
            "pages/blob.bin",
            "text/html",
            "no article text (binary data)",
            id="binary-served-as-html",
        ),
    ],
)
async def test_unreadable_source_raises(
    feed_server: FeedServer, fetcher: Fetcher, fixture: str, content_type: str, reason: str
) -> None:
    url = feed_server.add_fixture("/source", fixture, content_type)

    with pytest.raises(SourceError) as caught:
        await read_url(fetcher, url)

    assert caught.value.reason == reason


async def test_fetch_failure_of_the_source_raises(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    url = feed_server.add("/gone.xml", Route(status=410))

    with pytest.raises(SourceError, match="HTTP 410"):
        await read_url(fetcher, url)
