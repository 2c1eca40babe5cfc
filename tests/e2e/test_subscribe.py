"""Subscribing in chat, end to end: the guided flow by button presses, shortcuts, filters,
settings, pause, unsubscribe and undo, groups (admins only) and forum topics."""

from __future__ import annotations

import asyncio

import pytest

from storage import subscriptions
from storage.subscriptions import SubscriptionView
from tests.conftest import Database
from tests.e2e.botapi import BotAPIServer, SentMessage
from tests.e2e.conftest import Chat, group, private


def buttons(message: SentMessage) -> list[tuple[str, str]]:
    """Return (text, callback_data) of every inline button under a message."""
    markup = message.reply_markup or {}
    return [
        (b["text"], b.get("callback_data", ""))
        for row in markup.get("inline_keyboard", [])
        for b in row
    ]


def label(message: SentMessage, data: str) -> str:
    """Return the text of the button carrying ``data``."""
    [text] = [text for text, d in buttons(message) if d == data]
    return text


async def stored(db: Database, chat_id: int) -> SubscriptionView | None:
    async with db.sessionmaker() as session:
        return await subscriptions.get(session, chat_id)


async def press_all(chat: Chat, message: SentMessage, *data: str) -> None:
    for datum in data:
        answer = await chat.press(message, datum)
        assert "show_alert" not in answer or not answer["show_alert"], answer


# ---- the guided flow ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "done", "when"),
    [
        ("ru", "Вы подписаны", "каждый день в 08:30 (Asia/Tashkent)"),
        ("en", "You're subscribed", "every day at 08:30 (Asia/Tashkent)"),
    ],
)
async def test_whole_flow_by_button_presses(
    bot: BotAPIServer, seeded: Database, lang: str, done: str, when: str
) -> None:
    chat = private(bot, lang)
    [flow] = await chat.send("/subscribe")
    assert [d for _, d in buttons(flow)][:6] == [
        "sb:c:kz",
        "sb:c:uz",
        "sb:c:kg",
        "sb:c:tj",
        "sb:c:tm",
        "sb:c:*",
    ]
    assert label(flow, "sb:c:*").startswith("✅")  # nothing chosen means every country
    await press_all(chat, flow, "sb:c:uz", "sb:c:kz")
    assert label(flow, "sb:c:uz").startswith("✅ 🇺🇿") and label(flow, "sb:c:kz").startswith("✅")
    assert not label(flow, "sb:c:*").startswith("✅")

    await press_all(chat, flow, "sb:go:topics", "sb:t:ai", "sb:t:fintech", "sb:t:ai")
    assert not label(flow, "sb:t:ai").startswith("✅") and label(flow, "sb:t:fintech")[0] == "✅"
    assert len([d for _, d in buttons(flow) if d.startswith("sb:t:")]) == 13  # 12 topics + all
    await press_all(chat, flow, "sb:t:ai", "sb:go:cadence", "sb:cad:daily")
    assert [d for _, d in buttons(flow) if d.startswith("sb:tm:")] == [
        "sb:tm:0700",
        "sb:tm:0800",
        "sb:tm:0830",
        "sb:tm:0900",
        "sb:tm:1200",
        "sb:tm:1800",
        "sb:tm:ask",
    ]
    await press_all(chat, flow, "sb:tm:0830")
    zones = [d for _, d in buttons(flow) if d.startswith("sb:tz:")]
    assert zones == ["sb:tz:Asia/Tashkent", "sb:tz:Asia/Almaty", "sb:tz:UTC", "sb:tz:ask"]
    await press_all(chat, flow, "sb:tz:Asia/Tashkent")
    assert when in flow.text and "🇺🇿" in flow.text and "🇰🇿" in flow.text
    await press_all(chat, flow, "sb:ok")

    assert done in flow.text and when in flow.text
    assert len(chat.messages()) == 1 and flow.edits >= 10  # one message, edited in place
    view = await stored(seeded, chat.id)
    assert view is not None and not view.cancelled and not view.paused
    assert view.countries == ("uz", "kz") and set(view.topics) == {"ai", "fintech"}
    assert (view.cadence, view.weekday, view.time_of_day) == ("daily", None, "08:30")
    assert view.timezone == "Asia/Tashkent" and view.ui_lang == lang
    assert view.next_due_at is not None and view.chat_type == "private"


