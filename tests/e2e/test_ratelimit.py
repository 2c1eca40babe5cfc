"""FloodLimiter against the loopback Bot API server, which answers 429 when a limit breaks."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.error import RetryAfter
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot.ratelimit import FloodLimiter
from tests.e2e.botapi import BotAPIServer, Call

PRIVATE = range(1, 91)
GROUP = -100_500


@pytest.fixture
async def server() -> AsyncIterator[BotAPIServer]:
    async with BotAPIServer() as srv:
        for chat_id in PRIVATE:
            srv.add_chat(srv.private_chat(chat_id))
        srv.add_chat(srv.group_chat(GROUP))
        yield srv


@pytest.fixture
async def bot(server: BotAPIServer) -> AsyncIterator[ExtBot[int]]:
    request = HTTPXRequest(connection_pool_size=32, read_timeout=5.0, pool_timeout=5.0)
    limiter = FloodLimiter(overall=30, max_retries=2)
    async with ExtBot(
        server.token, base_url=server.base_url, request=request, rate_limiter=limiter
    ) as b:
        yield b


def accepted(server: BotAPIServer) -> list[Call]:
    return [c for c in server.calls_to("sendMessage") if c.ok]


def busiest_second(calls: list[Call]) -> int:
    times = sorted(c.at for c in calls)
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while t - times[lo] >= 1.0:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


async def test_the_server_refuses_the_thirty_first_message_in_a_second(
    server: BotAPIServer,
) -> None:
    async with Bot(server.token, base_url=server.base_url) as plain:
        for chat_id in range(1, 31):
            await plain.send_message(chat_id, "x")
        with pytest.raises(RetryAfter):
            await plain.send_message(31, "x")
    assert server.flood_429s == 1


async def test_ninety_private_chats_go_at_thirty_a_second_without_a_429(
    server: BotAPIServer, bot: ExtBot[int]
) -> None:
    started = time.monotonic()
    await asyncio.gather(*(bot.send_message(chat_id, f"hi {chat_id}") for chat_id in PRIVATE))
    elapsed = time.monotonic() - started
    assert server.flood_429s == 0
    assert len(accepted(server)) == 90 and all(len(server.sent(c)) == 1 for c in PRIVATE)
    assert busiest_second(accepted(server)) <= 30
    assert 2.0 <= elapsed < 3.6, f"{elapsed:.2f} s"  # 90 / 30 per s, less the first second


async def test_messages_to_one_group_are_paced(server: BotAPIServer, bot: ExtBot[int]) -> None:
    started = time.monotonic()
    for n in range(5):
        await bot.send_message(GROUP, f"part {n}")
    elapsed = time.monotonic() - started
    assert server.flood_429s == 0 and [m.text for m in server.sent(GROUP)] == [
        f"part {n}" for n in range(5)
    ]
    sends = accepted(server)
    assert all(b.at - a.at >= 1.0 for a, b in itertools.pairwise(sends))
    assert elapsed < 5.5


async def test_a_private_chat_gets_one_message_a_second(
    server: BotAPIServer, bot: ExtBot[int]
) -> None:
    await asyncio.gather(*(bot.send_message(7, f"part {n}") for n in range(3)))
    assert server.flood_429s == 0 and len(server.sent(7)) == 3
    first, second, third = accepted(server)
    assert second.at - first.at >= 1.0 and third.at - second.at >= 1.0


async def test_a_429_pauses_everyone_and_the_message_still_arrives(
    server: BotAPIServer, bot: ExtBot[int]
) -> None:
    server.fail("sendMessage", 429, retry_after=1)
    await asyncio.gather(*(bot.send_message(chat_id, "x") for chat_id in range(1, 11)))
    calls = server.calls_to("sendMessage")
    refused = next(c for c in calls if c.status == 429)
    after = [c for c in calls if c.at > refused.at]
    assert after and all(c.at - refused.at >= 1.0 for c in after)  # nobody went out meanwhile
    assert all(len(server.sent(chat_id)) == 1 for chat_id in range(1, 11))
    assert server.flood_429s == 0
