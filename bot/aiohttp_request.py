"""Bot API requests through aiohttp: the bot's HTTP client, a quarter of httpx's CPU per call.

Profiled in a fan-out (``bench/fanout.py --pyspy``), httpx and httpcore were over half of
the sender's CPU: URL and header models in Python, h11's pure-Python parser, anyio streams,
a connection pool that checks every connection on every request, and the headers and the
body written in two syscalls. aiohttp parses HTTP in C, keeps idle connections in a pool
that the event loop prunes, and writes a small request in one go. On the loopback Bot API
server (``python bench/fanout.py --request httpx`` against the default, side by side) a
``sendMessage`` costs a fraction of the CPU.

Bodies are JSON (the Bot API takes JSON for every call without files; PTB's urlencoding
walked every byte of a digest in Python); calls that upload files post a multipart form.
"""

from __future__ import annotations

import json
import ssl
import urllib.request
from typing import Any

import aiohttp
import certifi
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_JSON_TYPE = "application/json"


def _seconds(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


class AiohttpRequest(BaseRequest):
    """PTB's request layer on one aiohttp session with ``connection_pool_size`` connections.

    Time-outs mean what they mean for PTB's HTTPXRequest: ``connect_timeout`` for the TCP
    (and TLS) connect, ``read_timeout`` between bytes of the answer, ``pool_timeout`` for a
    free connection (aiohttp counts it with the connect, so a pool wait that runs out is a
    ``TimedOut`` too). aiohttp has no write time-out: a write that stalls is caught by the
    read time-out of its answer.
    """

    __slots__ = (
        "_connect_timeout",
        "_pool_size",
        "_pool_timeout",
        "_proxies",
        "_read_timeout",
        "_session",
    )

    def __init__(
        self,
        connection_pool_size: int = 8,
        read_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[tuple[str, str], str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        """Return the default read time-out in seconds."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (it must be made inside the running event loop)."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._pool_size,
                ssl=ssl.create_default_context(cafile=certifi.where()),  # as httpx: certifi
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                # trust_env would look up netrc and the proxy in a thread on every request;
                # the proxy is looked up once per host instead (_proxy).
                trust_env=False,
                cookie_jar=aiohttp.DummyCookieJar(),  # the Bot API sets no cookies
                headers={"User-Agent": self.USER_AGENT},
                # The body is ours; no compression negotiation for JSON this small.
                skip_auto_headers=("Accept-Encoding",),
            )

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _proxy(self, url: str) -> str | None:
        """Return the proxy for ``url`` from HTTPS_PROXY/HTTP_PROXY/NO_PROXY, as httpx would."""
        scheme, _, rest = url.partition("://")
        host = rest.split("/", 1)[0].rsplit("@", 1)[-1].split(":", 1)[0]
        key = (scheme, host)
        if key not in self._proxies:
            found = urllib.request.getproxies().get(scheme)
            self._proxies[key] = None if not found or urllib.request.proxy_bypass(host) else found
        return self._proxies[key]

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
        """Send one request; return the status and the body, or raise PTB's error."""
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        connect = _seconds(connect_timeout, self._connect_timeout)
        pool = _seconds(pool_timeout, self._pool_timeout)
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=_seconds(read_timeout, self._read_timeout),
        )
        body: Any = None
        headers: dict[str, str] | None = None
        if request_data is not None and request_data.contains_files:
            # quote_fields=False: a file name in UTF-8 as it is (as httpx sends it), not %-quoted
            body = aiohttp.FormData(quote_fields=False)
            for name, value in request_data.json_parameters.items():
                body.add_field(name, value)
            for name, (filename, content, mimetype) in request_data.multipart_data.items():
                body.add_field(name, content, filename=filename, content_type=mimetype)
        elif request_data is not None:
            body = json.dumps(request_data.parameters, ensure_ascii=False).encode()
            headers = {"Content-Type": _JSON_TYPE}
        try:
            async with session.request(
                method, url, data=body, headers=headers, timeout=timeout, proxy=self._proxy(url)
            ) as answer:
                return answer.status, await answer.read()
        except TimeoutError as exc:
            raise TimedOut(f"Timed out: {type(exc).__name__}") from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc
