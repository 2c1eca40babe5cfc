"""Property tests: feeds, JSON lines, text files and HTTP answers built by hypothesis.

For every example: the run ends, every well-formed item is stored, each bad item has
exactly one error outcome, and the database stays consistent. Examples are few per test
(the suite stays fast); each example's items carry a nonce, so examples never collide.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from html import escape
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.services.ingest import Outcome, Status, ingest_items
from digests.sources.http import Fetcher, FetchPolicy
from tests.conftest import Database
from tests.hostile import NEWS, check_consistent, rss
from tests.integration.conftest import FeedServer

SETTINGS = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
BAD_URLS = (
    "https://news.example:99999/a",
    "https://news.example:123456/b",
    "javascript:alert(document.cookie)",
    "data:text/html;base64,PGI+aGk8L2I+",
    "vbscript:msgbox(1)",
    "https://bad host.example/c",
    "https://news.example/" + "x" * 2100,
)
ENTITIES = ("&nbsp;", "&mdash;", "&laquo;", "&raquo;", "&amp;", "&hellip;", "&#xD800;", "&#0;")

# Any character at all, lone surrogates and controls included.
noise = st.text(st.characters(codec=None), max_size=40)
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda m: timezone(timedelta(minutes=m))
)
dates = st.one_of(
    st.none(),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=offsets),
    st.sampled_from(
        [
            datetime(1, 1, 1, tzinfo=UTC),
            datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
            datetime(2025, 3, 1, 5, 0, tzinfo=UTC),
        ]
    ),
)


@dataclass(frozen=True)
class Entry:
    """One generated item: well-formed (a fetchable URL, real text) or bad (its URL)."""

    url: str
    title: str | None
    text: str
    published: datetime | None
    good: bool


@st.composite
def entries(draw: st.DrawFn, nonce: str) -> list[Entry]:
    count = draw(st.integers(min_value=1, max_value=6))
    made = []
    for n in range(count):
        good = draw(st.booleans()) or n == 0
        lang = draw(st.sampled_from(sorted(NEWS)))
        # well-formed: a paragraph of news, whatever surrounds it
        text = f"{draw(noise)}\n{NEWS[lang]} {nonce} {n}.\n{draw(noise)}"
        url = f"https://{nonce}.example/{n}" if good else draw(st.sampled_from(BAD_URLS))
        title = draw(st.one_of(st.none(), noise, st.just("x" * 100_000)))
        made.append(Entry(url, title, text, draw(dates), good))
    return made


def check_outcomes(made: list[Entry], outcomes: list[Outcome]) -> None:
    """Each well-formed entry stored once; each bad one failed once, naming itself."""
    stored = [o for o in outcomes if o.status is Status.NEW]
    failed = [o for o in outcomes if o.status is Status.FAILED]
    good = [e for e in made if e.good]
    assert len(stored) == len(good), [o.error for o in failed]
    assert {o.article.url for o in stored if o.article} == {e.url for e in good}
    assert len(failed) == len(made) - len(good)
    for outcome in failed:
        assert outcome.error is not None and "\n" not in outcome.error
    for outcome in stored:
        assert outcome.article is not None
        assert outcome.article.title.strip() and len(outcome.article.title) <= 200


@pytest.fixture
def policy() -> FetchPolicy:
    """A generous time-out: these answers are good, and a loaded machine is slow to serve them."""
    return FetchPolicy(timeout=30.0, max_bytes=1_000_000, max_redirects=3, per_host=2)


async def ingest(db: Database, items: list[str], fetcher: Fetcher | None = None) -> list[Outcome]:
    # no full text: the entries' links name made-up hosts, never to be looked up
    stream = ingest_items(db.sessionmaker, items, fetcher=fetcher, fetch_full_text=False)
    return [o async for o in stream]


def xml_text(text: str) -> str:
    """Write text into XML as a hostile feed would: every non-ASCII character a reference."""
    return "".join(
        ch if ch.isascii() and ch.isprintable() and ch not in "<&>" else f"&#x{ord(ch):X};"
        for ch in text
    )


def feed_bytes(made: list[Entry], extra: str) -> bytes:
    items = []
    for e in made:
        parts = ["<item>"]
        if e.title is not None:
            parts.append(f"<title>{xml_text(e.title)}{extra}</title>")
        parts.append(f"<link>{escape(e.url)}</link>")
        if e.published is not None:
            parts.append(f"<pubDate>{_rfc822(e.published)}</pubDate>")
        parts.append(f"<description>{xml_text(e.text)}</description></item>")
        items.append("".join(parts))
    return rss(items)


def _rfc822(when: datetime) -> str:
    try:
        return format_datetime(when)
    except (ValueError, OverflowError):
        return "Mon, 01 Jan 0001 00:00:00 +0300"


@given(data=st.data(), extra=st.sampled_from(ENTITIES))
@SETTINGS
async def test_feeds_from_arbitrary_unicode_dates_urls_and_entities(
    sqlite_db: Database, tmp_path: Path, data: st.DataObject, extra: str
) -> None:
    nonce = uuid.uuid4().hex[:12]
    made = data.draw(entries(nonce))
    path = tmp_path / f"{nonce}.xml"
    path.write_bytes(feed_bytes(made, extra))

    outcomes = await ingest(sqlite_db, [str(path)])

    check_outcomes(made, outcomes)
    await check_consistent(sqlite_db.engine)


@given(data=st.data())
@SETTINGS
async def test_json_lines_from_arbitrary_unicode_dates_and_urls(
    db: Database, tmp_path: Path, data: st.DataObject
) -> None:
    nonce = uuid.uuid4().hex[:12]
    made = data.draw(entries(nonce))
    lines = []
    for e in made:
        record: dict[str, object] = {"url": e.url, "text": e.text}
        if e.title is not None:
            record["title"] = e.title
        if e.published is not None:
            record["published"] = e.published.isoformat()
        lines.append(json.dumps(record))  # lone surrogates become "\ud800" escapes
    path = tmp_path / f"{nonce}.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")

    outcomes = await ingest(db, [str(path)])

    check_outcomes(made, outcomes)
    await check_consistent(db.engine)


TEXT_ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le")


@given(
    lang=st.sampled_from(sorted(NEWS)),
    encoding=st.sampled_from(TEXT_ENCODINGS),
    head=st.text(st.characters(codec="utf-8"), max_size=30),
    tail=st.text(st.characters(codec="utf-8"), max_size=200),
)
@SETTINGS
async def test_text_files_in_any_unicode_encoding_are_read_as_written(
    sqlite_db: Database, tmp_path: Path, lang: str, encoding: str, head: str, tail: str
) -> None:
    nonce = uuid.uuid4().hex[:12]
    path = tmp_path / f"{nonce}.txt"
    path.write_bytes(f"{head}\n{NEWS[lang]} {nonce}.\n{tail}".encode(encoding))

    [outcome] = await ingest(sqlite_db, [str(path)])

    assert outcome.status is Status.NEW, outcome.error
    assert outcome.article is not None
    assert nonce in outcome.article.title + outcome.article.text  # decoded, not mojibake
    await check_consistent(sqlite_db.engine)


HTTP_TYPES = (
    "application/rss+xml",
    "application/rss+xml; charset=utf-8",
    "text/xml; charset=iso-8859-1",  # a lie about UTF-8 bytes
    "text/html",
    "application/octet-stream",
    None,
)


@given(
    data=st.data(),
    content_type=st.sampled_from(HTTP_TYPES),
    encoding=st.sampled_from(("utf-8", "utf-16")),
)
@SETTINGS
async def test_http_answers_with_feeds_in_any_encoding_and_content_type(
    sqlite_db: Database,
    feed_server: FeedServer,
    fetcher: Fetcher,
    data: st.DataObject,
    content_type: str | None,
    encoding: str,
) -> None:
    nonce = uuid.uuid4().hex[:12]
    made = data.draw(entries(nonce))
    document = feed_bytes(made, "").decode("utf-8")
    if encoding != "utf-8":
        document = document.replace('encoding="utf-8"', f'encoding="{encoding}"')
    url = feed_server.add(
        f"/{nonce}.xml", body=document.encode(encoding), content_type=content_type
    )

    outcomes = await ingest(sqlite_db, [url], fetcher)

    check_outcomes(made, outcomes)
    await check_consistent(sqlite_db.engine)


@given(body=st.binary(max_size=3000), content_type=st.sampled_from(HTTP_TYPES))
@SETTINGS
async def test_arbitrary_http_answers_end_with_at_most_one_line(
    sqlite_db: Database, feed_server: FeedServer, fetcher: Fetcher, body: bytes, content_type: str
) -> None:
    url = feed_server.add(f"/{uuid.uuid4().hex}", body=body, content_type=content_type)

    outcomes = await ingest(sqlite_db, [url], fetcher)

    failed = [o for o in outcomes if o.status is Status.FAILED]
    assert len(failed) <= 1
    for outcome in outcomes:
        if outcome.article is not None:
            assert outcome.article.text.strip() and outcome.article.title.strip()
    await check_consistent(sqlite_db.engine)
