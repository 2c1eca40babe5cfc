"""Events are proper names of events: never a headline, a generic word, a numeral or a holiday."""

from __future__ import annotations

import pytest

from digests.understand.events import extract, key


def names(text: str) -> list[str]:
    return [e.name for e in extract(text, published=None)]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Депутаты обсудили бюджет на 12-ом заседании комиссии.", id="ru-numeral"),
        pytest.param(
            "2026-жылдагы конференцияга катышуучулар каттала башташты.", id="ky-numeral-year"
        ),
        pytest.param(
            "В Бишкеке отметили День республики: на площади прошёл концерт.", id="ru-holiday"
        ),
        pytest.param("Qurbon hayit tadbirlari butun mamlakatda o'tkaziladi.", id="uz-holiday"),
        pytest.param(
            "The delegation visited the Conference and Exhibition on Monday.", id="en-generic"
        ),
        pytest.param(
            "Milliy teleradiokompaniya va boshqa OAVlar bayram tadbirlarini yoritadi.",
            id="uz-inflected-acronym",
        ),
        pytest.param(
            "HALKARA SERGI TÄZE MÜMKINÇILIKLERI AÇDY\nSergi Aşgabatda geçdi.", id="tk-shouted"
        ),
        pytest.param("Prezident forumida so'zga chiqdi.", id="uz-sentence-start-word"),
        pytest.param("UzA, Tashkent, 24 Sep 2008 – The Forum continues.", id="en-month-abbr"),
        pytest.param("Ministr Annaýewiň alyp baran maslahaty geçirildi.", id="tk-someones-meeting"),
        pytest.param("Ашгабатта Халықаралық көрмесі ашылды.", id="kk-generic-head"),
    ],
)
def test_not_an_event(text: str) -> None:
    assert names(text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        pytest.param(
            "Shu hafta Toshkent xalqaro innovatsiya forumi boshlandi.",
            "Toshkent xalqaro innovatsiya forumi",
            id="uz-latn",
        ),
        pytest.param(
            "Ертең Бишкекте Евразия санариптик форуму ачылат.",
            "Евразия санариптик форуму",
            id="ky",
        ),
        pytest.param(
            "Кеше Шымкент IT көрмесі ашылды.",
            "Шымкент IT көрмесі",
            id="kk",
        ),
        pytest.param(
            "Ҳафта охирида Бухоро рақамли иқтисодиёт форумида 300 киши қатнашди.",
            "Бухоро рақамли иқтисодиёт форуми",
            id="uz-cyrl-with-case-ending",
        ),
        pytest.param(
            "Ashgabat hosted the Digital Turkmenistan Forum Opens ceremony.",
            "Digital Turkmenistan Forum",
            id="en-headline-verb",
        ),
    ],
)
def test_a_proper_name_is_an_event(text: str, name: str) -> None:
    assert names(text) == [name]


def test_editions_of_different_years_stay_apart() -> None:
    found = extract(
        "Astana Tech Week 2024 gathered 3,000 guests; Astana Tech Week 2025 expects twice as many.",
        published=None,
    )
    assert sorted(e.key for e in found) == ["astana-tech-week-2024", "astana-tech-week-2025"]


@pytest.mark.parametrize(
    ("one", "other"),
    [
        pytest.param("Digital Bridge-2026", "Цифровой мост 2026", id="en-ru"),
        pytest.param("Digital Bridge 2026", "Цифрлық көпір-2026", id="en-kk"),
        pytest.param("Türkmentel-2025", "Туркментел 2025", id="tk-ru"),
        pytest.param("ICT Week 2025", "Неделя ИКТ 2025", id="en-ru-acronym"),
        pytest.param("Tashkent International Investment Forum 2024", "TIIF 2024", id="acronym"),
    ],
)
def test_one_event_in_any_language_has_one_key(one: str, other: str) -> None:
    assert key(one) == key(other)


def test_different_editions_keep_their_years() -> None:
    assert key("Цифровой мост 2025") != key("Digital Bridge 2026")


