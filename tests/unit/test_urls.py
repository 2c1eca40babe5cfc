"""Canonical URLs and content hashes: how one article is recognised under two names."""

from __future__ import annotations

import pytest

from digests.text import content_hash
from digests.urls import canonical_url


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param(
            "https://kun.uz/news/2025/04/07/it-park?utm_source=telegram&utm_medium=social",
            "https://kun.uz/news/2025/04/07/it-park",
            id="utm",
        ),
        pytest.param(
            "http://www.Inform.kz/ru/article/1/", "https://inform.kz/ru/article/1", id="host"
        ),
        pytest.param(
            "https://24.kg/a?id=5&fbclid=XYZ#comments", "https://24.kg/a?id=5", id="fbclid"
        ),
        pytest.param(
            "https://asiaplustj.info:443/ru/news?b=2&a=1",
            "https://asiaplustj.info/ru/news?a=1&b=2",
            id="port-order",
        ),
    ],
)
def test_same_article_same_canonical_url(a: str, b: str) -> None:
    assert canonical_url(a) == canonical_url(b)


def test_different_articles_stay_different() -> None:
    assert canonical_url("https://kun.uz/news?id=1") != canonical_url("https://kun.uz/news?id=2")
    assert canonical_url("https://kun.uz/a") != canonical_url("https://daryo.uz/a")


def test_non_http_urls_are_left_alone() -> None:
    assert canonical_url("file:///tmp/x.txt") == "file:///tmp/x.txt"
    assert canonical_url(None) is None
    assert canonical_url("") is None


def test_content_hash_ignores_case_spacing_and_punctuation() -> None:
    text = "Қасым-Жомарт Тоқаев: «Қазақстан цифрлық мемлекет болуы керек». " * 5
    assert content_hash("A", text) == content_hash("B", text.upper().replace(" ", "  "))
    assert content_hash("A", text) != content_hash("A", text + " Астана Hub")


def test_short_texts_are_told_apart_by_title() -> None:
    assert content_hash("Kun.uz: IT Park", "Qisqa matn.") != content_hash("Daryo", "Qisqa matn.")
