"""Issue 13, end to end: no confident wrong answers, replies that act on what they report,
and a bot that reads like a local — every point on the real Application and the loopback
Bot API server, in the region's UI languages."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from digests.model import Event
from storage import articles, subscriptions
from tests.conftest import Database
from tests.e2e.botapi import BotAPIServer, SentMessage
from tests.e2e.conftest import ADMIN_ID, Chat, private
from tests.e2e.data import synthetic


def buttons(message: SentMessage) -> list[tuple[str, str]]:
    markup = message.reply_markup or {}
    return [
        (b["text"], b.get("callback_data", ""))
        for row in markup.get("inline_keyboard", [])
        for b in row
    ]


def plain(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2009", " ")


# ---- /topic: a word that is no topic gets the picker --------------------------------------


@pytest.mark.parametrize("word", ["blockchainz", "mountain", "tel"])
async def test_a_word_that_is_no_topic_gets_the_picker(bot: BotAPIServer, word: str) -> None:
    [reply] = await private(bot, "en").send(f"/topic {word}")
    assert "Artificial intelligence</b>" not in reply.text
    assert f"I don't know the topic “{word}”" in reply.text
    assert ("Artificial intelligence", "t:ai:0") in buttons(reply)


@pytest.mark.parametrize(
    ("lang", "name", "label"),
    [
        ("uz-Cyrl", "Стартаплар", "Стартаплар"),
        ("tk", "Startaplar", "Startaplar"),
        ("uz-Cyrl", "Sunʼiy intellekt", "Сунъий интеллект"),  # another language's name too
    ],
)
async def test_topic_names_work_in_every_ui_language(
    bot: BotAPIServer, lang: str, name: str, label: str
) -> None:
    [reply] = await private(bot, lang).send(f"/topic {name}")
    assert reply.text.startswith(f"🏷 <b>{label}</b>") and "<a href=" in reply.text


# ---- /country: several countries, and outside the region -----------------------------------


@pytest.mark.parametrize(
    ("lang", "query", "header"),
    [
        ("en", "kz uz", "🇰🇿🇺🇿 <b>Latest about Kazakhstan, Uzbekistan</b>"),
        ("ru", "Казахстан, Узбекистан", "🇰🇿🇺🇿 <b>Свежее о странах: Казахстан, Узбекистан</b>"),
        ("uz", "🇰🇿🇺🇿", "🇰🇿🇺🇿 <b>Qozogʻiston, Oʻzbekiston: soʻnggi yangiliklar</b>"),
        ("kk", "kz uz", "🇰🇿🇺🇿 <b>Қазақстан, Өзбекстан: соңғы жаңалықтар</b>"),
    ],
)
async def test_several_countries_are_several_countries(
    bot: BotAPIServer, lang: str, query: str, header: str
) -> None:
    chat = private(bot, lang)
    [reply] = await chat.send(f"/country {query}")
    assert reply.text.startswith(header), reply.text[:200]
    assert "Uzbekistan launches AI strategy" in reply.text or "Узбекистан запустил" in reply.text
    assert "Kazakhstan startup news" in reply.text
    [(_, more)] = [b for b in buttons(reply) if b[1].startswith("c:")]
    assert more == "c:kz,uz:5"
    await chat.press(reply, more)
    assert reply.edits == 1 and reply.text.startswith(header)


@pytest.mark.parametrize(
    ("lang", "query", "said"),
    [
        ("en", "🇺🇸", "United States is outside it"),
        ("ru", "США", "Соединенные Штаты в этот круг не входит"),
        ("tk", "🇺🇸", "bu çäge girmeýär"),
    ],
)
async def test_outside_the_region_says_what_the_bot_covers(
    bot: BotAPIServer, seeded: Database, lang: str, query: str, said: str
) -> None:
    async with seeded.sessionmaker() as session, session.begin():
        await articles.add(
            session,
            synthetic(900, title="Tashkent fintech, tagged US by mistake", countries=("us", "uz")),
            source_id=None,
            story_id=None,
        )
    [reply] = await private(bot, lang).send(f"/country {query}")
    assert said in plain(reply.text), reply.text
    assert "tagged US by mistake" not in reply.text
    assert [d for _, d in buttons(reply)] == ["c:kz:0", "c:uz:0", "c:kg:0", "c:tj:0", "c:tm:0"]


# ---- /latest: nothing from the future --------------------------------------------------------


async def test_latest_never_shows_a_story_dated_in_the_future(
    bot: BotAPIServer, seeded: Database
) -> None:
    ahead = datetime.now(UTC) + timedelta(days=730)
    async with seeded.sessionmaker() as session, session.begin():
        await articles.add(
            session,
            synthetic(901, title="Story from two years ahead", countries=("kz",), published=ahead),
            source_id=None,
            story_id=None,
        )
    chat = private(bot, "ru")
    for command in ("/latest", "/country kz", "/search two years ahead"):
        [reply] = await chat.send(command)
        assert "Story from two years ahead" not in reply.text, command
    [reply] = await chat.send("/latest")
    assert "Astana Tech Forum to open next month" in reply.text  # the newest dated story leads


# ---- /events: paged, one line per event --------------------------------------------------------


async def test_events_are_paged_with_more_and_one_line_per_event(
    bot: BotAPIServer, seeded: Database
) -> None:
    async with seeded.sessionmaker() as session, session.begin():
        for k, name in enumerate(
            [
                "Digital Bridge 2030",
                "Digital Bridge-2030",
                "DIGITAL BRIDGE 2030",
                "digital bridge 2030",
            ]
        ):  # one event named four ways, each stored under its own key
            when = datetime.now(UTC).date() + timedelta(days=40)
            event = Event(
                key=f"db-2030-v{k}", name=name, start=when, end=when, place="Astana", country="kz"
            )
            await articles.add(
                session,
                synthetic(
                    910 + k, title=f"Digital Bridge variant {k}", countries=("kz",), events=(event,)
                ),
                source_id=None,
                story_id=None,
            )
        for k in range(14):
            when = datetime.now(UTC).date() + timedelta(days=50 + k)
            event = Event(
                key=f"expo-{k}",
                name=f"Samarkand Expo Nr {k}",
                start=when,
                end=when,
                place=None,
                country="uz",
            )
            await articles.add(
                session,
                synthetic(930 + k, title=f"Expo {k}", countries=("uz",), events=(event,)),
                source_id=None,
                story_id=None,
            )
    chat = private(bot, "kk")
    [reply] = await chat.send("/events")
    assert plain(reply.text).lower().count("digital bridge 2030") == 1
    assert "мақалалар: 4" in reply.text
    first = reply.text
    [(_, more)] = [b for b in buttons(reply) if b[1].startswith("ev:")]
    assert more == "ev:10"
    await chat.press(reply, more)
    assert reply.edits == 1 and reply.text != first
    assert "2-бет" in reply.text
    seen = first + reply.text
    for k in range(14):
        assert f"Samarkand Expo Nr {k}</b>" in seen


# ---- plain text in a private chat ---------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("ru", "Казахстан", "Свежее о стране: Казахстан"),
        ("kk", "Қазақстан", "Қазақстан"),
        ("uz", "Toshkent", "Toshkentda yangi IT Park ochildi"),
        ("en", "Astana Tech Forum", "Astana Tech Forum to open next month"),
    ],
)
async def test_plain_text_in_a_private_chat_is_a_lookup(
    bot: BotAPIServer, lang: str, text: str, expected: str
) -> None:
    [reply] = await private(bot, lang).send(text)
    assert expected in reply.text
    assert "command" not in reply.text and "команд" not in reply.text


# ---- /pause after /unsubscribe, and a double tap on Subscribe ---------------------------------


async def test_pause_after_unsubscribe_acts_on_what_it_reports(
    bot: BotAPIServer, seeded: Database
) -> None:
    chat = private(bot, "ru")
    await chat.send("/subscribe kz 08:00")
    [bye] = await chat.send("/unsubscribe")
    [reply] = await chat.send("/pause")
    assert "подписки" in reply.text.lower()  # "no subscription here"
    async with seeded.sessionmaker() as session:
        view = await subscriptions.get(session, chat.id)
    assert view is not None and view.cancelled and not view.paused
    await chat.press(bye, "sb:undo")
    async with seeded.sessionmaker() as session:
        view = await subscriptions.get(session, chat.id)
    assert view is not None and not view.cancelled and not view.paused


async def _to_confirm(chat: Chat) -> SentMessage:
    [flow] = await chat.send("/subscribe")
    for data in ("sb:c:uz", "sb:go:topics", "sb:go:cadence", "sb:cad:instant"):
        await chat.press(flow, data)
    assert ("✅ Subscribe", "sb:ok") in buttons(flow) or any(d == "sb:ok" for _, d in buttons(flow))
    return flow


async def test_a_double_tap_on_subscribe_is_answered_idempotently(
    bot: BotAPIServer, seeded: Database
) -> None:
    chat = private(bot, "en")
    flow = await _to_confirm(chat)
    mark = len(bot.calls)
    first = bot.push_callback(chat.user, flow, "sb:ok")
    second = bot.push_callback(chat.user, flow, "sb:ok")
    answered = await bot.wait_for(
        lambda c: (
            c.method == "answerCallbackQuery"
            and c.params.get("callback_query_id") in (first, second)
        ),
        count=2,
        since=mark,
    )
    await asyncio.sleep(0.1)
    assert "out of date" not in flow.text and "You're subscribed" in flow.text
    texts = [c.params.get("text", "") for c in answered]
    assert not any("out of date" in t for t in texts)
    async with seeded.sessionmaker() as session:
        view = await subscriptions.get(session, chat.id)
    assert view is not None and view.countries == ("uz",)


# ---- time zones follow the reader; offsets read as UTC+5 ----------------------------------------


@pytest.mark.parametrize(
    ("lang", "zone"),
    [
        ("uz", "Asia/Tashkent"),
        ("uz-Cyrl", "Asia/Tashkent"),
        ("kk", "Asia/Almaty"),
        ("ky", "Asia/Bishkek"),
        ("tg", "Asia/Dushanbe"),
        ("tk", "Asia/Ashgabat"),
    ],
)
async def test_a_shortcut_subscription_takes_the_readers_time_zone(
    bot: BotAPIServer, seeded: Database, lang: str, zone: str
) -> None:
    chat = private(bot, lang)
    [reply] = await chat.send("/subscribe ai 09:00")
    assert zone in reply.text
    async with seeded.sessionmaker() as session:
        view = await subscriptions.get(session, chat.id)
    assert view is not None and view.timezone == zone


@pytest.mark.parametrize(("lang", "typed"), [("en", "UTC+5"), ("ru", "UTC+5"), ("tk", "utc+5")])
async def test_a_fixed_offset_reads_as_utc_plus(bot: BotAPIServer, lang: str, typed: str) -> None:
    chat = private(bot, lang)
    [reply] = await chat.send(f"/subscribe kz 08:00 {typed}")
    assert "(UTC+5)" in reply.text and "Etc/GMT" not in reply.text
    [settings] = await chat.send("/settings")
    assert "UTC+5" in settings.text and "Etc/GMT" not in settings.text


# ---- /help lists the admin commands to admins ---------------------------------------------------


async def test_help_lists_admin_commands_to_admins_only(bot: BotAPIServer) -> None:
    admin = Chat(bot, bot.private_chat(ADMIN_ID), bot.user(ADMIN_ID, "ru"))
    [reply] = await admin.send("/help")
    for command in ("/stats", "/sources", "/channel", "/broadcast_preview"):
        assert f"{command} — " in reply.text
    assert "Для администраторов" in reply.text
    [other] = await private(bot, "ru").send("/help")
    assert "/stats — " not in other.text and "/broadcast_preview — " not in other.text


# ---- a digest's "… and N more" rides in its last part; a part refused as too long is split ------


async def _fresh_tajik_news(db: Database, count: int, summary: str) -> None:
    async with db.sessionmaker() as session, session.begin():
        for k in range(count):
            await articles.add(
                session,
                synthetic(
                    960 + k,
                    title=f"Dushanbe tech story number {k}",
                    countries=("tj",),
                    summary=summary,
                    published=datetime.now(UTC) - timedelta(minutes=30 + k),
                ),
                source_id=None,
                story_id=None,
            )


async def test_and_n_more_is_kept_in_the_last_part(bot: BotAPIServer, seeded: Database) -> None:
    from sqlalchemy import update

    from storage import models
    from tests.e2e.botapi import parse_html, utf16_len

    await _fresh_tajik_news(seeded, 14, "Short summary")
    chat = private(bot, "en")
    await chat.send("/subscribe tj daily 08:00")
    parts = await chat.send("/digest")
    [last] = [p for p in parts if "more." in p.text]
    # Grow every summary so the stories fill the last part to just short of Telegram's
    # 4096 characters, leaving no room for the "… and 4 more" line after them.
    shown = utf16_len(parse_html(last.text.rsplit("\n\n", 1)[0]))
    stories = last.text.count("Dushanbe tech story")
    pad = (4096 - 12 - shown) // stories
    in_summary = min(pad, 280)  # a summary shows at most 320 characters, a title 200
    in_title = pad - in_summary
    assert 0 < pad and in_title < 160
    a = models.Article
    async with seeded.sessionmaker() as session, session.begin():
        await session.execute(
            update(a)
            .where(a.summary == "Short summary")
            .values(
                summary="Short summary " + "x" * (in_summary - 1),
                title=a.title + (" " + "y" * (in_title - 1) if in_title > 1 else ""),
            )
        )
    before, mark = len(chat.messages()), len(bot.calls)
    await chat.send("/digest", replies=0)
    await bot.wait_for(
        lambda c: c.method == "sendMessage" and "more." in str(c.params.get("text")), since=mark
    )
    parts = chat.messages()[before:]
    assert "more." in parts[-1].text and "Dushanbe tech story" in parts[-1].text, [
        p.text[-200:] for p in parts
    ]
    assert all(utf16_len(parse_html(p.text)) <= 4096 for p in parts)


# ---- reading like a local ---------------------------------------------------------------------


async def test_russian_says_kyrgyzstan_as_kyrgyzstan_does(bot: BotAPIServer) -> None:
    chat = private(bot, "ru")
    [reply] = await chat.send("/country kg")
    assert "Кыргызстан" in reply.text and "Киргизия" not in reply.text
    [picker] = await chat.send("/country")
    assert ("🇰🇬 Кыргызстан", "c:kg:0") in buttons(picker)


@pytest.mark.parametrize(
    ("lang", "shown"),
    [
        ("kk", "Ашхабад"),
        ("ru", "Ашхабад"),
        ("tk", "Aşgabat"),
        ("uz", "Ashxobod"),
        ("tg", "Ашқобод"),
    ],
)
async def test_places_are_named_in_the_readers_language(
    bot: BotAPIServer, seeded: Database, lang: str, shown: str
) -> None:
    when = datetime.now(UTC).date() + timedelta(days=30)
    event = Event(
        key="turkmentel-2099",
        name="TurkmenTel",
        start=when,
        end=when,
        place="Ashgabat",
        country="tm",
    )
    async with seeded.sessionmaker() as session, session.begin():
        await articles.add(
            session,
            synthetic(
                990, title="TurkmenTel opens in Ashgabat", countries=("tm",), events=(event,)
            ),
            source_id=None,
            story_id=None,
        )
    chat = private(bot, lang)
    [card] = await chat.send("/event TurkmenTel")
    head = card.text.split("\n\n")[0]
    assert shown in head and "Ashgabat" not in head
    [listed] = await chat.send("/events")
    line = next(part for part in listed.text.split("\n\n") if "TurkmenTel" in part)
    assert shown in line


@pytest.mark.parametrize(("code", "greeting"), [("uz-Cyrl", "Чойхона"), ("tk", "Çaýhana")])
async def test_uzbek_cyrillic_and_turkmen_by_telegram_language(
    bot: BotAPIServer, code: str, greeting: str
) -> None:
    chat = private(bot, code)
    [reply] = await chat.send("/start")
    assert greeting in reply.text
    [country] = await chat.send("/country uz")
    name = {"uz-Cyrl": "Ўзбекистон", "uz": "Oʻzbekiston", "tk": "Özbegistan"}[code]
    assert name in country.text


async def test_uzbek_cyrillic_and_turkmen_by_lang(bot: BotAPIServer, seeded: Database) -> None:
    chat = private(bot, "uz")
    [picker] = await chat.send("/lang")
    offered = dict((d, text) for text, d in buttons(picker))
    assert offered["lang:uz-Cyrl"] == "Ўзбекча" and offered["lang:tk"] == "Türkmençe"
    await chat.press(picker, "lang:uz-Cyrl")
    assert picker.text == "Тайёр — ўзбекча гаплашаман."
    [reply] = await chat.send("/help")
    assert "Нималар қила оламан" in reply.text
    [dated] = await chat.send("/event ICT Week 2025")
    assert "апр" in dated.text.lower()  # Babel's uz_Cyrl dates
    [picker] = await chat.send("/lang")
    await chat.press(picker, "lang:tk")
    [reply] = await chat.send("/events")
    assert "Ýakynlaşýan we ýakynda geçen çäreler" in reply.text
    async with seeded.sessionmaker() as session:
        from storage import lookups

        assert await lookups.chat_lang(session, chat.id) == "tk"


# ---- coverage at a glance in lookup lists (issue 14) -------------------------------------------


@pytest.mark.parametrize(
    ("lang", "command", "also", "first"),
    [
        ("en", "/country uz", "Also reported by Gazeta.uz (ru)", "First: UzDaily, Feb 1, 2026"),
        ("ru", "/latest", "Также писали: UzDaily (en)", "Первым: UzDaily"),
        ("uz", "/topic ai", "UzDaily (en)", "UzDaily"),
        ("kk", "/search Uzbekistan AI strategy", "UzDaily (en)", "UzDaily"),
    ],
)
async def test_lookup_lists_show_who_covered_a_story(
    bot: BotAPIServer, lang: str, command: str, also: str, first: str
) -> None:
    chat = private(bot, lang)
    [reply] = await chat.send(command)
    blocks = reply.text.split("\n\n")
    n, block = next(
        (n, b) for n, b in enumerate(blocks) if n and ("стратегию ИИ" in b or "AI strategy" in b)
    )
    assert also in block and first in plain(block), block
    [(label, data)] = [b for b in buttons(reply) if b[0].startswith(f"{n}. ")]
    assert data.startswith("cv:") and "(2)" in label
    before = len(chat.messages())
    await chat.press(reply, data)
    await bot.wait_sent(chat.id, count=before + 1, wait=10)
    versions = chat.messages()[before].text
    assert versions.index("UzDaily (en)") < versions.index("Gazeta.uz (ru)")
    assert '<a href="https://news.example/200">' in versions
    assert reply.edits == 0  # the list stays, so its other stories can be opened too


async def test_an_uzbek_cyrillic_reader_gets_the_uzbek_version(bot: BotAPIServer) -> None:
    # Seeds 001 (Uzbek, Kazinform) and 004 (Russian, BAQ.KZ) tell the same story.
    [reply] = await private(bot, "uz-Cyrl").send("/search Turkistan")
    assert "Қозоғистон рақамли давлатга айланиши керак" in reply.text
    assert "обширное интервью" not in reply.text
