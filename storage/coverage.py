"""Who covered a story: every version (article) of it, oldest first, in one query."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import models

MAX_VERSIONS = 50  # a story told by more outlets lists its first fifty


@dataclass(frozen=True, slots=True)
class Version:
    """One outlet's telling of a story."""

    article_id: int
    source: str | None
    lang: str
    title: str
    url: str | None
    published: datetime | None
    seen: datetime  # when it was stored: "first" falls back to it when no date is known

    @property
    def when(self) -> datetime:
        return self.published or self.seen


async def versions(
    session: AsyncSession, story_ids: Sequence[int]
) -> dict[int, tuple[Version, ...]]:
    """Return each story's versions, first published first."""
    if not story_ids:
        return {}
    a = models.Article
    rows = await session.execute(
        select(
            a.story_id,
            a.id,
            a.source_name,
            a.lang,
            a.title,
            a.url,
            a.canonical_url,
            a.published,
            a.ingested_at,
        ).where(a.story_id.in_(list(story_ids)))
    )
    found: dict[int, list[Version]] = {}
    for r in rows:
        found.setdefault(r.story_id, []).append(
            Version(
                r.id,
                r.source_name,
                r.lang,
                r.title,
                r.url or r.canonical_url,
                r.published,
                r.ingested_at,
            )
        )
    return {
        story: tuple(sorted(vs, key=lambda v: (v.when, v.article_id))[:MAX_VERSIONS])
        for story, vs in found.items()
    }
