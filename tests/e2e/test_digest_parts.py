"""A scheduled digest that Telegram refuses as too long is split smaller and sent (issue 13),
on the real Application, its plan and send jobs, and the loopback Bot API server."""

from __future__ import annotations

from tests.e2e.test_digests import Bot, bot, news, settle  # noqa: F401  (fixtures)


async def test_a_part_refused_as_too_long_is_split_smaller_and_sent(bot: Bot) -> None:  # noqa: F811
    await bot.subscribe(5101, countries=("kz", "uz"), time_of_day="08:30", timezone="Asia/Tashkent")
    bot.server.fail("sendMessage", 400, description="Bad Request: message is too long")
    bot.clock.set_local(bot.clock(), "08:30")
    await bot.server.wait_for(lambda c: c.method == "sendMessage" and c.status == 400, wait=15)
    await bot.server.wait_sent(5101, count=1, wait=15)
    await settle(0.5)
    [delivery] = await bot.deliveries(5101)
    assert delivery.status == "sent", delivery.error
    assert delivery.attempts == 1  # split and sent in the same try, not failed nor retried
    [digest] = [m.text for m in bot.server.sent(5101)]
    assert "daily digest" in digest
