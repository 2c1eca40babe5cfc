"""The bot's aiohttp request layer against the loopback Bot API server: bodies, files, errors."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import NetworkError, TimedOut

from bot.aiohttp_request import AiohttpRequest
from tests.e2e.botapi import BotAPIServer

CHAT = 4242
TEXTS = {
    "ru": "<b>Казахстан</b>: цифровой мост «Астана Хаб»",
    "uz-latn": "Toshkentda sun'iy intellekt markazi ochildi",
    "uz-cyrl": "Тошкентда сунъий интеллект маркази очилди",
    "kk": "Қазақстанда жасанды интеллект орталығы ашылды",
    "ky": "Бишкекте IT-парк ачылды, өкмөт колдойт",
    "tg": "Дар Душанбе технопарки нав кушода шуд",
    "tk": "Aşgabatda täze tehnologiýa merkezi açyldy",
    "en": "Almaty fintech hub opens",
}


@pytest.fixture
async def server() -> AsyncIterator[BotAPIServer]:
    async with BotAPIServer() as srv:
        srv.add_chat(srv.private_chat(CHAT))
        yield srv


def make_bot(server: BotAPIServer, base_url: str | None = None, **request: float) -> Bot:
    return Bot(
        server.token,
        base_url=base_url or server.base_url,
        request=AiohttpRequest(connection_pool_size=2, **request),
    )


@pytest.mark.parametrize(("lang", "text"), [pytest.param(k, v, id=k) for k, v in TEXTS.items()])
async def test_a_message_goes_as_one_json_object(
    server: BotAPIServer, lang: str, text: str
) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Келесі »", callback_data="l:2")]])
    async with make_bot(server) as bot:
        message = await bot.send_message(CHAT, text, parse_mode="HTML", reply_markup=markup)
    assert message.chat.id == CHAT and message.message_id > 0
    (call,) = server.calls_to("sendMessage")
    # JSON keeps types: a form would have sent the id and the keyboard as strings
    assert call.params["chat_id"] == CHAT
    assert call.params["text"] == text
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Келесі »", "callback_data": "l:2"}]]
    }


async def test_many_sends_share_a_small_pool(server: BotAPIServer) -> None:
    chats = range(10_000, 10_025)  # under the server's 30/s
    for chat_id in chats:
        server.add_chat(server.private_chat(chat_id))
    async with make_bot(server) as bot:
        sent = await asyncio.gather(*(bot.send_message(c, f"№{c}") for c in chats))
    assert [(m.chat.id, m.text) for m in sent] == [(c, f"№{c}") for c in chats]


async def test_a_file_goes_as_multipart_with_its_name_and_bytes(server: BotAPIServer) -> None:
    data = "id,title\n1,Астана\n2,Тошкент\n".encode()
    async with make_bot(server) as bot:
        await bot.send_document(CHAT, data, filename="жаңалықтар.csv", caption="Экспорт «Чайхана»")
    (sent,) = server.files
    assert (sent.chat_id, sent.data, sent.filename) == (CHAT, data, "жаңалықтар.csv")
    assert sent.caption == "Экспорт «Чайхана»"


async def test_an_answer_that_never_comes_is_a_time_out(server: BotAPIServer) -> None:
    async with make_bot(server, read_timeout=0.5) as bot:
        server.hang("sendMessage", 60)
        with pytest.raises(TimedOut):
            await bot.send_message(CHAT, "Салам")
        # the pool is usable afterwards
        assert (await bot.send_message(CHAT, "Салам")).text == "Салам"


async def test_a_refused_connection_is_a_network_error(server: BotAPIServer) -> None:
    with socket.socket() as s:  # a port that was free a moment ago: nobody listens on it
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    bot = make_bot(server, base_url=f"http://127.0.0.1:{port}/bot")
    with pytest.raises(NetworkError) as raised:
        async with bot:  # getMe
            pass
    assert not isinstance(raised.value, TimedOut)
    assert "aiohttp.ClientConnectorError" in raised.value.message
    await bot.shutdown()


async def test_the_proxy_of_the_environment_is_used(
    server: BotAPIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The loopback server answers a proxy's absolute-form request like a direct one, so with
    # HTTP_PROXY pointing at it a host that does not exist is reached through it.
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{server.port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    async with make_bot(server, base_url="http://api.telegram.invalid/bot") as bot:
        message = await bot.send_message(CHAT, "Через прокси")
    assert message.text == "Через прокси"
