"""The loopback Bot API server answers like Telegram does."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from tests.e2e.botapi import BotAPIServer, Limits, ParseError, parse_html


@pytest.fixture
async def server() -> AsyncIterator[BotAPIServer]:
    async with BotAPIServer() as srv:
        yield srv


@pytest.fixture
async def bot(server: BotAPIServer) -> AsyncIterator[Bot]:
    request = HTTPXRequest(read_timeout=1.0, connect_timeout=1.0)
    async with Bot(server.token, base_url=server.base_url, request=request) as b:
        yield b


@pytest.mark.parametrize(
    ("html", "visible"),
    [
        pytest.param(
            '<b>bold</b> &amp; <a href="https://x.kz/?a=1&amp;b=2">link</a>',
            "bold & link",
            id="tags-and-entities",
        ),
        pytest.param("a &lt;script&gt; b", "a <script> b", id="escaped-tag"),
        pytest.param("<blockquote expandable>q</blockquote>", "q", id="expandable-quote"),
    ],
)
def test_parse_html_accepts_telegram_html(html: str, visible: str) -> None:
    assert parse_html(html) == visible


@pytest.mark.parametrize(
    "html",
    [
        pytest.param("<b>open", id="unclosed"),
        pytest.param("<b><i>x</b></i>", id="crossed"),
        pytest.param("<script>x</script>", id="unsupported-tag"),
        pytest.param("a < b", id="bare-lt"),
        pytest.param("AT&T", id="bare-amp"),
        pytest.param('<a onclick="x">y</a>', id="bad-attribute"),
    ],
)
def test_parse_html_rejects_what_telegram_rejects(html: str) -> None:
    with pytest.raises(ParseError):
        parse_html(html)


async def test_get_me_and_updates(server: BotAPIServer, bot: Bot) -> None:
    assert bot.username == server.bot_username
    server.push_text(server.private_chat(7), server.user(7, "ru"), "/start")
    updates = await bot.get_updates(timeout=1)
    assert updates[0].message.text == "/start"
    assert updates[0].message.from_user.language_code == "ru"
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == ()


async def test_send_message_is_checked_and_recorded(server: BotAPIServer, bot: Bot) -> None:
    server.push_text(server.private_chat(7), server.user(7), "hi")
    msg = await bot.send_message(7, "<b>ok</b>", parse_mode="HTML")
    assert msg.text == "ok" and server.sent(7)[0].text == "<b>ok</b>"
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(7, "<b>broken", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)too long"):
        await bot.send_message(7, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(99, "x")


async def test_flood_limit_answers_429(server: BotAPIServer, bot: Bot) -> None:
    server.push_text(server.private_chat(7), server.user(7), "hi")
    await bot.send_message(7, "one")
    with pytest.raises(RetryAfter):
        await bot.send_message(7, "two")
    refused = server.calls_to("sendMessage")[-1].response
    assert refused["error_code"] == 429 and refused["parameters"] == {"retry_after": 1}


async def test_group_limit(bot: Bot) -> None:
    async with BotAPIServer(limits=Limits(per_group_per_minute=1)) as srv:
        async with Bot(srv.token, base_url=srv.base_url) as gbot:
            srv.push_text(srv.group_chat(-100), srv.user(1), "hi")
            await gbot.send_message(-100, "1")
            with pytest.raises(RetryAfter):
                await gbot.send_message(-100, "2")


async def test_faults_on_demand(server: BotAPIServer, bot: Bot) -> None:
    server.push_text(server.private_chat(7), server.user(7), "hi")
    server.fail("sendMessage", 403)
    with pytest.raises(Forbidden):
        await bot.send_message(7, "x")
    server.fail("sendMessage", 400, description="Bad Request: whatever")
    with pytest.raises(BadRequest, match=r"(?i)whatever"):
        await bot.send_message(7, "x")
    server.hang("sendMessage", 3)
    with pytest.raises(TimedOut):
        await bot.send_message(7, "x")
    assert [c.status for c in server.calls_to("sendMessage")][:2] == [403, 400]
