"""Prometheus metrics, all named ``chaikhana_…``; small calls at the places things happen.

The metrics live in prometheus-client's default registry (with its process and GC
collectors), so one scrape of ``/metrics`` shows the process as a whole.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from prometheus_client import Counter, Gauge, Histogram
from telegram import Update
from telegram.ext import Application, CommandHandler, TypeHandler

_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900)

ARTICLES = Counter(
    "chaikhana_articles", "Articles read from sources, by outcome", ["source", "outcome"]
)
POLLS = Counter("chaikhana_source_polls", "Polls of one source, by outcome", ["outcome"])
POLL_SECONDS = Histogram(
    "chaikhana_poll_duration_seconds", "Time one pass over the due sources took", buckets=_SECONDS
)
SOURCE_HEALTHY = Gauge(
    "chaikhana_source_healthy", "1 when the source is ok or new, 0 failing or paused", ["source"]
)
SOURCE_FAILURES = Gauge(
    "chaikhana_source_failures", "Failed polls of the source in a row", ["source"]
)
SOURCE_SINCE_OK = Gauge(
    "chaikhana_source_seconds_since_success",
    "Seconds since the source was last read successfully (absent when never)",
    ["source"],
)
PLANNED = Counter("chaikhana_deliveries_planned", "Deliveries written to the outbox by planning")
PLAN_SECONDS = Histogram(
    "chaikhana_plan_duration_seconds", "Time one planning pass took", buckets=_SECONDS
)
DELIVERIES = Counter(
    "chaikhana_deliveries",
    "Deliveries by what became of a send: sent, retried, failed, gone, migrated",
    ["outcome"],
)
RETRY_AFTER = Counter("chaikhana_telegram_retry_after", "429 answers from the Bot API")
PAUSED = Counter(
    "chaikhana_telegram_paused_seconds", "Seconds every request was held back after a 429"
)
OUTBOX_LAG = Gauge(
    "chaikhana_outbox_lag_seconds", "How long the oldest due delivery has waited to be sent"
)
OUTBOX = Gauge("chaikhana_outbox_deliveries", "Deliveries in the outbox by status", ["status"])
COMMANDS = Counter("chaikhana_commands", "Commands and button presses handled", ["command"])
REPLY_SECONDS = Histogram(
    "chaikhana_reply_duration_seconds",
    "Time from an update's arrival to the end of its handling (the reply sent)",
    ["command"],
    buckets=_SECONDS,
)
LAST_RUN = Gauge(
    "chaikhana_job_last_run_timestamp_seconds", "When a job last started (Unix time)", ["job"]
)
READY = Gauge("chaikhana_ready", "1 when /readyz answers ready")

_OUTCOMES = {"sent": "sent", "retry": "retried", "failed": "failed", "gone": "gone"}


def delivery(status: str, n: int = 1) -> None:
    """Count what became of deliveries ("sent", "retry", "failed", "gone", "expired" …)."""
    DELIVERIES.labels(_OUTCOMES.get(status, status)).inc(n)


def retry_after(seconds: float) -> None:
    """Count a 429 and the pause it imposes on every request."""
    RETRY_AFTER.inc()
    PAUSED.inc(seconds)


def polled(reports: Iterable[Any]) -> None:
    """Count the articles and outcomes of a poll (``SourceReport``s)."""
    for report in reports:
        source = report.source.url
        tally = report.tally
        if report.error:
            POLLS.labels("failed").inc()
        else:
            POLLS.labels("not_modified" if report.not_modified else "ok").inc()
        for outcome, n in (
            ("ingested", tally.new),
            ("duplicate", tally.duplicates),
            ("failed", tally.failed),
        ):
            if n:
                ARTICLES.labels(source, outcome).inc(n)


def sources(records: Iterable[Any], now: datetime) -> None:
    """Set each source's health gauges from its stored record; forget removed sources."""
    seen = set()
    for record in records:
        seen.add(record.url)
        SOURCE_HEALTHY.labels(record.url).set(1 if record.health in ("ok", "new") else 0)
        SOURCE_FAILURES.labels(record.url).set(record.failures)
        if record.last_ok_at is not None:
            SOURCE_SINCE_OK.labels(record.url).set((now - record.last_ok_at).total_seconds())
    for gauge in (SOURCE_HEALTHY, SOURCE_FAILURES, SOURCE_SINCE_OK):
        for labels in list(gauge._metrics):  # prometheus-client keeps children by label tuple
            if labels[0] not in seen:
                gauge.remove(*labels)


def outbox(counts: dict[str, int], lag: float) -> None:
    """Set the outbox gauges."""
    for status in ("pending", "sending", "sent", "failed", "skipped", *counts):
        OUTBOX.labels(status).set(counts.get(status, 0))
    OUTBOX_LAG.set(lag)


def job_started(job: str) -> None:
    """Record that a job started now."""
    LAST_RUN.labels(job).set(time.time())


# ---- commands --------------------------------------------------------------------------------

_ARRIVED: dict[int, tuple[str, float]] = {}


def instrument(app: Application) -> None:  # type: ignore[type-arg]
    """Count every command and time its handling: a first and a last handler group."""
    known = {
        command
        for group in app.handlers.values()
        for handler in group
        if isinstance(handler, CommandHandler)
        for command in handler.commands
    }

    async def arrived(update: Update, _context: Any) -> None:
        name = command_of(update, known)
        if name is not None:
            if len(_ARRIVED) > 10_000:  # updates whose handling was stopped early never end
                _ARRIVED.clear()
            _ARRIVED[update.update_id] = (name, time.perf_counter())

    async def handled(update: Update, _context: Any) -> None:
        started = _ARRIVED.pop(update.update_id, None)
        if started is not None:
            name, at = started
            COMMANDS.labels(name).inc()
            REPLY_SECONDS.labels(name).observe(time.perf_counter() - at)

    app.add_handler(TypeHandler(Update, arrived), group=-1000)
    app.add_handler(TypeHandler(Update, handled), group=1000)


def command_of(update: Update, known: set[str]) -> str | None:
    """Name what the update asks for: its /command ("other" if unknown), "button", or None."""
    if update.callback_query is not None:
        return "button"
    message = update.effective_message
    text = message.text if message is not None else None
    if not text or not text.startswith("/"):
        return None
    name = text.split(maxsplit=1)[0][1:].split("@", 1)[0].lower()
    return name if name in known else "other"
