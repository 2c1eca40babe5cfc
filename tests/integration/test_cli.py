"""The `chaikhana` command on real files and a real SQLite database."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

SEEDS = sorted((Path(__file__).parents[1] / "fixtures" / "seeds").glob("*.txt"))


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty folder with no configuration, so the database is ./chaikhana.db."""
    for key in list(os.environ):
        if key.startswith("CHAIKHANA_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run one command in-process and return its status, stdout and stderr."""
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def stored_titles(db: Path) -> list[str]:
    """Return the titles in the database, read with the sqlite3 module."""
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute("SELECT title FROM articles ORDER BY id")]


def test_ingest_seeds_json_then_again_finds_five_duplicates(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, "ingest", *map(str, SEEDS), "--json")
    assert status == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 5
    for obj in lines:
        assert set(obj) >= {"id", "url", "title", "lang", "countries", "events", "summary"}
        assert obj["url"].startswith("file://")
        assert obj["title"]
        assert obj["status"] == "new"
    by_file = {Path(obj["url"]).name: obj for obj in lines}
    assert by_file["001_5aa6a9335c8af796.txt"]["published"].startswith("2026-01-05")
    assert by_file["004_2d6ca10c64bcb45e.txt"]["published"].startswith("2026-01-05")
    assert not by_file["001_5aa6a9335c8af796.txt"]["title"].startswith("date")
    assert err.strip().splitlines()[-1] == "ingested 5, duplicates 0, failed 0"
    assert (workdir / "chaikhana.db").is_file()

    status, out, err = run(capsys, "ingest", *map(str, SEEDS), "--json")
    assert status == 0
    again = [json.loads(line) for line in out.splitlines()]
    assert [obj["status"] for obj in again] == ["duplicate"] * 5
    assert err.strip().splitlines()[-1] == "ingested 0, duplicates 5, failed 0"
    assert len(stored_titles(workdir / "chaikhana.db")) == 5


