"""/search knows word forms, end to end: the real bot, the loopback Bot API server, SQLite.

The seed articles hold "цифровизации", "искусственного интеллекта", "Toshkentda" and
"Тошкентда"; the queries below write the words in other forms, which the search before word
forms (prefixes of what was typed) did not find.
"""

from __future__ import annotations

import re

from storage import articles
from tests.conftest import Database
from tests.e2e.botapi import BotAPIServer
from tests.e2e.conftest import private
from tests.e2e.data import synthetic

ICT_WEEK = "https://seed.example/000_e5c67c44697725e2"  # ru, "в условиях цифровизации"
INTERVIEW = "https://seed.example/004_2d6ca10c64bcb45e"  # ru, "развитию цифровизации"


def links(text: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)"', text)


async def test_search_finds_the_word_in_its_other_cases(bot: BotAPIServer) -> None:
    [reply] = await private(bot, "ru").send("/search цифровизация")
    assert {ICT_WEEK, INTERVIEW} <= set(links(reply.text)), reply.text


async def test_two_cases_of_artificial_intelligence_give_the_same_answer(
    bot: BotAPIServer,
) -> None:
    chat = private(bot, "ru")
    [nominative] = await chat.send("/search искусственный интеллект")
    [genitive] = await chat.send("/search искусственного интеллекта")
    # the same stories; the form typed ranks first
    assert sorted(links(nominative.text)) == sorted(links(genitive.text)), nominative.text
    assert {ICT_WEEK, INTERVIEW} <= set(links(genitive.text))


async def test_uzbek_forms_match_in_both_scripts(bot: BotAPIServer) -> None:
    [reply] = await private(bot, "uz").send("/search Toshkentdagi")
    assert "Toshkentda yangi IT Park ochildi" in reply.text
    assert "Тошкентда стартаплар форуми бўлиб ўтди" in reply.text


async def test_kazakh_forms(bot: BotAPIServer, seeded: Database) -> None:
    async with seeded.sessionmaker() as session, session.begin():
        await articles.add(
            session,
            synthetic(
                900,
                title="Министрлік цифрландыру жобаларын таныстырды",
                lang="kk",
                script="Cyrl",
                countries=("kz",),
                summary="Жобалар Алматыда іске асады.",
            ),
            source_id=None,
            story_id=None,
        )
    [reply] = await private(bot, "kk").send("/search жобасы")
    assert "Министрлік цифрландыру жобаларын таныстырды" in reply.text
