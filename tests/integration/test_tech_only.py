"""Non-tech news is stored but lookups, search and digests leave it out (SQLite and PostgreSQL).

The articles are understood by ``digests.understand``: whether each is tech news is what the
product decides; the test checks both that decision and that storage respects it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from digests.digest import DigestFilter
from digests.model import Article, Event, RawArticle
from digests.understand import understand
from storage import articles, lookups, models, outbox

if TYPE_CHECKING:
    from tests.conftest import Database

DAY = datetime(2026, 3, 2, 9, tzinfo=UTC)

TECH = RawArticle(
    url="https://news.example/astana-hub-campus",
    title="Astana Hub открыл в Шымкенте кампус для стартапов",
    text="Технопарк Astana Hub открыл в Шымкенте кампус для IT-стартапов. Министерство "
    "цифрового развития Казахстана сообщило, что резиденты технопарка получат налоговые "
    "льготы, а разработчики — доступ к облачной платформе. Кубок Шымкента по программированию "
    "пройдёт в кампусе 12 апреля.",
    published=DAY,
)
FOOTBALL = RawArticle(
    url="https://news.example/kairat-cup",
    title="«Кайрат» обыграл «Астану» в матче за Кубок Казахстана в Шымкенте",
    text="Футболисты «Кайрата» выиграли матч со счётом 2:1 на стадионе в Шымкенте. Единственный "
    "гол во втором тайме забил нападающий сборной Казахстана; тренер поблагодарил болельщиков. "
    "Финал турнира «Кубок Шымкента 2026» пройдёт 12 апреля.",
    published=DAY + timedelta(hours=1),
)


def _understood() -> tuple[Article, Article]:
    tech, football = understand(TECH), understand(FOOTBALL)
    # an event only a non-tech article reports is not shown either
    cup = Event(key="kubok-shymkenta-2026", name="Кубок Шымкента 2026", start=date(2026, 4, 12))
    return tech, Article(**{**_fields(football), "events": (cup,)})


def _fields(article: Article) -> dict[str, object]:
    return {name: getattr(article, name) for name in Article.__slots__}  # type: ignore[attr-defined]


async def test_non_tech_is_stored_but_not_shown(db: Database) -> None:
    tech, football = _understood()
    assert tech.tech is True
    assert football.tech is False
    async with db.sessionmaker() as session, session.begin():
        shown = await articles.add(session, tech, source_id=None, story_id=None)
        hidden = await articles.add(session, football, source_id=None, story_id=None)
    async with db.sessionmaker() as session:
        stored = (await session.execute(select(models.Article.id, models.Article.tech))).all()
        assert sorted(stored) == sorted([(shown.id, True), (hidden.id, False)])

        latest = await lookups.latest(session, limit=10)
        assert [s.story_id for s in latest.stories] == [shown.story_id]
        country = await lookups.by_country(session, "kz", limit=10)
        assert hidden.story_id not in [s.story_id for s in country.stories]
        assert shown.story_id in [s.story_id for s in country.stories]
        for topic in football.topics:
            page = await lookups.by_topic(session, topic, limit=10)
            assert hidden.story_id not in [s.story_id for s in page.stories]

        found = await lookups.search(session, "Шымкент", limit=10)
        assert [s.story_id for s in found.stories] == [shown.story_id]
        assert (await lookups.search(session, "Кайрат", limit=10)).stories == ()

        assert await lookups.event_card(session, "Кубок Шымкента 2026") is None
        listed = await lookups.events(session, today=date(2026, 3, 1), limit=10)
        assert "Кубок Шымкента 2026" not in [e.name for e in listed]

        since, until = DAY - timedelta(days=1), DAY + timedelta(days=1)
        async with db.engine.connect() as conn:
            await conn.execute(
                models.Article.__table__.update().values(ingested_at=DAY)  # the window's day
            )
            await conn.commit()
        picked = await outbox.candidates(
            session, DigestFilter(), since=since, until=until, reader_lang="ru"
        )
        assert [c.story_id for c in picked] == [shown.story_id]
        events = await outbox.upcoming_events(session, today=date(2026, 4, 10), days=7)
        assert "Кубок Шымкента 2026" not in [e.name for e in events]
        total = (await session.execute(select(func.count()).select_from(models.Article))).one()
        assert total == (2,)


async def test_an_event_is_found_by_any_of_its_names(db: Database) -> None:
    tech, _ = _understood()
    bridge = Event(
        key="digital-bridge-2026",
        name="Digital Bridge 2026",
        start=date(2026, 10, 1),
        aliases=("Цифровой мост 2026",),
    )
    other = Event(key="digital-bridge-2026", name="Цифрлық көпір 2026")
    first = Article(**{**_fields(tech), "events": (bridge,)})
    second = Article(
        **{
            **_fields(tech),
            "events": (other,),
            "url": "https://news.example/kk",
            "canonical_url": "https://news.example/kk",
            "content_hash": "another",
        }
    )
    async with db.sessionmaker() as session, session.begin():
        await articles.add(session, first, source_id=None, story_id=None)
        await articles.add(session, second, source_id=None, story_id=None)
    async with db.sessionmaker() as session:
        names = (await session.execute(select(models.EventAlias.alias))).scalars().all()
        assert set(names) == {"Digital Bridge 2026", "Цифровой мост 2026", "Цифрлық көпір 2026"}
        for query in (
            "Digital Bridge 2026",
            "Цифровой мост 2026",
            "Цифрлық көпір",
            "цифровой мост",
        ):
            card = await lookups.event_card(session, query)
            assert card is not None, query
            assert card.event.key == "digital-bridge-2026"
            assert card.event.articles == 2


async def test_migration_0003_goes_down_and_up_again(db: Database) -> None:
    """Downgrade to 0002 and back: the column and table go and come, search still works."""
    from alembic import command
    from sqlalchemy import text

    from storage.db import alembic_config, upgrade

    def down(connection: object) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")

    async with db.engine.begin() as conn:
        await conn.run_sync(down)
    async with db.engine.connect() as conn:
        version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
        assert version == [("0002",)]
    await upgrade(db.engine)
    tech, _ = _understood()
    async with db.sessionmaker() as session, session.begin():
        stored = await articles.add(session, tech, source_id=None, story_id=None)
    async with db.sessionmaker() as session:
        found = await lookups.search(session, "Шымкент", limit=5)
        assert [s.story_id for s in found.stories] == [stored.story_id]
