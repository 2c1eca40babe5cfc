"""The gate before storing: text cleaned, URLs checked, dates bounded, junk refused, titles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digests.errors import SourceError
from digests.model import RawArticle
from digests.sources.admit import admit, plausible_date
from digests.sources.encoding import decode
from digests.sources.markup import derive_title
from digests.text import clean_text
from digests.understand import understand
from digests.urls import InvalidURL, canonical_url, check_url
from tests.hostile import news

NOW = datetime(2026, 12, 1, tzinfo=UTC)
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def raw(**fields: object) -> RawArticle:
    values: dict[str, object] = {
        "url": "https://kun.uz/1",
        "title": "IT Park Toshkentda",
        "text": news("uz", 1),
    }
    values.update(fields)
    return RawArticle(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("given_text", "kept"),
    [
        pytest.param("Astana \ud800Hub", "Astana \ufffdHub", id="lone-surrogate"),
        pytest.param("Ал\x00маты", "Алматы", id="nul"),
        pytest.param("Bish\x07kek\x1b", "Bishkek", id="c0-controls"),
        pytest.param("Душанбе\x85ICT", "Душанбе\nICT", id="nel-is-a-line-break"),
        pytest.param("Toshkent\u202e tkeyorp", "Toshkent tkeyorp", id="rlo-override"),
        pytest.param("\u2066Ашхабад\u2069", "Ашхабад", id="isolates"),
        pytest.param("Қаз\u200fақстан", "Қазақстан", id="rlm-in-ltr-text"),
        pytest.param("שלום\u200f Almaty", "שלום\u200f Almaty", id="rlm-kept-beside-hebrew"),
        pytest.param("Tab\tand\nlines\r\n", "Tab\tand\nlines\r\n", id="white-space-kept"),
    ],
)
def test_clean_text(given_text: str, kept: str) -> None:
    assert clean_text(given_text) == kept


@given(st.text())
@settings(max_examples=200)
def test_clean_text_is_storable_and_idempotent(text: str) -> None:
    cleaned = clean_text(text)
    cleaned.encode("utf-8")  # UTF-8 (and so PostgreSQL) can hold it
    assert "\x00" not in cleaned
    assert not any(ch in BIDI for ch in cleaned)
    assert clean_text(cleaned) == cleaned


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("https://kun.uz:99999/a", id="port-over-65535"),
        pytest.param("https://kun.uz:0/a", id="port-0"),
        pytest.param("http://[::1/a", id="broken-ipv6"),
        pytest.param("http://[::g]/a", id="bad-ipv6"),
        pytest.param("javascript:alert(1)", id="javascript"),
        pytest.param("data:text/html,x", id="data"),
        pytest.param("https:///path", id="no-host"),
        pytest.param("https://a b.kz/", id="space"),
        pytest.param("https://kun.uz/" + "a" * 3000, id="too-long"),
    ],
)
def test_urls_that_cannot_be_fetched_or_stored(url: str) -> None:
    with pytest.raises(InvalidURL, match=r"^invalid URL: "):
        check_url(url)
    canonical_url(url)  # never raises: compared as given


def test_good_urls_pass() -> None:
    assert check_url(" https://kun.uz/news/1 ") == "https://kun.uz/news/1"
    assert check_url("http://[::1]:8080/feed.xml") == "http://[::1]:8080/feed.xml"
    assert canonical_url("http://[::1]:8080/a/") == "https://[::1]:8080/a"


@pytest.mark.parametrize(
    "when",
    [
        pytest.param(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))), id="year-1-east"),
        pytest.param(datetime(1, 1, 1), id="year-1-naive"),
        pytest.param(datetime(9999, 12, 31, 23, 59, tzinfo=UTC), id="year-9999"),
        pytest.param(
            datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-5))),
            id="year-9999-west",
        ),
        pytest.param(NOW + timedelta(days=30), id="next-month"),
    ],
)
def test_dates_off_the_calendar_are_kept_undated(when: datetime) -> None:
    assert plausible_date(when, now=NOW) is None
    article = admit(raw(published=when), now=NOW)
    assert article.published is None
    understand(article)  # every piece of date arithmetic on it works


def test_a_plausible_date_is_kept_in_utc() -> None:
    tashkent = timezone(timedelta(hours=5))
    assert plausible_date(datetime(2025, 3, 1, 10, tzinfo=tashkent)) == datetime(
        2025, 3, 1, 5, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        pytest.param({"text": ""}, "no article text", id="empty"),
        pytest.param({"text": "\x00\u202e \u200f 12"}, "no article text", id="controls-only"),
        pytest.param({"text": "lol" * 100_000}, "one thing repeated", id="entity-expansion"),
        pytest.param({"url": "javascript:void(0)"}, "unsupported scheme", id="javascript"),
        pytest.param({"url": "https://kun.uz:70000/"}, "Port out of range", id="port"),
    ],
)
def test_junk_is_refused(fields: dict[str, object], reason: str) -> None:
    with pytest.raises(SourceError, match=reason):
        admit(raw(**fields))


def test_bounds_what_the_tables_hold() -> None:
    article = admit(
        raw(title="Astana " * 200_000, guid="g" * 5000, source="S" * 1000, text=news("kk", 2))
    )
    assert len(article.title) <= 200
    assert article.guid is not None and article.guid.startswith("sha256:")
    assert article.source is not None and len(article.source) <= 256
    # the same long guid gives the same stored guid: still one id per entry
    assert admit(raw(guid="g" * 5000)).guid == article.guid


@given(
    title=st.text(max_size=300),
    text=st.text(max_size=2000),
    url=st.one_of(st.none(), st.text(max_size=100), st.just("https://kun.uz:99999/")),
    published=st.one_of(st.none(), st.datetimes(timezones=st.just(UTC)), st.datetimes()),
)
@settings(max_examples=150, deadline=None)
def test_admitted_articles_are_storable_or_refused_with_a_reason(
    title: str, text: str, url: str | None, published: datetime | None
) -> None:
    try:
        article = admit(RawArticle(url=url, title=title, text=text, published=published))
    except SourceError as exc:
        assert exc.reason and "\n" not in str(exc)
        return
    for value in (article.title, article.text, article.url or ""):
        value.encode("utf-8")
        assert "\x00" not in value and not any(ch in BIDI for ch in value)
    assert article.title.strip() and article.text.strip()
    assert len(article.title) <= 200
    assert article.published is None or datetime(1990, 1, 1, tzinfo=UTC) <= article.published
    understand(article)


@pytest.mark.parametrize(
    ("text", "title"),
    [
        pytest.param(
            "ASTANA.\n\nKazakhstan opened a data centre in Astana on Tuesday.",
            "Kazakhstan opened a data centre in Astana on Tuesday.",
            id="bare-dateline",
        ),
        pytest.param(
            "BAKU, Azerbaijan, Dec. 3 (Trend) – Azerbaijan and Kazakhstan signed a deal.",
            "Azerbaijan and Kazakhstan signed a deal.",
            id="dateline-and-agency",
        ),
        pytest.param(
            "Trend:\n\nТуркменистан запустил портал госуслуг.",
            "Туркменистан запустил портал госуслуг.",
            id="agency-tag",
        ),
        pytest.param(
            "Фото: Kun.uz\n#IT #Toshkent\nЧитайте также: Новый закон о связи\n"
            "Тошкентда янги IT парк очилди.",
            "Тошкентда янги IT парк очилди.",
            id="credit-hashtags-read-also",
        ),
        pytest.param(
            "АЛМАТЫ, 3 декабря — Kazinform. В Алматы открыли хаб для стартапов.",
            "В Алматы открыли хаб для стартапов.",
            id="kazinform-dateline",
        ),
        pytest.param(
            "Бишкекте жаңы технопарк ачылды, анда жүздөн ашык компания иштейт жана резиденттер "
            "салык жеңилдиктерин алышат, деп билдирди министрлик шейшемби күнү өткөн "
            "маалымат жыйынында журналисттерге.",
            "Бишкекте жаңы технопарк ачылды, анда жүздөн ашык компания иштейт жана резиденттер "
            "салык жеңилдиктерин алышат",
            id="long-sentence-gives-its-clauses",
        ),
    ],
)
def test_derived_titles(text: str, title: str) -> None:
    assert derive_title(text) == title


def test_a_derived_title_is_never_a_sentence_cut_at_the_limit() -> None:
    sentence = " ".join(["Ҳукумати Тоҷикистон барномаи рақамикунонии хизматрасониҳоро"] * 8) + "."
    title = derive_title(sentence)
    assert len(title) <= 140
    assert title.endswith("…") and len(title.split()) <= 14


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(
            "Schöne Grüße aus Almaty".encode() + b"\xff", "Schöne Grüße aus Almaty\ufffd", id="de"
        ),
        pytest.param(
            "Министерство".encode() + b"\x80" + " цифрового развития".encode(),
            "Министерство\ufffd цифрового развития",
            id="ru-stray-byte",
        ),
    ],
)
def test_utf8_with_a_few_invalid_bytes_stays_utf8(content: bytes, expected: str) -> None:
    assert decode(content) == expected


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "utf-16"])
def test_wide_encodings_decode_with_or_without_a_bom(encoding: str) -> None:
    text = news("ru", 3)
    assert decode(text.encode(encoding)) == text


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "Қазақстан стартаптарға арналған платформа іске қосты. Министрлік бұл туралы "
            "сейсенбі күні хабарлады.\n\nРезиденттер салық жеңілдіктерін алады және "
            "бұлтты қызметтерді пайдаланады.",
            id="kk-derived",
        ),
        pytest.param(
            "Tojikiston raqamli xizmatlar portalini ishga tushirdi va uni barcha vazirliklar "
            "qo'llaydi.\n\nPortal orqali fuqarolar yuzdan ortiq xizmatdan foydalanadi.",
            id="uz-derived",
        ),
    ],
)
def test_the_summary_never_repeats_the_title(text: str) -> None:
    admitted = admit(RawArticle(url="https://kun.uz/2", title="", text=text))
    article = understand(admitted)
    assert admitted.title and article.summary
    assert admitted.title.rstrip(".") not in article.summary
