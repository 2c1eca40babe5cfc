"""/trends [country] and the admins' activity chart: a PNG with its words as the caption,
or the words alone where a photo cannot be sent."""

from __future__ import annotations

import logging

from telegram import InputFile, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden

from bot import render
from bot.context import ChaikhanaContext
from bot.handlers.common import argument, lang, send, topic_thread
from bot.render import Reply
from bot.services import trends
from bot.services.trends import Chart

logger = logging.getLogger(__name__)


async def _send_chart(update: Update, context: ChaikhanaContext, chart: Chart, name: str) -> None:
    chat = update.effective_chat
    assert chat is not None
    if chart.png is not None:
        try:
            await context.bot.send_photo(
                chat.id,
                InputFile(chart.png, filename=name),
                caption=chart.caption,
                parse_mode=ParseMode.HTML,
                message_thread_id=topic_thread(update),
            )
            return
        except Forbidden:
            raise
        except BadRequest as exc:  # no right to send photos here, or the image refused
            logger.info("chart not sent as a photo (%s): sending its words", exc.message)
    await send(update, context, Reply((chart.caption,)))


async def trends_(update: Update, context: ChaikhanaContext) -> None:
    """Send the stories-per-week chart (every focus country, or the one named)."""
    ui, name = lang(update, context), await argument(update, context)
    if name is None:
        return
    found = await trends.trends(context.db, name, lang=ui, now=context.bot_data.now())
    if found.chart is None:
        await send(update, context, render.message(ui, "country.not_found", query=found.unknown))
        return
    await _send_chart(update, context, found.chart, "trends.png")


async def activity_chart(update: Update, context: ChaikhanaContext) -> None:
    """Send the admins' chart of articles stored and digests sent over recent days."""
    chart = await trends.activity(
        context.db, lang=lang(update, context), now=context.bot_data.now()
    )
    await _send_chart(update, context, chart, "activity.png")
