"""What the e2e database holds: the seed articles, understood, and synthetic ones."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import ingest
from digests.model import Article, Event, RawArticle, SourceHints, StoryFeatures
from digests.sources.files import read_path
from storage import articles

SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"

# Only the sources' names: language, countries, events, dates, summaries and which
# articles tell the same story (001 and 004) are what the understanding makes of the text.
SEED_SOURCES = {
    "000": "Asia-Plus",
    "001": "Kazinform",
    "002": "Trend",
    "003": "UzDaily",
    "004": "BAQ.KZ",
}

TODAY = datetime.now(UTC).date()
UPCOMING = Event(
    key="astana-tech-forum-2099",
    name="Astana Tech Forum",
    start=TODAY + timedelta(days=20),
    end=TODAY + timedelta(days=22),
    place="Astana",
    country="kz",
)
KZ_SYNTHETIC = 12  # more than two pages of /country kz


def raw_seed(path: Path) -> RawArticle:
    """Read a seed file as ``chaikhana ingest`` does, at a web address as its source had."""
    [raw] = list(read_path(path))
    assert isinstance(raw, RawArticle), raw
    return replace(raw, url=f"https://seed.example/{path.stem}")


def synthetic(n: int, **fields: object) -> Article:
    """Return a made-up, already understood article."""
    title = str(fields.pop("title", f"Synthetic story {n}"))
    text = str(fields.pop("text", f"Body of {title}."))
    base = {
        "url": f"https://news.example/{n}",
        "canonical_url": f"https://news.example/{n}",
        "title": title,
        "text": text,
        "published": datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=n),
        "lang": "en",
        "script": "Latn",
        "countries": (),
        "topics": (),
        "events": (),
        "summary": f"What happened in story {n}. A second sentence. A third one.",
        "content_hash": hashlib.sha256(f"{n}{title}".encode()).hexdigest(),
        "features": StoryFeatures(),
        "source": "Example News",
        "guid": None,
    }
    base.update(fields)
    return Article(**base)  # type: ignore[arg-type]


async def seed(db: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """Store every article; return the story id of each named one."""
    stories: dict[str, int] = {}
    for path in sorted(SEEDS.glob("0*.txt")):
        key = path.name[:3]
        # The product's own path: understand, find the story, store.
        outcome = await ingest.store(db, raw_seed(path), hints=SourceHints(name=SEED_SOURCES[key]))
        assert outcome.status is ingest.Status.NEW and outcome.story_id is not None, outcome
        stories[key] = outcome.story_id
    async with db() as session, session.begin():
        stories.update(await _synthetic(session))
    return stories


async def _synthetic(session: AsyncSession) -> dict[str, int]:
    """Store made-up articles for paging, reader language, scripts and escaping."""
    stories: dict[str, int] = {}
    n = 100
    for i in range(KZ_SYNTHETIC):
        n += 1
        await articles.add(
            session,
            synthetic(
                n,
                title=f"Kazakhstan startup news #{i + 1}",
                countries=("kz",),
                topics=("startups",),
                source="The Astana Times",
            ),
            source_id=None,
            story_id=None,
        )
    # One story told in English and Russian: a Russian reader sees the Russian version.
    en = await articles.add(
        session,
        synthetic(
            200,
            title="Uzbekistan launches AI strategy",
            countries=("uz",),
            topics=("ai",),
            source="UzDaily",
            published=datetime(2026, 2, 1, tzinfo=UTC),
        ),
        source_id=None,
        story_id=None,
    )
    await articles.add(
        session,
        synthetic(
            201,
            title="Узбекистан запустил стратегию ИИ",
            lang="ru",
            script="Cyrl",
            countries=("uz",),
            topics=("ai",),
            source="Gazeta.uz",
            summary="Правительство утвердило стратегию развития искусственного интеллекта.",
            published=datetime(2026, 2, 1, 1, tzinfo=UTC),
        ),
        source_id=None,
        story_id=en.story_id,
    )
    stories["ai"] = en.story_id
    # Uzbek Latin and Cyrillic spellings of the same city.
    await articles.add(
        session,
        synthetic(
            300,
            title="Toshkentda yangi IT Park ochildi",
            lang="uz",
            countries=("uz",),
            source="Kun.uz",
            summary="Toshkent shahrida yangi IT Park binosi ochildi.",
        ),
        source_id=None,
        story_id=None,
    )
    await articles.add(
        session,
        synthetic(
            301,
            title="Тошкентда стартаплар форуми бўлиб ўтди",
            lang="uz",
            script="Cyrl",
            countries=("uz",),
            source="Daryo",
            summary="Тошкент шаҳрида форум ўтказилди.",
        ),
        source_id=None,
        story_id=None,
    )
    # Text from the web that must be escaped.
    await articles.add(
        session,
        synthetic(
            400,
            title="<script>alert(1)</script> & Co: Tajik <b>AI</b> lab",
            countries=("tj",),
            summary='Prices < 5 & > 3 "quoted".',
            source="A&B <News>",
        ),
        source_id=None,
        story_id=None,
    )
    # An upcoming event with one article.
    await articles.add(
        session,
        synthetic(
            500,
            title="Astana Tech Forum to open next month",
            countries=("kz",),
            events=(UPCOMING,),
            published=datetime(2026, 3, 1, tzinfo=UTC),
        ),
        source_id=None,
        story_id=None,
    )
    return stories
