"""The database at its edges: processes started at once on a fresh database, values longer
than a column's declared length, a full disk, a read-only directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.services import sources as source_service
from digests.sources.markup import shorten
from storage import sources
from tests.conftest import Database, _admin, _find_admin_url, _with_database

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "bot" / "samples"
DEADLINE = 120.0  # seconds a started process may take on a loaded machine

# Each process imports everything first, then waits for the "go" file, so that both reach
# the migration within milliseconds of each other rather than a second apart.
_AT_ONCE = """
import os, sys, time
from bot.cli import main
ready, go = sys.argv[1], sys.argv[2]
open(ready, "w").close()
while not os.path.exists(go):
    time.sleep(0.002)
sys.exit(main(sys.argv[3:]))
"""


def _env(url: str) -> dict[str, str]:
    """Return the environment of a child: no CHAIKHANA_* of ours, this database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAIKHANA_")}
    env["CHAIKHANA_DATABASE__URL"] = url
    return env


def _start_together(
    tmp_path: Path, url: str, commands: list[list[str]]
) -> list[subprocess.CompletedProcess[str]]:
    """Start one process per command, release them at the same instant, wait for all."""
    go = tmp_path / f"go-{uuid.uuid4().hex}"
    ready = [tmp_path / f"ready-{uuid.uuid4().hex}" for _ in commands]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _AT_ONCE, str(flag), str(go), *command],
            cwd=tmp_path,
            env=_env(url),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for flag, command in zip(ready, commands, strict=True)
    ]
    deadline = time.monotonic() + DEADLINE
    while not all(flag.exists() for flag in ready):
        assert time.monotonic() < deadline, "the processes never got ready"
        assert all(proc.poll() is None for proc in procs), "a process died while importing"
        time.sleep(0.01)
    go.touch()
    results = []
    for proc, command in zip(procs, commands, strict=True):
        out, err = proc.communicate(timeout=DEADLINE)
        results.append(subprocess.CompletedProcess(command, proc.returncode, out, err))
    return results


@pytest.fixture
def fresh_pg() -> Iterator[str]:
    """Yield the URL of a new, empty PostgreSQL database, dropped afterwards."""
    import asyncio

    admin_url = asyncio.run(_find_admin_url())
    name = f"chaikhana_test_{uuid.uuid4().hex[:16]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield _with_database(admin_url, name)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _ingest_pair() -> list[list[str]]:
    samples = sorted(SAMPLES.glob("*.txt"))
    return [["ingest", "--json", str(samples[0])], ["ingest", "--json", str(samples[1])]]


def _assert_both_ingested(results: list[subprocess.CompletedProcess[str]]) -> None:
    for result in results:
        assert result.returncode == 0, result.stderr
        assert "database is locked" not in result.stderr
        stored = [json.loads(line) for line in result.stdout.splitlines()]
        assert len(stored) == 1 and stored[0]["status"] == "new", result.stdout


@pytest.mark.parametrize("round_", range(3))
def test_two_processes_on_a_fresh_sqlite_file_both_ingest(tmp_path: Path, round_: int) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    _assert_both_ingested(_start_together(tmp_path, url, _ingest_pair()))


@pytest.mark.postgres
def test_two_processes_on_a_fresh_postgres_database_both_ingest(
    tmp_path: Path, fresh_pg: str
) -> None:
    _assert_both_ingested(_start_together(tmp_path, fresh_pg, _ingest_pair()))


# ---- values longer than a column's declared length ----------------------------------------


async def test_a_long_etag_and_last_modified_are_kept_on_both_databases(db: Database) -> None:
    """A feed server's 700-character ETag failed the whole poll on PostgreSQL (varchar(512))."""
    etag = '"' + "Ә" * 700 + '"'
    last_modified = "Mon, 07 Dec 2026 08:00:00 GMT; " + "ё" * 300
    async with db.sessionmaker() as session, session.begin():
        record = await sources.add(session, kind="rss", url="https://kaktus.kg/rss")
        await sources.record_success(
            session,
            record.id,
            now=datetime(2026, 12, 7, 8, tzinfo=UTC),
            etag=etag,
            last_modified=last_modified,
            new_articles=0,
            interval=900,
        )
    async with db.sessionmaker() as session:
        stored = await sources.get(session, record.id)
    assert stored is not None
    assert (stored.etag, stored.last_modified) == (etag, last_modified)


async def test_a_long_source_name_is_stored_the_same_on_both_databases(db: Database) -> None:
    """A 300-character name was refused by PostgreSQL (varchar(256)) and kept by SQLite."""
    name = "Кыргызстандын технология жаңылыктары " * 9
    record = await source_service.add(db.sessionmaker, "https://kloop.kg/rss", name=name)
    assert record.name is not None and len(record.name) <= 256
    assert record.name == shorten(" ".join(name.split()), 256)
