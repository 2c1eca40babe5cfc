"""Planning due digests into the outbox on SQLite and PostgreSQL: once, shared, paged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.config import DigestsConfig
from bot.services.digests import plan_due
from digests.model import Article, Event, StoryFeatures
from storage import articles, models, outbox, subscriptions
from tests.conftest import Database

NOW = datetime.now(UTC)


def article(n: int, title: str, country: str, events: tuple[Event, ...] = ()) -> Article:
    return Article(
        url=f"https://news.example/{n}",
        canonical_url=f"https://news.example/{n}",
        title=title,
        text=f"{title}. More about it.",
        published=NOW - timedelta(hours=2),
        lang="en",
        script="Latn",
        countries=(country,),
        topics=(),
        events=events,
        summary=f"{title}.",
        content_hash=f"hash-{n}",
        features=StoryFeatures(),
        source="Example News",
        guid=None,
    )


async def setup(db: Database, chats: range, **fields: object) -> None:
    async with db.sessionmaker() as session, session.begin():
        await articles.add(
            session, article(1, "Astana opens an AI lab", "kz"), source_id=None, story_id=None
        )
        for chat_id in chats:
            await subscriptions.save(
                session,
                chat_id=chat_id,
                chat_type="private",
                title=None,
                ui_lang="en",
                now=NOW - timedelta(days=1),
                **fields,
            )


async def count(db: Database, model: type[models.Base]) -> int:
    async with db.sessionmaker() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_pages_share_one_composition_and_plan_each_subscription_once(db: Database) -> None:
    hhmm = (NOW - timedelta(minutes=5)).strftime("%H:%M")
    await setup(db, range(1, 8), countries=("kz",), time_of_day=hhmm, timezone="UTC")
    cfg = DigestsConfig(grace=0)
    now = datetime.now(UTC)  # after the article was stored
    report = await plan_due(db.sessionmaker, now=now, cfg=cfg, page=3)
    assert (report.due, report.planned, report.compositions, report.digests) == (7, 7, 1, 1)
    again = await plan_due(db.sessionmaker, now=now + timedelta(minutes=1), cfg=cfg, page=3)
    assert again.due == 0 and again.planned == 0
    assert await count(db, models.Delivery) == 7
    assert await count(db, models.Digest) == 1


async def test_instant_subscriptions_are_met_once_per_paged_pass(db: Database) -> None:
    await setup(db, range(1, 6), cadence="instant")
    now = datetime.now(UTC)
    report = await plan_due(db.sessionmaker, now=now, cfg=DigestsConfig(grace=0), page=2)
    assert (report.due, report.planned) == (5, 5)
    # The next pass finds them due again, but with nothing new: no rows for empty windows.
    later = await plan_due(
        db.sessionmaker, now=now + timedelta(minutes=1), cfg=DigestsConfig(grace=0), page=2
    )
    assert (later.due, later.planned, later.skipped) == (5, 0, 0)
    async with db.sessionmaker() as session:
        assert (await outbox.counts(session))["pending"] == 5


async def test_each_digest_lists_the_coming_events_of_its_countries(db: Database) -> None:
    soon = NOW.date() + timedelta(days=3)
    events = {
        "kz": Event("astana-tech-week", "Astana Tech Week", soon, soon, "Astana", "kz"),
        "uz": Event("ict-week-uzbekistan", "ICT Week Uzbekistan", soon, soon, "Tashkent", "uz"),
    }
    hhmm = (NOW - timedelta(minutes=5)).strftime("%H:%M")
    async with db.sessionmaker() as session, session.begin():
        for n, (code, event) in enumerate(events.items(), start=10):
            await articles.add(
                session,
                article(n, f"{event.name} opens soon", code, (event,)),
                source_id=None,
                story_id=None,
            )
        for chat_id, code in ((1, "kz"), (2, "uz")):
            await subscriptions.save(
                session,
                chat_id=chat_id,
                chat_type="private",
                title=None,
                ui_lang="en",
                now=NOW - timedelta(days=1),
                countries=(code,),
                time_of_day=hhmm,
                timezone="UTC",
            )
    report = await plan_due(db.sessionmaker, now=datetime.now(UTC), cfg=DigestsConfig(grace=0))
    assert report.compositions == 2
    async with db.sessionmaker() as session:
        texts = {
            tuple(d.story_ids): "\n".join(d.texts)
            for d in (await session.execute(select(models.Digest))).scalars()
        }
    [kz, uz] = sorted(texts.values(), key=lambda t: "Astana Tech Week opens" not in t)
    assert (
        "📅" in kz and "• <b>Astana Tech Week</b>" in kz and "ICT Week Uzbekistan</b> —" not in kz
    )
    assert "• <b>ICT Week Uzbekistan</b>" in uz and "Astana Tech Week</b> —" not in uz
