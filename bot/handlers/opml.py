"""An admin sends an OPML file to the bot: its feeds become sources, as with
``chaikhana sources import``; anyone else's document is left alone."""

from __future__ import annotations

import logging

from telegram import Update

from bot import render
from bot.context import ChaikhanaContext
from bot.handlers.common import lang, send
from bot.i18n import t
from bot.render import Reply, esc
from bot.services import sources_io
from digests.sources import opml

logger = logging.getLogger(__name__)

REFUSALS_SHOWN = 25


async def upload(update: Update, context: ChaikhanaContext) -> None:
    """Import the OPML document an admin sent; reply with counts and the refused outlines."""
    message, user = update.effective_message, update.effective_user
    if message is None or message.document is None or user is None:
        return
    if user.id not in context.cfg.telegram.admins:
        return  # a document from someone else is not a command
    ui, doc = lang(update, context), message.document
    name = (doc.file_name or "").lower()
    if not name.endswith((".opml", ".xml")):
        await send(update, context, Reply((esc(t(ui, "opml.not_opml")),)))
        return
    if (doc.file_size or 0) > opml.MAX_BYTES:
        await send(update, context, Reply((esc(t(ui, "opml.too_big", max=opml.MAX_BYTES)),)))
        return
    file = await context.bot.get_file(doc.file_id)
    data = bytes(await file.download_as_bytearray())
    report = await sources_io.import_opml(context.db, data)
    lines = [
        esc(
            t(
                ui,
                "opml.imported",
                added=report.added,
                known=report.known,
                refused=len(report.refused),
            )
        )
    ]
    lines += [f"• {esc(line)}" for line in report.refused[:REFUSALS_SHOWN]]
    if len(report.refused) > REFUSALS_SHOWN:
        lines.append(esc(t(ui, "opml.more", count=len(report.refused) - REFUSALS_SHOWN)))
    await send(update, context, Reply(render.split(lines)))
