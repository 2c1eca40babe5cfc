"""The events calendar end to end: "Add to calendar" sends an .ics that parses back."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import icalendar
import pytest

from digests.model import Event
from storage import articles
from tests.conftest import Database
from tests.e2e.botapi import BotAPIServer, SentFile
from tests.e2e.conftest import Chat, private
from tests.e2e.data import TODAY, UPCOMING, synthetic
from tests.e2e.test_bot import buttons


async def press_for_file(chat: Chat, data: str, *, text: str | None = None) -> SentFile:
    """Press the button whose callback is ``data`` under the chat's last message."""
    before = len(chat.server.files)
    message = chat.messages()[-1]
    assert data in [d for _, d in buttons(message)], buttons(message)
    await chat.press(message, data)
    for _ in range(100):
        if len(chat.server.files) > before:
            break
        await asyncio.sleep(0.05)
    [sent] = chat.server.files[before:]
    assert sent.method == "sendDocument" and sent.chat_id == chat.id
    return sent


def events_of(sent: SentFile) -> list[icalendar.Event]:
    cal = icalendar.Calendar.from_ical(sent.data)
    assert str(cal["version"]) == "2.0" and "Chaikhana" in str(cal["prodid"])
    return list(cal.walk("VEVENT"))


@pytest.mark.parametrize(
    ("lang", "location", "caption"),
    [("en", "Dushanbe, Tajikistan", "events: 1"), ("ru", "Dushanbe, Таджикистан", "событий: 1")],
)
async def test_event_card_sends_its_calendar(
    bot: BotAPIServer, lang: str, location: str, caption: str
) -> None:
    chat = private(bot, lang)
    await chat.send("/event ICT Week 2025")
    [card] = chat.messages()
    [(label, data)] = [b for b in buttons(card) if b[1].startswith("ics:")]
    assert label.startswith("📅")
    sent = await press_for_file(chat, data)
    assert sent.filename.endswith(".ics") and caption in sent.caption
    [event] = events_of(sent)
    assert "ict week 2025" in str(event["summary"]).lower()
    # All day, 7 to 10 April: DTEND is the day after the last (RFC 5545).
    assert event.decoded("dtstart") == date(2025, 4, 7)
    assert event.decoded("dtend") == date(2025, 4, 11)
    assert str(event["location"]) == location
    assert str(event["url"]).startswith("https://seed.example/")
    assert "https://seed.example/" in str(event["description"])
    assert str(event["uid"]).endswith("@chaikhana")


async def test_event_without_dates_has_no_calendar_button(
    bot: BotAPIServer, seeded: Database
) -> None:
    undated = Event(key="bishkek-ai-meetup", name="Bishkek AI Meetup", place="Bishkek")
    async with seeded.sessionmaker() as session, session.begin():
        await articles.add(
            session,
            synthetic(900, title="Bishkek AI Meetup gathers developers", events=(undated,)),
            source_id=None,
            story_id=None,
        )
    chat = private(bot, "en")
    [card] = await chat.send("/event Bishkek AI Meetup")
    assert "Bishkek AI Meetup" in card.text
    assert not [d for _, d in buttons(card) if d.startswith("ics:")]


async def test_a_stale_calendar_button_says_so(bot: BotAPIServer) -> None:
    chat = private(bot, "en")
    [card] = await chat.send("/event ICT Week 2025")
    answer = await chat.press(card, "ics:987654")
    assert "No dated event" in answer["text"] and not bot.files


async def test_events_list_sends_the_coming_events_of_the_readers_countries(
    bot: BotAPIServer, seeded: Database
) -> None:
    # One more coming event, in Uzbekistan; the reader follows Kazakhstan only.
    tashkent = Event(
        key="tashkent-it-week-2099",
        name="Tashkent IT Week",
        start=TODAY + timedelta(days=5),
        place="Tashkent",
        country="uz",
    )
    async with seeded.sessionmaker() as session, session.begin():
        await articles.add(
            session,
            synthetic(901, title="Tashkent IT Week opens soon", events=(tashkent,)),
            source_id=None,
            story_id=None,
        )
    everyone = private(bot, "en")
    await everyone.send("/events")
    sent = await press_for_file(everyone, "ics:all")
    names = [str(e["summary"]) for e in events_of(sent)]
    assert names == ["Tashkent IT Week", "Astana Tech Forum"]  # soonest first, past ones out

    kz_reader = private(bot, "ru")
    await kz_reader.send("/subscribe kz 08:30", replies=1)
    await kz_reader.send("/events")
    sent = await press_for_file(kz_reader, "ics:all")
    [event] = events_of(sent)
    assert str(event["summary"]) == UPCOMING.name
    assert event.decoded("dtstart") == UPCOMING.start
    assert event.decoded("dtend") == UPCOMING.end + timedelta(days=1)
    assert str(event["location"]) == "Astana, Казахстан"
