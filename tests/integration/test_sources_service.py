"""One validation for sources, under the bot's ``/sources add`` and ``chaikhana sources add``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bot.cli import main
from bot.services import sources as source_service
from storage import sources
from tests.conftest import Database


@pytest.mark.parametrize(
    ("country", "code"),
    [
        pytest.param("Kazakhstan", "kz", id="en"),
        pytest.param("Казахстан", "kz", id="ru"),
        pytest.param("Қазақстан", "kz", id="kk"),
        pytest.param("Qozog'iston", "kz", id="uz-latn"),
        pytest.param("Қозоғистон", "kz", id="uz-cyrl"),
        pytest.param("🇰🇿", "kz", id="flag"),
        pytest.param("Кыргызстан", "kg", id="ky"),
        pytest.param("Тоҷикистон", "tj", id="tg"),
        pytest.param("Türkmenistan", "tm", id="tk"),
        pytest.param("UZ", "uz", id="code"),
    ],
)
def test_a_country_in_any_language_becomes_its_code(country: str, code: str) -> None:
    source = source_service.validate("https://kun.uz/rss", country=country, lang="RU")
    assert (source.country, source.lang) == (code, "ru")


def test_every_bad_value_is_named_at_once() -> None:
    with pytest.raises(source_service.InvalidSource) as refused:
        source_service.validate(
            "javascript:alert(1)", country="Narnia", lang="russian", weight=50, kind="atom"
        )
    assert [p.field for p in refused.value.problems] == ["url", "kind", "country", "lang", "weight"]
    assert "\n" not in str(refused.value)


async def test_a_refused_source_is_not_stored(db: Database) -> None:
    with pytest.raises(source_service.InvalidSource):
        await source_service.add(
            db.sessionmaker, "https://kaktus.media/rss", country="Kazakhstan", lang="russian"
        )
    async with db.sessionmaker() as session:
        assert await sources.list_all(session) == []


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty folder with no configuration, so the database is ./chaikhana.db."""
    for key in list(os.environ):
        if key.startswith("CHAIKHANA_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_cli_refuses_a_language_name_in_one_line_and_stores_nothing(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["sources", "add", "https://kz.example/rss", "--country", "Kazakhstan"]
    assert main([*argv, "--lang", "russian"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "error: --lang russian: not a language code (ru, en, uz, kk, ky, tg, tk)"
    ]
    assert main(["sources", "list", "--json"]) == 0
    assert capsys.readouterr().out == ""


def test_cli_stores_a_country_name_as_the_bot_does(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["sources", "add", "https://kz.example/rss", "--country", "Қазақстан", "--lang", "KK"]
    assert main(argv) == 0, capsys.readouterr().err
    capsys.readouterr()
    assert main(["sources", "list", "--json"]) == 0
    [source] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (source["country"], source["lang"]) == ("kz", "kk")
