"""A real HTTP server on loopback that serves feeds and pages the way real sites do (and don't)."""

from __future__ import annotations

import socket
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from digests.sources.http import Fetcher, FetchPolicy, make_client

FIXTURES = Path(__file__).parent.parent / "fixtures"
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Route:
    """What the server answers on one path."""

    status: int = 200
    body: bytes = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0
    stream_bytes: int = 0  # stream this many bytes (no Content-Length) instead of `body`
    declared_length: int | None = None  # a Content-Length header to send instead of the real one
    trickle: float = 0.0  # seconds between streamed chunks: a server that never quite stops


@dataclass(frozen=True)
class Request:
    """One request the server received."""

    path: str
    headers: dict[str, str]


class FeedServer:
    """Routes registered by tests, a log of requests, and a clean shutdown."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.feed_server = self
        port = self._httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str) -> str:
        """Return the absolute URL of a path on this server."""
        return self.base_url + path

    def add(self, path: str, route: Route | None = None, /, **fields: object) -> str:
        """Register a route and return its URL."""
        self.routes[path] = route or Route(**fields)  # type: ignore[arg-type]
        return self.url(path)

    def add_fixture(
        self, path: str, fixture: str, content_type: str | None, **fields: object
    ) -> str:
        """Serve a file from tests/fixtures with the given Content-Type (right or wrong)."""
        body = (FIXTURES / fixture).read_bytes()
        return self.add(path, Route(body=body, content_type=content_type, **fields))  # type: ignore[arg-type]

    def add_redirect(self, path: str, to: str, status: int = 302) -> str:
        """Register a redirect to another path or URL."""
        return self.add(path, Route(status=status, content_type=None, headers={"Location": to}))

    def log(self, request: Request) -> None:
        """Record a request."""
        with self._lock:
            self.requests.append(request)

    def requests_for(self, path: str) -> list[Request]:
        """Return the requests received for one path."""
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def start(self) -> None:
        """Start serving in a background thread."""
        self._thread.start()

    def stop(self) -> None:
        """Wake sleeping handlers, stop serving and wait for every handler thread."""
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


class _Server(ThreadingHTTPServer):
    # non-daemon handler threads, joined on close: no thread outlives its test
    daemon_threads = False
    block_on_close = True
    feed_server: FeedServer

    def handle_error(self, request: object, client_address: object) -> None:
        """Ignore clients that hang up: the fetcher does that on purpose."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    # HTTP/1.0: one request per connection, so no idle keep-alive connection can hold a
    # handler thread (and the shutdown that joins it) after the test is done
    protocol_version = "HTTP/1.0"
    timeout = 5  # seconds a handler waits on a silent client before giving up

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""

    def do_GET(self) -> None:
        """Answer from the registered routes."""
        feed_server = self.server.feed_server
        feed_server.log(Request(self.path, {k.lower(): v for k, v in self.headers.items()}))
        route = feed_server.routes.get(self.path.split("?", 1)[0])
        if route is None:
            route = Route(status=404, body=b"<html><body>Not found</body></html>")
        if route.delay and feed_server.stopping.wait(route.delay):
            return
        try:
            self._answer(route, feed_server.stopping)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True

    def _answer(self, route: Route, stopping: threading.Event) -> None:
        if self._is_fresh(route):
            self.send_response(304)
            self._validators(route)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(route.status)
        if route.content_type:
            self.send_header("Content-Type", route.content_type)
        for name, value in route.headers.items():
            self.send_header(name, value)
        self._validators(route)
        if route.stream_bytes:
            if route.declared_length is not None:
                self.send_header("Content-Length", str(route.declared_length))
            # no length: the body ends when the connection closes
            self.end_headers()
            sent = 0
            chunk = b"<p>" + b"x" * (CHUNK - 7) + b"</p>\n"
            while sent < route.stream_bytes and not stopping.is_set():
                self.wfile.write(chunk)
                self.wfile.flush()
                sent += len(chunk)
                if route.trickle and stopping.wait(route.trickle):
                    return
            return
        self.send_header("Content-Length", str(route.declared_length or len(route.body)))
        self.end_headers()
        self.wfile.write(route.body)

    def _is_fresh(self, route: Route) -> bool:
        if route.etag and self.headers.get("If-None-Match") == route.etag:
            return True
        return bool(
            route.last_modified and self.headers.get("If-Modified-Since") == route.last_modified
        )

    def _validators(self, route: Route) -> None:
        if route.etag:
            self.send_header("ETag", route.etag)
        if route.last_modified:
            self.send_header("Last-Modified", route.last_modified)


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """Start a feed server on 127.0.0.1 for one test and shut it down cleanly after."""
    server = FeedServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def policy() -> FetchPolicy:
    """Return a fetch policy with short limits so failures are quick to provoke."""
    return FetchPolicy(timeout=0.5, max_bytes=1_000_000, max_redirects=3, per_host=2)


@pytest.fixture
async def fetcher(policy: FetchPolicy) -> AsyncIterator[Fetcher]:
    """Return a Fetcher over a real client, closed after the test."""
    async with make_client(policy) as client:
        yield Fetcher(client, policy)


@pytest.fixture
def refused_url() -> str:
    """Return a loopback URL on which nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/feed.xml"