def test_an_event_carries_the_other_names_the_text_gives_it() -> None:
    (event,) = extract(
        "Türkmentel-2025 sergisi Aşgabatda açyldy. Sergi «Туркментел-2025» ady bilen hem tanalýar.",
        published=None,
    )
    assert event.key == "turkmentel-2025"
    assert {event.name, *event.aliases} == {"Türkmentel-2025", "Туркментел-2025"}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        pytest.param(
            "Hukumat Samarqand xalqaro forumini keyingi yilga ko'chirdi.",
            "Samarqand xalqaro forumi",
            id="uz-latn-place-name",
        ),
        pytest.param(
            "Talyplar Halkara Matematika olimpiadasyna gatnaşdylar.",
            "Matematika olimpiadasy",
            id="tk-generic-adjective-first",
        ),
    ],
)
def test_a_turkic_name_keeps_the_words_before_its_head(text: str, name: str) -> None:
    """In Turkic order a place or a generic adjective alone is no name: the head is the name's."""
    assert names(text) == [name]


@pytest.mark.parametrize(
    ("text", "event_key"),
    [
        pytest.param(
            "Токаев отменил проведение Международного форума Астана в этом году.",
            "astana-international-forum",
            id="ru-genitive-unquoted-city",
        ),
        pytest.param(
            "Участники международного форума «Астана» обсудили климат.",
            "astana-international-forum",
            id="ru-quoted-city",
        ),
        pytest.param(
            "Prezident Ostona xalqaro forumida nutq so'zladi.",
            "astana-international-forum",
            id="uz-latn-other-spelling",
        ),
        pytest.param(
            "Делегация приняла участие в Ташкентском международном инвестиционном форуме.",
            "tashkent-international-investment-forum",
            id="ru-prepositional",
        ),
    ],
)
def test_a_name_in_any_case_finds_its_event(text: str, event_key: str) -> None:
    """A city alone names no event, and a name in any grammatical case is one key."""
    assert [e.key for e in extract(text, published=None)] == [event_key]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        pytest.param(
            "Тими миллӣ ба бозиҳои интихобии Ҷоми Осиё-2027 омодагӣ мегирад.",
            "Ҷоми Осиё-2027",
            id="tg-cup-with-year",
        ),
        pytest.param(
            "Бошгоҳ дар марҳилаи гурӯҳии Лигаи қаҳрамонҳои АФК-2024 бозӣ мекунад.",
            "Лигаи қаҳрамонҳои АФК-2024",
            id="tg-league-izofa",
        ),
        pytest.param(
            "Варзишгарон дар Мусобиқаи ҷаҳонии робототехника-2025 ширкат варзиданд.",
            "Мусобиқаи ҷаҳонии робототехника-2025",
            id="tg-lowercase-chain-with-year",
        ),
    ],
)
def test_a_tajik_izofa_name_with_its_year_is_an_event(text: str, name: str) -> None:
    assert names(text) == [name]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "Шымкентте өтетін VI Дүниежүзілік көшпенділер ойынына дайындық басталды.", id="kk"
        ),
        pytest.param("Быйыл Дүйнөлүк көчмөндөр оюндарынын программасы жарыяланды.", id="ky"),
    ],
)
def test_games_named_in_turkic_order_are_one_event(text: str) -> None:
    (event,) = extract(text, published=None)
    assert event.key == "world-nomad-games"


def test_a_generic_russian_name_with_its_subject_is_an_event() -> None:
    """ "Международная олимпиада" says what kind; "… по робототехнике" says which."""
    assert names("В Бишкеке завершилась Международная олимпиада по робототехнике.") == [
        "Международная олимпиада по робототехнике"
    ]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Plans for the year:\n- Organizing a hackathon for students.", id="en"),
        pytest.param("Reja:\n• Tashkil etish forumi uchun joy tanlash.", id="uz-latn"),
    ],
)
def test_the_first_word_of_a_list_item_is_no_name(text: str) -> None:
    assert names(text) == []


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Investors met at the Fintech Forum held on the sidelines.", id="en"),
        pytest.param("Делегаттар BPO Summit жұмысына қатысты.", id="kk"),
        pytest.param("Ertaga esa Startup Forum doirasida taqdimotlar bo'ladi.", id="uz-latn"),
    ],
)
def test_a_topic_and_an_event_word_name_no_event(text: str) -> None:
    """A name made only of what an event is about and an event word says which kind."""
    assert names(text) == []
