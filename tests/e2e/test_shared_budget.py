"""Many instances, one budget: two `chaikhana run` processes share the bot's 30/s.

Both instances send from one PostgreSQL outbox against the loopback Bot API server, which
enforces Telegram's real limit (30 messages in any second, across all connections) and
answers 429 to a message over it. Without a shared budget each instance paces 30/s on its
own and the server refuses dozens; with the budget in Redis it refuses none.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import Database
from tests.e2e.botapi import BotAPIServer, Limits
from tests.e2e.test_digests import store_fresh_news
from tests.e2e.test_outbox_processes import (
    bot_env,
    delivered,
    due_subscribers,
    pg_db,
    start_bot,
    wait_until,
)

__all__ = ["pg_db"]  # the fixture, used by name

CHAIKHANA = str(Path(sys.executable).with_name("chaikhana"))
REDIS = os.environ.get("CHAIKHANA_TEST_REDIS", "redis://127.0.0.1:6379/0")


def fresh_token() -> str:
    """A bot of its own for this run: the budget's key is the bot id."""
    return f"{random.randrange(10**8, 10**9)}:TEST-shared-budget-token"


@pytest.mark.postgres
async def test_two_instances_share_one_30_per_second_budget_with_no_429(
    pg_db: Database, tmp_path: Path
) -> None:
    chats = range(400_000, 400_450)
    await store_fresh_news(pg_db, published=datetime.now(UTC) - timedelta(hours=1))
    await due_subscribers(pg_db, chats)
    async with BotAPIServer(fresh_token(), limits=Limits(overall_per_second=30)) as server:
        for chat_id in chats:
            server.add_chat(server.private_chat(chat_id))
        env = bot_env(
            server,
            pg_db.url,
            CHAIKHANA_DELIVERY__RATE="30",
            CHAIKHANA_DELIVERY__BATCH="40",
            CHAIKHANA_DELIVERY__LEASE="60",
            CHAIKHANA_DELIVERY__SHARED_BUDGET=REDIS,
        )
        bots = [await start_bot(env, tmp_path) for _ in range(2)]
        try:
            await wait_until(
                lambda: len(delivered(server, chats)) == len(chats),
                wait=90,
                what="every chat's digest",
            )
            await asyncio.sleep(1.0)  # anything doubled late would show now
        finally:
            for bot in bots:
                bot.send_signal(signal.SIGTERM)
            logs = [(await asyncio.wait_for(bot.communicate(), 60))[1].decode() for bot in bots]
    for bot, log in zip(bots, logs, strict=True):
        assert bot.returncode == 0, log[-2000:]
    counts = delivered(server, chats)
    assert set(counts.values()) == {1}, "a digest was lost or doubled"
    assert server.flood_429s == 0, f"the server refused {server.flood_429s} messages (429)"
    tried = Counter(str(c.params.get("chat_id")) for c in server.calls_to("sendMessage"))
    assert sum(tried.values()) == len(chats)  # not one message had to be sent twice


async def test_an_unreachable_shared_budget_is_one_clear_line(tmp_path: Path) -> None:
    async with BotAPIServer(fresh_token()) as server:
        env = bot_env(
            server,
            f"sqlite:///{tmp_path / 'bot.db'}",
            CHAIKHANA_DELIVERY__SHARED_BUDGET="redis://127.0.0.1:9/0",
        )
        bot = await start_bot(env, tmp_path)
        _, err = await asyncio.wait_for(bot.communicate(), 60)
    lines = [line for line in err.decode().splitlines() if line.startswith("chaikhana:")]
    assert bot.returncode == 1
    assert len(lines) == 1 and "delivery.shared_budget" in lines[0], err.decode()[-2000:]
    assert "redis://127.0.0.1:9/0" in lines[0]