async def test_weekly_with_a_typed_time_and_time_zone(bot: BotAPIServer, seeded: Database) -> None:
    chat = private(bot, "en")
    [flow] = await chat.send("/subscribe")
    await press_all(chat, flow, "sb:go:topics", "sb:go:cadence", "sb:cad:weekly")
    assert [d for _, d in buttons(flow)][:7] == [f"sb:wd:{n}" for n in range(7)]
    assert label(flow, "sb:wd:4") == "Friday"
    await press_all(chat, flow, "sb:wd:4", "sb:tm:ask")
    assert "Send me the time" in flow.text

    [wrong] = await chat.send("25:99")
    assert "“25:99” is not a time I understand" in wrong.text
    [zones] = await chat.send("7:45")
    assert "time zone" in zones.text
    # nothing chosen: the region's five zones are offered, and UTC
    assert len([d for _, d in buttons(zones) if d.startswith("sb:tz:")]) == 7
    await press_all(chat, zones, "sb:tz:ask")
    [wrong] = await chat.send("Mars/Olympus")
    assert "I don't know the time zone “Mars/Olympus”" in wrong.text
    [confirm] = await chat.send("europe/moscow")
    assert "every week, Friday at 07:45 (Europe/Moscow)" in confirm.text
    await press_all(chat, confirm, "sb:ok")
    assert "You're subscribed" in confirm.text

    view = await stored(seeded, chat.id)
    assert view is not None
    assert (view.cadence, view.weekday, view.time_of_day) == ("weekly", 4, "07:45")
    assert view.timezone == "Europe/Moscow" and view.countries == () and view.topics == ()
    # the flow is over: ordinary text is not read as a time any more
    before = len(chat.messages())
    await chat.send("08:00", replies=1)
    assert "Nothing found for “08:00”" in chat.messages()[before].text  # a search (issue 13)
    view = await stored(seeded, chat.id)
    assert view is not None and view.time_of_day == "07:45"


async def test_instant_skips_time_and_back_returns(bot: BotAPIServer, seeded: Database) -> None:
    chat = private(bot, "en")
    [flow] = await chat.send("/subscribe")
    await press_all(chat, flow, "sb:c:tj", "sb:go:topics", "sb:go:cadence", "sb:cad:instant")
    assert "each new story as it arrives" in flow.text
    await press_all(chat, flow, "sb:go:cadence")
    assert label(flow, "sb:cad:instant").startswith("✅")
    await press_all(chat, flow, "sb:cad:instant", "sb:ok")
    view = await stored(seeded, chat.id)
    assert view is not None and view.cadence == "instant" and view.countries == ("tj",)
    assert view.timezone == "Asia/Dushanbe"


async def test_cancel_leaves_nothing_and_old_buttons_expire(
    bot: BotAPIServer, seeded: Database
) -> None:
    chat = private(bot, "en")
    [flow] = await chat.send("/subscribe")
    await press_all(chat, flow, "sb:c:kz", "sb:x")
    assert flow.text == "Nothing was changed."
    assert await stored(seeded, chat.id) is None
    await chat.press(flow, "sb:c:uz")
    assert "out of date" in flow.text


# ---- shortcuts -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "words", "expected"),
    [
        pytest.param(
            "en",
            "kz uz 08:30",
            (("kz", "uz"), (), "daily", None, "08:30", "Asia/Almaty"),
            id="kz-uz",
        ),
        pytest.param(
            "en", "ai weekly mon 09:00", ((), ("ai",), "weekly", 0, "09:00", "UTC"), id="ai-weekly"
        ),
        pytest.param("en", "instant", ((), (), "instant", None, "09:00", "UTC"), id="instant"),
        pytest.param(
            "ru",
            "Казахстан 🇺🇿 Qirgʻiziston финтех пятница 18:00 Asia/Bishkek",
            (("kz", "uz", "kg"), ("fintech",), "weekly", 4, "18:00", "Asia/Bishkek"),
            id="names-flags-any-language",
        ),
        pytest.param(
            "uz",
            "Tojikiston startaplar 8 europe/moscow",
            (("tj",), ("startups",), "daily", None, "08:00", "Europe/Moscow"),
            id="uz-latin",
        ),
    ],
)
async def test_shortcuts(
    bot: BotAPIServer,
    seeded: Database,
    lang: str,
    words: str,
    expected: tuple[object, ...],
) -> None:
    chat = private(bot, lang)
    [reply] = await chat.send(f"/subscribe {words}")
    assert "✅" in reply.text
    view = await stored(seeded, chat.id)
    assert view is not None
    got = (
        view.countries,
        view.topics,
        view.cadence,
        view.weekday,
        view.time_of_day,
        view.timezone,
    )
    assert got == expected


