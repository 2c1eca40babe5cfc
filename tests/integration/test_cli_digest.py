"""`chaikhana digest`: what the bot would send for some filters, printed from the shell."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bot.cli import main

SEEDS = sorted((Path(__file__).parents[1] / "fixtures" / "seeds").glob("*.txt"))


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder with no configuration, holding the ingested seeds."""
    for key in list(os.environ):
        if key.startswith("CHAIKHANA_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    assert main(["ingest", *map(str, SEEDS)]) == 0
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_digest_for_a_country_in_russian(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(
        capsys, "digest", "--countries", "Қазақстан", "--lang", "ru", "--since", "2020-01-01"
    )
    assert status == 0, err
    assert "дайджест за день" in out
    assert "🇰🇿 Казахстан" in out and "Токаева" in out  # seed 004, the Russian version
    assert "<b>" not in out  # plain text for a terminal; --html prints what Telegram gets
    assert "ICT WEEK" not in out  # Tajikistan's story is not wanted


def test_digest_json_counts_and_html(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "digest", "--json", "--since", "2020-01-01", "--size", "2")
    assert status == 0
    data = json.loads(out)
    assert len(data["stories"]) == 2 and data["total"] >= 4
    assert data["more"] == data["total"] - 2
    status, out, _ = run(capsys, "digest", "--html", "--since", "2020-01-01", "--topics", "ai")
    assert status == 0 and "<b>" in out


def test_digest_excludes_keywords_in_another_script(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, everything, _ = run(capsys, "digest", "--json", "--since", "2020-01-01")
    _, without, _ = run(capsys, "digest", "--json", "--since", "2020-01-01", "--exclude", "Tokayev")
    titles = {s["title"] for s in json.loads(everything)["stories"]}
    kept = {s["title"] for s in json.loads(without)["stories"]}
    dropped = titles - kept
    # The Uzbek Cyrillic and Russian reports of the Tokayev interview are one story.
    assert len(dropped) == 1 and any("Токаев" in t for t in dropped)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--countries", "Narnia"], "no such country: Narnia", id="country"),
        pytest.param(["--topics", "astrology"], "unknown topic: astrology", id="topic"),
        pytest.param(["--since", "yesterday"], "not a date", id="date"),
        pytest.param(["--since", "2030-01-01"], "--since must come before", id="order"),
    ],
)
def test_bad_arguments_get_one_line(
    workdir: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    status, out, err = run(capsys, "digest", *args)
    assert status == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1
