"""The database at its edges: processes started at once on a fresh database, values longer
than a column's declared length, a full disk, a read-only directory."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.services import sources as source_service
from digests.sources.markup import shorten
from storage import sources
from storage.db import DatabaseReadOnly, DiskFull, write_failure
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


# ---- a read-only database directory ---------------------------------------------------------

# Root ignores permission bits through CAP_DAC_OVERRIDE: the child drops it (from the bounding
# set, so the exec'd command runs without it), then runs `chaikhana` as a user would.
_WITHOUT_DAC_OVERRIDE = """
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
    libc.prctl(24, capability, 0, 0, 0)  # PR_CAPBSET_DROP; fails harmlessly when not root
if sys.argv[1] == "--can-write":  # after the exec, as the command would be
    probe = os.path.join(sys.argv[2], "probe")
    os.execv(sys.executable, [sys.executable, "-c", f"open({probe!r}, 'w').close()"])
os.execv(sys.executable, [sys.executable, "-m", "bot.cli", *sys.argv[1:]])
"""


def _chaikhana(cwd: Path, url: str, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _WITHOUT_DAC_OVERRIDE, *argv],
        cwd=cwd,
        env=_env(url),
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        check=False,
    )


@pytest.fixture
def read_only_db(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """Yield a folder holding a database of the sample articles, the folder made read-only."""
    folder = tmp_path / "ro"
    folder.mkdir()
    url = f"sqlite:///{folder / 'chaikhana.db'}"
    made = _chaikhana(tmp_path, url, "ingest", *map(str, sorted(SAMPLES.glob("*.txt"))))
    assert made.returncode == 0, made.stderr
    folder.chmod(0o555)
    try:
        if _chaikhana(tmp_path, url, "--can-write", str(folder)).returncode == 0:
            pytest.skip("this machine lets the test's processes write to a mode 0555 folder")
        yield folder, url
    finally:
        folder.chmod(0o755)


def test_lookups_work_on_a_read_only_database(
    tmp_path: Path, read_only_db: tuple[Path, str]
) -> None:
    folder, url = read_only_db
    for argv in (["country", "Қазақстан"], ["latest"], ["search", "IT"]):
        result = _chaikhana(tmp_path, url, *argv, "--json")
        assert result.returncode == 0, f"{argv}: {result.stderr}"
        assert json.loads(result.stdout)["stories"], argv
    events = _chaikhana(tmp_path, url, "events", "--json")
    assert events.returncode == 0, events.stderr
    assert json.loads(events.stdout)
    assert sorted(p.name for p in folder.iterdir()) == ["chaikhana.db"]


def test_a_write_to_a_read_only_directory_says_what_and_where(
    tmp_path: Path, read_only_db: tuple[Path, str]
) -> None:
    folder, url = read_only_db
    article = tmp_path / "new.txt"
    article.write_text(
        "Ташкент IT-парк\nВ Ташкенте открылся новый IT-парк для стартапов Узбекистана.\n",
        encoding="utf-8",
    )
    for argv in (["ingest", str(article)], ["sources", "add", "https://kun.uz/rss"]):
        result = _chaikhana(tmp_path, url, *argv)
        assert result.returncode == 1
        assert result.stderr.splitlines() == [
            f"chaikhana: error: database directory {folder} is read-only"
        ], argv


# ---- a full disk ------------------------------------------------------------------------------

DISK_BYTES = 1_000_000  # the migrated, empty database fits; a few hundred articles do not
_WORDS = {
    "ru": "цифровой технопарк стартап облачный платформа разработчики инвестиции сервис",
    "uz": "raqamli texnopark startap bulutli platforma dasturchilar investitsiya xizmat",
    "uz-Cyrl": "рақамли технопарк стартап булутли платформа дастурчилар инвестиция хизмат",
    "kk": "цифрлық технопарк стартап бұлтты платформа әзірлеушілер инвестиция қызмет",
    "ky": "санариптик технопарк стартап булуттуу платформа иштеп чыгуучулар инвестиция кызмат",
    "tg": "рақамӣ технопарк стартап абрӣ платформа барномасозон сармоягузорӣ хизмат",
    "tk": "sanly tehnopark startap bulut platforma öndirijiler maýa goýum hyzmat",
    "en": "digital technopark startup cloud platform developers investment service",
}
_PLACES = "Astana Almaty Tashkent Samarkand Bishkek Osh Dushanbe Khujand Ashgabat Mary".split()


def _articles_file(path: Path, count: int = 600) -> Path:
    """Write a .jsonl of distinct articles in every language the bot reads."""
    rng = random.Random(11)
    langs = sorted(_WORDS)
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            words = _WORDS[langs[n % len(langs)]].split() + _PLACES
            sentences = [
                " ".join(rng.choice(words) for _ in range(12)).capitalize() + f" {n}-{i}."
                for i in range(30)
            ]
            line = {
                "url": f"https://news.example/{n}",
                "title": f"{rng.choice(_PLACES)} {' '.join(rng.sample(words, 4))} {n}",
                "text": " ".join(sentences),
                "source": "Example",
            }
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    return path


# The child ignores SIGXFSZ, so writing past the limit fails with EFBIG as on a full disk.
_WITH_FILE_SIZE_LIMIT = """
import os, resource, signal, sys
limit = int(sys.argv[1])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
os.execv(sys.executable, [sys.executable, "-m", "bot.cli", *sys.argv[2:]])
"""


def test_a_file_size_limit_stops_ingest_with_one_line(tmp_path: Path) -> None:
    db = tmp_path / "chaikhana.db"
    batch = _articles_file(tmp_path / "articles.jsonl")
    result = subprocess.run(
        [sys.executable, "-c", _WITH_FILE_SIZE_LIMIT, str(DISK_BYTES), "ingest", str(batch)],
        cwd=tmp_path,
        env=_env(f"sqlite:///{db}"),
        capture_output=True,
        text=True,
        timeout=DEADLINE * 2,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"chaikhana: error: file size limit ({DISK_BYTES} bytes, ulimit -f) reached writing {db}"
    ]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """Yield a folder on a tmpfs of DISK_BYTES, where this machine lets us mount one."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "--lazy", str(folder)], check=True)


