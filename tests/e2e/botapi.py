"""A Bot API server on loopback for end-to-end tests.

Real HTTP (asyncio streams, HTTP/1.1 keep-alive), Telegram's JSON shapes, updates delivered
through long-polled ``getUpdates``, every call recorded, Telegram's flood limits enforced
(429 with ``retry_after``), HTML parse-mode checked the way Telegram checks it, and faults
(429, 400, 403, 5xx, hangs) injected on demand.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import math
import re
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

logger = logging.getLogger(__name__)

JSON = dict[str, Any]

MAX_TEXT = 4096
SEND_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendAudio",
        "sendVideo",
        "copyMessage",
        "forwardMessage",
        "sendMediaGroup",
        "sendAnimation",
        "sendVoice",
        "sendSticker",
    }
)
# Tags Telegram accepts in parse_mode=HTML, and the attributes each may carry.
_ALLOWED_TAGS: dict[str, frozenset[str]] = {
    "b": frozenset(),
    "strong": frozenset(),
    "i": frozenset(),
    "em": frozenset(),
    "u": frozenset(),
    "ins": frozenset(),
    "s": frozenset(),
    "strike": frozenset(),
    "del": frozenset(),
    "code": frozenset({"class"}),
    "pre": frozenset(),
    "a": frozenset({"href"}),
    "tg-spoiler": frozenset(),
    "span": frozenset({"class"}),
    "blockquote": frozenset({"expandable"}),
    "tg-emoji": frozenset({"emoji-id"}),
}
_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*>"
)
_ATTR = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+)))?")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")
_ENTITY_TEXT = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class ParseError(ValueError):
    """Text that Telegram would refuse in parse_mode HTML."""


def parse_html(text: str) -> str:
    """Return the visible text of Telegram HTML, or raise ParseError as Telegram would."""
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "<":
            m = _TAG.match(text, i)
            if not m:
                raise ParseError(f"Unexpected end tag or bad tag at byte offset {i}")
            closing, name, attrs = m.group(1) == "/", m.group(2).lower(), m.group(3)
            if name not in _ALLOWED_TAGS:
                raise ParseError(f'Unsupported start tag "{name}" at byte offset {i}')
            if closing:
                if not stack or stack[-1] != name:
                    raise ParseError(f"Unmatched end tag at byte offset {i}: </{name}>")
                stack.pop()
            else:
                for am in _ATTR.finditer(attrs):
                    if am.group(1).lower() not in _ALLOWED_TAGS[name]:
                        raise ParseError(f'Unsupported attribute "{am.group(1)}" in tag "{name}"')
                stack.append(name)
            i = m.end()
        elif ch == "&":
            m = _ENTITY.match(text, i)
            if not m:
                raise ParseError(f"Unsupported HTML entity at byte offset {i}")
            body = m.group(1)
            if body.startswith("#x"):
                out.append(chr(int(body[2:], 16)))
            elif body.startswith("#"):
                out.append(chr(int(body[1:])))
            else:
                out.append(_ENTITY_TEXT[body])
            i = m.end()
        elif ch == ">":
            raise ParseError(f"Unexpected > at byte offset {i}")
        else:
            out.append(ch)
            i += 1
    if stack:
        raise ParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)


def utf16_len(text: str) -> int:
    """Count UTF-16 code units, the way Telegram measures text."""
    return len(text.encode("utf-16-le")) // 2


class ApiError(Exception):
    """An error answer: HTTP status, Telegram description and optional parameters."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


@dataclass(slots=True)
class Call:
    """One request the bot made, and what it was answered."""

    method: str
    params: JSON
    at: float
    status: int = 0
    response: JSON = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass(slots=True)
class Fault:
    """An error to answer instead of doing the call (status 0 means: hang)."""

    status: int
    description: str
    retry_after: int | None = None
    hang: float = 0.0


