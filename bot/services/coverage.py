"""Coverage at a glance: which outlets told a story, in which languages, who was first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import coverage as stored
from storage.coverage import Version
from storage.lookups import StoryView


@dataclass(frozen=True, slots=True)
class Coverage:
    """A story's versions, first published first."""

    story_id: int
    versions: tuple[Version, ...]

    @property
    def first(self) -> Version | None:
        return self.versions[0] if self.versions else None

    def outlets(self) -> list[tuple[str, str]]:
        """Return (outlet, language) once each, in the order they reported it."""
        seen: dict[str, str] = {}
        for v in self.versions:
            if v.source and v.source not in seen:
                seen[v.source] = v.lang
        return list(seen.items())


async def of_stories(session: AsyncSession, story_ids: list[int]) -> dict[int, Coverage]:
    """Return the coverage of several stories, in the caller's session (one query)."""
    found = await stored.versions(session, story_ids)
    return {sid: Coverage(sid, found.get(sid, ())) for sid in story_ids}


async def told(session: AsyncSession, stories: Sequence[StoryView]) -> dict[int, Coverage]:
    """Return the coverage of a page's stories that two outlets or more told (one query)."""
    several = [v.story_id for v in stories if len(v.sources) >= 2]
    if not several:
        return {}
    return await of_stories(session, several)


async def of_story(db: async_sessionmaker[AsyncSession], story_id: int) -> Coverage | None:
    """Return one story's coverage, or None for a story that is not (or no longer) stored."""
    async with db() as session:
        found = (await of_stories(session, [story_id]))[story_id]
    return found if found.versions else None