async def test_shortcut_changes_only_what_it_names(bot: BotAPIServer, seeded: Database) -> None:
    chat = private(bot, "en")
    await chat.send("/subscribe kz ai 08:30")
    [reply] = await chat.send("/subscribe weekly fri")
    assert "Subscription updated" in reply.text
    view = await stored(seeded, chat.id)
    assert view is not None and view.countries == ("kz",) and view.topics == ("ai",)
    assert (view.cadence, view.weekday, view.time_of_day) == ("weekly", 4, "08:30")


@pytest.mark.parametrize(
    ("lang", "words", "named"),
    [
        ("en", "kz blorp 08:30", "“blorp”"),
        ("en", "Narnia <b>", "“Narnia”, “&lt;b&gt;”"),
        ("ru", "kz вчера", "“вчера”"),
    ],
)
async def test_unknown_shortcut_words_are_named(
    bot: BotAPIServer, seeded: Database, lang: str, words: str, named: str
) -> None:
    chat = private(bot, lang)
    [reply] = await chat.send(f"/subscribe {words}")
    assert named in reply.text
    assert "/subscribe kz uz 08:30" in reply.text
    assert await stored(seeded, chat.id) is None


# ---- /filter, /settings, /pause, /resume, /unsubscribe --------------------------------------


async def test_filter_adds_moves_shows_and_clears_keywords(
    bot: BotAPIServer, seeded: Database
) -> None:
    chat = private(bot, "en")
    [reply] = await chat.send("/filter +crypto")
    assert "no subscription here yet" in reply.text.lower()
    await chat.send("/subscribe kz")
    [reply] = await chat.send("/filter")
    assert reply.text.startswith("No keyword filters")

    [reply] = await chat.send("/filter +Astana Hub -crypto")
    assert "<code>+Astana Hub</code> <code>−crypto</code>" in reply.text
    view = await stored(seeded, chat.id)
    assert view is not None and view.include == ("Astana Hub",) and view.exclude == ("crypto",)

    await chat.send("/filter -astana hub +Yandex −<script>")
    view = await stored(seeded, chat.id)
    assert view is not None
    assert view.include == ("Yandex",) and view.exclude == ("crypto", "astana hub", "<script>")
    [reply] = await chat.send("/filter")
    assert "&lt;script&gt;" in reply.text and "<script>" not in reply.text

    await chat.send("/filter clear")
    view = await stored(seeded, chat.id)
    assert view is not None and view.include == () and view.exclude == ()


