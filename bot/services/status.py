"""What an operator wants to know at a glance: sources, outbox, and a running bot's figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import observe, sources
from storage.db import current_revision, head_revision, make_engine, make_sessionmaker
from storage.sources import SourceRecord


@dataclass(frozen=True, slots=True)
class Facts:
    """What the database says now."""

    now: datetime
    sources: list[SourceRecord]
    outbox: observe.OutboxState


@dataclass(slots=True)
class Running:
    """What a running instance says on its metrics port (``reachable`` False when silent)."""

    url: str
    reachable: bool = False
    ready: bool = False
    problems: list[str] = field(default_factory=list)
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = field(default_factory=dict)

    def total(self, name: str, **labels: str) -> float:
        """Sum the samples of ``name`` whose labels include ``labels``."""
        wanted = set(labels.items())
        return sum(v for (n, ls), v in self.samples.items() if n == name and wanted <= set(ls))


@dataclass(frozen=True, slots=True)
class Overview:
    """Everything ``chaikhana status`` shows."""

    facts: Facts
    revision: str | None
    head: str | None
    running: Running


async def facts(db: async_sessionmaker[AsyncSession], *, now: datetime) -> Facts:
    """Read the sources and the outbox's state (raises if the database does not answer)."""
    async with db() as session:
        await observe.ping(session)
        records = await sources.list_all(session)
        state = await observe.outbox_state(session, now)
    return Facts(now, records, state)


async def scrape(url: str, *, wait: float = 2.0) -> Running:
    """Read a running instance's /readyz and /metrics at ``url`` (http://host:port)."""
    running = Running(url)
    try:
        async with httpx.AsyncClient(timeout=wait) as client:
            ready = await client.get(f"{url}/readyz")
            scraped = await client.get(f"{url}/metrics")
    except httpx.HTTPError:
        return running
    running.reachable = scraped.status_code == 200
    running.ready = ready.status_code == 200
    if not running.ready:
        running.problems = [line for line in ready.text.splitlines() if line.strip()]
    for family in text_string_to_metric_families(scraped.text):
        for sample in family.samples:
            key = (sample.name, tuple(sorted(sample.labels.items())))
            running.samples[key] = sample.value
    return running


async def overview(database_url: str, *, now: datetime, metrics_url: str) -> Overview:
    """Gather the database's facts, its schema revision and a running instance's figures.

    The database is read as it is, not migrated: a schema behind the code is worth saying.
    """
    engine = make_engine(database_url)
    try:
        revision = await current_revision(engine)
        head = head_revision()
        if revision != head:
            empty = observe.OutboxState({}, None)
            return Overview(Facts(now, [], empty), revision, head, await scrape(metrics_url))
        found = await facts(make_sessionmaker(engine), now=now)
    finally:
        await engine.dispose()
    return Overview(found, revision, head, await scrape(metrics_url))