@dataclass(slots=True)
class Limits:
    """Telegram's flood limits, as the server enforces them on sendMessage.

    Each is a sliding window over the messages the server accepted: at most
    ``overall_per_second`` in any second, ``per_chat_per_second`` in any second in one
    private chat, ``per_group_per_minute`` in any minute in one group, supergroup or channel
    (a negative chat id). ``Limits(overall_per_second=1000)`` is the paid-broadcast rate.
    """

    overall_per_second: int = 30
    per_chat_per_second: int = 1
    per_group_per_minute: int = 20


@dataclass(slots=True)
class SentMessage:
    """A message the bot sent (or edited) in a chat."""

    chat_id: int
    message_id: int
    text: str
    parse_mode: str | None
    reply_markup: JSON | None
    link_preview_options: JSON | None
    raw: JSON
    edits: int = 0


@dataclass(slots=True)
class SentFile:
    """A document or photo the bot uploaded, with its caption."""

    method: str
    chat_id: int
    message_id: int
    filename: str
    data: bytes
    caption: str
    reply_markup: JSON | None


class BotAPIServer:
    """A loopback Bot API server: start it, point the bot's base_url at it, push updates."""

    def __init__(
        self,
        token: str = "123456:TEST-token-for-e2e",
        *,
        bot_username: str = "ChaikhanaTestBot",
        limits: Limits | None = None,
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.limits = limits or Limits()
        self.calls: list[Call] = []
        self.messages: dict[tuple[int, int], SentMessage] = {}
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.chat_members: dict[tuple[int, int], str] = {}
        self.member_rights: dict[tuple[int, int], JSON] = {}
        self._chats: dict[int, JSON] = {}
        self._migrated: dict[int, int] = {}
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._updates: list[JSON] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = defaultdict(lambda: itertools.count(1))
        self._callback_ids = itertools.count(1)
        self._inline_ids = itertools.count(1)
        self.inline_queries: dict[str, JSON] = {}  # inline query id → the query delivered
        self.inline_answers: dict[str, JSON] = {}  # inline query id → answerInlineQuery params
        self.files: list[SentFile] = []  # documents and photos the bot sent, in order
        self.inline_messages: dict[str, JSON] = {}  # inline_message_id → text and markup
        self._uploads: dict[str, bytes] = {}  # file_id → bytes of a document a user sent
        self._new_update = asyncio.Event()
        self._new_call = asyncio.Event()
        self._sent_all: deque[float] = deque()
        self._sent_chat: dict[int, deque[float]] = defaultdict(deque)
        self._sweep_chats_at = 4096
        self.flood_429s = 0  # sends refused because a limit would have been broken
        self._server: asyncio.Server | None = None
        self._conns: set[asyncio.Task[None]] = set()
        self.port = 0

    # ---- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port."""
        self._server = await asyncio.start_server(self._serve_conn, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def go_down(self) -> None:
        """Be unreachable, as in an outage: connections are refused until ``come_back``."""
        await self.stop()
        self._server = None

    async def come_back(self) -> None:
        """Listen again on the same port, after ``go_down``."""
        self._server = await asyncio.start_server(self._serve_conn, "127.0.0.1", self.port)

    async def stop(self) -> None:
        """Close the listener and every open connection."""
        if self._server is not None:
            self._server.close()
        for task in list(self._conns):
            task.cancel()
        for task in list(self._conns):
            with contextlib.suppress(BaseException):
                await task
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    async def __aenter__(self) -> BotAPIServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """The value for ``telegram.base_url`` (the token is appended by the client)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ---- what tests do ------------------------------------------------------------------

    @staticmethod
    def private_chat(chat_id: int, first_name: str = "Test") -> JSON:
        return {"id": chat_id, "type": "private", "first_name": first_name}

    @staticmethod
    def group_chat(chat_id: int, title: str = "Test group") -> JSON:
        return {"id": chat_id, "type": "supergroup", "title": title}

    @staticmethod
    def forum_chat(chat_id: int, title: str = "Test forum") -> JSON:
        return {"id": chat_id, "type": "supergroup", "title": title, "is_forum": True}

    @staticmethod
    def channel_chat(chat_id: int, username: str, title: str = "Test channel") -> JSON:
        return {"id": chat_id, "type": "channel", "title": title, "username": username}

    def set_member(self, chat_id: int, user_id: int, status: str, **rights: bool) -> None:
        """Make getChatMember answer ``status`` (creator, administrator, member, left …)."""
        self.chat_members[(chat_id, user_id)] = status
        self.member_rights[(chat_id, user_id)] = dict(rights)

    @staticmethod
    def user(user_id: int, language_code: str | None = "en", first_name: str = "Test") -> JSON:
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        return user

    def add_chat(self, chat: JSON) -> None:
        """Make a chat known (as if a user had started the bot there earlier)."""
        self._chats[chat["id"]] = chat

    def push_text(
        self,
        chat: JSON,
        user: JSON,
        text: str,
        *,
        thread_id: int | None = None,
        sender_chat: JSON | None = None,
    ) -> JSON:
        """Deliver a text message from a user; commands get their bot_command entity.

        ``thread_id`` posts it in a forum topic; ``sender_chat`` posts it on behalf of a
        chat (an anonymous group admin posts as the group itself).
        """
        self._chats[chat["id"]] = chat
        message: JSON = {
            "message_id": next(self._message_ids[chat["id"]]),
            "date": int(time.time()),
            "chat": chat,
            "from": user,
            "text": text,
        }
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        if sender_chat is not None:
            message["sender_chat"] = sender_chat
        m = re.match(r"/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?", text)
        if m:
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(m.group(0))}
            ]
        self._push({"message": message})
        return message

    def push_callback(self, user: JSON, message: SentMessage, data: str) -> str:
        """Deliver a press on an inline button under one of the bot's messages."""
        query_id = str(next(self._callback_ids))
        self._push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user,
                    "chat_instance": str(message.chat_id),
                    "message": message.raw,
                    "data": data,
                }
            }
        )
        return query_id

    def push_inline_query(self, user: JSON, query: str, *, offset: str = "") -> str:
        """Deliver an inline query (a user typing ``@bot query`` in any chat); return its id."""
        query_id = f"iq{next(self._inline_ids)}"
        inline: JSON = {"id": query_id, "from": user, "query": query, "offset": offset}
        self.inline_queries[query_id] = inline
        self._push({"inline_query": inline})
        return query_id

    def choose_inline_result(self, query_id: str, result_id: str) -> str:
        """Send the chosen result of an answered inline query (the user taps it); return
        its inline_message_id. The message carries the result's text and keyboard."""
        answer = self.inline_answers[query_id]
        [result] = [r for r in answer["results"] if r["id"] == result_id]
        inline_id = f"im{len(self.inline_messages) + 1}"
        content = result.get("input_message_content") or {}
        self.inline_messages[inline_id] = {
            "text": content.get("message_text", ""),
            "reply_markup": result.get("reply_markup"),
            "edits": 0,
        }
        return inline_id

    def push_inline_callback(self, user: JSON, inline_message_id: str, data: str) -> str:
        """Deliver a press on a button under a message sent via inline mode."""
        query_id = str(next(self._callback_ids))
        self._push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user,
                    "chat_instance": "inline",
                    "inline_message_id": inline_message_id,
                    "data": data,
                }
            }
        )
        return query_id

    def push_document(
        self, chat: JSON, user: JSON, data: bytes, *, file_name: str, mime_type: str
    ) -> JSON:
        """Deliver a message carrying a document; getFile and the file URL serve its bytes."""
        self._chats[chat["id"]] = chat
        file_id = f"doc{len(self._uploads) + 1}"
        self._uploads[file_id] = data
        message: JSON = {
            "message_id": next(self._message_ids[chat["id"]]),
            "date": int(time.time()),
            "chat": chat,
            "from": user,
            "document": {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "file_name": file_name,
                "mime_type": mime_type,
                "file_size": len(data),
            },
        }
        self._push({"message": message})
        return message

    def push_member_update(self, chat: JSON, user: JSON, new_status: str) -> None:
        """Deliver a my_chat_member update (the bot added to or removed from a chat)."""
        self._chats[chat["id"]] = chat
        me = self._me()
        self._push(
            {
                "my_chat_member": {
                    "chat": chat,
                    "from": user,
                    "date": int(time.time()),
                    "old_chat_member": {"status": "left", "user": me},
                    "new_chat_member": {"status": new_status, "user": me},
                }
            }
        )

    def fail(
        self,
        method: str,
        status: int,
        *,
        times: int = 1,
        description: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with an error."""
        if description is None:
            description = {
                400: "Bad Request: injected failure",
                403: "Forbidden: bot was blocked by the user",
                429: f"Too Many Requests: retry after {retry_after or 1}",
                500: "Internal Server Error",
                502: "Bad Gateway",
            }.get(status, "Error")
        if status == 429 and retry_after is None:
            retry_after = 1
        for _ in range(times):
            self._faults[method].append(Fault(status, description, retry_after))

    def migrate(self, group_id: int, supergroup_id: int) -> None:
        """Upgrade a group to a supergroup: messages to the old id are refused from now on."""
        self._migrated[group_id] = supergroup_id
        old = self._chats.get(group_id, {})
        self.add_chat({**old, "id": supergroup_id, "type": "supergroup"})

    def hang(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` only after ``seconds``."""
        for _ in range(times):
            self._faults[method].append(Fault(0, "", hang=seconds))

    def calls_to(self, method: str, *, chat_id: int | None = None) -> list[Call]:
        """Return the recorded calls of ``method`` (in one chat, if given)."""
        return [
            c
            for c in self.calls
            if c.method == method
            and (chat_id is None or _as_int(c.params.get("chat_id")) == chat_id)
        ]

    def sent(self, chat_id: int) -> list[SentMessage]:
        """Return the bot's messages in a chat, oldest first, as they are now."""
        return [m for (cid, _), m in sorted(self.messages.items()) if cid == chat_id]

    async def wait_for(
        self,
        predicate: Callable[[Call], bool],
        *,
        count: int = 1,
        wait: float = 10.0,
        since: int = 0,
    ) -> list[Call]:
        """Wait until ``count`` recorded calls (from index ``since``) satisfy ``predicate``."""
        deadline = time.monotonic() + wait
        while True:
            found = [c for c in self.calls[since:] if c.status and predicate(c)]
            if len(found) >= count:
                return found
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                names = [(c.method, c.status) for c in self.calls[since:]]
                raise TimeoutError(f"waited {wait}s; calls so far: {names}")
            self._new_call.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_call.wait(), remaining)

    async def wait_sent(
        self,
        chat_id: int,
        *,
        count: int = 1,
        wait: float = 10.0,
        since: int = 0,
    ) -> list[Call]:
        """Wait until the bot has successfully sent ``count`` messages to a chat."""
        return await self.wait_for(
            lambda c: (
                c.method == "sendMessage" and c.ok and _as_int(c.params.get("chat_id")) == chat_id
            ),
            count=count,
            wait=wait,
            since=since,
        )

    # ---- HTTP ---------------------------------------------------------------------------

    def _push(self, body: JSON) -> None:
        self._updates.append({"update_id": next(self._update_ids), **body})
        self._new_update.set()

    async def _serve_conn(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._conns.add(task)
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    break
                ctype = "application/json"
                if unquote(request[0]).startswith(f"/file/bot{self.token}/"):
                    data = self.file_bytes(request[0])
                    status, body = (200, data) if data is not None else (404, b"Not Found")
                    ctype = "application/octet-stream"
                else:
                    status, payload = await self._dispatch(*request)
                    body = json.dumps(payload, ensure_ascii=False).encode()
                head = (
                    f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
                    f"Content-Type: {ctype}\r\n"
                    f"Content-Length: {len(body)}\r\n"
                    "Connection: keep-alive\r\n\r\n"
                )
                writer.write(head.encode() + body)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            pass
        finally:
            self._conns.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _dispatch(self, path: str, params: JSON) -> tuple[int, JSON]:
        m = re.fullmatch(r"/bot([^/]+)/([A-Za-z]+)", path)
        if not m:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        token, method = m.group(1), m.group(2)
        call = Call(method=method, params=params, at=time.monotonic())
        self.calls.append(call)
        try:
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            fault = self._faults[method].popleft() if self._faults[method] else None
            if fault is not None:
                if fault.status == 0:
                    await asyncio.sleep(fault.hang)
                else:
                    params_out = {"retry_after": fault.retry_after} if fault.retry_after else None
                    raise ApiError(fault.status, fault.description, params_out)
            handler = getattr(self, f"_m_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            result = await handler(params) if method == "getUpdates" else handler(params)
            call.status, call.response = 200, {"ok": True, "result": result}
        except ApiError as err:
            response: JSON = {"ok": False, "error_code": err.code, "description": err.description}
            if err.parameters:
                response["parameters"] = err.parameters
            call.status, call.response = err.code, response
        self._new_call.set()
        return call.status, call.response

    # ---- methods ------------------------------------------------------------------------

    def _me(self) -> JSON:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Chaikhana",
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,  # as after /setinline in BotFather
        }

    def _m_getMe(self, params: JSON) -> JSON:
        return self._me()

    def _m_deleteWebhook(self, params: JSON) -> bool:
        return True

    def _m_setWebhook(self, params: JSON) -> bool:
        return True

    def _m_logOut(self, params: JSON) -> bool:
        return True

    def _m_close(self, params: JSON) -> bool:
        return True

    async def _m_getUpdates(self, params: JSON) -> list[JSON]:
        offset = _as_int(params.get("offset")) or 0
        timeout = float(params.get("timeout") or 0)
        limit = _as_int(params.get("limit")) or 100
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates and timeout > 0:
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout)
        return self._updates[:limit]

    def _m_setMyCommands(self, params: JSON) -> bool:
        commands = _as_json(params.get("commands")) or []
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: too many commands")
        for cmd in commands:
            name, desc = cmd.get("command", ""), cmd.get("description", "")
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(desc) <= 256:
                raise ApiError(400, "Bad Request: command description is invalid")
        scope = _as_json(params.get("scope")) or {"type": "default"}
        self.commands[(scope.get("type", "default"), params.get("language_code") or "")] = commands
        return True

    def _m_deleteMyCommands(self, params: JSON) -> bool:
        scope = _as_json(params.get("scope")) or {"type": "default"}
        self.commands.pop((scope.get("type", "default"), params.get("language_code") or ""), None)
        return True

    def _m_getMyCommands(self, params: JSON) -> list[JSON]:
        scope = _as_json(params.get("scope")) or {"type": "default"}
        return self.commands.get(
            (scope.get("type", "default"), params.get("language_code") or ""), []
        )

    def _m_getChatMember(self, params: JSON) -> JSON:
        chat_id, user_id = self._chat_id(params), _as_int(params.get("user_id"))
        key = (chat_id, user_id or 0)
        status = self.chat_members.get(key, "member")
        user = self._me() if user_id == self.bot_id else self.user(user_id or 0)
        member: JSON = {"status": status, "user": user}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            # Every right Telegram always sends for an administrator, none granted by default.
            for right in (
                "can_be_edited",
                "is_anonymous",
                "can_manage_chat",
                "can_delete_messages",
                "can_manage_video_chats",
                "can_restrict_members",
                "can_promote_members",
                "can_change_info",
                "can_invite_users",
                "can_post_stories",
                "can_edit_stories",
                "can_delete_stories",
            ):
                member[right] = False
        elif status == "kicked":
            member["until_date"] = 0
        member.update(self.member_rights.get(key, {}))
        return member

    def _m_getChat(self, params: JSON) -> JSON:
        chat_id = self._chat_id(params)
        return {**self._chat(chat_id), "accent_color_id": 0, "max_reaction_count": 11}

    def _m_sendChatAction(self, params: JSON) -> bool:
        self._chat(self._chat_id(params))
        return True

    def _m_answerInlineQuery(self, params: JSON) -> bool:
        query_id = str(params.get("inline_query_id") or "")
        if query_id not in self.inline_queries:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        if query_id in self.inline_answers:
            raise ApiError(400, "Bad Request: QUERY_ID_INVALID")  # answered once only
        results = _as_json(params.get("results"))
        if not isinstance(results, list):
            raise ApiError(400, "Bad Request: can't parse inline query results")
        if len(results) > 50:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        if len(str(params.get("next_offset") or "").encode()) > 64:
            raise ApiError(400, "Bad Request: NEXT_OFFSET_INVALID")
        seen: set[str] = set()
        for result in results:
            rid = str(result.get("id") or "")
            if not 1 <= len(rid.encode()) <= 64:
                raise ApiError(400, "Bad Request: RESULT_ID_INVALID")
            if rid in seen:
                raise ApiError(400, "Bad Request: RESULT_ID_DUPLICATE")
            seen.add(rid)
            if result.get("type") == "article" and not str(result.get("title") or "").strip():
                raise ApiError(400, "Bad Request: RESULT_TITLE_EMPTY")
            content = result.get("input_message_content") or {}
            if "message_text" in content:
                self._check_text(
                    {"text": content["message_text"], "parse_mode": content.get("parse_mode")}
                )
            self._check_markup({"reply_markup": result.get("reply_markup")})
        self.inline_answers[query_id] = {**params, "results": results}
        return True

    def _m_getFile(self, params: JSON) -> JSON:
        file_id = str(params.get("file_id") or "")
        if file_id not in self._uploads:
            raise ApiError(400, "Bad Request: invalid file_id")
        size = len(self._uploads[file_id])
        if size > 20 * 1024 * 1024:
            raise ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": size,
            "file_path": f"documents/{file_id}",
        }

    def _m_sendDocument(self, params: JSON) -> JSON:
        return self._send_file("sendDocument", "document", params, max_bytes=50 * 1024 * 1024)

    def _m_sendPhoto(self, params: JSON) -> JSON:
        return self._send_file("sendPhoto", "photo", params, max_bytes=10 * 1024 * 1024)

    def _send_file(self, method: str, field_name: str, params: JSON, *, max_bytes: int) -> JSON:
        chat_id = self._chat_id(params)
        chat = self._chat(chat_id)
        uploaded = (params.get("_files") or {}).get(field_name)
        if uploaded is None:
            raise ApiError(400, f"Bad Request: there is no {field_name} in the request")
        filename, data = uploaded
        if not data:
            raise ApiError(400, "Bad Request: file must be non-empty")
        if len(data) > max_bytes:
            raise ApiError(413, "Request Entity Too Large")
        if field_name == "photo" and not data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8")):
            raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
        caption = str(params.get("caption") or "")
        if caption:
            visible = caption
            if params.get("parse_mode") == "HTML":
                try:
                    visible = parse_html(caption)
                except ParseError as err:
                    raise ApiError(400, f"Bad Request: can't parse entities: {err}") from None
            if utf16_len(visible) > 1024:
                raise ApiError(400, "Bad Request: message caption is too long")
        self._check_markup(params)
        self._check_flood(chat_id)
        message_id = next(self._message_ids[chat_id])
        raw: JSON = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": self._me(),
        }
        if caption:
            raw["caption"] = caption
        if field_name == "photo":
            raw["photo"] = [
                {
                    "file_id": f"p{message_id}",
                    "file_unique_id": f"up{message_id}",
                    "width": 1,
                    "height": 1,
                    "file_size": len(data),
                }
            ]
        else:
            raw["document"] = {
                "file_id": f"d{message_id}",
                "file_unique_id": f"ud{message_id}",
                "file_name": filename,
                "file_size": len(data),
            }
        markup = _as_json(params.get("reply_markup"))
        self.files.append(
            SentFile(method, chat_id, message_id, filename, data, caption, markup or None)
        )
        return raw

    def file_bytes(self, path: str) -> bytes | None:
        """Return the bytes behind a getFile path, or None."""
        _, _, file_id = path.rpartition("/")
        return self._uploads.get(file_id)

    def _m_answerCallbackQuery(self, params: JSON) -> bool:
        text = params.get("text") or ""
        if len(text) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    def _m_sendMessage(self, params: JSON) -> JSON:
        chat_id = self._chat_id(params)
        if chat_id in self._migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self._migrated[chat_id]},
            )
        chat = self._chat(chat_id)
        text = self._check_text(params)
        self._check_markup(params)
        self._check_flood(chat_id)
        message_id = next(self._message_ids[chat_id])
        raw: JSON = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": self._me(),
            "text": text,
        }
        thread_id = _as_int(params.get("message_thread_id"))
        if thread_id is not None:
            raw["message_thread_id"] = thread_id
            raw["is_topic_message"] = True
        markup = _as_json(params.get("reply_markup"))
        if markup:
            raw["reply_markup"] = markup
        self.messages[(chat_id, message_id)] = SentMessage(
            chat_id=chat_id,
            message_id=message_id,
            text=params.get("text", ""),
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
            link_preview_options=_as_json(params.get("link_preview_options")),
            raw=raw,
        )
        return raw

    def _m_editMessageText(self, params: JSON) -> JSON | bool:
        inline_id = params.get("inline_message_id")
        if inline_id:
            shared = self.inline_messages.get(str(inline_id))
            if shared is None:
                raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
            self._check_text(params)
            self._check_markup(params)
            shared.update(
                text=params["text"],
                reply_markup=_as_json(params.get("reply_markup")),
                edits=shared["edits"] + 1,
            )
            return True  # Telegram answers True for inline messages
        chat_id = self._chat_id(params)
        message_id = _as_int(params.get("message_id")) or 0
        sent = self.messages.get((chat_id, message_id))
        if sent is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        text = self._check_text(params)
        self._check_markup(params)
        markup = _as_json(params.get("reply_markup"))
        if params.get("text") == sent.text and markup == sent.reply_markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        sent.text, sent.parse_mode, sent.reply_markup = (
            params["text"],
            params.get("parse_mode"),
            markup,
        )
        sent.link_preview_options = _as_json(params.get("link_preview_options"))
        sent.edits += 1
        sent.raw = {**sent.raw, "text": text, "edit_date": int(time.time())}
        if markup:
            sent.raw["reply_markup"] = markup
        else:
            sent.raw.pop("reply_markup", None)
        return sent.raw

    def _m_editMessageReplyMarkup(self, params: JSON) -> JSON:
        chat_id = self._chat_id(params)
        sent = self.messages.get((chat_id, _as_int(params.get("message_id")) or 0))
        if sent is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        sent.reply_markup = _as_json(params.get("reply_markup"))
        return sent.raw

    # ---- checks -------------------------------------------------------------------------

    def _chat_id(self, params: JSON) -> int:
        raw = params.get("chat_id")
        if isinstance(raw, str) and raw.startswith("@"):  # a public chat by its username
            for chat in self._chats.values():
                if str(chat.get("username", "")).lower() == raw[1:].lower():
                    return int(chat["id"])
            raise ApiError(400, "Bad Request: chat not found")
        chat_id = _as_int(raw)
        if chat_id is None:
            raise ApiError(400, "Bad Request: chat_id is empty")
        return chat_id

    def _chat(self, chat_id: int) -> JSON:
        chat = self._chats.get(chat_id)
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat

    def _check_text(self, params: JSON) -> str:
        text = params.get("text")
        if not text or not str(text).strip():
            raise ApiError(400, "Bad Request: message text is empty")
        parse_mode = params.get("parse_mode")
        visible = str(text)
        if parse_mode == "HTML":
            try:
                visible = parse_html(visible)
            except ParseError as err:
                raise ApiError(400, f"Bad Request: can't parse entities: {err}") from None
        elif parse_mode:
            raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode}")
        if not visible.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(visible) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        return visible

    def _check_markup(self, params: JSON) -> None:
        markup = _as_json(params.get("reply_markup"))
        if not markup:
            return
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                if not button.get("text"):
                    raise ApiError(
                        400, "Bad Request: text buttons are unallowed in the inline keyboard"
                    )

    def _check_flood(self, chat_id: int) -> None:
        now = time.monotonic()
        retry = 0.0
        overall = self._sent_all
        while overall and now - overall[0] >= 1.0:
            overall.popleft()
        if len(overall) >= self.limits.overall_per_second:
            retry = max(retry, 1.0 - (now - overall[0]))
        window, limit = (
            (60.0, self.limits.per_group_per_minute)
            if chat_id < 0
            else (1.0, self.limits.per_chat_per_second)
        )
        chat = self._sent_chat[chat_id]
        while chat and now - chat[0] >= window:
            chat.popleft()
        if len(chat) >= limit:
            retry = max(retry, window - (now - chat[0]))
        if retry > 0:
            self.flood_429s += 1
            seconds = max(1, math.ceil(retry))
            logger.info("flood limit: chat %s refused, retry after %d s", chat_id, seconds)
            raise ApiError(
                429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds}
            )
        overall.append(now)
        chat.append(now)
        if len(self._sent_chat) > self._sweep_chats_at:  # a fan-out to 100,000 chats
            for key in [k for k, ts in self._sent_chat.items() if not ts or now - ts[-1] >= 60]:
                del self._sent_chat[key]
            self._sweep_chats_at = max(4096, 2 * len(self._sent_chat))