def test_a_full_disk_stops_ingest_with_one_line(tmp_path: Path, small_disk: Path) -> None:
    db = small_disk / "chaikhana.db"
    batch = _articles_file(tmp_path / "articles.jsonl")
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "ingest", str(batch)],
        cwd=tmp_path,
        env=_env(f"sqlite:///{db}"),
        capture_output=True,
        text=True,
        timeout=DEADLINE * 2,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"chaikhana: error: disk full writing {db}"]


async def test_postgres_disk_full_and_read_only_answers_stop_writes(db: Database) -> None:
    """The server's own answers (SQLSTATE 53100, 25006) are read as no write can succeed."""
    if db.dialect != "postgresql":
        pytest.skip("PostgreSQL's SQLSTATEs; SQLite's full disk is tested above")
    raise_disk_full = (
        "DO $$ BEGIN RAISE EXCEPTION 'could not extend file' USING ERRCODE = '53100'; END $$"
    )
    with pytest.raises(DBAPIError) as full:
        async with db.engine.begin() as conn:
            await conn.execute(text(raise_disk_full))
    stop = write_failure(full.value, db.engine)
    assert isinstance(stop, DiskFull)
    assert str(stop).startswith("disk full writing PostgreSQL database chaikhana_test_")
    with pytest.raises(DBAPIError) as read_only:
        async with db.engine.begin() as conn:
            await conn.execute(text("SET TRANSACTION READ ONLY"))
            await conn.execute(
                text(
                    "INSERT INTO stories (article_count, created_at, updated_at)"
                    " VALUES (0, now(), now())"
                )
            )
    assert isinstance(write_failure(read_only.value, db.engine), DatabaseReadOnly)
    with pytest.raises(DBAPIError) as one_row:
        async with db.engine.begin() as conn:
            await conn.execute(text("SELECT 1 / 0"))
    assert write_failure(one_row.value, db.engine) is None
