"""/readyz says why an instance is not ready: a silent database, a job that stopped running."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from bot.health import SLACK, HealthServer, Readiness


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def readiness(clock: Clock) -> Readiness:
    return Readiness(db_every=15, jobs={"plan-digests": 60, "poll-sources": 900}, clock=clock)


@pytest.fixture
def server(readiness: Readiness) -> Iterator[HealthServer]:
    health = HealthServer(readiness, "127.0.0.1", 0).start()
    try:
        yield health
    finally:
        health.stop()


def get(server: HealthServer, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}{path}", timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_not_ready_until_the_database_answered_and_every_job_ran(
    readiness: Readiness, clock: Clock, server: HealthServer
) -> None:
    status, body = get(server, "/readyz")
    assert status == 503
    assert body.splitlines() == [
        "database: not checked recently",
        "plan-digests: has not run yet",
        "poll-sources: has not run yet",
    ]
    assert get(server, "/healthz") == (200, "ok\n")  # alive all the same

    readiness.db_answered()
    readiness.job_started("plan-digests")
    readiness.job_started("poll-sources")
    assert get(server, "/readyz") == (200, "ready\n")
    assert "chaikhana_ready 1.0" in get(server, "/metrics")[1]


def test_a_job_that_stops_running_or_a_database_that_fails_makes_it_unready(
    readiness: Readiness, clock: Clock
) -> None:
    readiness.db_answered()
    readiness.job_started("plan-digests")
    readiness.job_started("poll-sources")
    clock.now += 2 * 15 + SLACK  # the database check is due and nothing ran since: still fine
    assert readiness.problems() == []
    clock.now += 1
    assert readiness.problems() == ["database: not checked recently"]

    readiness.db_answered()
    clock.now += 90  # planning last started 151 s ago; it runs every 60 s
    readiness.db_answered()
    assert readiness.problems() == ["plan-digests: last ran 151 s ago (every 60 s)"]
    readiness.job_started("plan-digests")
    readiness.db_answered("OperationalError: connection refused")
    assert readiness.problems() == ["database: OperationalError: connection refused"]
    readiness.db_answered()
    assert readiness.problems() == []