async def test_settings_edits_countries_and_schedule_and_pauses(
    bot: BotAPIServer, seeded: Database
) -> None:
    chat = private(bot, "en")
    [reply] = await chat.send("/settings")
    assert "/subscribe" in reply.text and not buttons(reply)
    await chat.send("/subscribe kz ai 08:30")
    [settings] = await chat.send("/settings")
    assert "Your subscription" in settings.text and "Kazakhstan" in settings.text
    assert [d for _, d in buttons(settings)] == [
        "sb:e:c",
        "sb:e:t",
        "sb:e:s",
        "sb:p",
        "sb:u",
        "rem:1",  # and the event reminders choice
    ]

    await press_all(chat, settings, "sb:e:c")
    assert label(settings, "sb:c:kz").startswith("✅") and label(settings, "sb:go:confirm")
    await press_all(chat, settings, "sb:c:tj", "sb:go:confirm")
    assert "Tajikistan" in settings.text
    await press_all(chat, settings, "sb:ok")
    assert "Subscription updated" in settings.text
    view = await stored(seeded, chat.id)
    assert view is not None and view.countries == ("kz", "tj") and view.topics == ("ai",)

    [settings] = await chat.send("/settings")
    await press_all(chat, settings, "sb:e:s", "sb:cad:weekly", "sb:wd:2", "sb:tm:1800")
    await press_all(chat, settings, "sb:tz:Asia/Dushanbe", "sb:ok")
    view = await stored(seeded, chat.id)
    assert view is not None
    assert (view.cadence, view.weekday, view.time_of_day, view.timezone) == (
        "weekly",
        2,
        "18:00",
        "Asia/Dushanbe",
    )

    [settings] = await chat.send("/settings")
    await press_all(chat, settings, "sb:p")
    assert ("▶️ Resume", "sb:r") in buttons(settings) and "Paused" in settings.text
    view = await stored(seeded, chat.id)
    assert view is not None and view.paused
    await press_all(chat, settings, "sb:r")
    view = await stored(seeded, chat.id)
    assert view is not None and not view.paused


async def test_pause_resume_and_unsubscribe_with_undo(bot: BotAPIServer, seeded: Database) -> None:
    chat = private(bot, "ru")
    [reply] = await chat.send("/pause")
    assert "пока нет подписки" in reply.text
    await chat.send("/subscribe uz 09:00")

    [reply] = await chat.send("/pause")
    assert "приостановлены" in reply.text
    view = await stored(seeded, chat.id)
    assert view is not None and view.paused
    [reply] = await chat.send("/resume")
    assert "возобновлены" in reply.text
    view = await stored(seeded, chat.id)
    assert view is not None and not view.paused and view.next_due_at is not None

    [reply] = await chat.send("/unsubscribe")
    assert "Вы отписались" in reply.text and buttons(reply) == [("↩️ Отменить", "sb:undo")]
    view = await stored(seeded, chat.id)
    assert view is not None and view.cancelled
    await press_all(chat, reply, "sb:undo")
    assert "Подписка восстановлена" in reply.text and "Узбекистан" in reply.text
    view = await stored(seeded, chat.id)
    assert view is not None and not view.cancelled and view.countries == ("uz",)


async def test_unsubscribe_from_settings(bot: BotAPIServer, seeded: Database) -> None:
    chat = private(bot, "en")
    await chat.send("/subscribe kz")
    [settings] = await chat.send("/settings")
    await press_all(chat, settings, "sb:u")
    assert "unsubscribed" in settings.text
    view = await stored(seeded, chat.id)
    assert view is not None and view.cancelled
    [reply] = await chat.send("/settings")
    assert "no subscription here yet" in reply.text.lower()


# ---- groups and forum topics ----------------------------------------------------------------


async def test_group_non_admin_is_refused_and_admin_subscribes(
    bot: BotAPIServer, seeded: Database
) -> None:
    member = group(bot, "en")
    [reply] = await member.send("/subscribe kz 08:30")
    assert reply.text == "Only this group's admins can change its subscription."
    assert await stored(seeded, member.id) is None

    admin = Chat(bot, member.chat, bot.user(member.user["id"] + 50_000, "en", "Admin"))
    bot.set_member(member.id, admin.user["id"], "administrator", can_change_info=True)
    [reply] = await admin.send("/subscribe kz 08:30")
    assert "You're subscribed" in reply.text
    view = await stored(seeded, member.id)
    assert view is not None and view.chat_type == "supergroup" and view.countries == ("kz",)
    assert view.title == "Test group"

    # the member may not press the admin's buttons either, nor pause
    [settings] = await admin.send("/settings")
    answer = await member.press(settings, "sb:p")
    assert answer.get("show_alert") and "Only this group's admins" in answer["text"]
    [reply] = await member.send("/pause")
    assert "Only this group's admins" in reply.text
    view = await stored(seeded, member.id)
    assert view is not None and not view.paused

    # the group's creator may
    owner = Chat(bot, member.chat, bot.user(member.user["id"] + 60_000, "en", "Owner"))
    bot.set_member(member.id, owner.user["id"], "creator")
    await owner.send("/pause")
    view = await stored(seeded, member.id)
    assert view is not None and view.paused


