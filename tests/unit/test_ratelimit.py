"""FloodLimiter keeps to Telegram's limits as a sliding-window server counts them.

The tests run on an event loop whose clock jumps to the next timer instead of waiting, so a
minute of pacing takes milliseconds; a fake Telegram records when each request "arrived"
(after a jittery network delay) and answers 429 exactly when the loopback server would.
"""

from __future__ import annotations

import os

# PTB warns on every RetryAfter unless retry_after is opted in as a timedelta (bot/app.py
# does the same); this suite turns warnings into errors.
os.environ.setdefault("PTB_TIMEDELTA", "1")

import asyncio
import itertools
import math
import random
import selectors
from collections import defaultdict, deque
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
from telegram.error import RetryAfter

from bot.ratelimit import BULK, Bulk, FloodLimiter

T = TypeVar("T")


class _JumpingSelector(selectors.DefaultSelector):  # type: ignore[misc,valid-type]
    """Never block: when nothing is ready, move the loop's clock to the next timer."""

    loop: VirtualTimeLoop

    def select(self, timeout: float | None = None) -> list[Any]:
        events = super().select(0)
        loop = self.loop
        if not events and timeout is not None and not loop._ready:  # type: ignore[attr-defined]
            target = loop.now + timeout
            if loop._scheduled:  # type: ignore[attr-defined]
                target = max(target, loop._scheduled[0].when())  # type: ignore[attr-defined]
            # Always move on, or a timer set for "now" plus a rounding error spins forever.
            loop.now = max(target, math.nextafter(loop.now, math.inf))
        return events


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop on virtual time: sleeps return at once, the clock says they happened."""

    def __init__(self) -> None:
        selector = _JumpingSelector()
        super().__init__(selector)
        selector.loop = self
        self.now = 1000.0

    def time(self) -> float:
        return self.now


def run(coro: Coroutine[Any, Any, T]) -> T:
    loop = VirtualTimeLoop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()


@dataclass
class FakeTelegram:
    """Record arrivals; answer 429 when a sliding window at the server would be over."""

    overall: int = 30
    per_chat_seconds: float = 1.0
    per_group: int = 20
    latency: tuple[float, float] = (0.0, 0.0)  # each way, uniformly random
    arrivals: list[tuple[float, str, int | str | None]] = field(default_factory=list)
    calls: int = 0
    on_the_wire: int = 0
    most_on_the_wire: int = 0
    flood_429s: int = 0
    fail_next: list[float] = field(default_factory=list)  # retry_after of injected 429s
    rng: random.Random = field(default_factory=lambda: random.Random(5))
    _window: deque[float] = field(default_factory=deque)
    _by_chat: dict[int | str, list[float]] = field(default_factory=lambda: defaultdict(list))

    async def call(self, endpoint: str, data: dict[str, Any]) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        self.on_the_wire += 1
        self.most_on_the_wire = max(self.most_on_the_wire, self.on_the_wire)
        try:
            return await self._call(loop, endpoint, data)
        finally:
            self.on_the_wire -= 1

    async def _call(
        self, loop: asyncio.AbstractEventLoop, endpoint: str, data: dict[str, Any]
    ) -> dict[str, Any]:
        await asyncio.sleep(self.rng.uniform(*self.latency))
        now = loop.time()
        chat = data.get("chat_id")
        self.calls += 1
        self.arrivals.append((now, endpoint, chat))
        try:
            if self.fail_next:
                self.arrivals.pop()  # an injected 429, like a flood one, is not a message
                raise RetryAfter(int(self.fail_next.pop(0)))
            if endpoint == "sendMessage":
                self._check(now, chat)
        finally:
            await asyncio.sleep(self.rng.uniform(*self.latency))
        return {"ok": True}

    def _check(self, now: float, chat: Any) -> None:
        window = self._window
        while window and now - window[0] >= 1.0:
            window.popleft()
        group = isinstance(chat, str) or chat < 0
        sent = self._by_chat[chat]
        recent = [t for t in sent if now - t < (60.0 if group else self.per_chat_seconds)]
        if len(window) >= self.overall or len(recent) >= (self.per_group if group else 1):
            self.flood_429s += 1
            self.arrivals.pop()
            raise RetryAfter(1)
        sent.append(now)
        window.append(now)

    def sends(self, chat: Any = None) -> list[float]:
        return [t for t, e, c in self.arrivals if e == "sendMessage" and chat in (None, c)]


async def send(
    limiter: FloodLimiter,
    tg: FakeTelegram,
    chat_id: int | str | None,
    endpoint: str = "sendMessage",
    retries: int | Bulk | None = None,
) -> float:
    """Send one request through the limiter; return when it was answered."""
    data = {"chat_id": chat_id, "text": "x"} if chat_id is not None else {}
    await limiter.process_request(tg.call, (endpoint, data), {}, endpoint, data, retries)
    return asyncio.get_running_loop().time()


def busiest_second(times: list[float]) -> int:
    """Return the most arrivals in any half-open one-second window."""
    times = sorted(times)
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while t - times[lo] >= 1.0:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


async def started(limiter: FloodLimiter) -> FloodLimiter:
    await limiter.initialize()
    return limiter


# A request counts from when it is sent until a second after its answer, so the rate is
# overall / (1 + margin + round trip): ~0.98 of the limit on loopback, less over a slow
# network; never a 429.
@pytest.mark.parametrize(
    ("overall", "latency", "floor"),
    [
        pytest.param(30, (0.0, 0.0), 0.95, id="30-per-s-no-delay"),
        pytest.param(30, (0.0, 0.005), 0.95, id="30-per-s-loopback-jitter"),
        pytest.param(30, (0.001, 0.08), 0.85, id="30-per-s-jittery-network"),
        pytest.param(1000, (0.0005, 0.005), 0.95, id="1000-per-s-paid-broadcast"),
    ],
)
def test_overall_rate_is_close_to_the_limit_and_never_over_it(
    overall: int, latency: tuple[float, float], floor: float
) -> None:
    async def main() -> FakeTelegram:
        tg = FakeTelegram(overall=overall, latency=latency)
        limiter = await started(FloodLimiter(overall=overall))
        await asyncio.gather(*(send(limiter, tg, 1 + n) for n in range(max(300, 3 * overall))))
        return tg

    tg = run(main())
    assert tg.flood_429s == 0
    assert busiest_second(tg.sends()) <= overall
    sends = sorted(tg.sends())
    rate = (len(sends) - 1) / (sends[-1] - sends[0])
    assert rate >= floor * overall, f"{rate:.1f}/s"


def test_requests_are_spread_out_not_burst() -> None:
    async def main() -> list[float]:
        tg = FakeTelegram()
        limiter = await started(FloodLimiter(overall=30))
        await asyncio.gather(*(send(limiter, tg, 1 + n) for n in range(30)))
        return sorted(tg.sends())

    sends = run(main())
    gaps = [b - a for a, b in itertools.pairwise(sends)]
    assert min(gaps) >= 1 / 30 - 1e-9


def test_a_private_chat_gets_one_message_per_second() -> None:
    async def main() -> FakeTelegram:
        tg = FakeTelegram(latency=(0.0, 0.05))
        limiter = await started(FloodLimiter())
        await asyncio.gather(*(send(limiter, tg, 7) for _ in range(5)))
        return tg

    tg = run(main())
    sends = tg.sends(7)
    assert len(sends) == 5 and tg.flood_429s == 0
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(sends))
    assert sends[-1] - sends[0] < 4 * 1.2


@pytest.mark.parametrize("chat", [pytest.param(-100_123, id="supergroup"), "@channel"])
def test_a_group_or_channel_gets_twenty_messages_per_minute(chat: int | str) -> None:
    async def main() -> FakeTelegram:
        tg = FakeTelegram(latency=(0.0, 0.05))
        limiter = await started(FloodLimiter())
        await asyncio.gather(*(send(limiter, tg, chat) for _ in range(45)))
        return tg

    tg = run(main())
    sends = tg.sends(chat)
    assert len(sends) == 45 and tg.flood_429s == 0
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(sends))
    assert all(b - a >= 60.0 for a, b in zip(sends, sends[20:], strict=False))
    assert sends[-1] - sends[0] < 2 * 60 * 1.05 + 5


def test_a_waiting_chat_does_not_hold_up_the_others() -> None:
    async def main() -> tuple[list[float], list[float]]:
        tg = FakeTelegram()
        limiter = await started(FloodLimiter())
        t0 = asyncio.get_running_loop().time()
        busy = [send(limiter, tg, 7) for _ in range(3)]
        others = [send(limiter, tg, 100 + n) for n in range(29)]
        ends = await asyncio.gather(*busy, *others)
        return [e - t0 for e in ends[:3]], [e - t0 for e in ends[3:]]

    busy, others = run(main())
    assert max(others) < 1.05  # 29 others and the chat's first message fill the first second
    assert sorted(busy)[-1] >= 2.0


def test_a_reply_does_not_queue_behind_a_fan_out() -> None:
    async def main() -> tuple[float, float, int]:
        tg = FakeTelegram()
        limiter = await started(FloodLimiter(overall=30))
        loop = asyncio.get_running_loop()
        fan_out = [
            asyncio.ensure_future(send(limiter, tg, 1000 + n, retries=BULK)) for n in range(90)
        ]
        await asyncio.sleep(0.5)  # the fan-out is under way, 75 sends still queued
        asked = loop.time()
        answered = await send(limiter, tg, 42)
        ends = await asyncio.gather(*fan_out)
        return answered - asked, max(ends), tg.flood_429s

    reply_wait, fan_out_end, floods = run(main())
    assert reply_wait < 0.1  # one slot (1/30 s) or two, not the 2.5 s of queued fan-out
    assert fan_out_end > 2.9 and floods == 0  # the fan-out itself still goes at 30/s


def test_retry_after_pauses_everyone_then_the_request_is_retried() -> None:
    async def main() -> tuple[FakeTelegram, float, float]:
        tg = FakeTelegram(fail_next=[3])
        limiter = await started(FloodLimiter())
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        first = asyncio.ensure_future(send(limiter, tg, 1))
        await asyncio.sleep(0.01)  # the first one has had its 429
        rest = await asyncio.gather(*(send(limiter, tg, 2 + n) for n in range(10)))
        return tg, await first - t0, min(rest) - t0

    tg, first, earliest_other = run(main())
    assert tg.sends(1) and first >= 3.0
    assert earliest_other >= 3.0  # nobody went out during the pause
    assert len(tg.sends()) == 11 and tg.flood_429s == 0


def test_retry_after_is_raised_after_max_retries() -> None:
    async def main() -> FakeTelegram:
        tg = FakeTelegram(fail_next=[1, 1, 1])
        limiter = await started(FloodLimiter(max_retries=2))
        with pytest.raises(RetryAfter):
            await send(limiter, tg, 1)
        assert tg.calls == 3
        tg.fail_next = [1]
        with pytest.raises(RetryAfter):
            await send(limiter, tg, 1, retries=0)  # rate_limit_args overrides max_retries
        return tg

    tg = run(main())
    assert tg.calls == 4


def test_answers_to_button_presses_are_not_limited() -> None:
    async def main() -> list[float]:
        tg = FakeTelegram()
        limiter = await started(FloodLimiter())
        return await asyncio.gather(
            *(send(limiter, tg, None, "answerCallbackQuery") for _ in range(100))
        )

    ends = run(main())
    assert max(ends) - min(ends) < 1e-6


def test_edits_and_lookups_count_overall_but_are_not_paced_per_chat() -> None:
    async def main() -> tuple[float, float]:
        tg = FakeTelegram()
        limiter = await started(FloodLimiter())
        t0 = asyncio.get_running_loop().time()
        await send(limiter, tg, 7)
        edited = await send(limiter, tg, 7, "editMessageText")
        await asyncio.gather(*(send(limiter, tg, 7, "getChatMember") for _ in range(40)))
        return edited - t0, asyncio.get_running_loop().time() - t0

    edited, lookups = run(main())
    assert edited < 0.1
    assert 1.0 <= lookups < 1.5  # 42 calls: 30 in the first second, then paced at 30/s


def test_idle_chats_are_forgotten() -> None:
    async def main() -> int:
        tg = FakeTelegram(overall=1000)
        limiter = await started(FloodLimiter(overall=1000))
        for start in range(0, 5000, 500):
            await asyncio.gather(*(send(limiter, tg, 1 + n) for n in range(start, start + 500)))
        return len(limiter._chats)

    assert run(main()) <= 2048


def test_no_more_than_max_in_flight_requests_are_on_the_wire() -> None:
    async def main() -> tuple[FakeTelegram, float]:
        tg = FakeTelegram(overall=1000, latency=(0.25, 0.25))
        limiter = await started(FloodLimiter(overall=1000, max_in_flight=5))
        ends = await asyncio.gather(*(send(limiter, tg, 1 + n) for n in range(20)))
        return tg, max(ends) - min(ends)

    tg, spread = run(main())
    assert tg.most_on_the_wire == 5 and tg.calls == 20
    assert spread >= 3 * 0.5  # four rounds of five, half a second each


@pytest.mark.parametrize(
    "kwargs",
    [
        {"overall": 0},
        {"per_group": 0},
        {"group_period": 0},
        {"max_retries": -1},
        {"max_in_flight": 0},
    ],
)
def test_nonsense_limits_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="must"):
        FloodLimiter(**kwargs)


def test_the_fake_telegram_catches_a_leaky_bucket_going_over() -> None:
    """PTB's AIORateLimiter lets a full bucket through and keeps leaking: 429s follow."""
    from telegram.ext import AIORateLimiter

    async def main() -> FakeTelegram:
        tg = FakeTelegram()
        limiter = AIORateLimiter(max_retries=5)
        await limiter.initialize()
        data = [{"chat_id": 1 + n, "text": "x"} for n in range(90)]
        await asyncio.gather(
            *(
                limiter.process_request(tg.call, ("sendMessage", d), {}, "sendMessage", d, None)
                for d in data
            )
        )
        return tg

    tg = run(main())
    assert tg.flood_429s > 0


def test_a_chats_first_reply_goes_ahead_of_another_chats_fourth() -> None:
    async def main() -> tuple[float, float, int]:
        tg = FakeTelegram()
        limiter = await started(FloodLimiter(overall=30))
        for _ in range(3):  # chat 7 has had three replies lately
            await send(limiter, tg, 7)
        await asyncio.sleep(1.5)  # …and may have its next now, as far as its own pace goes
        backlog = [asyncio.ensure_future(send(limiter, tg, 2000 + n)) for n in range(45)]
        await asyncio.sleep(0)
        fourth = asyncio.ensure_future(send(limiter, tg, 7))  # asked first
        await asyncio.sleep(0)
        first = asyncio.ensure_future(send(limiter, tg, 8))  # asked after it
        await asyncio.gather(*backlog)
        return await fourth, await first, tg.flood_429s

    fourth, first, floods = run(main())
    assert first < fourth  # the chat that had nothing lately was answered first
    assert floods == 0
