"""Read one source URL: a feed (with full text fetched for teaser entries) or a single page."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar

from digests.errors import SourceError
from digests.model import RawArticle
from digests.sources.feeds import looks_like_feed, parse_feed
from digests.sources.http import Fetcher
from digests.sources.pages import extract_page
from digests.sources.workers import WorkerPool

logger = logging.getLogger(__name__)

# Feeds that carry only a teaser give a few hundred characters; an article is longer.
TEASER_CHARS = 600

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class SourceRead:
    """What one read of a source gave: articles, per-item errors and the new validators.

    ``errors`` are entries that were lost; ``warnings`` are entries kept in a lesser form
    (a teaser whose full page could not be fetched).
    """

    articles: list[RawArticle] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    final_url: str = ""


async def read_url(
    fetcher: Fetcher,
    url: str,
    *,
    source: str | None = None,
    fetch_full_text: bool = True,
    etag: str | None = None,
    last_modified: str | None = None,
    pool: WorkerPool | None = None,
) -> SourceRead:
    """Fetch a feed or page and return its articles; raise SourceError if the URL itself fails.

    ``pool``: worker processes that parse the feed and extract the pages (a page that hangs
    or kills its worker fails alone); without one they are parsed in a thread.
    """
    result = await fetcher.fetch(url, etag=etag, last_modified=last_modified)
    if result.not_modified:
        return SourceRead(
            etag=result.etag,
            last_modified=result.last_modified,
            not_modified=True,
            final_url=result.url,
        )
    errors: list[str] = []
    warnings: list[str] = []
    # Parsing is CPU work (a big page takes seconds): keep it off the event loop.
    if looks_like_feed(result.content, result.content_type):
        feed = await _off_loop(
            pool,
            result.url,
            parse_feed,
            result.content,
            url=result.url,
            declared_encoding=result.charset,
            source=source,
        )
        errors.extend(feed.errors)
        articles = feed.entries
        if fetch_full_text:
            articles = await _complete(fetcher, articles, warnings, pool)
    else:
        page = await _off_loop(
            pool,
            result.url,
            extract_page,
            result.content,
            url=result.url,
            source=source,
            declared_encoding=result.charset,
        )
        articles = [page]
    return SourceRead(
        articles=articles,
        errors=errors,
        warnings=warnings,
        etag=result.etag,
        last_modified=result.last_modified,
        final_url=result.url,
    )


async def _off_loop(
    pool: WorkerPool | None, item: str, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """Run CPU work (a big page takes seconds) off the event loop: in the pool, or a thread."""
    if pool is not None:
        return await pool.run(item, function, *args, **kwargs)
    return await asyncio.to_thread(function, *args, **kwargs)


async def _complete(
    fetcher: Fetcher, articles: list[RawArticle], warnings: list[str], pool: WorkerPool | None
) -> list[RawArticle]:
    """Replace teaser-only entries with the full text of their pages, where that works."""
    # the Fetcher's per-host semaphore keeps this polite however many teasers there are;
    # a page that several entries link to (a repeated entry) is fetched once
    pages: dict[str, asyncio.Task[tuple[RawArticle, str | None]]] = {}
    tasks = []
    for article in articles:
        if _is_teaser(article) and article.url is not None:
            if article.url not in pages:
                pages[article.url] = asyncio.ensure_future(_full_text(fetcher, article, pool))
            tasks.append(_same_page(pages[article.url], article))
        else:
            tasks.append(_as_is(article))
    outcomes = await asyncio.gather(*tasks)
    completed: list[RawArticle] = []
    for article, warning in outcomes:
        completed.append(article)
        if warning:
            warnings.append(warning)
    return completed


def _is_teaser(article: RawArticle) -> bool:
    return (
        len(article.text) < TEASER_CHARS
        and article.url is not None
        and article.url.startswith(("http://", "https://"))
    )


async def _same_page(
    page: asyncio.Task[tuple[RawArticle, str | None]], article: RawArticle
) -> tuple[RawArticle, str | None]:
    completed, warning = await page
    if completed is article or len(completed.text) <= len(article.text):
        return article, warning
    published = article.published or completed.published
    return dataclasses.replace(article, text=completed.text, published=published), warning


async def _as_is(article: RawArticle) -> tuple[RawArticle, str | None]:
    return article, None


async def _full_text(
    fetcher: Fetcher, article: RawArticle, pool: WorkerPool | None
) -> tuple[RawArticle, str | None]:
    assert article.url is not None  # _is_teaser checked it
    try:
        result = await fetcher.fetch(article.url)
        page = await _off_loop(
            pool,
            result.url,
            extract_page,
            result.content,
            url=result.url,
            source=article.source,
            declared_encoding=result.charset,
        )
    except SourceError as exc:
        logger.info("kept the teaser of %s: %s", article.url, exc.reason)
        return article, f"{article.url}: full text not fetched, teaser kept ({exc.reason})"
    except Exception as exc:  # a page nobody foresaw: the teaser is still an article
        logger.info("reading the page of %s failed", article.url, exc_info=True)
        return article, f"{article.url}: full text not read, teaser kept ({type(exc).__name__})"
    if len(page.text) <= len(article.text):
        return article, None
    return (
        dataclasses.replace(article, text=page.text, published=article.published or page.published),
        None,
    )
