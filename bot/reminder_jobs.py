"""The reminders job: plan the event reminders that are due, then wake the sender."""

from __future__ import annotations

import logging

from telegram.ext import Application

from bot import jobs
from bot.context import BotData, ChaikhanaContext
from bot.services import reminders

logger = logging.getLogger(__name__)


def schedule(app: Application) -> None:  # type: ignore[type-arg]
    """Plan reminders as often as digests are planned."""
    data: BotData = app.bot_data
    assert data.cfg is not None and app.job_queue is not None
    interval = data.cfg.digests.plan_interval
    app.job_queue.run_repeating(
        plan_reminders,
        interval,
        first=min(1.0, interval),
        name="plan-reminders",
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
    )


async def plan_reminders(context: ChaikhanaContext) -> None:
    """Plan the reminders due by now; the sender sends them like digests."""
    report = await reminders.plan_reminders(context.db, now=context.bot_data.now())
    if report.planned:
        await jobs.send_outbox(context)
