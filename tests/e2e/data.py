"""What the e2e database holds: the seed articles, understood, and synthetic ones."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from digests.model import Article, Event, RawArticle, SourceHints, StoryFeatures
from digests.understand import understand
from storage import articles

SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"
_DATE_LINE = re.compile(r"^\s*date (\d{4}-\d{2}-\d{2})\s+")

# What we know of each seed's source; the understanding decides the rest.
SEED_HINTS = {
    "000": SourceHints(name="Asia-Plus", country="tj", lang="ru"),
    "001": SourceHints(name="Kazinform", country="kz", lang="uz"),
    "002": SourceHints(name="Trend", country="az", lang="en"),
    "003": SourceHints(name="UzDaily", country="uz", lang="en"),
    "004": SourceHints(name="BAQ.KZ", country="kz", lang="ru"),
}
SEED_DATES = {
    "000": datetime(2025, 4, 11, tzinfo=UTC),
    "002": datetime(2022, 9, 28, tzinfo=UTC),
    "003": datetime(2022, 6, 10, tzinfo=UTC),
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
ICT_WEEK = Event(
    key="ict-week-2025",
    name="ICT Week 2025",
    start=date(2025, 4, 7),
    end=date(2025, 4, 10),
    place="Dushanbe",
    country="tj",
)
KZ_SYNTHETIC = 12  # more than two pages of /country kz


def raw_seed(path: Path) -> RawArticle:
    """Read a seed file: the first line is the title (after an optional date line)."""
    text = path.read_text(encoding="utf-8")
    published = None
    m = _DATE_LINE.match(text)
    if m:
        published = datetime.fromisoformat(m.group(1)).replace(tzinfo=UTC)
        text = text[m.end() :]
    title, _, body = text.strip().partition("\n")
    return RawArticle(
        url=f"https://seed.example/{path.stem}",
        title=title.strip()[:300],
        text=body.strip(),
        published=published or SEED_DATES.get(path.name[:3]),
    )


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


async def seed(session: AsyncSession) -> dict[str, int]:
    """Store every article; return the story id of each named one."""
    stories: dict[str, int] = {}
    for path in sorted(SEEDS.glob("0*.txt")):
        key = path.name[:3]
        hints = SEED_HINTS[key]
        article = understand(raw_seed(path), hints=hints)
        # The placeholder understanding decides nothing yet; keep what the sources tell.
        article = replace(
            article,
            lang=article.lang if article.lang != "und" else (hints.lang or "und"),
            countries=article.countries or ((hints.country,) if hints.country else ()),
            events=article.events or ((ICT_WEEK,) if key == "000" else ()),
            summary=article.summary or article.text[:200],
        )
        story_id = stories.get("001") if key == "004" else None  # 001 and 004: one story
        stored = await articles.add(session, article, source_id=None, story_id=story_id)
        stories[key] = stored.story_id
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
