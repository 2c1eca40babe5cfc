"""Sources in and out: import an OPML list (or the starter list), export every source."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from digests.sources import opml
from storage import sources
from storage.errors import AlreadyExists

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class ImportReport:
    """What an import did: sources added, already known, and one line per refused outline."""

    added: int = 0
    known: int = 0
    refused: list[str] = field(default_factory=list)

    def line(self) -> str:
        return f"added {self.added}, already there {self.known}, refused {len(self.refused)}"


async def import_sources(
    db: async_sessionmaker[AsyncSession], found: opml.OpmlRead
) -> ImportReport:
    """Add the sources read (each once; one already stored is counted, not doubled)."""
    report = ImportReport(refused=list(found.refused))
    async with db() as session, session.begin():
        for source in found.sources:
            try:
                await sources.add(
                    session,
                    kind="rss",
                    url=source.url,
                    name=source.name,
                    country=source.country,
                    lang=source.lang,
                    weight=source.weight,
                )
                report.added += 1
            except AlreadyExists:
                report.known += 1
    return report


async def import_opml(db: async_sessionmaker[AsyncSession], data: bytes) -> ImportReport:
    """Import an OPML file's feeds; a bad outline is refused, the rest imported."""
    return await import_sources(db, opml.read(data))


async def import_starter(db: async_sessionmaker[AsyncSession]) -> ImportReport:
    """Import the starter list shipped with the package."""
    return await import_sources(db, opml.OpmlRead(sources=opml.starter()))


async def export_opml(db: async_sessionmaker[AsyncSession], *, now: datetime) -> bytes:
    """Write every feed source as OPML 2.0, with its country, language and weight."""
    async with db() as session:
        records = await sources.list_all(session)
    listed = [
        opml.OpmlSource(url=r.url, name=r.name, country=r.country, lang=r.lang, weight=r.weight)
        for r in records
        if r.kind == "rss"
    ]
    return opml.write(listed, title="Chaikhana sources", now=now)
