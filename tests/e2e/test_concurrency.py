"""Nobody waits behind somebody else: chats are answered at once, each in its own order.

One user sends twenty commands (each reply held to that chat's one message a second);
another user's /latest is answered while the first user's replies are still coming. Order
is asserted, never time. And a reply that meets a 5xx is tried again before the user is
told something went wrong.
"""

from __future__ import annotations

import re

from bot import i18n
from tests.e2e.botapi import BotAPIServer
from tests.e2e.conftest import private

WORDS = [f"qzx{n}" for n in range(20)]  # no article holds them: every answer names its query


def _replies(server: BotAPIServer, chat_id: int) -> list[int]:
    """Return the indexes (in the server's call log) of the messages sent to a chat."""
    return [
        i
        for i, c in enumerate(server.calls)
        if c.method == "sendMessage" and c.ok and str(c.params.get("chat_id")) == str(chat_id)
    ]


async def test_another_users_latest_is_answered_before_a_chatty_users_twenty(
    bot: BotAPIServer,
) -> None:
    chatty, other = private(bot, "ru"), private(bot, "kk")
    for word in WORDS:
        bot.push_text(chatty.chat, chatty.user, f"/search {word}")
    await bot.wait_sent(chatty.id, count=2, wait=30)  # the chatty user's replies are flowing
    bot.push_text(other.chat, other.user, "/latest")
    await bot.wait_sent(other.id, wait=30)
    [answer_at] = _replies(bot, other.id)
    chatty_before = [i for i in _replies(bot, chatty.id) if i < answer_at]
    assert len(chatty_before) < len(WORDS), "the other user waited for all twenty replies"

    # The chatty user still gets every reply, in the order of the commands.
    await bot.wait_sent(chatty.id, count=len(WORDS), wait=60)
    texts = [m.text for m in bot.sent(chatty.id)]
    asked = [re.search(r"qzx\d+", t).group(0) for t in texts]  # type: ignore[union-attr]
    assert asked == WORDS


async def test_a_reply_that_meets_a_5xx_is_tried_again(bot: BotAPIServer) -> None:
    chat = private(bot, "tg")
    bot.fail("sendMessage", 502)
    [reply] = await chat.send("/search qzxtg", wait=20)
    assert "qzxtg" in reply.text
    assert reply.text != i18n.t("tg", "error.generic")
    statuses = [c.status for c in bot.calls_to("sendMessage", chat_id=chat.id)]
    assert statuses == [502, 200]
