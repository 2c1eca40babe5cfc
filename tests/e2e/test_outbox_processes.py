"""The outbox across processes: a SIGKILL in the middle of a fan-out, and two instances.

Each test runs `chaikhana run` as real processes against the loopback Bot API server, with
subscribers whose daily digest is due now, and counts what every chat received.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import func, insert, select

from bot.delivery import FLUSH_EVERY
from storage import models
from tests.conftest import Database, _postgres
from tests.e2e.botapi import BotAPIServer, Limits
from tests.e2e.test_digests import store_fresh_news

CHAIKHANA = str(Path(sys.executable).with_name("chaikhana"))
CONCURRENCY = 16


async def due_subscribers(db: Database, chat_ids: range) -> None:
    """Subscribe every chat to a daily digest whose send time passed a few minutes ago."""
    now = datetime.now(UTC)
    send = (now - timedelta(minutes=3)).strftime("%H:%M")
    async with db.sessionmaker() as session, session.begin():
        await session.execute(
            insert(models.Subscriber),
            [
                {"chat_id": c, "chat_type": "private", "ui_lang": "en", "timezone": "UTC"}
                for c in chat_ids
            ],
        )
        ids = dict(
            (await session.execute(select(models.Subscriber.chat_id, models.Subscriber.id))).all()
        )
        await session.execute(
            insert(models.Subscription),
            [
                {
                    "subscriber_id": ids[c],
                    "countries": [],
                    "topics": [],
                    "keywords_include": [],
                    "keywords_exclude": [],
                    "cadence": "daily",
                    "time_of_day": send,
                    "timezone": "UTC",
                    "next_due_at": now - timedelta(minutes=1),
                }
                for c in chat_ids
            ],
        )


def bot_env(server: BotAPIServer, url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAIKHANA_")}
    env.update(
        CHAIKHANA_DATABASE__URL=url,
        CHAIKHANA_TELEGRAM__TOKEN=server.token,
        CHAIKHANA_TELEGRAM__BASE_URL=server.base_url,
        CHAIKHANA_TELEGRAM__BASE_FILE_URL=server.base_file_url,
        CHAIKHANA_TELEGRAM__POLL_TIMEOUT="1",
        CHAIKHANA_LOGGING__LEVEL="INFO",
        CHAIKHANA_INGEST__POLL="false",
        CHAIKHANA_DIGESTS__PLAN_INTERVAL="0.5",
        CHAIKHANA_DIGESTS__GRACE="0",
        CHAIKHANA_DELIVERY__INTERVAL="0.3",
        CHAIKHANA_DELIVERY__RATE="150",
        CHAIKHANA_DELIVERY__CONCURRENCY=str(CONCURRENCY),
        CHAIKHANA_DELIVERY__LEASE="3",
    )
    env.update(extra)
    return env


async def start_bot(env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        CHAIKHANA,
        "run",
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


def delivered(server: BotAPIServer, chat_ids: range) -> Counter[int]:
    """Count the digests each chat received."""
    return Counter(m.chat_id for m in server.messages.values() if m.chat_id in chat_ids)


async def wait_until(predicate: object, *, wait: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + wait
    while not predicate():  # type: ignore[operator]
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"waited {wait}s for {what}")
        await asyncio.sleep(0.1)


async def test_sigkill_mid_fan_out_then_restart_delivers_each_digest_once(
    sqlite_db: Database, tmp_path: Path
) -> None:
    chats = range(100_000, 101_000)
    await store_fresh_news(sqlite_db, published=datetime.now(UTC) - timedelta(hours=1))
    await due_subscribers(sqlite_db, chats)
    async with BotAPIServer(limits=Limits(overall_per_second=1000)) as server:
        for chat_id in chats:
            server.add_chat(server.private_chat(chat_id))
        env = bot_env(server, sqlite_db.url)
        first = await start_bot(env, tmp_path)
        try:
            await wait_until(
                lambda: sum(delivered(server, chats).values()) >= 300,
                wait=90,
                what="300 digests before the kill",
            )
        finally:
            first.send_signal(signal.SIGKILL)
            await first.wait()
        at_kill = sum(delivered(server, chats).values())
        assert at_kill < len(chats), "the fan-out ended before the kill; nothing was tested"

        second = await start_bot(env, tmp_path)
        try:
            await wait_until(
                lambda: len(delivered(server, chats)) == len(chats),
                wait=120,
                what="every chat's digest after the restart",
            )
            await asyncio.sleep(1.0)  # anything doubled late would show now
        finally:
            second.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(second.communicate(), 60)
    assert second.returncode == 0, err.decode()[-2000:]
    counts = delivered(server, chats)
    repeated = [c for c, n in counts.items() if n > 1]
    print(f"killed after {at_kill} digests; repeated after restart: {len(repeated)}")
    # Only what was in flight at the kill may repeat: messages being sent plus outcomes
    # not yet written (at most one flush's worth).
    assert len(repeated) <= CONCURRENCY + FLUSH_EVERY
    assert max(counts.values()) == 2 or not repeated
    async with sqlite_db.sessionmaker() as session:
        statuses = dict(
            (
                await session.execute(
                    select(models.Delivery.status, func.count()).group_by(models.Delivery.status)
                )
            ).all()
        )
    assert statuses == {"sent": len(chats)}


@pytest_asyncio.fixture
async def pg_db() -> AsyncIterator[Database]:
    async for database in _postgres():
        yield database


@pytest.mark.postgres
async def test_two_instances_share_the_outbox_and_one_plans(
    pg_db: Database, tmp_path: Path
) -> None:
    chats = range(200_000, 200_600)
    await store_fresh_news(pg_db, published=datetime.now(UTC) - timedelta(hours=1))
    await due_subscribers(pg_db, chats)
    async with BotAPIServer(limits=Limits(overall_per_second=1000)) as server:
        for chat_id in chats:
            server.add_chat(server.private_chat(chat_id))
        # Nobody dies here: a lease longer than any send, so a sender starved of CPU on a
        # loaded machine is never taken over while it still sends (that is the SIGKILL test).
        env = bot_env(
            server, pg_db.url, CHAIKHANA_DELIVERY__BATCH="40", CHAIKHANA_DELIVERY__LEASE="60"
        )
        bots = [await start_bot(env, tmp_path) for _ in range(2)]
        errors: list[str] = []
        try:
            await wait_until(
                lambda: len(delivered(server, chats)) == len(chats),
                wait=120,
                what="every chat's digest",
            )
            await asyncio.sleep(1.0)
        finally:
            for bot in bots:
                bot.send_signal(signal.SIGTERM)
            for bot in bots:
                _, err = await asyncio.wait_for(bot.communicate(), 60)
                errors.append(err.decode())
                assert bot.returncode == 0, err.decode()[-2000:]
    counts = delivered(server, chats)
    assert set(counts.values()) == {1}, "a digest was lost or doubled"
    planned = [sum(int(n) for n in re.findall(r"planned (\d+) digests", log)) for log in errors]
    assert sum(planned) == len(chats)
    async with pg_db.sessionmaker() as session:
        workers = (
            await session.execute(select(func.count(func.distinct(models.Delivery.claimed_by))))
        ).scalar_one()
        digests = (await session.execute(select(func.count()).select_from(models.Digest))).scalar()
    assert workers == 2, "both instances should have sent part of the fan-out"
    assert digests == 1  # one composition for 600 subscribers with the same filters
