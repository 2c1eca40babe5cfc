"""Polite, bounded HTTP fetching: conditional GET, per-host limits, size caps, short errors."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import httpx

from digests.errors import SourceError
from digests.sources.encoding import decode
from digests.urls import InvalidURL, check_url

logger = logging.getLogger(__name__)

ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, "
    "text/html;q=0.8, application/xhtml+xml;q=0.8, */*;q=0.5"
)
ACCEPT_LANGUAGE = "ru, en;q=0.9, uz;q=0.8, kk;q=0.8, ky;q=0.8, tg;q=0.8, *;q=0.5"

# Media types that are never a feed or an article page; refused before the body is read.
_BINARY_PREFIXES = ("image/", "audio/", "video/", "font/", "model/")
_BINARY_TYPES = frozenset(
    {
        "application/pdf",
        "application/zip",
        "application/gzip",
        "application/x-gzip",
        "application/x-tar",
        "application/x-7z-compressed",
        "application/x-rar-compressed",
        "application/vnd.rar",
        "application/msword",
        "application/x-msdownload",
        "application/java-archive",
        "application/wasm",
        "application/x-shockwave-flash",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
    }
)


@dataclass(frozen=True)
class FetchPolicy:
    """How patient and how greedy one fetch may be."""

    timeout: float = 20.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    per_host: int = 2
    user_agent: str = "ChaikhanaBot/0.1 (+https://github.com/chaikhana/chaikhana)"


@dataclass(frozen=True)
class FetchResult:
    """One response, read in full (or not at all when the server said 304)."""

    url: str
    status: int
    content: bytes
    content_type: str | None
    charset: str | None
    etag: str | None
    last_modified: str | None
    not_modified: bool = False


def make_client(policy: FetchPolicy) -> httpx.AsyncClient:
    """Build the shared HTTP client: timeouts, redirects, identification, connection limits."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(policy.timeout),
        follow_redirects=True,
        max_redirects=policy.max_redirects,
        headers={
            "User-Agent": policy.user_agent,
            "Accept": ACCEPT,
            "Accept-Language": ACCEPT_LANGUAGE,
        },
        limits=httpx.Limits(max_connections=50, max_keepalive_connections=10),
    )


class Fetcher:
    """Fetch URLs through one client, at most ``policy.per_host`` at a time per host."""

    def __init__(self, client: httpx.AsyncClient, policy: FetchPolicy) -> None:
        self._client = client
        self._policy = policy
        self._hosts: dict[str, asyncio.Semaphore] = {}

    @property
    def policy(self) -> FetchPolicy:
        """Return the policy this fetcher enforces."""
        return self._policy

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """GET a URL (conditionally, when validators are given) or raise SourceError saying why."""
        try:
            url = check_url(url)
            host = httpx.URL(url).host
        except InvalidURL as exc:
            raise SourceError(url, str(exc)) from exc
        except (httpx.InvalidURL, ValueError) as exc:
            raise SourceError(url, f"invalid URL: {exc}") from exc
        if not host:
            raise SourceError(url, "invalid URL: no host")
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        semaphore = self._hosts.setdefault(host, asyncio.Semaphore(self._policy.per_host))
        async with semaphore:
            try:
                # httpx's timeout is per read; the overall deadline stops a server that
                # trickles one byte at a time from holding a slot forever
                async with asyncio.timeout(self._policy.timeout * 3):
                    return await self._get(url, headers, etag, last_modified)
            except httpx.TimeoutException as exc:  # no progress within one read's limit
                raise SourceError(url, f"timed out after {self._policy.timeout:g} s") from exc
            except TimeoutError as exc:  # the whole answer took longer than the deadline
                deadline = self._policy.timeout * 3
                raise SourceError(url, f"timed out after {deadline:g} s in all") from exc
            except httpx.TooManyRedirects as exc:
                raise SourceError(url, "too many redirects") from exc
            except httpx.ConnectError as exc:
                raise SourceError(url, _connect_reason(exc)) from exc
            except httpx.UnsupportedProtocol as exc:
                raise SourceError(url, "invalid URL: unsupported scheme") from exc
            except httpx.HTTPError as exc:
                raise SourceError(url, f"network error: {type(exc).__name__}") from exc

    async def _get(
        self, url: str, headers: dict[str, str], etag: str | None, last_modified: str | None
    ) -> FetchResult:
        policy = self._policy
        async with self._client.stream("GET", url, headers=headers) as response:
            final_url = str(response.url)
            new_etag = response.headers.get("etag")
            new_modified = response.headers.get("last-modified")
            if response.status_code == httpx.codes.NOT_MODIFIED:
                return FetchResult(
                    url=final_url,
                    status=304,
                    content=b"",
                    content_type=None,
                    charset=None,
                    etag=new_etag or etag,
                    last_modified=new_modified or last_modified,
                    not_modified=True,
                )
            if response.status_code >= 300:
                raise SourceError(url, f"HTTP {response.status_code}")
            content_type = _media_type(response.headers.get("content-type"))
            if content_type and (
                content_type.startswith(_BINARY_PREFIXES) or content_type in _BINARY_TYPES
            ):
                raise SourceError(url, f"binary content ({content_type}), not a feed or page")
            declared_length = response.headers.get("content-length", "")
            if declared_length.isdigit() and int(declared_length) > policy.max_bytes:
                raise SourceError(url, _too_big(policy))
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > policy.max_bytes:
                    # leaving the stream context closes the connection: the rest is never read
                    raise SourceError(url, _too_big(policy))
                chunks.append(chunk)
            content = b"".join(chunks)
            if not content.strip():
                raise SourceError(url, "empty response")
            if content_type == "application/octet-stream" and b"\x00" in content[:1024]:
                # UTF-16/32 text has NUL bytes too: refused only if it decodes as no text,
                # as a file with the same bytes is
                try:
                    decode(content[:65536], item=url)
                except SourceError:
                    raise SourceError(url, "binary content, not a feed or page") from None
            logger.debug("fetched %s (%d bytes, %s)", final_url, size, content_type)
            return FetchResult(
                url=final_url,
                status=response.status_code,
                content=content,
                content_type=content_type,
                charset=response.charset_encoding,
                etag=new_etag,
                last_modified=new_modified,
            )


def _media_type(header: str | None) -> str | None:
    if not header:
        return None
    return header.split(";", 1)[0].strip().lower() or None


def _connect_reason(exc: BaseException) -> str:
    # anyio wraps the OSError that says what happened a few levels down
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError) or "refused" in str(seen).lower():
            return "connection refused"
        seen = seen.__cause__ or seen.__context__
    return "cannot connect"


def _too_big(policy: FetchPolicy) -> str:
    return f"response over {policy.max_bytes / 1_000_000:g} MB"
