"""`chaikhana db backup`: a consistent copy of a live SQLite database, whole or nothing."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from bot.cli import main
from bot.services import maintenance
from storage.db import make_engine, upgrade

NAMES = ("Kun.uz", "Азаттык", "Қазақпарат", "Asia-Plus", "Türkmenportal", "Вести Бишкек")


class Writer(threading.Thread):
    """Another connection that keeps inserting sources, one transaction each, until stopped."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path, self.stop, self.written = path, threading.Event(), 0
        self.started_writing = threading.Event()

    def run(self) -> None:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            while not self.stop.is_set():
                n = self.written
                conn.execute(
                    "INSERT INTO sources (kind, url, name, active, failures, articles_total,"
                    " weight, created_at) VALUES ('rss', ?, ?, 1, 0, 0, 1.0, '2026-12-03')",
                    (f"https://live.example/{n}", f"{NAMES[n % len(NAMES)]} {n}"),
                )
                self.written += 1
                if self.written >= 50:
                    self.started_writing.set()
        finally:
            conn.close()


@pytest.fixture
async def live_db(tmp_path: Path) -> Path:
    """Return a migrated SQLite database file holding a few megabytes of sources."""
    path = tmp_path / "live" / "chaikhana.db"
    engine = make_engine(f"sqlite:///{path}")
    await upgrade(engine)
    await engine.dispose()
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO sources (kind, url, name, active, failures, articles_total, weight,"
            " created_at, last_error) VALUES ('page', ?, ?, 1, 0, 0, 1.0, '2026-12-01', ?)",
            (
                (f"https://old.example/{n}", NAMES[n % len(NAMES)], "ошибка " * 60)
                for n in range(10_000)
            ),
        )
    return path


def urls(path: Path) -> list[str]:
    """Return the source URLs stored in a database file, in id order."""
    with sqlite3.connect(path) as conn:
        return [r[0] for r in conn.execute("SELECT url FROM sources ORDER BY id")]


async def test_backup_while_another_connection_writes_is_a_consistent_copy(
    live_db: Path, tmp_path: Path
) -> None:
    writer = Writer(live_db)
    writer.start()
    assert writer.started_writing.wait(10)
    try:
        before = writer.written
        report = await maintenance.backup(f"sqlite:///{live_db}", tmp_path / "copy.db")
        written_during = writer.written
    finally:
        writer.stop.set()
        writer.join(10)
    assert written_during > before  # the writer went on while the copy was made

    assert report.path == tmp_path / "copy.db" and report.integrity == "ok"
    check_snapshot(report.path, live_db)


def check_snapshot(copy: Path, live_db: Path) -> None:
    """Check the copy is whole, self-contained and a snapshot of the live database."""
    assert not copy.with_name(".copy.db.partial").exists()
    assert not Path(f"{copy}-wal").exists()  # one self-contained file
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() is not None
    copied = urls(copy)
    live = urls(live_db)
    # a snapshot: all the old rows, then an unbroken run of the live writer's rows
    assert copied[:10_000] == [f"https://old.example/{n}" for n in range(10_000)]
    k = len(copied) - 10_000
    assert 50 <= k <= len(live) - 10_000
    assert copied == live[: len(copied)]


def test_cli_backup_of_sqlite_into_a_directory(
    live_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CHAIKHANA_DATABASE__URL", f"sqlite:///{live_db}")
    target = tmp_path / "backups"
    target.mkdir()
    assert main(["db", "backup", str(target)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("backed up ") and "integrity ok" in out
    assert urls(target / "chaikhana.db") == urls(live_db)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        pytest.param(
            "postgresql://chaikhana@db:5432/chaikhana",
            "PostgreSQL: back it up with pg_dump",
            id="pg",
        ),
        pytest.param("sqlite:///:memory:", "in memory", id="memory"),
        pytest.param("sqlite:///{tmp}/nothing.db", "no such database file", id="missing"),
        pytest.param("sqlite:///{tmp}/copy.db", "is the database itself", id="itself"),
    ],
)
def test_cli_backup_refuses_what_it_cannot_copy_in_one_line(
    url: str,
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "copy.db").write_bytes(b"")
    monkeypatch.setenv("CHAIKHANA_DATABASE__URL", url.format(tmp=tmp_path))
    assert main(["db", "backup", str(tmp_path / "copy.db")]) == 1
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not any(p.name.endswith(".partial") for p in tmp_path.iterdir())
