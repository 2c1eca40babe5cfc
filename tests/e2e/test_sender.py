"""The outbox sender on its own: outcomes written in batches, a stop that releases the rest.

The bot's Sender with PTB's ExtBot, the bot's FloodLimiter and request layer, against the
loopback Bot API server, on a real SQLite database planned by the bot's planner.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event
from telegram.ext import ExtBot

from bot.config import DeliveryConfig, DigestsConfig
from bot.delivery import FLUSH_EVERY, Sender
from bot.ratelimit import FloodLimiter
from bot.request import JSONRequest
from bot.services.digests import plan_due
from storage import outbox
from tests.conftest import Database
from tests.e2e.botapi import BotAPIServer
from tests.e2e.test_digests import store_fresh_news
from tests.e2e.test_outbox_processes import due_subscribers, wait_until

CHATS = range(300_000, 300_240)


def make_bot(server: BotAPIServer, rate: int) -> ExtBot[Any]:
    return ExtBot(
        server.token,
        base_url=server.base_url,
        request=JSONRequest(connection_pool_size=4),
        rate_limiter=FloodLimiter(overall=rate, max_in_flight=4),
    )


async def planned(db: Database) -> datetime:
    """Store news, subscribe every chat, plan; return the clock's 'now' for the sender."""
    now = datetime.now(UTC)
    await store_fresh_news(db, published=now - timedelta(hours=1))
    await due_subscribers(db, CHATS)
    later = now + timedelta(minutes=5)  # past the planner's grace for news just stored
    plan = await plan_due(db.sessionmaker, now=later, cfg=DigestsConfig())
    assert plan.planned == len(CHATS)
    return later


def received(server: BotAPIServer) -> Counter[int]:
    return Counter(m.chat_id for m in server.messages.values() if m.chat_id in CHATS)


async def test_a_stop_releases_the_unsent_in_a_few_statements_and_a_rerun_sends_each_once(
    sqlite_db: Database,
) -> None:
    now = await planned(sqlite_db)
    updates: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE DELIVERIES"):
            updates.append(statement)

    cfg = DeliveryConfig(rate=30, concurrency=8, batch=len(CHATS))
    async with BotAPIServer() as server:
        for chat_id in CHATS:
            server.add_chat(server.private_chat(chat_id))
        async with make_bot(server, rate=30) as bot:
            sender = Sender(sqlite_db.sessionmaker, bot, cfg, clock=lambda: now, worker="t1")
            run = asyncio.ensure_future(sender.run())
            await wait_until(lambda: sum(received(server).values()) >= 10, wait=60, what="sends")
            event.listen(sqlite_db.engine.sync_engine, "before_cursor_execute", record)
            try:
                sender.stop()
                first = await asyncio.wait_for(run, 60)
            finally:
                event.remove(sqlite_db.engine.sync_engine, "before_cursor_execute", record)
            async with sqlite_db.sessionmaker() as session:
                counts = await outbox.counts(session)
            # everything claimed is accounted for: sent, or back in the outbox for later
            assert first.sent == sum(received(server).values()) < len(CHATS)
            assert first.retried == len(CHATS) - first.sent == counts["pending"]
            assert counts["sent"] == first.sent and counts["sending"] == 0
            # …and the released rows were written together, a statement per flush, not one
            # each (before: 228 UPDATEs for 221 releases); two more for the sent and the last
            flushes = -(-first.retried // FLUSH_EVERY)
            assert len(updates) <= 2 * flushes + 2, f"{len(updates)} UPDATEs for {first.retried}"

            again = Sender(sqlite_db.sessionmaker, bot, cfg, clock=lambda: now, worker="t2")
            second = await asyncio.wait_for(again.run(), 120)
    assert second.sent == first.retried
    assert received(server) == Counter(dict.fromkeys(CHATS, 1)), "a digest lost or doubled"
    async with sqlite_db.sessionmaker() as session:
        assert (await outbox.counts(session))["sent"] == len(CHATS)
