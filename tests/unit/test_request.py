"""Bot API calls go out as JSON bodies (uploads as multipart), with PTB's errors on failure."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import NetworkError, TimedOut

from bot.request import JSONRequest

TOKEN = "123456:TEST-token"
ME = {"id": 1, "is_bot": True, "first_name": "Chaikhana", "username": "chaikhana_bot"}


class Recorder:
    def __init__(self, fail: Exception | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.fail = fail

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.fail is not None:
            raise self.fail
        method = request.url.path.rsplit("/", 1)[1]
        if method == "getMe":
            return httpx.Response(200, json={"ok": True, "result": ME})
        message = {"message_id": 7, "date": 0, "chat": {"id": 42, "type": "private"}}
        return httpx.Response(200, json={"ok": True, "result": message})


def bot(recorder: Recorder) -> Bot:
    request = JSONRequest(httpx_kwargs={"transport": httpx.MockTransport(recorder)})
    return Bot(TOKEN, request=request, base_url="http://api.test/bot")


async def test_send_message_posts_one_json_object() -> None:
    recorder = Recorder()
    text = "<b>Қазақстан</b>: Тоқаев рақамли давлат ҳақида. Дар Душанбе технопарк кушода шуд & more"
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Келесі »", callback_data="l:2")]])
    async with bot(recorder) as b:
        message = await b.send_message(42, text, parse_mode="HTML", reply_markup=markup)
    assert message.message_id == 7
    sent = recorder.requests[-1]
    assert sent.headers["content-type"] == "application/json"
    body: dict[str, Any] = json.loads(sent.content)
    assert body["chat_id"] == 42 and body["text"] == text and body["parse_mode"] == "HTML"
    # nested objects are JSON objects, not JSON text inside a form field
    assert body["reply_markup"] == {
        "inline_keyboard": [[{"text": "Келесі »", "callback_data": "l:2"}]]
    }
    assert "Қазақстан".encode() in sent.content  # UTF-8 as is, not \\u escapes


async def test_an_upload_is_still_multipart() -> None:
    recorder = Recorder()
    async with bot(recorder) as b:
        await b.send_document(42, b"id,title\n1,\xd0\x90\xd1\x81\xd1\x82\xd0\xb0\xd0\xbd\xd0\xb0\n")
    assert recorder.requests[-1].headers["content-type"].startswith("multipart/form-data")


@pytest.mark.parametrize(
    ("error", "raised"),
    [
        pytest.param(httpx.ReadTimeout("slow"), TimedOut, id="timeout"),
        pytest.param(httpx.PoolTimeout("full"), TimedOut, id="pool"),
        pytest.param(httpx.ConnectError("refused"), NetworkError, id="connect"),
    ],
)
async def test_transport_failures_become_ptb_errors(error: Exception, raised: type) -> None:
    recorder = Recorder()
    async with bot(recorder) as b:
        recorder.fail = error
        with pytest.raises(raised):
            await b.send_message(42, "Салам")
