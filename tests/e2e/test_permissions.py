"""Who may change a group, and what forged buttons get: an answer, and nothing else.

A group's language (and with it its digests') is changed by its admins only, by /lang or
its buttons; an anonymous admin posting as the group counts. Forged ``callback_data``
(huge numbers, garbage, wrong prefixes) is always answered, never reaches the database,
and never sends the admins a report.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import i18n
from tests.e2e.botapi import BotAPIServer
from tests.e2e.conftest import ADMIN_ID, group, private

REFUSED = {lang: i18n.t(lang, "error.admins_only") for lang in i18n.SUPPORTED}


async def test_a_member_may_not_change_the_groups_language(bot: BotAPIServer) -> None:
    chat = group(bot, "ru")
    [refusal] = await chat.send("/lang")
    assert refusal.text == REFUSED["ru"]
    assert refusal.reply_markup is None  # no language buttons for a member

    admin = group(bot, "kk")
    admin.chat = chat.chat
    bot.set_member(chat.id, admin.user["id"], "administrator")
    [picker] = await admin.send("/lang")
    assert picker.reply_markup is not None

    # The member presses the admin's picker: refused on the spinner, nothing changes.
    answer = await chat.press(picker, "lang:uz")
    assert answer.get("show_alert") and answer.get("text") == REFUSED["ru"]
    assert bot.calls_to("editMessageText", chat_id=chat.id) == []
    [help_text] = await chat.send("/help")
    assert "Что я умею" in help_text.text  # the member's own language, the group unchanged

    answer = await admin.press(picker, "lang:uz")
    assert not answer.get("show_alert")
    [edit] = bot.calls_to("editMessageText", chat_id=chat.id)
    assert edit.params["text"] == i18n.t("uz", "lang.set")
    [help_text] = await chat.send("/help")
    assert "Nimalar qila olaman" in help_text.text  # the group speaks Uzbek now


async def test_an_anonymous_admin_may_change_the_groups_language(bot: BotAPIServer) -> None:
    chat = group(bot, "en")
    anonymous = bot.user(1087968824, None, "Group")
    mark = len(bot.calls)
    bot.push_text(chat.chat, anonymous, "/lang", sender_chat=chat.chat)
    [call] = await bot.wait_sent(chat.id, since=mark)
    assert call.params.get("reply_markup"), "the anonymous admin got no language buttons"


forged_numbers = st.integers(min_value=10**9, max_value=10**60).map(str)
forged = st.one_of(
    st.builds("c:kz:{}".format, forged_numbers),
    st.builds("l:{}".format, forged_numbers),
    st.builds("e:{}:0".format, forged_numbers),
    st.builds("e:1:{}".format, forged_numbers),
    st.builds("s:1:{}".format, forged_numbers),
    st.builds("ics:{}".format, forged_numbers),
    st.builds("cv:{}".format, forged_numbers),
    st.builds("t:{}:0".format, st.text(min_size=1, max_size=20)),
    st.builds("lang:{}".format, st.text(max_size=10)),
    st.builds(
        "{}:{}".format,
        st.sampled_from(["c", "l", "e", "s", "cv", "ics", "sb", "rem", "lang"]),
        st.text(max_size=30),
    ),
    st.text(min_size=1, max_size=64),
).filter(lambda data: 1 <= len(data.encode()) <= 64)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=forged)
async def test_forged_callback_data_is_answered_and_reported_to_nobody(
    bot: BotAPIServer, data: str
) -> None:
    chat = private(bot, "uz")
    [menu] = await chat.send("/start")
    await chat.press(menu, data)  # waits for the answerCallbackQuery
    errors = [m for m in bot.sent(chat.id) if m.text == i18n.t("uz", "error.generic")]
    assert errors == [], data
    assert bot.sent(ADMIN_ID) == [], data
