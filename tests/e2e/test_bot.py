"""The real bot against the loopback Bot API server: every command, buttons, groups, faults."""

from __future__ import annotations

from tests.e2e.botapi import BotAPIServer
from tests.e2e.conftest import private


async def test_start_in_russian(bot: BotAPIServer) -> None:
    chat = private(bot, "ru")
    [reply] = await chat.send("/start")
    assert "Чайхана" in reply.text
    assert reply.parse_mode == "HTML"
    buttons = [b["callback_data"] for row in reply.reply_markup["inline_keyboard"] for b in row]
    assert buttons == ["lp", "cp"]
