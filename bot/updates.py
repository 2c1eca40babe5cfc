"""Updates of different chats at once, each chat's in the order they came.

PTB processes updates one at a time by default: one user sending twenty commands makes
everyone else wait behind twenty replies, each held to its chat's 1/s pace. With
concurrent updates every chat proceeds on its own; within a chat (or, for updates without
one, such as inline queries, per user) they still run one after another, so replies
answer commands in order and a flow's steps never overtake each other.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def _key(update: object) -> int | None:
    """Return what an update's order is kept within: its chat, else its user."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Process up to ``max_concurrent_updates`` updates at once, one at a time per chat."""

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._chats: dict[int, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Await the update's handlers after the chat's earlier updates are done."""
        key = _key(update)
        if key is None:
            await coroutine
            return
        lock, users = self._chats.get(key) or (asyncio.Lock(), 0)
        self._chats[key] = (lock, users + 1)
        try:
            async with lock:  # FIFO: updates take the lock in the order they arrived
                await coroutine
        finally:
            lock, users = self._chats[key]
            if users <= 1:
                del self._chats[key]
            else:
                self._chats[key] = (lock, users - 1)

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Forget the chats."""
        self._chats.clear()
