"""Bot API requests with a JSON body, which the Bot API accepts for every call without files.

PTB's HTTPXRequest posts a urlencoded form: ``urllib.parse.quote_plus`` then walks every
byte of a digest's text in Python, which was the largest single CPU cost of a fan-out (a
4 KB Cyrillic digest is ~8 KB of UTF-8, one dict look-up per byte). ``json.dumps`` does the
same work in C. Calls that upload files keep PTB's multipart form.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import httpx
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

_JSON = {"Content-Type": "application/json"}


class Unreachable(NetworkError):
    """The Bot API server could not be reached: no answer came, about anything.

    Not the recipient's fault and not the message's: a sender waits for the server to come
    back rather than count the try against the delivery.
    """


class JSONRequest(HTTPXRequest):
    """HTTPXRequest that sends parameters as one JSON object (files still as multipart).

    ``on_unauthorized`` is called when the server answers 401: the token was revoked or
    replaced, which no retry mends (the bot stops so its supervisor restarts it).
    """

    def __init__(
        self, *args: Any, on_unauthorized: Callable[[], None] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.on_unauthorized = on_unauthorized

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Post ``request_data`` as JSON; hand requests with files to HTTPXRequest."""
        status, content = await self._post(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )
        if status == HTTPStatus.UNAUTHORIZED and self.on_unauthorized is not None:
            self.on_unauthorized()
        return status, content

    async def _post(
        self,
        url: str,
        method: str,
        request_data: RequestData | None,
        read_timeout: ODVInput[float],
        write_timeout: ODVInput[float],
        connect_timeout: ODVInput[float],
        pool_timeout: ODVInput[float],
    ) -> tuple[int, bytes]:
        if request_data is None or request_data.contains_files:
            return await super().do_request(
                url,
                method,
                request_data,
                read_timeout,
                write_timeout,
                connect_timeout,
                pool_timeout,
            )
        client = self._client
        if client.is_closed:
            raise RuntimeError("This JSONRequest is not initialized!")
        default = client.timeout
        timeout = httpx.Timeout(
            connect=default.connect
            if isinstance(connect_timeout, DefaultValue)
            else connect_timeout,
            read=default.read if isinstance(read_timeout, DefaultValue) else read_timeout,
            write=default.write if isinstance(write_timeout, DefaultValue) else write_timeout,
            pool=default.pool if isinstance(pool_timeout, DefaultValue) else pool_timeout,
        )
        body = json.dumps(request_data.parameters, ensure_ascii=False).encode()
        try:
            answer = await client.request(
                method,
                url,
                content=body,
                headers={"User-Agent": self.USER_AGENT, **_JSON},
                timeout=timeout,
            )
        except httpx.PoolTimeout as exc:
            raise TimedOut(
                "Pool timeout: every connection is busy; the request was not sent"
            ) from exc
        except httpx.ConnectTimeout as exc:
            raise Unreachable(f"httpx.ConnectTimeout: {exc}") from exc
        except httpx.TimeoutException as exc:
            raise TimedOut from exc
        except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError) as exc:
            # Refused, reset or closed before an answer: the server is down or unreachable.
            raise Unreachable(f"httpx.{type(exc).__name__}: {exc}") from exc
        except httpx.HTTPError as exc:
            raise NetworkError(f"httpx.{type(exc).__name__}: {exc}") from exc
        return answer.status_code, answer.content
