"""End-to-end fixtures: the loopback Bot API server and the real Application against it."""

from __future__ import annotations

import os

# Opt in to PTB's timedelta retry_after now: without it every 429 raises a deprecation
# warning, which this suite turns into an error.
os.environ.setdefault("PTB_TIMEDELTA", "1")

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest_asyncio

from bot.app import build_application, running
from bot.config import Config
from tests.conftest import Database
from tests.e2e.botapi import JSON, BotAPIServer, SentMessage
from tests.e2e.data import seed

ADMIN_ID = 999_000


@dataclass
class Chat:
    """One chat with the bot: a user types, the test reads what the bot answered."""

    server: BotAPIServer
    chat: JSON
    user: JSON

    @property
    def id(self) -> int:
        return int(self.chat["id"])

    async def send(self, text: str, *, replies: int = 1, wait: float = 10.0) -> list[SentMessage]:
        """Type ``text``; return the bot's new messages once ``replies`` have arrived."""
        before = len(self.server.sent(self.id))
        mark = len(self.server.calls)
        self.server.push_text(self.chat, self.user, text)
        if replies:
            await self.server.wait_sent(self.id, count=replies, wait=wait, since=mark)
        await asyncio.sleep(0.05)  # let a handler that sends more finish its calls
        return self.server.sent(self.id)[before:]

    async def press(self, message: SentMessage, data: str, *, wait: float = 10.0) -> JSON:
        """Press an inline button; return the answerCallbackQuery call's parameters."""
        mark = len(self.server.calls)
        query_id = self.server.push_callback(self.user, message, data)
        calls = await self.server.wait_for(
            lambda c: (
                c.method == "answerCallbackQuery" and c.params.get("callback_query_id") == query_id
            ),
            wait=wait,
            since=mark,
        )
        await asyncio.sleep(0.05)
        return calls[0].params

    def messages(self) -> list[SentMessage]:
        return self.server.sent(self.id)


@pytest_asyncio.fixture
async def server() -> AsyncIterator[BotAPIServer]:
    async with BotAPIServer() as srv:
        yield srv


@pytest_asyncio.fixture
async def seeded(sqlite_db: Database) -> Database:
    """A real SQLite database holding the seed articles and synthetic ones."""
    await seed(sqlite_db.sessionmaker)
    return sqlite_db


def make_config(server: BotAPIServer, **telegram: Any) -> Config:
    """Return a config pointing the bot at the loopback server, with short timeouts."""
    settings = {
        "token": server.token,
        "base_url": server.base_url,
        "base_file_url": server.base_file_url,
        "admins": [ADMIN_ID],
        "poll_timeout": 1,
        "read_timeout": 3.0,
        "connect_timeout": 2.0,
        "max_retries": 2,
        **telegram,
    }
    # No polling: a source a test adds is not to be read (nor any address off this machine).
    # Metrics on a free port: tests run side by side, and 9464 may be taken.
    return Config(telegram=settings, ingest={"poll": False}, metrics={"port": 0})


@pytest_asyncio.fixture
async def bot(server: BotAPIServer, seeded: Database) -> AsyncIterator[BotAPIServer]:
    """Run the real Application against the server until the test ends."""
    server.add_chat(server.private_chat(ADMIN_ID))
    app = build_application(make_config(server), engine=seeded.engine)
    async with running(app):
        yield server


_next_chat = iter(range(1000, 10_000))


def private(server: BotAPIServer, lang: str | None = "en") -> Chat:
    """Open a private chat with a new user speaking ``lang``."""
    n = next(_next_chat)
    return Chat(server, server.private_chat(n, f"User{n}"), server.user(n, lang, f"User{n}"))


def group(server: BotAPIServer, lang: str | None = "en") -> Chat:
    """Open a supergroup where a new user speaks ``lang``."""
    n = next(_next_chat)
    return Chat(server, server.group_chat(-100_000 - n), server.user(n, lang, f"User{n}"))
