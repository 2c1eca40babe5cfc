"""The outbox sender: claim due deliveries, send them within Telegram's limits, record.

Planning has already written one Delivery row per (subscription, period) with its digest
composed and rendered, so sending is only this: claim a batch (a committed claim, so no
other sender takes the same rows), send every message of every delivery with bounded
concurrency (the bot's FloodLimiter paces them: 30/s overall, 1/s per chat, 20/min per
group or channel, and pauses everything on a 429), then record the outcome. Outcomes are
written in small batches by one writer, so a crash repeats at most the deliveries sent
since the last write plus those in flight; a delivery of several messages records each
message as it goes, so a retry never repeats the parts already sent.

What an error means:
- 429 (after the limiter's own retries): try again after ``retry_after``;
- 5xx (an answer about this message): try again with doubling waits, ``max_attempts`` in
  all, then failed with the reason;
- no answer at all (connection refused or reset, time-outs): the Bot API is away, which is
  nobody's fault. The try is not counted; the delivery goes back to pending and the sender
  pauses as one, asking the server with ``getMe`` at doubling waits (``outage_backoff_base``
  up to ``outage_backoff_max`` seconds, one log line per try) until it answers, then sends
  on. A digest whose subscription got the next period's digest meanwhile is ``expired``
  (saying so), not sent late and never failed;
- 401 (the token was revoked or replaced): nothing is counted either; the sender stops and
  the bot exits (bot/app.py) so its supervisor restarts it;
- 403 (blocked, kicked) or "chat not found": the subscriber is marked inactive and its
  deliveries stop;
- any other 400: failed at once (sending the same request again would fail the same way).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import LinkPreviewOptions, Message
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import ExtBot

from bot import metrics, render
from bot.config import DeliveryConfig
from bot.ratelimit import BULK, retry_seconds
from bot.request import Unreachable
from storage import outbox, subscriptions
from storage.outbox import Claimed

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]
FLUSH_EVERY = 25  # outcomes written at once: a crash repeats at most these and those in flight
FLUSH_SECONDS = 0.1  # …or after this long, whichever comes first
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)  # immutable: one for every message
_TOO_LONG_MARKERS = ("message is too long", "text is too long")
_GONE_MARKERS = ("chat not found", "user not found", "peer_id_invalid", "bot was kicked")


def worker_name() -> str:
    """Name this sender in the rows it claims: host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one delivery."""

    claimed: Claimed
    status: str  # "sent" | "retry" | "migrated" | "paused" | "failed" | "gone"
    message_ids: tuple[int, ...] = ()
    error: str | None = None
    retry_at: datetime | None = None
    new_chat_id: int | None = None


@dataclass(slots=True)
class SendReport:
    """What one run of the sender did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    gone: int = 0
    expired: int = 0
    messages: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        """Count an outcome."""
        if outcome.status == "sent":
            self.sent += 1
        elif outcome.status in ("retry", "migrated", "paused"):
            self.retried += 1
        elif outcome.status == "gone":
            self.gone += 1
        else:
            self.failed += 1
        self.messages += len(outcome.message_ids) - len(outcome.claimed.message_ids)
        if outcome.error and len(self.errors) < 20:
            self.errors.append(outcome.error)


