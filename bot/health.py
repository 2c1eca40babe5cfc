"""The operator's port: ``/metrics`` (Prometheus), ``/healthz`` and ``/readyz``.

It is served from a thread of its own (prometheus-client's WSGI app under the standard
library's server), so a scrape or a probe gets an answer even while the event loop is busy;
readiness is what the loop last recorded, so a loop that stops recording stops being ready.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import make_wsgi_app

from bot import metrics

logger = logging.getLogger(__name__)

# A job counts as running on time when it started within twice its interval and this.
SLACK = 30.0


@dataclass
class Readiness:
    """When the database last answered and each job last started (monotonic seconds)."""

    db_every: float
    jobs: dict[str, float] = field(default_factory=dict)  # job name → its interval
    started: dict[str, float] = field(default_factory=dict)
    db_ok_at: float | None = None
    db_error: str | None = None
    clock: Callable[[], float] = time.monotonic

    def job_started(self, job: str) -> None:
        """Record that ``job`` started now."""
        self.started[job] = self.clock()
        metrics.job_started(job)

    def db_answered(self, error: str | None = None) -> None:
        """Record a database check: None when it answered, else why not."""
        if error is None:
            self.db_ok_at = self.clock()
        self.db_error = error

    def problems(self) -> list[str]:
        """Return what keeps the instance from being ready (empty when ready)."""
        now = self.clock()
        found = []
        if self.db_error is not None:
            found.append(f"database: {self.db_error}")
        elif self.db_ok_at is None or now - self.db_ok_at > 2 * self.db_every + SLACK:
            found.append("database: not checked recently")
        for job, interval in self.jobs.items():
            at = self.started.get(job)
            if at is None:
                found.append(f"{job}: has not run yet")
            elif now - at > 2 * interval + SLACK:
                found.append(f"{job}: last ran {now - at:.0f} s ago (every {interval:g} s)")
        metrics.READY.set(0 if found else 1)
        return found


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Leave the access log out of the bot's log."""


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class HealthServer:
    """The HTTP server on the metrics port, in a daemon thread."""

    def __init__(self, readiness: Readiness, host: str, port: int) -> None:
        self.readiness = readiness
        self._metrics = make_wsgi_app()
        self._httpd = make_server(host, port, self._app, _Server, handler_class=_Quiet)
        self.port = self._httpd.server_address[1]
        self.host = host
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="chaikhana-metrics", daemon=True
        )

    def start(self) -> HealthServer:
        """Start serving."""
        self._thread.start()
        logger.info("metrics and health on http://%s:%d/metrics", self.host, self.port)
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _app(self, environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            return _text(start, "200 OK", "ok\n")
        if path == "/readyz":
            problems = self.readiness.problems()
            if problems:
                return _text(start, "503 Service Unavailable", "".join(f"{p}\n" for p in problems))
            return _text(start, "200 OK", "ready\n")
        if path in ("/metrics", "/"):
            self.readiness.problems()  # chaikhana_ready is as of this scrape
            return self._metrics(environ, start)  # type: ignore[no-any-return]
        return _text(start, "404 Not Found", "not found: try /metrics, /healthz or /readyz\n")


def _text(start: Callable[..., Any], status: str, body: str) -> list[bytes]:
    data = body.encode()
    start(
        status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(data)))]
    )
    return [data]
