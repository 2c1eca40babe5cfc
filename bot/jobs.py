"""The bot's jobs on PTB's JobQueue: poll the sources, plan due digests, send the outbox.

Every job keeps its state in the database, so a job that runs late, twice, or on two
instances at once does the right thing: planning is unique per (subscription, period) and
runs under an advisory lock on PostgreSQL; senders claim rows (SKIP LOCKED on PostgreSQL)
before sending them.
"""

from __future__ import annotations

import logging
import time

from telegram.ext import Application

from bot import metrics
from bot.context import BotData, ChaikhanaContext
from bot.services import digests, status
from bot.services.ingest import fetch_sources

logger = logging.getLogger(__name__)

# A job that is still running when its next turn comes is not started twice.
_JOB_KWARGS = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}


def schedule(app: Application) -> None:  # type: ignore[type-arg]
    """Put the jobs on the application's JobQueue."""
    data: BotData = app.bot_data
    cfg = data.cfg
    assert cfg is not None and app.job_queue is not None
    jq = app.job_queue
    if cfg.ingest.poll:
        jq.run_repeating(
            poll_sources, cfg.ingest.interval, first=1, name="poll-sources", job_kwargs=_JOB_KWARGS
        )
    jq.run_repeating(
        plan_digests,
        cfg.digests.plan_interval,
        first=min(1.0, cfg.digests.plan_interval),
        name="plan-digests",
        job_kwargs=_JOB_KWARGS,
    )
    if cfg.metrics.enabled:
        jq.run_repeating(
            observe, cfg.metrics.refresh, first=0.2, name="observe", job_kwargs=_JOB_KWARGS
        )
    jq.run_repeating(
        send_outbox,
        cfg.delivery.interval,
        first=min(1.0, cfg.delivery.interval),
        name="send-outbox",
        job_kwargs=_JOB_KWARGS,
    )


async def poll_sources(context: ChaikhanaContext) -> None:
    """Read the sources that are due and store what is new."""
    data, cfg = context.bot_data, context.cfg
    if data.fetcher is None:
        return
    _started(context, "poll-sources")
    started = time.perf_counter()
    reports = await fetch_sources(
        context.db,
        data.fetcher,
        interval=cfg.ingest.interval,
        backoff_base=cfg.ingest.backoff_base,
        backoff_max=cfg.ingest.backoff_max,
        fetch_full_text=cfg.ingest.fetch_full_text,
        concurrency=cfg.ingest.concurrency,
        lease=cfg.ingest.lease,
        now=data.now(),
        # until its workers are up (a few seconds after start), pages are read here
        pool=data.pool if data.pool is not None and data.pool.ready else None,
    )
    metrics.POLL_SECONDS.observe(time.perf_counter() - started)
    metrics.polled(reports)
    new = sum(r.tally.new for r in reports)
    failed = [r for r in reports if r.error]
    if reports:
        logger.info(
            "polled %d sources: %d new articles, %d failing", len(reports), new, len(failed)
        )


async def plan_digests(context: ChaikhanaContext) -> None:
    """Plan the digests that are due into the outbox, then wake the sender."""
    _started(context, "plan-digests")
    started = time.perf_counter()
    report = await digests.plan_due(
        context.db,
        now=context.bot_data.now(),
        cfg=context.cfg.digests,
        bot_username=context.bot.username,
    )
    metrics.PLAN_SECONDS.observe(time.perf_counter() - started)
    metrics.PLANNED.inc(report.planned)
    if report.planned:
        _start_sender(context)


async def send_outbox(context: ChaikhanaContext) -> None:
    """Start sending what the outbox holds, unless a sender run is already going."""
    _start_sender(context)


def _start_sender(context: ChaikhanaContext) -> None:
    # The run goes on as its own task: a fan-out takes longer than the job's interval, and
    # the JobQueue would otherwise skip (and log) every turn that comes while it runs.
    sender = context.bot_data.sender
    if sender is None or sender.busy:
        return
    context.application.create_task(sender.run(), name="send-outbox-run")


def _started(context: ChaikhanaContext, job: str) -> None:
    readiness = context.bot_data.readiness
    if readiness is not None:
        readiness.job_started(job)


async def observe(context: ChaikhanaContext) -> None:
    """Check the database answers, and set the outbox and source gauges from it."""
    readiness = context.bot_data.readiness
    try:
        facts = await status.facts(context.db, now=context.bot_data.now())
    except Exception as exc:  # whatever the database says, readiness reports it
        logger.warning("database check failed: %s: %s", type(exc).__name__, exc)
        if readiness is not None:
            readiness.db_answered(f"{type(exc).__name__}: {exc}")
        return
    if readiness is not None:
        readiness.db_answered()
    metrics.sources(facts.sources, facts.now)
    metrics.outbox(facts.outbox.counts, facts.outbox.lag(facts.now))
