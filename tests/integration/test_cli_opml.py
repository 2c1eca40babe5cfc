"""chaikhana sources import / export: OPML round trips through a real SQLite database."""

from __future__ import annotations

from pathlib import Path

import pytest

from digests.sources import opml
from tests.integration.test_cli import run, workdir  # noqa: F401  (the fixture)

LIST = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>mine</title></head><body>
<outline text="Tech">
  <outline text="Kun.uz" type="rss" xmlUrl="https://kun.uz/news/rss"
           country="uz" language="uz" weight="1.5"/>
  <outline text="24.kg" type="rss" xmlUrl="https://24.kg/rss/" country="kg" language="ru"/>
  <outline text="Kun.uz again" type="rss" xmlUrl="https://kun.uz/news/rss"/>
  <outline text="Mail" type="rss" xmlUrl="mailto:news@example.kz"/>
</outline>
</body></opml>"""


def test_import_then_export_keeps_country_language_and_weight(
    workdir: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    (workdir / "mine.opml").write_bytes(LIST)
    status, out, err = run(capsys, "sources", "import", "mine.opml")
    assert status == 1  # something was refused; the rest is in
    assert out.strip() == "added 2, already there 0, refused 2"
    assert err.count("refused: outline ") == 2 and "appears twice" in err and "mailto:" in err

    status, out, err = run(capsys, "sources", "import", "mine.opml")
    assert "added 0, already there 2" in out

    status, out, _ = run(capsys, "sources", "export", "-o", "back.opml")
    assert status == 0
    back = opml.read((workdir / "back.opml").read_bytes())
    assert back.refused == []
    assert [(s.url, s.country, s.lang, s.weight) for s in back.sources] == [
        ("https://kun.uz/news/rss", "uz", "uz", 1.5),
        ("https://24.kg/rss/", "kg", "ru", 1.0),
    ]


def test_starter_list_imports_once(
    workdir: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(capsys, "sources", "import", "--starter")
    count = len(opml.starter())
    assert status == 0 and out.strip() == f"added {count}, already there 0, refused 0"
    status, out, _ = run(capsys, "sources", "list", "--json")
    assert out.count('"country": "kz"') >= 2 and out.count('"country": "uz"') >= 4
    status, out, _ = run(capsys, "sources", "import", "--starter")
    assert out.strip() == f"added 0, already there {count}, refused 0"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(("sources", "import"), "give an .opml file or --starter", id="nothing"),
        pytest.param(("sources", "import", "missing.opml"), "missing.opml", id="no-such-file"),
    ],
)
def test_import_usage_errors_are_one_line(
    workdir: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    argv: tuple[str, ...],
    message: str,
) -> None:
    status, _, err = run(capsys, *argv)
    assert status in (1, 2) and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_malformed_file_is_one_refusal(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    (workdir / "bad.opml").write_bytes(b"<opml><body><outline text='x'")
    status, out, err = run(capsys, "sources", "import", "bad.opml")
    assert status == 1 and "added 0" in out and "not well-formed XML" in err
