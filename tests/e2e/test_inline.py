"""Inline mode end to end: @bot words in any chat, answered on the loopback Bot API server."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from storage import models
from tests.conftest import Database
from tests.e2e.botapi import JSON, BotAPIServer

_users = iter(range(50_000, 60_000))


async def ask(
    server: BotAPIServer,
    query: str,
    *,
    lang: str | None = "en",
    offset: str = "",
    user: JSON | None = None,
) -> JSON:
    """Type ``@bot query`` as a new user (or ``user``); return the answerInlineQuery params."""
    user = user or server.user(next(_users), lang)
    query_id = server.push_inline_query(user, query, offset=offset)
    await server.wait_for(
        lambda c: c.method == "answerInlineQuery" and c.params.get("inline_query_id") == query_id
    )
    await asyncio.sleep(0)
    call = next(
        c
        for c in server.calls
        if c.method == "answerInlineQuery" and c.params.get("inline_query_id") == query_id
    )
    assert call.ok, call.response  # Telegram accepted it: ids, sizes, HTML all valid
    return server.inline_answers[query_id]


def titles(answer: JSON) -> list[str]:
    return [r["title"] for r in answer["results"]]


async def test_words_offer_matching_stories_to_share(bot: BotAPIServer) -> None:
    answer = await ask(bot, "digital bridge")
    assert answer["results"], answer
    first = answer["results"][0]
    assert first["type"] == "article" and "Digital Bridge" in first["title"]
    # The description is one line: flags, date, the summary's start.
    assert "\n" not in first["description"] and "🇰🇿" in first["description"]
    assert "2022" in first["description"]
    content = first["input_message_content"]
    assert content["parse_mode"] == "HTML" and "Digital Bridge" in content["message_text"]
    assert int(answer["cache_time"]) == 30 and str(answer["is_personal"]).lower() == "true"


@pytest.mark.parametrize(
    ("lang", "title"),
    [("ru", "Узбекистан запустил стратегию ИИ"), ("en", "Uzbekistan launches AI strategy")],
)
async def test_readers_language_version_first(bot: BotAPIServer, lang: str, title: str) -> None:
    answer = await ask(bot, "Uzbekistan AI strategy", lang=lang)
    assert titles(answer)[0] == title


async def test_language_chosen_in_chat_wins_over_telegrams(bot: BotAPIServer) -> None:
    from tests.e2e.conftest import private

    chat = private(bot, "en")
    await chat.send("/lang")
    [picker] = chat.messages()
    await chat.press(picker, "lang:ru")
    answer = await ask(bot, "Uzbekistan AI strategy", user=chat.user)
    assert titles(answer)[0] == "Узбекистан запустил стратегию ИИ"


async def test_empty_query_pages_through_every_story_once(
    bot: BotAPIServer, seeded: Database
) -> None:
    seen: list[str] = []
    offset, pages = "", 0
    while True:
        answer = await ask(bot, "", offset=offset)
        pages += 1
        seen += [r["id"] for r in answer["results"]]
        offset = answer.get("next_offset") or ""
        if not offset:
            break
        assert pages < 10
    async with seeded.sessionmaker() as session:
        stories = await session.scalar(select(func.count(func.distinct(models.Article.story_id))))
    assert pages >= 2  # more stories than one answer holds
    assert len(seen) == len(set(seen)) == stories


async def test_latest_first_when_empty(bot: BotAPIServer) -> None:
    answer = await ask(bot, "   ")
    dates = [r["description"] for r in answer["results"]]
    assert len(answer["results"]) == 20 and dates


@pytest.mark.parametrize(
    ("query", "found"),
    [
        pytest.param("Қазақстан", None, id="kk"),
        pytest.param("Тошкент", "Toshkentda yangi IT Park ochildi", id="uz-cyrillic-finds-latin"),
        pytest.param("toshkent", "Toshkentda yangi IT Park ochildi", id="uz-latin"),
        pytest.param("Кыргызстан", None, id="ky"),
        pytest.param("Тоҷикистон", None, id="tg"),
        pytest.param("Türkmenistan", None, id="tk"),
        pytest.param("ICT WEEK", None, id="ru-source-en-words"),
        pytest.param("zzqqxxyy", "", id="nothing"),
        pytest.param("!!! ??? …", "", id="punctuation"),
        pytest.param("🇰🇿🇺🇿", "", id="flags"),
        pytest.param("a" * 256, "", id="longest"),
        pytest.param(
            "<script>alert(1)</script>",
            "<script>alert(1)</script> & Co: Tajik <b>AI</b> lab",
            id="html",
        ),
        pytest.param("\u202eevil\u200b", "", id="bidi"),
    ],
)
async def test_any_query_is_answered(bot: BotAPIServer, query: str, found: str | None) -> None:
    answer = await ask(bot, query, lang="ru")
    if found == "":
        assert answer["results"] == [] and not answer.get("next_offset")
    elif found is not None:
        assert found in titles(answer)


@pytest.mark.parametrize("offset", ["abc", "-5", "99999999999", "٣", "20 OR 1=1"])
async def test_a_strange_offset_starts_over(bot: BotAPIServer, offset: str) -> None:
    answer = await ask(bot, "Kazakhstan startup", offset=offset)
    assert any("Kazakhstan startup news" in t for t in titles(answer))


async def test_escaped_web_text_in_results(bot: BotAPIServer) -> None:
    answer = await ask(bot, "Tajik AI lab")
    [result] = [r for r in answer["results"] if "Tajik" in r["title"]]
    assert result["title"].startswith("<script>")  # titles are plain text, not HTML
    assert "&lt;script&gt;" in result["input_message_content"]["message_text"]