class Sender:
    """Send what the outbox holds, one claimed batch after another, until it is empty."""

    def __init__(
        self,
        db: async_sessionmaker[AsyncSession],
        bot: ExtBot[Any],
        cfg: DeliveryConfig,
        *,
        clock: Clock,
        worker: str | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._db = db
        self._bot = bot
        self._cfg = cfg
        self._clock = clock
        self.worker = worker or worker_name()
        self._lock = asyncio.Lock()
        self._stopping = False
        self._outcomes: list[Outcome] = []
        self._last_flush = 0.0
        self._flushing = asyncio.Lock()
        self._sleep = sleep
        self._outage: str | None = None  # why the Bot API is taken to be away, while it is
        self.unauthorized = False  # the server refused the token: nothing more is sent
        self._expired_checked = False

    @property
    def busy(self) -> bool:
        """Tell whether a run is in progress."""
        return self._lock.locked()

    def stop(self) -> None:
        """Ask a run to finish the messages in flight and claim nothing more."""
        self._stopping = True

    async def run(self) -> SendReport:
        """Send every due delivery; return what happened (nothing when already running)."""
        report = SendReport()
        if self._lock.locked():
            return report
        async with self._lock:
            if not self._expired_checked:
                # The bot may have been down a while: what is superseded now is not sent.
                await self._expire(report)
                self._expired_checked = True
            while not self._stopping and not self.unauthorized:
                if self._outage is not None:
                    await self._flush(report)
                    if not await self._wait_for_api():
                        break
                    await self._expire(report)
                async with self._db() as session, session.begin():
                    batch = await outbox.claim(
                        session,
                        worker=self.worker,
                        now=self._clock(),
                        limit=self._cfg.batch,
                        lease=self._cfg.lease,
                    )
                if not batch:
                    break
                await self._send_batch(batch, report)
            await self._flush(report)
        return report

    async def _send_batch(self, batch: Sequence[Claimed], report: SendReport) -> None:
        """Send a claimed batch with bounded concurrency; release what a stop left unsent."""
        loop = asyncio.get_running_loop()
        self._last_flush = loop.time()
        queue = iter(batch)  # in claim order; each worker takes the next delivery

        # ``concurrency`` workers rather than a task per delivery behind a semaphore: a
        # thousand tasks per batch were a tenth of a lifted fan-out's Python CPU.
        async def worker() -> None:
            for claimed in queue:
                if self._stopping:
                    # Never tried: back to pending with the claim's attempt not counted.
                    outcome = Outcome(claimed, "paused", claimed.message_ids, "released")
                elif self._outage is not None or self.unauthorized:
                    outcome = Outcome(claimed, "paused", claimed.message_ids, self._outage)
                else:
                    outcome = await self._deliver(claimed)
                self._outcomes.append(outcome)
                # A full batch waits for a flush under way and writes next; one due by time
                # only leaves it to the flush under way (SQLite writes one at a time anyway,
                # and a slow loop otherwise started a flush per outcome).
                if len(self._outcomes) >= FLUSH_EVERY or (
                    loop.time() - self._last_flush >= FLUSH_SECONDS and not self._flushing.locked()
                ):
                    await self._flush(report)

        await asyncio.gather(*(worker() for _ in range(min(self._cfg.concurrency, len(batch)))))
        await self._flush(report)

    async def _deliver(self, claimed: Claimed) -> Outcome:
        """Send the messages of one delivery that are not sent yet."""
        sent = list(claimed.message_ids)
        chat_id = claimed.chat_id
        for text in claimed.texts[len(sent) :]:
            try:
                message = await self._send_part(chat_id, text, claimed.thread_id)
            except RetryAfter as exc:
                wait = retry_seconds(exc.retry_after)
                return self._retry(claimed, sent, f"429: retry after {wait:g} s", wait)
            except InvalidToken as exc:
                if not self.unauthorized:
                    logger.error("the Bot API refused the token (%s): sending stops", exc.message)
                self.unauthorized = True
                return Outcome(claimed, "paused", tuple(sent), f"token refused: {exc.message}")
            except (Unreachable, TimedOut) as exc:
                # No answer: the server (or the way to it) is away, not this message's fault.
                self._outage = self._outage or f"{type(exc).__name__}: {exc.message}"
                return Outcome(claimed, "paused", tuple(sent), self._outage)
            except Forbidden as exc:
                return Outcome(claimed, "gone", tuple(sent), f"403: {exc.message}")
            except ChatMigrated as exc:
                # A group became a supergroup: the chat lives on under a new id; send there.
                return Outcome(
                    claimed,
                    "migrated",
                    tuple(sent),
                    f"chat migrated to {exc.new_chat_id}",
                    retry_at=self._clock(),
                    new_chat_id=exc.new_chat_id,
                )
            except BadRequest as exc:
                text_of = exc.message.lower()
                if any(marker in text_of for marker in _GONE_MARKERS):
                    return Outcome(claimed, "gone", tuple(sent), f"400: {exc.message}")
                return Outcome(claimed, "failed", tuple(sent), f"400: {exc.message}")
            except NetworkError as exc:  # 5xx: an answer about this message
                return self._backoff(claimed, sent, f"{type(exc).__name__}: {exc.message}")
            except TelegramError as exc:
                return Outcome(claimed, "failed", tuple(sent), f"{type(exc).__name__}: {exc}")
            except Exception as exc:  # a bug or a surprise must not strand the batch
                logger.exception("delivery %d: unexpected error", claimed.delivery_id)
                return self._backoff(claimed, sent, f"{type(exc).__name__}: {exc}")
            sent.append(message.message_id)
            if len(sent) < len(claimed.texts):
                # A retry must not repeat the parts already in the chat.
                async with self._db() as session, session.begin():
                    await outbox.record_part(session, claimed.delivery_id, sent)
        return Outcome(claimed, "sent", tuple(sent))

    async def _send_part(self, chat_id: int, text: str, thread_id: int | None) -> Message:
        """Send one part of a digest; one Telegram calls too long goes out in smaller parts.

        Parts are measured as Telegram counts (render.split); should Telegram still refuse
        one for its length, it is split again at story boundaries, up to four times
        smaller, rather than the whole digest failing. The last message sent stands for
        the part, so a retry resumes after it.
        """
        pieces, limit = [text], render.MAX_MESSAGE
        message: Message | None = None
        while pieces:
            try:
                message = await self._bot.send_message(
                    chat_id,
                    pieces[0],
                    parse_mode=ParseMode.HTML,
                    link_preview_options=_NO_PREVIEW,
                    message_thread_id=thread_id,
                    rate_limit_args=BULK,  # a person waiting for a reply goes first
                )
            except BadRequest as exc:
                too_long = any(m in exc.message.lower() for m in _TOO_LONG_MARKERS)
                if not too_long or limit <= render.MAX_MESSAGE // 8:
                    raise
                limit //= 2
                logger.warning("a digest part was refused as too long; split at %d", limit)
                pieces = [*render.split(pieces[0].split("\n\n"), limit=limit), *pieces[1:]]
                continue
            pieces = pieces[1:]
        assert message is not None
        return message

    async def _wait_for_api(self) -> bool:
        """Ask the Bot API at doubling waits until it answers; False when told to stop."""
        wait, tries = self._cfg.outage_backoff_base, 0
        while not self._stopping:
            tries += 1
            logger.warning(
                "Bot API unreachable (%s): deliveries wait; asking again in %g s (try %d)",
                self._outage,
                wait,
                tries,
            )
            await self._sleep(wait)
            if self._stopping:
                break
            try:
                await self._bot.get_me()
            except InvalidToken as exc:
                logger.error("the Bot API refused the token (%s): sending stops", exc.message)
                self.unauthorized = True
                return False
            except (NetworkError, RetryAfter) as exc:  # no answer, or not a healthy one yet
                self._outage = f"{type(exc).__name__}: {exc.message}"
                wait = min(self._cfg.outage_backoff_max, wait * 2)
                continue
            logger.warning("Bot API answers again after %d tries: sending resumes", tries)
            self._outage = None
            return True
        return False

    async def _expire(self, report: SendReport) -> None:
        """Mark expired the pending digests a later period's digest superseded."""
        async with self._db() as session, session.begin():
            expired = await outbox.expire_superseded(session, now=self._clock())
        report.expired += expired
        if expired:
            metrics.delivery("expired", expired)
            logger.warning(
                "%d digests expired: their subscriptions got a later period's digest", expired
            )

    def _retry(self, claimed: Claimed, sent: list[int], error: str, wait: float) -> Outcome:
        if claimed.attempts >= self._cfg.max_attempts:
            return Outcome(claimed, "failed", tuple(sent), f"{error} (gave up)")
        at = self._clock() + timedelta(seconds=wait)
        return Outcome(claimed, "retry", tuple(sent), error, retry_at=at)

    def _backoff(self, claimed: Claimed, sent: list[int], error: str) -> Outcome:
        wait = min(
            self._cfg.backoff_max, self._cfg.backoff_base * 2 ** max(0, claimed.attempts - 1)
        )
        return self._retry(claimed, sent, error, wait)

    async def _flush(self, report: SendReport) -> None:
        """Write the outcomes gathered so far in one transaction, one flush at a time."""
        async with self._flushing:
            await self._write(report)

    async def _write(self, report: SendReport) -> None:
        outcomes, self._outcomes = self._outcomes, []
        self._last_flush = asyncio.get_running_loop().time()
        if not outcomes:
            return
        now = self._clock()
        sent = [(o.claimed.delivery_id, o.message_ids) for o in outcomes if o.status == "sent"]
        # Retries that only move a delivery's time (released by a stop, a 429, a time-out)
        # go in one statement too; the rest (parts sent, migrations, failures) one by one.
        again = [
            (o.claimed.delivery_id, o.error or "released", o.retry_at)
            for o in outcomes
            if o.retry_at is not None and _plain_retry(o)
        ]
        # …and so do those never tried (a stop, the Bot API away), whose try does not count.
        released = [(o.claimed.delivery_id, o.error or "paused") for o in outcomes if _untried(o)]
        async with self._db() as session, session.begin():
            await outbox.mark_sent_many(session, sent, now=now)
            await outbox.mark_retry_many(session, again)
            await outbox.release_many(session, released)
            for outcome in outcomes:
                if outcome.status != "sent" and not _plain_retry(outcome) and not _untried(outcome):
                    await _record(session, outcome, now)
        for status, n in Counter(o.status for o in outcomes).items():
            metrics.delivery(status, n)
        for outcome in outcomes:
            report.add(outcome)
            if outcome.status in ("failed", "gone"):
                logger.warning(
                    "delivery %d to chat %d %s: %s",
                    outcome.claimed.delivery_id,
                    outcome.claimed.chat_id,
                    "stopped, the chat is gone" if outcome.status == "gone" else "failed",
                    outcome.error,
                )


def _plain_retry(outcome: Outcome) -> bool:
    """Tell whether an outcome only puts its delivery back for later, as it was claimed."""
    return (
        outcome.status == "retry"
        and outcome.retry_at is not None
        and outcome.message_ids == outcome.claimed.message_ids
    )


def _untried(outcome: Outcome) -> bool:
    """Tell whether an outcome puts its delivery back untried, with no new part sent."""
    return outcome.status == "paused" and outcome.message_ids == outcome.claimed.message_ids


async def _record(session: AsyncSession, outcome: Outcome, now: datetime) -> None:
    """Write what became of a delivery that was not simply sent."""
    delivery_id = outcome.claimed.delivery_id
    if outcome.status == "paused":
        # The Bot API was away (or refused the token): the try does not count.
        if outcome.message_ids != outcome.claimed.message_ids:
            await outbox.record_part(session, delivery_id, outcome.message_ids)
        await outbox.release(session, delivery_id, error=outcome.error or "paused")
    elif outcome.status in ("retry", "migrated"):
        if outcome.new_chat_id is not None:
            await subscriptions.migrate_chat(session, outcome.claimed.chat_id, outcome.new_chat_id)
        if outcome.message_ids != outcome.claimed.message_ids:
            await outbox.record_part(session, delivery_id, outcome.message_ids)
        assert outcome.retry_at is not None
        await outbox.mark_retry(
            session,
            delivery_id,
            error=outcome.error or "released",
            next_attempt_at=outcome.retry_at,
        )
    else:
        if outcome.message_ids != outcome.claimed.message_ids:
            await outbox.record_part(session, delivery_id, outcome.message_ids)
        await outbox.mark_failed(session, delivery_id, error=outcome.error or "failed", now=now)
        if outcome.status == "gone":
            await subscriptions.deactivate(
                session, outcome.claimed.chat_id, outcome.error or "gone"
            )
