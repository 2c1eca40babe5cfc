"""One Telegram budget for every instance of the bot: a sliding window kept in Redis.

Telegram's 30 messages a second are per bot, not per process: two instances pacing 30/s
each get 429s. Every instance's FloodLimiter asks this budget before a request goes out.
The window is a Redis sorted set scored by Redis's own clock (one clock for all
instances): a request enters it when it is let through (scored as in flight, counted
however long it takes) and, once answered, is re-scored with its answer time and counted
for ``window`` seconds more. Telegram saw it somewhere in between, so no sliding second at
Telegram holds more than ``limit`` of the instances' requests together, whatever the
network does (the same pessimistic counting as bot.ratelimit). A dead instance's requests
in flight leave the window after ``lease`` seconds.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import socket

import redis.asyncio as redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# KEYS[1] the window; ARGV: limit, window ms, lease ms, member. Returns 0 (go) or ms to wait.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, window, lease = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], lease + window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local wait = tonumber(oldest[2]) + window - now
if wait < 1 then wait = 1 end
if wait > 50 then wait = 50 end
return wait
"""
# KEYS[1] the window; ARGV: member. The request was answered: it counts from now on.
_DONE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
return 0
"""


class BudgetUnavailable(RuntimeError):
    """The shared budget's Redis cannot be reached (a one-line message naming the key)."""


class SharedBudget:
    """``limit`` requests per sliding ``window`` seconds, shared through Redis by a key."""

    def __init__(
        self,
        url: str,
        *,
        limit: int,
        key: str,
        window: float = 1.02,
        lease: float = 30.0,
    ) -> None:
        self.url = url
        self.limit = limit
        self.key = f"chaikhana:budget:{key}"
        self._window_ms = int(window * 1000)
        self._lease_ms = int(lease * 1000)
        self._me = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._numbers = itertools.count()
        self._client: redis.Redis | None = None

    async def initialize(self) -> None:
        """Connect, and refuse to start (one clear line) when Redis does not answer."""
        self._client = redis.Redis.from_url(self.url, socket_connect_timeout=3)
        try:
            await self._client.ping()
        except (RedisError, OSError) as exc:
            await self._client.aclose()
            self._client = None
            raise BudgetUnavailable(
                f"delivery.shared_budget: cannot reach Redis at {self.url} ({exc}); "
                "start it, or leave the key empty for a budget of this instance alone"
            ) from None
        self._acquire = self._client.register_script(_ACQUIRE)
        self._done = self._client.register_script(_DONE)

    async def shutdown(self) -> None:
        """Close the connection."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def acquire(self) -> str:
        """Wait until the shared window has room; return the ticket to hand to ``done``."""
        member = f"{self._me}:{next(self._numbers)}"
        failing = False
        while True:
            try:
                wait_ms = await self._acquire(
                    keys=[self.key], args=[self.limit, self._window_ms, self._lease_ms, member]
                )
            except (RedisError, OSError) as exc:
                # Sending on without the shared budget could break the bot's limit: wait.
                if not failing:
                    logger.warning("shared budget: Redis at %s: %s; sending waits", self.url, exc)
                failing = True
                await asyncio.sleep(1.0)
                continue
            if failing:
                logger.warning("shared budget: Redis at %s answers again", self.url)
            if int(wait_ms) == 0:
                return member
            await asyncio.sleep(int(wait_ms) / 1000)

    async def done(self, member: str) -> None:
        """Count the request from its answer on (it stays in the window ``window`` more)."""
        try:
            await self._done(keys=[self.key], args=[member])
        except (RedisError, OSError) as exc:  # it ages out as in flight, after the lease
            logger.warning("shared budget: Redis at %s: %s", self.url, exc)
