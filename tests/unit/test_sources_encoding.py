"""decode(): Cyrillic comes out right whatever the bytes claim to be."""

from __future__ import annotations

from pathlib import Path

import pytest

from digests.errors import SourceError
from digests.sources.encoding import decode, looks_like_text

SEEDS = Path(__file__).parent.parent / "fixtures" / "seeds"
RUSSIAN = (SEEDS / "004_2d6ca10c64bcb45e.txt").read_text("utf-8")  # Russian, Kazakhstan
TAJIK_RU = (SEEDS / "000_e5c67c44697725e2.txt").read_text("utf-8")  # Russian, Tajikistan
UZBEK_CYR = (SEEDS / "001_5aa6a9335c8af796.txt").read_text("utf-8")
ENGLISH = (SEEDS / "003_ed859990f82a85b7.txt").read_text("utf-8")
KAZAKH = "Қазақстан цифрлық мемлекетке айналуы керек. Әлемдегі технологиялық бәсеке күшейіп отыр."
# KOI8-R has no em dash or guillemets; the Russian seeds use both
RUSSIAN_KOI8 = RUSSIAN.replace("—", "-").replace("–", "-").replace("«", '"').replace("»", '"')


@pytest.mark.parametrize(
    ("text", "encoding", "declared"),
    [
        pytest.param(RUSSIAN, "utf-8", None, id="utf8-undeclared"),
        pytest.param(RUSSIAN, "utf-8", "iso-8859-1", id="utf8-declared-latin1"),
        pytest.param(RUSSIAN, "utf-8", "windows-1251", id="utf8-declared-cp1251"),
        pytest.param(RUSSIAN, "cp1251", None, id="cp1251-undeclared"),
        pytest.param(RUSSIAN, "cp1251", "windows-1251", id="cp1251-declared"),
        pytest.param(RUSSIAN, "cp1251", "utf-8", id="cp1251-wrongly-declared-utf8"),
        pytest.param(RUSSIAN, "cp1251", "iso-8859-1", id="cp1251-wrongly-declared-latin1"),
        pytest.param(RUSSIAN, "cp1251", "koi8-r", id="cp1251-wrongly-declared-koi8r"),
        pytest.param(TAJIK_RU, "cp1251", None, id="cp1251-second-text"),
        pytest.param(RUSSIAN_KOI8, "koi8-r", None, id="koi8r-undeclared"),
        pytest.param(RUSSIAN_KOI8, "koi8-r", "windows-1251", id="koi8r-wrongly-declared-cp1251"),
        pytest.param(RUSSIAN_KOI8, "koi8-r", "utf-8", id="koi8r-wrongly-declared-utf8"),
        pytest.param(UZBEK_CYR, "utf-8", "iso-8859-1", id="uzbek-cyrillic-utf8-declared-latin1"),
        pytest.param(KAZAKH, "kz1048", None, id="kazakh-kz1048-undeclared"),
        pytest.param(ENGLISH, "utf-8", "iso-8859-1", id="english-utf8-declared-latin1"),
        pytest.param("Café in Tashkent: déjà vu", "cp1252", "iso-8859-1", id="latin1-declared"),
    ],
)
def test_decode(text: str, encoding: str, declared: str | None) -> None:
    assert decode(text.encode(encoding), declared=declared) == text


@pytest.mark.parametrize(
    "encoding",
    [
        pytest.param("utf-8-sig", id="utf8-bom"),
        pytest.param("utf-16", id="utf16-bom"),
    ],
)
def test_bom_wins_over_declaration(encoding: str) -> None:
    assert decode(RUSSIAN.encode(encoding), declared="windows-1251") == RUSSIAN


@pytest.mark.parametrize(
    ("head", "encoding"),
    [
        pytest.param('<?xml version="1.0" encoding="windows-1251"?>', "cp1251", id="xml-decl"),
        pytest.param('<meta charset="koi8-r">', "koi8-r", id="html-meta"),
    ],
)
def test_in_document_declaration_is_honoured(head: str, encoding: str) -> None:
    text = head + "\n<p>Президент подчеркнул стратегическое значение этого направления.</p>"
    assert decode(text.encode(encoding)) == text


def test_binary_is_refused() -> None:
    with pytest.raises(SourceError) as caught:
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8, item="blob.png")
    assert caught.value.item == "blob.png"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(RUSSIAN, True, id="russian"),
        pytest.param(ENGLISH, True, id="english"),
        pytest.param(RUSSIAN.encode("cp1251").decode("cp1252"), False, id="cp1251-as-cp1252"),
        pytest.param(RUSSIAN_KOI8.encode("koi8-r").decode("cp1251"), False, id="koi8r-as-cp1251"),
        pytest.param(
            RUSSIAN.encode("utf-8").decode("cp1251", "replace"), False, id="utf8-as-cp1251"
        ),
        pytest.param(RUSSIAN.encode("utf-8").decode("latin-1"), False, id="utf8-as-latin1"),
    ],
)
def test_looks_like_text_spots_mojibake(text: str, expected: bool) -> None:
    assert looks_like_text(text) is expected