async def test_anonymous_admin_posting_as_the_group_may_subscribe(
    bot: BotAPIServer, seeded: Database
) -> None:
    chat = group(bot, "en")
    anonymous = bot.user(1087968824, None, "Group")
    mark = len(bot.calls)
    bot.push_text(chat.chat, anonymous, "/subscribe uz", sender_chat=chat.chat)
    await bot.wait_sent(chat.id, since=mark)
    await asyncio.sleep(0.05)
    assert "You're subscribed" in chat.messages()[-1].text
    view = await stored(seeded, chat.id)
    assert view is not None and view.countries == ("uz",)


async def test_forum_topic_offers_to_post_in_the_topic(bot: BotAPIServer, seeded: Database) -> None:
    forum = bot.forum_chat(-100_777_001, "Dev forum")
    user = bot.user(777_001, "en", "Admin")
    bot.set_member(forum["id"], user["id"], "administrator")
    chat = Chat(bot, forum, user)

    mark = len(bot.calls)
    bot.push_text(forum, user, "/subscribe", thread_id=42)
    [call] = await bot.wait_sent(chat.id, since=mark)
    assert int(call.params["message_thread_id"]) == 42  # answered inside the topic
    await asyncio.sleep(0.05)
    flow = chat.messages()[-1]
    await press_all(chat, flow, "sb:go:topics", "sb:go:cadence", "sb:cad:instant")
    assert label(flow, "sb:thr") == "✅ 📌 Post in this topic"
    await press_all(chat, flow, "sb:thr")
    assert label(flow, "sb:thr") == "📌 Post in this topic"
    view_text = flow.text
    await press_all(chat, flow, "sb:thr", "sb:ok")
    assert "forum topic" in flow.text and "forum topic" not in view_text
    view = await stored(seeded, chat.id)
    assert view is not None and view.thread_id == 42 and view.cadence == "instant"


async def test_forum_shortcut_in_a_topic_posts_there(bot: BotAPIServer, seeded: Database) -> None:
    forum = bot.forum_chat(-100_777_002, "Dev forum")
    user = bot.user(777_002, "en", "Admin")
    bot.set_member(forum["id"], user["id"], "creator")
    mark = len(bot.calls)
    bot.push_text(forum, user, "/subscribe kg 12:00", thread_id=7)
    [call] = await bot.wait_sent(forum["id"], since=mark)
    assert int(call.params["message_thread_id"]) == 7
    view = await stored(seeded, forum["id"])
    assert view is not None and view.thread_id == 7 and view.countries == ("kg",)


# ---- /digest and the command menu --------------------------------------------------------------


async def test_subscription_commands_are_in_the_menu_and_help(bot: BotAPIServer) -> None:
    menu = [c["command"] for c in bot.commands[("default", "ru")]]
    for command in ("subscribe", "settings", "digest", "filter", "pause", "resume", "unsubscribe"):
        assert command in menu
    [reply] = await private(bot, "en").send("/help")
    assert "/subscribe — Subscribe to a digest" in reply.text
    assert "<code>/filter +Astana Hub -crypto</code>" in reply.text


async def test_digest_without_a_subscription_says_how(bot: BotAPIServer) -> None:
    [reply] = await private(bot, "en").send("/digest")
    assert "/subscribe" in reply.text


async def test_digest_sends_the_digest_for_the_filters_now(
    bot: BotAPIServer, seeded: Database
) -> None:
    chat = private(bot, "en")
    await chat.send("/subscribe tj daily")
    [digest] = await chat.send("/digest")
    assert "your daily digest" in digest.text and "🇹🇯" in digest.text
    assert "ICT WEEK 2025" in digest.text and digest.parse_mode == "HTML"

    # an exclude keyword in Latin letters drops the story told in Cyrillic ("Душанбе")
    await chat.send("/filter -Dushanbe")
    [digest] = await chat.send("/digest")
    assert "ICT WEEK" not in digest.text and "Nothing new for your filters" in digest.text
    assert all(c.status in (200, 429) for c in bot.calls_to("sendMessage", chat_id=chat.id))
