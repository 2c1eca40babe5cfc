"""The Fetcher against a real server on loopback: headers, validators, limits and failures."""

from __future__ import annotations

import asyncio
import time

import pytest

from digests.errors import SourceError
from digests.sources.http import Fetcher, FetchPolicy, make_client
from tests.integration.conftest import FeedServer, Route


async def test_fetch_sends_identification_and_returns_body(
    feed_server: FeedServer, fetcher: Fetcher, policy: FetchPolicy
) -> None:
    url = feed_server.add_fixture(
        "/feed.xml", "feeds/uz_atom.xml", "application/atom+xml; charset=utf-8"
    )

    result = await fetcher.fetch(url)

    assert result.status == 200
    assert result.url == url
    assert result.content.startswith(b"<?xml")
    assert result.content_type == "application/atom+xml"
    assert result.charset == "utf-8"
    assert not result.not_modified
    (request,) = feed_server.requests_for("/feed.xml")
    assert request.headers["user-agent"] == policy.user_agent
    assert "application/rss+xml" in request.headers["accept"]
    assert "if-none-match" not in request.headers


async def test_conditional_get_by_etag_gives_not_modified(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    url = feed_server.add("/feed.xml", body=b"<rss/>", etag='"v1"', content_type="text/xml")

    first = await fetcher.fetch(url)
    second = await fetcher.fetch(url, etag=first.etag)

    assert first.etag == '"v1"'
    assert second.not_modified
    assert second.status == 304
    assert second.content == b""
    assert second.etag == '"v1"'
    assert feed_server.requests_for("/feed.xml")[1].headers["if-none-match"] == '"v1"'


async def test_conditional_get_by_last_modified(feed_server: FeedServer, fetcher: Fetcher) -> None:
    stamp = "Wed, 09 Apr 2025 04:15:00 GMT"
    url = feed_server.add("/feed.xml", body=b"<rss/>", last_modified=stamp, content_type="text/xml")

    result = await fetcher.fetch(url, last_modified=stamp)

    assert result.not_modified
    assert result.last_modified == stamp
    assert feed_server.requests_for("/feed.xml")[0].headers["if-modified-since"] == stamp


async def test_redirect_is_followed_and_final_url_reported(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    target = feed_server.add("/new/feed.xml", body=b"<rss/>", content_type="text/xml")
    url = feed_server.add_redirect("/old/feed.xml", "/new/feed.xml", status=301)

    result = await fetcher.fetch(url)

    assert result.url == target


@pytest.mark.parametrize(
    ("route", "reason"),
    [
        pytest.param(Route(status=404, body=b"gone"), "HTTP 404", id="not-found"),
        pytest.param(Route(status=503, body=b"busy"), "HTTP 503", id="server-error"),
        pytest.param(Route(body=b"   \n"), "empty response", id="empty-body"),
        pytest.param(
            Route(body=b"\x89PNG\r\n\x1a\n", content_type="image/png"),
            "binary content (image/png), not a feed or page",
            id="binary-content-type",
        ),
        pytest.param(
            Route(body=b"\x00\x01\x02binary", content_type="application/octet-stream"),
            "binary content, not a feed or page",
            id="octet-stream-sniffed-binary",
        ),
        pytest.param(
            Route(stream_bytes=50_000_000, content_type="text/html"),
            "response over 1 MB",
            id="oversized-streamed",
        ),
        pytest.param(
            Route(stream_bytes=50_000_000, declared_length=50_000_000, content_type="text/html"),
            "response over 1 MB",
            id="oversized-content-length",
        ),
    ],
)
async def test_fetch_failures_have_short_reasons(
    feed_server: FeedServer, fetcher: Fetcher, route: Route, reason: str
) -> None:
    url = feed_server.add("/item", route)

    with pytest.raises(SourceError) as caught:
        await fetcher.fetch(url)

    assert caught.value.item == url
    assert caught.value.reason == reason


async def test_oversized_body_is_abandoned_not_downloaded(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    url = feed_server.add("/huge", Route(stream_bytes=50_000_000, content_type="text/html"))
    started = time.monotonic()

    with pytest.raises(SourceError, match="response over"):
        await fetcher.fetch(url)

    # reading 50 MB would take far longer on a loaded CI box; 1 MB is quick
    assert time.monotonic() - started < 3


async def test_timeout(feed_server: FeedServer, fetcher: Fetcher) -> None:
    url = feed_server.add("/slow", Route(body=b"<rss/>", delay=3.0))
    started = time.monotonic()

    with pytest.raises(SourceError) as caught:
        await fetcher.fetch(url)

    assert caught.value.reason == "timed out after 0.5 s"
    assert time.monotonic() - started < 2


async def test_redirect_loop(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.add_redirect("/loop/a", "/loop/b")
    url = feed_server.add_redirect("/loop/b", "/loop/a")

    with pytest.raises(SourceError) as caught:
        await fetcher.fetch(url)

    assert caught.value.reason == "too many redirects"


async def test_connection_refused(fetcher: Fetcher, refused_url: str) -> None:
    with pytest.raises(SourceError) as caught:
        await fetcher.fetch(refused_url)

    assert caught.value.reason == "connection refused"


async def test_a_trickling_answer_times_out_at_the_deadline_that_applied(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    # each chunk comes within the 0.5 s read limit; the whole answer never ends
    url = feed_server.add("/trickle", Route(stream_bytes=10**9, trickle=0.2))
    started = time.monotonic()

    with pytest.raises(SourceError) as caught:
        await fetcher.fetch(url)

    assert caught.value.reason == "timed out after 1.5 s in all"
    assert time.monotonic() - started < 3


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("not a url", id="no-scheme"),
        pytest.param("ftp://example.org/feed.xml", id="unsupported-scheme"),
        pytest.param("http://127.0.0.1:99999/feed.xml", id="port-over-65535"),
        pytest.param("http://[::1/feed.xml", id="broken-ipv6-host"),
        pytest.param("http://[::zz]/feed.xml", id="bad-ipv6-address"),
        pytest.param("javascript:alert(1)", id="javascript"),
        pytest.param("data:text/html,<p>hi</p>", id="data"),
        pytest.param("http://exa mple.org/", id="space-in-host"),
    ],
)
async def test_invalid_url(fetcher: Fetcher, url: str) -> None:
    with pytest.raises(SourceError, match="invalid URL"):
        await fetcher.fetch(url)


async def test_per_host_limit_bounds_concurrency(feed_server: FeedServer) -> None:
    policy = FetchPolicy(timeout=2.0, per_host=2)
    url = feed_server.add("/slowish", Route(body=b"<p>ok</p>", delay=0.3))

    async with make_client(policy) as client:
        fetcher = Fetcher(client, policy)
        started = time.monotonic()
        await asyncio.gather(*(fetcher.fetch(url) for _ in range(4)))
        elapsed = time.monotonic() - started

    # four requests, two at a time, 0.3 s each: two rounds, not one
    assert elapsed >= 0.55
    assert len(feed_server.requests_for("/slowish")) == 4
