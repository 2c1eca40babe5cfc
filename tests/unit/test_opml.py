"""digests.sources.opml: OPML 2.0 out and back, hostile files refused outline by outline."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digests.sources import opml
from digests.sources.opml import OpmlSource

NOW = datetime(2026, 12, 3, tzinfo=UTC)


def doc(body: str) -> bytes:
    head = '<?xml version="1.0" encoding="UTF-8"?><opml version="2.0"><head/>'
    return f"{head}<body>{body}</body></opml>".encode()


def test_round_trip_keeps_country_language_and_weight() -> None:
    listed = [
        OpmlSource("https://kun.uz/news/rss", "Kun.uz", "uz", "uz", 1.5),
        OpmlSource("https://24.kg/rss/", "24.kg", "kg", "ru", 0.8),
        OpmlSource("https://example.kz/feed", "Қазақ тілі & <Co>", "kz", "kk", 1.0),
    ]
    found = opml.read(opml.write(listed, title="t", now=NOW))
    assert found.refused == [] and found.sources == listed


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(st.text(max_size=60), min_size=1, max_size=5),
    country=st.sampled_from(["kz", "uz", "kg", "tj", "tm", None]),
    lang=st.sampled_from(["ru", "en", "uz", "kk", "ky", "tg", "tk", None]),
    weight=st.floats(min_value=0.1, max_value=10, allow_nan=False).map(lambda w: round(w, 2)),
)
def test_any_names_round_trip(
    names: list[str], country: str | None, lang: str | None, weight: float
) -> None:
    listed = [
        OpmlSource(f"https://feeds.example/{i}", n or None, country, lang, weight)
        for i, n in enumerate(names)
    ]
    found = opml.read(opml.write(listed, title="any", now=NOW))
    assert found.refused == []
    assert [(s.url, s.country, s.lang, s.weight) for s in found.sources] == [
        (s.url, s.country, s.lang, s.weight) for s in listed
    ]


@given(st.binary(max_size=2_000))
def test_any_bytes_are_read_or_refused_never_raised(data: bytes) -> None:
    found = opml.read(data)
    assert found.sources or found.refused or data.strip() == b"" or found == opml.OpmlRead()


@pytest.mark.parametrize(
    ("data", "refusal"),
    [
        pytest.param(b"<opml><body><outline", "not well-formed XML", id="broken-xml"),
        pytest.param(b"", "not well-formed XML", id="empty"),
        pytest.param(b"<rss version='2.0'><channel/></rss>", "not an OPML document", id="rss"),
        pytest.param(b"\xff\xfe\x00garbage", "not well-formed XML", id="binary"),
    ],
)
def test_a_file_that_is_not_opml_is_one_line(data: bytes, refusal: str) -> None:
    found = opml.read(data)
    assert found.sources == [] and len(found.refused) == 1 and refusal in found.refused[0]


def test_bad_outlines_are_refused_one_line_each_and_the_rest_read() -> None:
    found = opml.read(
        doc(
            '<outline text="ok" xmlUrl="https://ok.example/rss" country="KZ" language="ru"/>'
            '<outline text="twice" xmlUrl="https://ok.example/rss"/>'
            '<outline text="js" xmlUrl="javascript:alert(1)"/>'
            '<outline text="ftp" xmlUrl="ftp://files.example/feed"/>'
            '<outline text="file" xmlUrl="file:///etc/passwd"/>'
            '<outline text="nohost" xmlUrl="https:///path"/>'
            '<outline text="country" xmlUrl="https://a.example/" country="Kazakhstan"/>'
            '<outline text="lang" xmlUrl="https://b.example/" language="de"/>'
            '<outline text="weight" xmlUrl="https://c.example/" weight="1e9"/>'
            '<outline text="nan" xmlUrl="https://d.example/" weight="nan"/>'
            '<outline text="empty"/>'
            '<outline text="folder"><outline text="in" xmlUrl="https://e.example/rss"/></outline>'
        )
    )
    assert [s.url for s in found.sources] == ["https://ok.example/rss", "https://e.example/rss"]
    assert found.sources[0].country == "kz"
    assert len(found.refused) == 10
    assert all(line.startswith("outline ") for line in found.refused)
    assert any("appears twice" in line for line in found.refused)
    assert sum("not an http(s) address" in line for line in found.refused) == 4


def test_entities_are_not_expanded_nor_fetched() -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
        b'<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<opml version="2.0"><body><outline text="&c;&x;" xmlUrl="https://ok.example/"/>'
        b"</body></opml>"
    )
    found = opml.read(laughs)
    assert len(found.sources) <= 1
    for source in found.sources:
        assert "root:" not in (source.name or "") and len(source.name or "") < 1000


def test_100000_outlines_read_the_first_5000_refuse_the_rest_in_one_line() -> None:
    body = "".join(f'<outline text="f{i}" xmlUrl="https://f.example/{i}"/>' for i in range(100_000))
    found = opml.read(doc(body))
    assert len(found.sources) == opml.MAX_OUTLINES
    assert found.refused == ["outlines 5001-100000: more than 5000 in one file"]


def test_starter_list_entries_are_complete() -> None:
    entries = opml.starter()
    assert len(entries) >= 10
    for entry in entries:
        assert entry.url.startswith(("http://", "https://")) and entry.name
        assert entry.country in {"kz", "uz", "kg", "tj", "tm"} and entry.lang in opml.LANGS
        assert entry.found_at and entry.found_at.startswith("https://")
    assert len({e.url for e in entries}) == len(entries)
    # Every country of the region, and every language of its news but Kyrgyz, has a feed.
    assert {e.country for e in entries} == {"kz", "uz", "kg", "tj", "tm"}
    assert {"ru", "en", "uz", "kk", "tg", "tk"} <= {e.lang for e in entries}
    # The list itself is valid OPML once written.
    assert opml.read(opml.write(entries, title="starter", now=NOW)).refused == []