def test_bad_items_get_one_line_each_and_the_rest_is_ingested(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = {
        "url": "https://kun.uz/news/2025/04/07/it-park-toshkent?utm_source=tg",
        "title": "Toshkentda IT Park yangi binosi ochildi",
        "text": "Toshkentda IT Park rezidentlari uchun yangi bino ochildi. " * 5,
        "published": "2025-04-07T10:00:00+05:00",
    }
    lines = ["{not json", json.dumps(good, ensure_ascii=False), json.dumps({"title": "no text"})]
    (workdir / "mixed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (workdir / "blob.txt").write_bytes(bytes(range(256)) * 64)
    (workdir / "empty.html").write_text("", encoding="utf-8")
    status, _, err = run(
        capsys,
        "ingest",
        str(workdir / "mixed.jsonl"),
        str(workdir / "blob.txt"),
        str(workdir / "empty.html"),
        str(workdir / "missing.txt"),
        str(SEEDS[0]),
    )
    assert status == 1
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 5, err
    assert any("mixed.jsonl:1" in line for line in errors)
    assert any("mixed.jsonl:3" in line for line in errors)
    assert any("blob.txt" in line for line in errors)
    assert any("empty.html" in line for line in errors)
    assert any("missing.txt" in line and "no such file" in line for line in errors)
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == "ingested 2, duplicates 0, failed 5"
    titles = stored_titles(workdir / "chaikhana.db")
    assert titles[0] == good["title"]
    assert len(titles) == 2


def test_tracking_parameters_do_not_make_a_new_article(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = {
        "title": "Astana Hub запустил новую программу акселерации",
        "text": "Международный технопарк Astana Hub запустил программу для стартапов. " * 4,
    }
    first = {**base, "url": "https://astanahub.com/ru/blog/accel"}
    second = {
        **base,
        "url": "http://www.astanahub.com/ru/blog/accel/?utm_source=telegram&fbclid=1",
        "text": base["text"] + " Обновлено.",
    }
    path = workdir / "two.jsonl"
    path.write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in (first, second)), encoding="utf-8"
    )
    status, _, err = run(capsys, "ingest", str(path))
    assert status == 0
    assert err.strip().splitlines()[-1] == "ingested 1, duplicates 1, failed 0"


def test_bad_config_is_one_line_and_exit_2(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "config.toml").write_text("[ingest]\nper_host = 0\n", encoding="utf-8")
    status, _, err = run(capsys, "ingest", str(SEEDS[0]))
    assert status == 2
    assert err.strip() == (
        "chaikhana: config: ingest.per_host: Input should be greater than or equal to 1"
    )


def test_run_refuses_the_placeholder_token(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHAIKHANA_TELEGRAM__TOKEN", "PUT-YOUR-BOT-TOKEN-HERE")
    status, _, err = run(capsys, "run")
    assert status == 2
    assert "telegram.token" in err
    assert "Traceback" not in err


def test_db_upgrade_twice(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for _ in range(2):
        status, out, _ = run(capsys, "db", "upgrade")
        assert status == 0
        assert out.startswith("database is up to date")


def test_console_script_demo(workdir: Path) -> None:
    exe = Path(sys.executable).with_name("chaikhana")
    proc = subprocess.run(
        [str(exe), "demo"], capture_output=True, text=True, timeout=240, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert "ingested 5, duplicates 0, failed 0" in proc.stdout
    assert "the same files again: ingested 0, duplicates 5, failed 0" in proc.stdout
    # the bot's answers to a first /country, /event and /search, as plain text (issue 13)
    lookups = proc.stdout.split("$ /country Kazakhstan", 1)[1].split("would have got:", 1)[0]
    assert "Latest about Kazakhstan" in lookups and "Токаева" in lookups
    event = lookups.split("$ /event ICT Week", 1)[1]
    assert "ICT WEEK 2025" in event and "Apr 7 – 10, 2025" in event.replace("\u2009", " ")
    assert "Place: Dushanbe" in event
    search = lookups.split("$ /search IT Park", 1)[1]
    assert "Results for “IT Park”" in search and "new IT Park complex" in search
    assert "<b>" not in lookups and "&quot;" not in lookups  # plain text, not Telegram HTML
    # and the digest a kz+uz subscriber reading Russian gets, over the days its stories are
    # from: the samples are from 2022 and 2026, no "digest for the day"
    digest = proc.stdout.split("would have got:", 1)[1]
    assert "дайджест за день" not in digest
    assert "новости с 10 июн. 2022 г. по 5 янв. 2026 г." in digest.replace("\u202f", " ")
    assert "🇰🇿 Казахстан" in digest and "Токаева" in digest
    assert "ICT WEEK" not in digest  # Tajikistan's story is not what they asked for
    assert not (workdir / "chaikhana.db").exists()  # the demo uses a scratch database


def test_sources_add_with_a_weight_and_list_it(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "https://kun.uz/news/rss"
    status, out, err = run(capsys, "sources", "add", url, "--country", "uz", "--weight", "2.5")
    assert status == 0, err
    status, out, _ = run(capsys, "sources", "list", "--json")
    [source] = [json.loads(line) for line in out.splitlines()]
    assert (source["url"], source["country"], source["weight"]) == (url, "uz", 2.5)
    with pytest.raises(SystemExit) as refused:
        main(["sources", "add", "https://other.example/rss", "--weight", "50"])
    assert refused.value.code == 2
    assert "--weight: must be from 0.1 to 10: 50" in capsys.readouterr().err


def test_ingest_json_says_whether_each_article_is_tech(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "it.txt").write_text(
        "Astana Hub открыл кампус для IT-стартапов\nТехнопарк Astana Hub открыл кампус для "
        "стартапов. Разработчики получат доступ к облачной платформе и программам обучения.\n",
        encoding="utf-8",
    )
    (workdir / "football.txt").write_text(
        "«Кайрат» выиграл матч у «Астаны»\nФутболисты «Кайрата» выиграли матч на стадионе в "
        "Алматы. Тренер сборной поблагодарил болельщиков, гол забил нападающий.\n",
        encoding="utf-8",
    )
    status, out, err = run(capsys, "ingest", "it.txt", "football.txt", "--json")
    assert status == 0, err
    tech = {Path(obj["url"]).name: obj["tech"] for obj in map(json.loads, out.splitlines())}
    assert tech == {"it.txt": True, "football.txt": False}
    with sqlite3.connect(workdir / "chaikhana.db") as conn:
        stored = dict(conn.execute("SELECT title, tech FROM articles"))
    assert sorted(stored.values()) == [0, 1]  # both stored; only one is shown
