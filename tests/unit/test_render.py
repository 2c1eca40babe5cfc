"""Rendering to Telegram HTML: escaping, splitting at story boundaries, reader's locale."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime

import pytest

from bot import i18n, render
from storage.lookups import CountryAnswer, EventCard, EventView, StoryPage, StoryView
from tests.e2e.botapi import parse_html, utf16_len

HOSTILE = "<b>bold</b> & <script>alert(\"x\")</script> 'quoted' &amp; &lt;"


def view(n: int = 1, **fields: object) -> StoryView:
    """Return a story as lookups build it; every field can be overridden."""
    base: dict[str, object] = {
        "story_id": n,
        "article_id": n,
        "title": f"Story {n}",
        "url": f"https://news.example/{n}",
        "summary": f"What happened in story {n}.",
        "lang": "en",
        "countries": ("kz",),
        "sources": ("Kazinform",),
        "langs": ("en",),
        "published": datetime(2026, 4, 7, 9, 30, tzinfo=UTC),
    }
    base.update(fields)
    return StoryView(**base)  # type: ignore[arg-type]


# Realistic stories in the six languages the bot reads, long enough that a page of them
# needs more than one message.
STORIES = {
    "ru": (
        "В Ташкенте открылся новый филиал IT Park для стартапов",
        "Технопарк IT Park открыл в Ташкенте новый филиал на 2 000 рабочих мест. Резиденты "
        "получат налоговые льготы & бесплатный доступ к облачной инфраструктуре «Uzcloud». "
        "Открытие приурочено к ICT Week 2025.",
        ("uz",),
        ("Gazeta.uz", "Kun.uz"),
    ),
    "kk": (
        "Астанада «Digital Bridge 2025» халықаралық форумы өтеді",
        "Астана Хаб технопаркінде өтетін форумға 50-ден астам елден 10 000-нан аса қатысушы "
        "келеді. Жасанды интеллект пен <финтех> бағыттары бойынша сессиялар жоспарланған.",
        ("kz",),
        ("Kazinform", "BAQ.KZ"),
    ),
    "uz": (
        "Toshkentda “IT Park” yangi rezidentlarni qabul qildi",
        "Oʻzbekiston Raqamli texnologiyalar vazirligi maʼlumotlariga koʻra, 2025-yilda IT Park "
        "rezidentlari soni 2 000 tadan oshdi. Eksport hajmi 1 mlrd dollarga yetdi.",
        ("uz",),
        ("Daryo", "Kun.uz"),
    ),
    "ky": (
        "Бишкекте санариптик өнүгүү боюнча форум өттү",
        "Форумга Кыргызстандын жана коңшу өлкөлөрдүн IT-компаниялары катышты. "
        "Өкмөт «Түндүк» системасын кеңейтүү пландарын жарыялады.",
        ("kg",),
        ("24.kg", "Kaktus.media"),
    ),
    "tg": (
        "Дар Душанбе ҳафтаи технологияҳои иттилоотӣ оғоз шуд",
        "Дар чорабинӣ намояндагони зиёда аз 20 ширкати технологӣ ширкат варзиданд. "
        "Вазорати рушди иқтисод лоиҳаи «Ҳукумати электронӣ»-ро муаррифӣ кард.",
        ("tj",),
        ("Asia-Plus", "Khovar"),
    ),
    "en": (
        'Kazakhstan & Uzbekistan sign <b>AI</b> pact at "Astana Hub"',
        "The two governments agreed to share compute & data for AI research. The pact covers "
        "joint 'sandbox' regimes for fintech startups < 3 years old.",
        ("kz", "uz"),
        ("The Astana Times", "Trend"),
    ),
}
LANGS = tuple(STORIES)


def multilingual(count: int) -> list[StoryView]:
    """Return ``count`` stories cycling through the six languages."""
    views = []
    for n in range(1, count + 1):
        lang = LANGS[n % len(LANGS)]
        title, summary, countries, sources = STORIES[lang]
        views.append(
            view(
                n,
                title=f"{title} #{n}",
                summary=summary,
                lang=lang,
                countries=countries,
                sources=sources,
                langs=(lang, "ru") if lang != "ru" else ("ru",),
            )
        )
    return views


def page(views: list[StoryView], *, offset: int = 0, more: bool = False) -> StoryPage:
    return StoryPage(stories=tuple(views), offset=offset, limit=max(1, len(views)), has_more=more)


def visible(texts: tuple[str, ...]) -> str:
    """Return what a reader sees of the messages, each checked as Telegram would."""
    return "\n".join(parse_html(text) for text in texts)


# ---- escaping -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        pytest.param("New <b>AI</b> lab opens in Almaty", id="tags"),
        pytest.param("Beeline & Kcell: 5G in Astana", id="ampersand"),
        pytest.param('"Digital Bridge" — Kazakhstan\'s forum', id="quotes"),
        pytest.param("Цены < 5 & > 3 «сум» &amp; &lt;", id="entities-as-text"),
    ],
)
def test_titles_from_the_web_are_escaped(title: str) -> None:
    text = render.story(view(title=title), "en")
    assert parse_html(text).splitlines()[0].endswith(title)
    assert html.escape(title, quote=True) in text


def test_every_piece_of_a_story_is_escaped() -> None:
    story = view(
        title=HOSTILE,
        summary=HOSTILE + ". Second sentence.",
        sources=(HOSTILE[:30], "A&B <News>"),
        url='https://news.example/?a=1&b="2"',
    )
    text = render.story(story, "en")
    seen = parse_html(text)  # raises on anything Telegram would refuse
    assert HOSTILE in seen
    assert "A&B <News>" in seen
    assert 'href="https://news.example/?a=1&amp;b=&quot;2&quot;"' in text


def test_a_link_that_is_not_http_is_not_made() -> None:
    text = render.story(view(url='javascript:alert("x")'), "en")
    assert "href" not in text
    parse_html(text)


@pytest.mark.parametrize("lang", i18n.SUPPORTED)
def test_every_reply_escapes_what_came_from_outside(lang: str) -> None:
    event = EventView(
        id=1,
        key="x",
        name=HOSTILE,
        start=date(2025, 4, 7),
        end=date(2025, 4, 10),
        place=HOSTILE,
        country="tj",
        articles=3,
    )
    stories = page([view(title=HOSTILE, summary=HOSTILE, sources=(HOSTILE,))], more=True)
    replies = [
        render.start(lang, HOSTILE),
        render.help_text(lang, "<bot>&"),
        render.search(HOSTILE, stories, lang, "s:1:1"),
        render.search(HOSTILE, page([]), lang, None),
        render.event_card(EventCard(event=event, page=stories), HOSTILE, lang),
        render.event_card(None, HOSTILE, lang),
        render.events([event], lang),
        render.topic_picker(lang, HOSTILE),
        render.country(CountryAnswer(query=HOSTILE, code=None, exact=False), lang),
        render.country(CountryAnswer(query=HOSTILE, code="kz", exact=False, page=stories), lang),
        render.latest(stories, lang),
        render.message(lang, "error.strange", example=HOSTILE),
    ]
    for reply in replies:
        for text in reply.texts:
            assert utf16_len(parse_html(text)) <= render.MAX_MESSAGE
            assert "<script>" not in text


# ---- splitting ------------------------------------------------------------------------------


def test_a_long_page_is_split_at_story_boundaries() -> None:
    views = multilingual(60)
    reply = render.latest(page(views, more=True), "ru")
    assert len(reply.texts) > 1
    blocks = [render.story(v, "ru") for v in views]
    for text in reply.texts:
        assert utf16_len(parse_html(text)) <= render.MAX_MESSAGE
    # Every story is whole in exactly one message, and they keep their order.
    joined = "\n\n".join(reply.texts)
    positions = [joined.index(block) for block in blocks]
    assert positions == sorted(positions)
    for block in blocks:
        assert sum(text.count(block) for text in reply.texts) == 1
    # Each message after the first starts with a story, never in the middle of one.
    for text in reply.texts[1:]:
        assert any(text.startswith(block) for block in blocks)
    # Only the last message carries the button.
    assert reply.keyboard is not None


@pytest.mark.parametrize("limit", [200, 500, 1000, 4096])
def test_split_never_cuts_inside_a_tag_or_entity(limit: int) -> None:
    blocks = [render.story(v, lang) for v, lang in zip(multilingual(30), LANGS * 5, strict=True)]
    messages = render.split(blocks, limit=limit)
    for text in messages:
        seen = parse_html(text)  # a cut tag or entity would raise here
        assert utf16_len(seen) <= limit or text in blocks  # a block is only ever cut alone
    assert "\n\n".join(messages).count("&amp;") == sum(b.count("&amp;") for b in blocks)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("Қазақстан & <AI> цифрлық даму ", id="kazakh-with-entities"),
        pytest.param("🇰🇿🇺🇿 Toshkent & Тошкент ", id="flags-count-twice-in-utf16"),
        pytest.param("😀", id="only-emoji"),
    ],
)
def test_a_single_story_longer_than_a_message_is_still_sent_safely(body: str) -> None:
    huge = f'<a href="https://x.example"><b>{render.esc(body * (6000 // len(body)))}</b></a>'
    messages = render.split(["<b>Header</b>", huge, render.story(view(), "en")])
    for text in messages:
        seen = parse_html(text)
        assert 0 < utf16_len(seen) <= render.MAX_MESSAGE
    assert any(parse_html(text).endswith("…") for text in messages)


def test_short_blocks_stay_in_one_message() -> None:
    assert render.split(["a", "b", "c"]) == ("a\n\nb\n\nc",)


# ---- flags, sources, dates -------------------------------------------------------------------


def test_flags_lead_the_story_and_sources_close_it() -> None:
    story = view(
        countries=("kz", "uz"),
        sources=("Kazinform", "Kun.uz", "Gazeta.uz", "Daryo", "Trend"),
        langs=("ru", "uz", "en"),
    )
    lines = parse_html(render.story(story, "en")).splitlines()
    assert lines[0].startswith("🇰🇿🇺🇿 ")
    assert lines[-1] == "Kazinform · Kun.uz · Gazeta.uz · Daryo · RU UZ EN · Apr 7, 2026"


def test_a_story_without_countries_sources_or_date_has_no_empty_lines() -> None:
    story = view(countries=(), sources=(), langs=(), published=None, summary="")
    assert parse_html(render.story(story, "en")) == "Story 1"


def test_a_long_source_name_is_shortened() -> None:
    story = view(sources=("The Very Long Name of a Central Asian News Agency & Co",))
    meta = parse_html(render.story(story, "en")).splitlines()[-1]
    assert meta.split(" · ")[0].endswith("…")
    assert len(meta.split(" · ")[0]) <= 40


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Apr 7, 2026"),
        ("ru", "7 апр. 2026\u202fг."),  # Babel puts a narrow no-break space before г.
        ("uz", i18n.format_date(date(2026, 4, 7), "uz")),
        ("kk", i18n.format_date(date(2026, 4, 7), "kk")),
        ("ky", i18n.format_date(date(2026, 4, 7), "ky")),
        ("tg", i18n.format_date(date(2026, 4, 7), "tg")),
    ],
)
def test_dates_are_in_the_readers_locale(lang: str, expected: str) -> None:
    assert parse_html(render.story(view(), lang)).endswith(expected)
    if lang != "en":
        assert expected != "Apr 7, 2026"


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_event_card_shows_dates_place_country_and_counts(lang: str) -> None:
    event = EventView(
        id=7,
        key="ict-week-2025",
        name="ICT Week 2025",
        start=date(2025, 4, 7),
        end=date(2025, 4, 10),
        place="Dushanbe",
        country="tj",
        articles=4,
    )
    reply = render.event_card(EventCard(event=event, page=page([view()], more=True)), "", lang)
    seen = visible(reply.texts)
    assert i18n.format_dates(event.start, event.end, lang) in seen
    assert render.place_name("Dushanbe", lang) in seen  # Душанбе in Russian, Dushanbe in English
    assert "🇹🇯" in seen
    assert i18n.t(lang, "event.articles", count=4) in seen
    assert reply.keyboard is not None
    button = reply.keyboard.inline_keyboard[0][0]
    assert button.callback_data == "e:7:1"


def test_events_list_buttons_fit_telegrams_callback_limit() -> None:
    events = [
        EventView(i, f"k{i}", "Central Asia Startup Cup " * 4, None, None, None, None, 0)
        for i in range(12)
    ]
    reply = render.events(events, "en")
    assert reply.keyboard is not None
    assert len(reply.keyboard.inline_keyboard) == 8
    for (button,) in reply.keyboard.inline_keyboard:
        assert len(str(button.callback_data).encode()) <= render.CALLBACK_MAX
        assert len(button.text) <= 40


def test_country_suggestions_are_buttons() -> None:
    answer = CountryAnswer(query="Kazakstan", code=None, exact=False, suggestions=("kz",))
    reply = render.country(answer, "ru")
    assert reply.keyboard is not None
    (button,) = reply.keyboard.inline_keyboard[0]
    assert button.text == "🇰🇿 " + render.country_name("kz", "ru")
    assert button.callback_data == "c:kz:0"


def test_a_closest_match_says_so_on_the_first_page_only() -> None:
    first = CountryAnswer(query="Kazakstan", code="kz", exact=False, page=page([view()]))
    later = CountryAnswer(query="Kazakstan", code="kz", exact=False, page=page([view()], offset=5))
    assert "Kazakstan" in visible(render.country(first, "en").texts)
    assert "Kazakstan" not in visible(render.country(later, "en").texts)
