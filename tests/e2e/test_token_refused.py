"""A token revoked while the bot runs: the process exits 3 for its supervisor, digests wait.

`chaikhana run` as a real process against the loopback Bot API server, with digests due;
the server refuses the token (401) from the first digest on.
"""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.app import EXIT_TOKEN_REFUSED
from storage import models
from tests.conftest import Database
from tests.e2e.botapi import BotAPIServer
from tests.e2e.test_digests import store_fresh_news
from tests.e2e.test_outbox_processes import bot_env, due_subscribers, start_bot


async def test_a_401_mid_run_exits_3_fails_no_digest_and_prints_no_token(
    sqlite_db: Database, tmp_path: Path
) -> None:
    chats = range(300_000, 300_005)
    await store_fresh_news(sqlite_db, published=datetime.now(UTC) - timedelta(hours=1))
    await due_subscribers(sqlite_db, chats)
    async with BotAPIServer() as server:
        for chat_id in chats:
            server.add_chat(server.private_chat(chat_id))
        # Revoked in the middle of the run: the digests' sends are the first to hear it.
        server.fail("sendMessage", 401, times=10_000, description="Unauthorized")
        bot = await start_bot(bot_env(server, sqlite_db.url), tmp_path)
        try:
            _, err = await asyncio.wait_for(bot.communicate(), 90)
        finally:
            if bot.returncode is None:
                bot.send_signal(signal.SIGKILL)
                await bot.wait()
    log = err.decode()
    assert bot.returncode == EXIT_TOKEN_REFUSED, log[-2000:]
    assert server.calls_to("sendMessage"), "no digest was tried: nothing was tested"
    secret = server.token.split(":", 1)[1]
    assert secret not in log
    assert "401" in log and "telegram.token" in log
    async with sqlite_db.sessionmaker() as session:
        rows = (await session.execute(select(models.Delivery))).scalars().all()
    assert len(rows) == len(chats)
    assert {(r.status, r.attempts) for r in rows} == {("pending", 0)}
