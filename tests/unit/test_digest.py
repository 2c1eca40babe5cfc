"""Composing digests: keyword filters in every language and script, ranking, sections."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from digests.digest import Candidate, DigestFilter, UpcomingEvent, compose, keyword_matches, rank

NOW = datetime(2026, 11, 28, 3, 30, tzinfo=UTC)
SINCE = NOW - timedelta(days=1)


def story(
    story_id: int,
    title: str,
    *,
    summary: str = "",
    text: str = "",
    lang: str = "ru",
    countries: tuple[str, ...] = (),
    topics: tuple[str, ...] = (),
    sources: tuple[str, ...] = ("Source",),
    langs: tuple[str, ...] | None = None,
    hours_ago: float = 1.0,
    weight: float = 1.0,
) -> Candidate:
    seen = NOW - timedelta(hours=hours_ago)
    return Candidate(
        story_id=story_id,
        article_id=story_id * 10,
        title=title,
        url=f"https://news.example/{story_id}",
        summary=summary,
        lang=lang,
        countries=countries,
        topics=topics,
        sources=sources,
        langs=langs if langs is not None else (lang,),
        published=seen,
        first_seen=seen,
        weight=weight,
        text=text,
    )


def matches(title: str, *, include: tuple[str, ...] = (), exclude: tuple[str, ...] = ()) -> bool:
    flt = DigestFilter(include=include, exclude=exclude)
    return keyword_matches(story(1, title), flt)


# ---- the filter's key ------------------------------------------------------------------------


def test_equal_filters_have_equal_keys() -> None:
    a = DigestFilter(countries=("uz", "kz"), topics=("ai",), include=("Astana  Hub", "IT Park"))
    b = DigestFilter(countries=("KZ", "uz"), topics=("ai",), include=("it park", "astana hub"))
    assert a.key() == b.key()
    assert a.key() != replace(a, exclude=("crypto",)).key()
    assert a.key() != replace(a, countries=("kz",)).key()
    # a keyword's own commas and semicolons cannot fake another filter
    assert DigestFilter(include=("a,b",)).key() != DigestFilter(include=("a", "b")).key()


def test_an_empty_filter_has_a_key() -> None:
    assert DigestFilter().key() == "c=;t=;+=;-="


# ---- keywords in any language and script -----------------------------------------------------


@pytest.mark.parametrize(
    ("keyword", "title"),
    [
        pytest.param("Астана", "Astana Hub открыл в Астане новый кампус", id="ru-inflected"),
        pytest.param("Astana Hub", "Astana Hub'da yangi akselerator ochildi", id="uz-suffix"),
        pytest.param("Astana Hub", "Технопарк Astana Hub открыл кампус", id="latin-in-ru"),
        pytest.param("Тошкент", "Toshkentda yangi IT Park binosi ochildi", id="uz-cyrl-to-latn"),
        pytest.param("Toshkent", "Тошкентда стартаплар форуми бўлиб ўтди", id="uz-latn-to-cyrl"),
        pytest.param("Oʻzbekiston", "Ўзбекистонда стартаплар сони ўсмоқда", id="uz-okina"),
        pytest.param("O'zbekiston", "Oʻzbekistonda IT Park rezidentlari", id="uz-apostrophes"),
        pytest.param("talim", "Taʼlim sohasida raqamlashtirish", id="uz-tutuq-typed-without"),
        pytest.param("таълим", "Taʼlim sohasida raqamlashtirish", id="uz-tutuq-cyrl"),
        pytest.param("IT Park", "IT Park Тошкентда янги филиал очди", id="mixed-script"),
        pytest.param("IT-парк", "В Таджикистане открылся новый IT-парк", id="hyphen"),
        pytest.param("Qazaqstan", "Қазақстанда жасанды интеллект орталығы ашылды", id="kk-latn"),
        pytest.param("жасанды интеллект", "Қазақстанда жасанды интеллект орталығы", id="kk"),
        pytest.param("Казахстан", "Kazakhstan launches a national AI platform", id="en-ru"),
        pytest.param("Kazakhstan", "Казахстан запустил платформу ИИ", id="ru-en"),
        pytest.param("Bishkek", "Бишкекте санариптик өнүгүү боюнча форум өттү", id="ky"),
        pytest.param("Tunduk", "Өкмөт «Түндүк» системасын кеңейтет", id="ky-letters"),
        pytest.param("Dushanbe", "Дар Душанбе ICT Week 2025 оғоз шуд", id="tg"),
        pytest.param("Тоҷикистон", "Tojikiston va Oʻzbekiston hamkorligi", id="tg-letters"),
        pytest.param("ICT Week", "В Душанбе завершилась ICT Week 2025", id="en-in-ru"),
        pytest.param("AI", "Kazakhstan launches a national AI platform", id="short-word"),
        pytest.param("Almaty", "Digital Almaty 2027 пройдёт в Алматы", id="ru-indeclinable"),
        pytest.param("Алматы", "Алматыда IT-хаб ашылды", id="kk-suffix"),
        pytest.param("startups", "Startups from Almaty raised $10m", id="en"),
        pytest.param("искусственный интеллект", "Центр искусственного интеллекта", id="ru-adj"),
    ],
)
def test_a_keyword_finds_its_word_in_any_script_and_form(keyword: str, title: str) -> None:
    assert matches(title, include=(keyword,))


@pytest.mark.parametrize(
    ("keyword", "title"),
    [
        pytest.param("Toshkent", "В Ташкенте открыли IT-парк", id="uz-keyword-ru-city"),
        pytest.param("Kazakhstan", "Қазақстанда жасанды интеллект", id="en-keyword-kk-country"),
        pytest.param("Бишкек", "Bishkekda startap forumi", id="ky-keyword-uz-latin"),
        pytest.param("Dushanbe", "Дар Душанбе Ҳафтаи технологияҳо", id="en-keyword-tg-city"),
        pytest.param("Nur-Sultan", "Astana Hub собрал стартапы", id="old-name-of-a-city"),
        pytest.param("Türkiye", "Турция и Казахстан подписали меморандум", id="country-name"),
    ],
)
def test_a_place_keyword_finds_its_other_spellings(keyword: str, title: str) -> None:
    assert matches(title, include=(keyword,))
    assert not matches(title, exclude=(keyword,))


@pytest.mark.parametrize(
    ("keyword", "title"),
    [
        pytest.param("AI", "Aid for farmers grows", id="short-word-is-whole"),
        pytest.param("IT", "Itogi goda", id="it-is-not-a-prefix"),
        pytest.param("Astana", "Gastanabad news", id="inside-a-word"),
        pytest.param("zbekiston", "Oʻzbekiston yangiliklari", id="after-an-okina"),
        pytest.param("Astana Hub", "Astana and the Hub", id="phrase-is-a-phrase"),
        # What transliteration cannot do: a transcription is another word, not another
        # script (places are the exception: the gazetteer knows their spellings).
        pytest.param("Astana Hub", "Астана Хаб объявил набор", id="transcription"),
    ],
)
def test_what_a_keyword_does_not_match(keyword: str, title: str) -> None:
    assert not matches(title, include=(keyword,))


def test_keywords_look_at_summary_and_text_too() -> None:
    flt = DigestFilter(include=("Uzcard",))
    assert keyword_matches(story(1, "Платежи", summary="Uzcard запускает QR"), flt)
    assert keyword_matches(story(2, "Платежи", text="…partnered with UZCARD today."), flt)
    assert not keyword_matches(story(3, "Платежи", summary="Humo"), flt)


def test_include_needs_any_and_exclude_none() -> None:
    flt = DigestFilter(include=("Astana Hub", "IT Park"), exclude=("crypto",))
    assert keyword_matches(story(1, "IT Park Toshkentda"), flt)
    assert keyword_matches(story(2, "Astana Hub'da"), flt)
    assert not keyword_matches(story(3, "Digital Almaty"), flt)
    assert not keyword_matches(story(4, "IT Park launches a crypto exchange"), flt)
    assert keyword_matches(story(5, "Anything at all"), DigestFilter())


@pytest.mark.parametrize(
    "keyword",
    ["crypto", "Crypto", "#crypto", "Криптовалюты", "kripto", "Крипто", "криптовалюта"],
)
def test_a_keyword_naming_a_topic_matches_its_tag(keyword: str) -> None:
    tagged = story(1, "Ұлттық банк цифрлық теңге жобасын ұсынды", lang="kk", topics=("crypto",))
    untagged = story(2, "Ұлттық банк жаңа ереже ұсынды", lang="kk", topics=("fintech",))
    flt = DigestFilter(exclude=(keyword,))
    assert not keyword_matches(tagged, flt)
    assert keyword_matches(untagged, flt)
    assert keyword_matches(tagged, DigestFilter(include=(keyword,)))


@pytest.mark.parametrize(
    ("keyword", "topic"),
    [
        ("startups", "startups"),
        ("стартапы", "startups"),
        ("Startaplar", "startups"),
        ("startap", "startups"),
        ("Жасанды интеллект", "ai"),
        ("Зеҳни сунъӣ", "ai"),
        ("ai", "ai"),
        ("Финтех", "fintech"),
        ("Маориф", "education"),
    ],
)
def test_topic_names_in_every_ui_language(keyword: str, topic: str) -> None:
    tagged = story(1, "Без слов", topics=(topic,))
    assert keyword_matches(tagged, DigestFilter(include=(keyword,)))


def test_empty_keywords_are_ignored() -> None:
    assert keyword_matches(story(1, "Anything"), DigestFilter(include=("  ", "#"), exclude=("-",)))


# ---- ranking ---------------------------------------------------------------------------------


def test_reach_beats_freshness_and_weight_breaks_ties() -> None:
    wide = story(1, "Wide", sources=("A", "B", "C"), langs=("ru", "kk", "en"), hours_ago=20)
    fresh = story(2, "Fresh", hours_ago=0.1)
    trusted = story(3, "Trusted", hours_ago=0.1, weight=1.5)
    older = story(4, "Older", hours_ago=10)
    assert [c.story_id for c in rank([older, fresh, wide, trusted], now=NOW)] == [1, 3, 2, 4]


def test_languages_count_as_well_as_sources() -> None:
    two_langs = story(1, "Two", sources=("A", "B"), langs=("ru", "uz"), hours_ago=5)
    one_lang = story(2, "One", sources=("A", "B"), langs=("ru",), hours_ago=5)
    assert [c.story_id for c in rank([one_lang, two_langs], now=NOW)] == [1, 2]


def test_ranking_is_deterministic_for_equals() -> None:
    same = [story(i, f"S{i}", hours_ago=2) for i in (3, 1, 2)]
    assert [c.story_id for c in rank(same, now=NOW)] == [3, 2, 1]


def test_a_future_publication_date_does_not_make_a_story_fresher_than_now() -> None:
    future = replace(story(1, "Future", hours_ago=3), published=NOW + timedelta(days=2))
    now = story(2, "Now", hours_ago=0)
    assert [c.story_id for c in rank([future, now], now=NOW)] == [2, 1]


# ---- composing -------------------------------------------------------------------------------


def test_compose_cuts_to_size_and_counts_the_rest() -> None:
    stories = [story(i, f"Story {i}", countries=("kz",), hours_ago=i) for i in range(1, 15)]
    digest = compose(stories, DigestFilter(), lang="ru", since=SINCE, until=NOW, now=NOW, size=10)
    assert [c.story_id for c in digest.stories] == list(range(1, 11))
    assert (digest.total, digest.more, digest.empty) == (14, 4, False)
    assert digest.sections == (("kz", digest.stories),)
    assert (digest.lang, digest.since, digest.until) == ("ru", SINCE, NOW)


def test_compose_applies_countries_topics_and_keywords() -> None:
    stories = [
        story(1, "Astana Hub открыл кампус", countries=("kz",), topics=("startups",)),
        story(2, "Toshkentda IT Park", countries=("uz",), topics=("startups",)),
        story(3, "Astana Hub and crypto", countries=("kz",), topics=("crypto", "startups")),
        story(4, "Астана: ИИ-центр", countries=("kz",), topics=("ai",)),
    ]
    flt = DigestFilter(countries=("kz",), topics=("startups",), exclude=("crypto",))
    digest = compose(stories, flt, lang="ru", since=SINCE, until=NOW, now=NOW)
    assert [c.story_id for c in digest.stories] == [1]
    assert digest.total == 1


def test_sections_by_country_in_the_order_of_their_best_story() -> None:
    stories = [
        story(1, "Uzbek lead", countries=("uz",), sources=("A", "B", "C"), hours_ago=1),
        story(2, "Kazakh", countries=("kz",), sources=("A", "B"), hours_ago=1),
        story(3, "Kazakh and Uzbek", countries=("kz", "uz"), sources=("A", "B"), hours_ago=2),
        story(4, "Russia and Kyrgyzstan", countries=("ru", "kg"), hours_ago=0.5),
        story(5, "Nowhere", countries=(), hours_ago=1),
        story(6, "US only", countries=("us",), hours_ago=2),
    ]
    digest = compose(stories, DigestFilter(), lang="en", since=SINCE, until=NOW, now=NOW)
    sections = [(code, [c.story_id for c in group]) for code, group in digest.sections]
    # The region's country comes first for a story about several; "" holds the unplaced.
    assert sections == [("uz", [1]), ("kz", [2, 3]), ("kg", [4]), ("", [5]), ("us", [6])]


def test_a_story_is_filed_under_the_readers_first_country() -> None:
    both = story(1, "Kazakh and Uzbek", countries=("kz", "uz"))
    flt = DigestFilter(countries=("uz", "kz"))
    digest = compose([both], flt, lang="uz", since=SINCE, until=NOW, now=NOW)
    assert digest.sections[0][0] == "uz"


def test_an_empty_period_composes_an_empty_digest_with_its_events() -> None:
    event = UpcomingEvent("ICT Week 2026", None, None, "Dushanbe", "tj")
    digest = compose([], DigestFilter(), lang="tg", since=SINCE, until=NOW, now=NOW, events=[event])
    assert digest.empty and digest.total == 0 and digest.sections == ()
    assert digest.events == (event,)
