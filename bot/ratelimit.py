"""Keep every Bot API call within Telegram's flood limits, so the server never answers 429.

PTB's AIORateLimiter is a leaky bucket (aiolimiter): it lets a full bucket through at once
and keeps leaking, so a sliding one-second window at the server can see nearly twice the
rate and answer 429. FloodLimiter counts instead, and counts pessimistically: a request
stays in the window from the moment it is sent until ``1 + margin`` seconds after its
answer came back. The server saw it somewhere in between, so whatever the network's delay
or jitter, no sliding second at the server holds more than ``overall`` of our requests; the
same holds per chat (one at a time, the next ``per_chat_interval`` after the previous
answer) and per group or channel (``per_group`` in ``group_period``). Requests are also
spaced ``1 / overall`` apart, so they arrive as a steady stream rather than in bursts.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import heapq
import itertools
import logging
import math
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot import metrics
from bot.budget import SharedBudget

logger = logging.getLogger(__name__)

Result = bool | dict[str, Any] | list[dict[str, Any]]
Callback = Callable[..., Coroutine[Any, Any, Result]]

# Answered at once and never throttled (a user is waiting on the spinner); PTB itself never
# passes getUpdates to a rate limiter.
_EXEMPT = frozenset({"answerCallbackQuery", "answerInlineQuery", "getUpdates"})
# Methods that post a new message into a chat besides the send* family; these are the
# calls Telegram's per-chat limits are about. Edits and look-ups only count overall, so a
# user pressing buttons in a dialogue is not held back a second per press.
_POSTS_TOO = frozenset({"copyMessage", "copyMessages", "forwardMessage", "forwardMessages"})
# Chat states are kept while their windows matter; the map is swept when it doubles.
_SWEEP_AT = 1024
# How far (seconds) the even spacing of requests may fall behind and catch up in a burst.
_CATCH_UP = 0.05
# A chat's recent messages, decayed with this time constant (seconds), rank its next one:
# when replies queue for the overall budget, a chat that got few lately goes first, so a
# person's first answer does not wait behind someone else's tenth.
_RECENT_TAU = 10.0
# Where a fan-out's message queues among interactive ones: after all of them.
_BULK_RANK = 1e9


class _TurnGate:
    """A lock whose waiters take their turn lowest rank first (equal ranks: first come)."""

    __slots__ = ("_held", "_order", "_waiters")

    def __init__(self) -> None:
        self._held = False
        self._order = itertools.count()
        self._waiters: list[tuple[float, int, asyncio.Future[None]]] = []

    @contextlib.asynccontextmanager
    async def turn(self, rank: float) -> AsyncIterator[None]:
        """Hold the gate for the block, after every waiter of a lower rank."""
        if self._held or self._waiters:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            heapq.heappush(self._waiters, (rank, next(self._order), waiter))
            try:
                await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    self._pass_on()  # handed the gate as it was cancelled: hand it on
                raise
        else:
            self._held = True
        try:
            yield
        finally:
            self._pass_on()

    def _pass_on(self) -> None:
        while self._waiters:
            _, _, waiter = heapq.heappop(self._waiters)
            if not waiter.done():  # a cancelled waiter left; the gate stays held
                waiter.set_result(None)
                return
        self._held = False


def _posts_message(endpoint: str) -> bool:
    """Tell whether ``endpoint`` posts a message into a chat."""
    return (endpoint.startswith("send") and endpoint != "sendChatAction") or endpoint in _POSTS_TOO


def _chat_key(data: dict[str, Any]) -> tuple[int | str | None, bool]:
    """Return the chat a call is for, and whether it is a group, supergroup or channel."""
    chat_id = data.get("chat_id")
    if chat_id is None or chat_id == "":
        return None, False
    with contextlib.suppress(TypeError, ValueError):
        chat_id = int(chat_id)
    if isinstance(chat_id, int):
        return chat_id, chat_id < 0
    # "@username" only names channels and public supergroups.
    return str(chat_id).lower(), True


def retry_seconds(retry_after: int | float | dtm.timedelta) -> float:
    """Return RetryAfter.retry_after in seconds, whether PTB gives an int or a timedelta."""
    if isinstance(retry_after, dtm.timedelta):
        return retry_after.total_seconds()
    return float(retry_after)


@dataclass(frozen=True, slots=True)
class Bulk:
    """``rate_limit_args`` of a bulk send (a digest fan-out): it yields to everyone else.

    A person waiting for an answer should not queue behind a fan-out: bulk requests take
    their turn one at a time, so at most one of them is ever ahead of an interactive one.
    """

    retries: int | None = None


BULK = Bulk()


@dataclass(slots=True)
class _Chat:
    """Pacing state of one chat: requests to it go one at a time."""

    group: bool
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0  # tasks holding or waiting for this state; it is not swept while > 0
    last_done: float = float("-inf")
    done: deque[float] = field(default_factory=deque)  # groups: answers within group_period
    recent: float = 0.0  # messages lately, decayed (time constant _RECENT_TAU) from last_done

    def rank(self, now: float) -> float:
        """Return how many messages the chat got lately (decayed): fewer goes first."""
        return self.recent * math.exp(-(now - self.last_done) / _RECENT_TAU)


class FloodLimiter(BaseRateLimiter[int | Bulk]):
    """Pace Bot API calls to Telegram's limits; on 429 pause everything and retry.

    ``overall`` requests per sliding second (30; up to 1000 for paid broadcasts), one message
    per ``per_chat_interval`` seconds in a chat, ``per_group`` messages per ``group_period``
    seconds in a group, supergroup or channel (negative chat ids and @usernames). Every
    window is stretched by ``margin`` (a fraction). A ``RetryAfter`` holds back every request
    for ``retry_after`` seconds, and the request is retried up to ``max_retries`` times
    (``rate_limit_args`` overrides that per call; ``Bulk`` also marks a fan-out's sends, which
    yield to interactive requests) before the RetryAfter is raised. At most
    ``max_in_flight`` requests are on the wire at once: keep it at or under the HTTP
    connection pool's size (requests queued inside httpcore's pool cost CPU per request).
    getUpdates, answerCallbackQuery and answerInlineQuery are not limited. With ``shared``
    (bot.budget, through Redis), every request also waits for room in the budget that all
    instances of the bot share, so together they stay within ``overall``.
    """

    __slots__ = (
        "_bulk_gate",
        "_changed",
        "_chats",
        "_done",
        "_gate",
        "_group_period",
        "_in_flight",
        "_interval",
        "_limit",
        "_margin",
        "_max_in_flight",
        "_max_retries",
        "_next_slot",
        "_paused_until",
        "_per_chat_interval",
        "_per_group",
        "_shared",
        "_sweep_at",
        "_window",
    )

    def __init__(
        self,
        *,
        overall: float = 30,
        per_chat_interval: float = 1.0,
        per_group: int = 20,
        group_period: float = 60.0,
        max_retries: int = 3,
        margin: float = 0.02,
        max_in_flight: int = 256,
        shared: SharedBudget | None = None,
    ) -> None:
        if overall < 1 or per_chat_interval < 0 or per_group < 1 or group_period <= 0:
            raise ValueError("flood limits must be positive (overall at least 1 per second)")
        if max_retries < 0 or margin < 0 or max_in_flight < 1:
            raise ValueError("max_retries and margin must not be negative, max_in_flight >= 1")
        self._max_in_flight = max_in_flight
        self._limit = int(overall)
        self._interval = 1.0 / overall
        self._window = 1.0 + margin
        self._margin = margin
        self._per_chat_interval = per_chat_interval * (1.0 + margin)
        self._per_group = per_group
        self._group_period = group_period * (1.0 + margin)
        self._max_retries = max_retries
        self._shared = shared
        self._reset()

    def _reset(self) -> None:
        self._gate = _TurnGate()
        self._bulk_gate = asyncio.Lock()
        self._changed = asyncio.Event()
        self._done: deque[float] = deque()
        self._in_flight = 0
        self._next_slot = float("-inf")
        self._paused_until = float("-inf")
        self._chats: dict[int | str, _Chat] = {}
        self._sweep_at = _SWEEP_AT

    async def initialize(self) -> None:
        """Start with empty windows (and locks bound to the running loop)."""
        self._reset()
        if self._shared is not None:
            await self._shared.initialize()

    async def shutdown(self) -> None:
        """Forget the windows."""
        self._chats.clear()
        if self._shared is not None:
            await self._shared.shutdown()

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | Bulk | None,
    ) -> Result:
        """Make the call when the limits allow it; retry it after a 429."""
        if endpoint in _EXEMPT:
            return await callback(*args, **kwargs)
        bulk = isinstance(rate_limit_args, Bulk)
        given = rate_limit_args.retries if isinstance(rate_limit_args, Bulk) else rate_limit_args
        retries = self._max_retries if given is None else given
        key, group = _chat_key(data)
        if key is None or not _posts_message(endpoint):
            return await self._attempts(None, retries, callback, args, kwargs, bulk=bulk)
        chat = self._chat(key, group)
        chat.users += 1
        try:
            # One request at a time per chat, retries included, so parts keep their order.
            async with chat.lock:
                return await self._attempts(chat, retries, callback, args, kwargs, bulk=bulk)
        finally:
            chat.users -= 1

    async def _attempts(
        self,
        chat: _Chat | None,
        retries: int,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        *,
        bulk: bool = False,
    ) -> Result:
        """Call, and after a RetryAfter pause everyone and call again, ``retries`` times."""
        attempt = 0
        while True:
            try:
                return await self._once(chat, callback, args, kwargs, bulk=bulk)
            except RetryAfter as exc:
                seconds = retry_seconds(exc.retry_after)
                loop = asyncio.get_running_loop()
                until = loop.time() + seconds * (1.0 + self._margin)
                self._paused_until = max(self._paused_until, until)
                metrics.retry_after(seconds * (1.0 + self._margin))
                if attempt >= retries:
                    logger.warning("429 after %d retries; giving up on this request", attempt)
                    raise
                attempt += 1
                logger.info("429: every request waits %.1f s (retry %d)", seconds, attempt)

    async def _once(
        self,
        chat: _Chat | None,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        *,
        bulk: bool = False,
    ) -> Result:
        """Wait for the chat, then for an overall slot, then call."""
        loop = asyncio.get_running_loop()
        if chat is not None:
            # The chat waits here, before the overall queue, so it holds no one else up.
            while True:
                now = loop.time()
                wait = self._chat_ready(chat, now) - now
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
        if bulk:
            # One bulk request at a time queues for a slot: interactive ones pass the rest.
            async with self._bulk_gate:
                ticket = await self._enter_all(_BULK_RANK)
        else:
            rank = chat.rank(loop.time()) if chat is not None else 0.0
            ticket = await self._enter_all(rank)
        try:
            return await callback(*args, **kwargs)
        finally:
            if ticket is not None and self._shared is not None:
                await self._shared.done(ticket)
            now = loop.time()
            self._in_flight -= 1
            self._done.append(now)
            self._changed.set()
            if chat is not None:
                chat.recent = chat.rank(now) + 1.0
                chat.last_done = now
                if chat.group:
                    chat.done.append(now)

    async def _enter_all(self, rank: float) -> str | None:
        """Take a slot here, then room in the shared budget (if any); return its ticket."""
        await self._enter(rank)
        if self._shared is None:
            return None
        try:
            return await self._shared.acquire()
        except BaseException:
            self._in_flight -= 1  # cancelled while waiting: the slot was never used
            self._changed.set()
            raise

    def _chat_ready(self, chat: _Chat, now: float) -> float:
        """Return when the chat may get its next message."""
        ready = chat.last_done + self._per_chat_interval
        if chat.group:
            while chat.done and chat.done[0] <= now - self._group_period:
                chat.done.popleft()
            if len(chat.done) >= self._per_group:
                ready = max(ready, chat.done[0] + self._group_period)
        return ready

    async def _enter(self, rank: float) -> None:
        """Wait, chats with fewer recent messages first, until a request may go out; count
        it in flight."""
        loop = asyncio.get_running_loop()
        async with self._gate.turn(rank):
            while True:
                now = loop.time()
                while self._done and self._done[0] <= now - self._window:
                    self._done.popleft()
                wait = max(self._paused_until, self._next_slot) - now
                if wait > 0:
                    await asyncio.sleep(wait)
                    continue
                in_window = self._in_flight + len(self._done)
                if in_window < self._limit and self._in_flight < self._max_in_flight:
                    break
                # The window is full, or enough requests are on the wire: wait for the
                # oldest answer to age out, or for an answer.
                full = in_window >= self._limit and self._done
                timeout = self._done[0] + self._window - now if full else None
                self._changed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), timeout)
            # Evenly spaced slots. Wake-ups come late on a busy machine (by a millisecond or
            # more, which at 1000/s is a whole slot): up to _CATCH_UP late, the schedule is
            # kept and the next requests catch up; after an idle spell it starts afresh.
            # Only the pacing bends: the window above still holds every request.
            base = self._next_slot if now - self._next_slot <= _CATCH_UP else now
            self._next_slot = base + self._interval
            self._in_flight += 1

    def _chat(self, key: int | str, group: bool) -> _Chat:
        """Return the chat's pacing state, sweeping out idle ones now and then."""
        chat = self._chats.get(key)
        if chat is None:
            if len(self._chats) >= self._sweep_at:
                self._sweep(asyncio.get_running_loop().time())
            chat = self._chats[key] = _Chat(group=group)
        return chat

    def _sweep(self, now: float) -> None:
        """Drop the states of chats nobody waits for and whose windows have passed."""
        for key, chat in list(self._chats.items()):
            horizon = self._group_period if chat.group else self._per_chat_interval
            if chat.users == 0 and now - chat.last_done >= horizon:
                del self._chats[key]
        self._sweep_at = max(_SWEEP_AT, 2 * len(self._chats))