_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def _as_int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _as_json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, JSON] | None:
    """Read one HTTP/1.1 request; return its path and parameters, or None at EOF."""
    line = await reader.readline()
    if not line:
        return None
    _method, target, _version = line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while True:
        raw = await reader.readline()
        if raw in (b"\r\n", b"\n", b""):
            break
        name, _, value = raw.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    body = await reader.readexactly(length) if length else b""
    url = urlsplit(target)
    params: JSON = dict(parse_qsl(url.query))
    ctype = headers.get("content-type", "")
    if body and ctype.startswith("application/json"):
        params.update(json.loads(body))
    elif body and ctype.startswith("application/x-www-form-urlencoded"):
        params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    elif body and ctype.startswith("multipart/form-data"):
        params.update(_parse_multipart(body, ctype))
    return url.path, params


def _parse_multipart(body: bytes, ctype: str) -> JSON:
    boundary = ctype.split("boundary=", 1)[1].strip('"').encode()
    params: JSON = {}
    files: dict[str, tuple[str, bytes]] = {}
    for part in body.split(b"--" + boundary):
        head, _, value = part.partition(b"\r\n\r\n")
        m = re.search(rb'name="([^"]+)"', head)
        if m and b"filename=" not in head:
            params[m.group(1).decode()] = value.rstrip(b"\r\n").decode("utf-8", "replace")
        elif m:
            # A file's bytes end with the CRLF before the next boundary, and only that.
            data = value[:-2] if value.endswith(b"\r\n") else value
            name = re.search(rb'filename="([^"]*)"', head)
            files[m.group(1).decode()] = (name.group(1).decode() if name else "", data)
    if files:
        params["_files"] = files
    return params
