"""The typed context every handler gets: the database, the config and the reader's language."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram.ext import CallbackContext, ExtBot

from bot import i18n
from bot.config import Config
from bot.error_reports import ErrorReports
from digests.sources.http import Fetcher
from digests.sources.workers import WorkerPool

if TYPE_CHECKING:
    from bot.delivery import Sender
    from bot.health import HealthServer, Readiness

logger = logging.getLogger(__name__)


def system_clock() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


@dataclass(slots=True)
class BotData:
    """Long-lived resources, created in post_init and closed in post_shutdown."""

    cfg: Config | None = None
    engine: AsyncEngine | None = None
    sessionmaker: async_sessionmaker[AsyncSession] | None = None
    owns_engine: bool = False
    # What time it is: injectable, so tests move time instead of sleeping.
    clock: Callable[[], datetime] = system_clock
    sender: Sender | None = None
    fetcher: Fetcher | None = None
    # the poll job's pages are extracted and understood here, never on the event loop
    pool: WorkerPool | None = None
    pool_starting: asyncio.Task[None] | None = None
    http: httpx.AsyncClient | None = None
    readiness: Readiness | None = None
    health: HealthServer | None = None
    # The Bot API answered 401 (token revoked or replaced): the bot exits for a restart.
    token_refused: bool = False
    stop: asyncio.Event | None = None  # set to end ``bot.app.run``
    error_reports: ErrorReports = field(default_factory=ErrorReports)

    def now(self) -> datetime:
        """Return the current time by this bot's clock."""
        return self.clock()


@dataclass(slots=True)
class ChatData:
    """What the bot remembers about a chat between updates (in memory only)."""

    ui_lang: str | None = None
    lang_loaded: bool = False
    searches: dict[int, str] = field(default_factory=dict)
    next_search: int = 0
    # The /subscribe flow's choices so far (bot.render_subscribe.Draft as a dict), or None.
    draft: dict[str, Any] | None = None

    def remember_search(self, query: str) -> int:
        """Keep a search query for its "More" button; return its number."""
        self.next_search += 1
        self.searches[self.next_search] = query
        for old in [n for n in self.searches if n <= self.next_search - 50]:
            del self.searches[old]
        return self.next_search


class ChaikhanaContext(CallbackContext[ExtBot[None], dict, ChatData, BotData]):  # type: ignore[type-arg]
    """CallbackContext with typed access to the session factory, config and UI language."""

    @property
    def db(self) -> async_sessionmaker[AsyncSession]:
        """Return the session factory (one session per update)."""
        maker = self.bot_data.sessionmaker
        if maker is None:
            raise RuntimeError("the database is not open (post_init has not run)")
        return maker

    @property
    def cfg(self) -> Config:
        """Return the configuration the application was built with."""
        cfg = self.bot_data.cfg
        if cfg is None:
            raise RuntimeError("the application has no config")
        return cfg

    @property
    def chat(self) -> ChatData:
        """Return the chat's data (a throwaway one for updates without a chat)."""
        return self.chat_data if self.chat_data is not None else ChatData()

    def lang_for(self, language_code: str | None) -> str:
        """Return the UI language: the chat's choice, else the user's Telegram language."""
        chosen = self.chat_data.ui_lang if self.chat_data is not None else None
        return chosen or i18n.normalize_lang(language_code)
