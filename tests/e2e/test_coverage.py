"""Coverage at a glance end to end: a shared story says who else told it and who was first,
and its button lists every version with its link, in the shared message itself."""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.botapi import BotAPIServer
from tests.e2e.test_inline import ask


@pytest.mark.parametrize(
    ("lang", "also", "first", "button"),
    [
        (
            "en",
            "Also reported by Gazeta.uz (ru)",
            "First: UzDaily, Feb 1, 2026, 00:00 UTC",
            "All versions (2)",
        ),
        ("ru", "Также писали: UzDaily (en)", "Первым: UzDaily", "Все версии (2)"),
    ],
)
async def test_shared_story_shows_who_covered_it(
    bot: BotAPIServer, lang: str, also: str, first: str, button: str
) -> None:
    answer = await ask(bot, "Uzbekistan AI strategy", lang=lang)
    result = answer["results"][0]
    text = result["input_message_content"]["message_text"]
    assert also in text and first in text.replace("\u202f", " ")
    [[only]] = result["reply_markup"]["inline_keyboard"]
    assert only["text"].endswith(button) and only["callback_data"].startswith("cv:")


async def test_versions_button_lists_every_version_in_the_shared_message(
    bot: BotAPIServer,
) -> None:
    user = bot.user(77_001, "en")
    query_id = bot.push_inline_query(user, "Uzbekistan AI strategy")
    await bot.wait_for(
        lambda c: c.method == "answerInlineQuery" and c.params.get("inline_query_id") == query_id
    )
    await asyncio.sleep(0.05)
    result = bot.inline_answers[query_id]["results"][0]
    inline_id = bot.choose_inline_result(query_id, result["id"])
    data = result["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    bot.push_inline_callback(user, inline_id, data)
    await bot.wait_for(lambda c: c.method == "editMessageText" and c.ok)
    shared = bot.inline_messages[inline_id]
    assert shared["edits"] == 1
    text = shared["text"]
    assert "Every version (2)" in text
    assert text.index("UzDaily (en)") < text.index("Gazeta.uz (ru)")  # first published first
    assert '<a href="https://news.example/200">' in text and "https://news.example/201" in text


async def test_a_single_outlet_story_has_no_coverage_line(bot: BotAPIServer) -> None:
    answer = await ask(bot, "Toshkentda yangi IT Park")
    result = next(r for r in answer["results"] if "IT Park" in r["title"])
    assert "Also reported" not in result["input_message_content"]["message_text"]
    assert "reply_markup" not in result


async def test_kazakh_and_uzbek_versions_of_the_seed_story(bot: BotAPIServer) -> None:
    # Seeds 001 (uz, Cyrillic, Kazinform) and 004 (ru, BAQ.KZ) tell the same story.
    answer = await ask(bot, "Turkistan", lang="ru")
    texts = [r["input_message_content"]["message_text"] for r in answer["results"]]
    told = [t for t in texts if "Также писали:" in t]
    assert told and ("Kazinform (uz)" in told[0] or "BAQ.KZ (ru)" in told[0])
