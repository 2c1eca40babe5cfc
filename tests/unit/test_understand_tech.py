"""Tech or not: technology news is tech in every language; sport, weather, holidays are not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digests.model import RawArticle
from digests.understand import understand
from digests.understand.tech import is_tech

TECH = [
    pytest.param(
        "Минцифры запустило новую платформу электронных госуслуг",
        "Министерство цифрового развития представило платформу, через которую граждане получат "
        "более ста электронных услуг онлайн. Разработчики обещают мобильное приложение к весне.",
        id="ru-egov-platform",
    ),
    pytest.param(
        "IT Park opens a software hub in Namangan",
        "The technopark will host forty startups and train programmers; residents pay no tax on "
        "software exports, the park's director said.",
        id="en-it-park",
    ),
    pytest.param(
        "Toshkentda sun'iy intellekt markazi ochildi",
        "Markazda dasturchilar raqamli texnologiyalar va onlayn xizmatlar ustida ishlaydi. "
        "Loyiha innovatsion startaplarni qo'llab-quvvatlaydi.",
        id="uz-latn-ai-centre",
    ),
    pytest.param(
        "Қазақстанда жасанды интеллект зертханасы ашылды",
        "Зертхана цифрлық технологиялар мен бағдарламалық қамтамасыз етуді дамытады. "
        "Жобаға отыз IT маман тартылды.",
        id="kk-ai-lab",
    ),
    pytest.param(
        "Бишкекте санариптик кызматтар үчүн электрондук портал ишке кирди",
        "Жаңы порталда жарандар онлайн кырк кызматты ала алышат. Санариптештирүү министрлиги "
        "программалык камсыздоону жергиликтүү компания иштеп чыкканын билдирди.",
        id="ky-egov-portal",
    ),
    pytest.param(
        "Дар Душанбе маркази технологияҳои рақамӣ кушода шуд",
        "Дар марказ барномасозон ва донишҷӯён бо зеҳни сунъӣ кор мекунанд. Интернет дар марказ "
        "ройгон аст.",
        id="tg-digital-centre",
    ),
    pytest.param(
        "Aşgabatda sanly tehnologiýalar boýunça onlaýn platforma işe girizildi",
        "Täze platforma elektron resminamalary kabul edýär. "
        "Programmistler ony bir ýylda taýýarladylar.",
        id="tk-online-platform",
    ),
    pytest.param(
        "Мамлекеттик мекемелер киберкоопсуздукту күчөтөт",
        "Министрлик быйыл бардык мекемелерде киберкоопсуздук боюнча окууларды өткөрөт. "
        "Хакерлердин чабуулдары көбөйгөнү айтылды.",
        id="ky-cybersecurity",
    ),
    pytest.param(
        "Шымкентте оқушылар робототехника жарысына қатысты",
        "Жарысқа 40 мектептен робототехника үйірмелерінің оқушылары келді. Жеңімпаздар "
        "халықаралық жарысқа барады.",
        id="kk-robotics",
    ),
    pytest.param(
        "Дар Хуҷанд ҳисоббаробаркунии ғайринақдӣ васеъ мешавад",
        "Бонкҳо ба мағозаҳо терминалҳо медиҳанд, то харидорон бо кортҳо ва низоми пардохт "
        "ғайринақд пардозанд.",
        id="tg-cashless",
    ),
    pytest.param(
        "Uzbekistan and Kazakhstan ratify an outer space agreement",
        "The agreement covers the peaceful exploration of outer space, satellite launches and "
        "a joint space agency working group.",
        id="en-space",
    ),
    pytest.param(
        "Mary welaýatynda täze bulut hyzmaty açyldy",
        "Kärhanalar indi bulut hyzmaty arkaly resminamalary saklap bilerler. Taslama sanly "
        "ulgamlary ösdürmek maksatnamasynyň bir bölegidir.",
        id="tk-cloud",
    ),
    pytest.param(
        "Samarqandda bulutli xizmatlar markazi ochildi",
        "Markaz korxonalarga bulutli xizmatlar va ma'lumotlar markazi imkoniyatlarini "
        "taqdim etadi.",
        id="uz-latn-cloud",
    ),
    pytest.param(
        "Ucell запустил 5G в трёх областях",
        "Оператор связи сообщил, что базовые станции 5G работают в Самарканде, Бухаре и Фергане.",
        id="ru-telecom",
    ),
]

NOT_TECH = [
    pytest.param(
        "Сборная Узбекистана по футболу обыграла соперника в отборочном матче",
        "Единственный гол забил нападающий на 70-й минуте. Тренер сборной поблагодарил "
        "болельщиков стадиона; трансляцию матча смотрели и онлайн.",
        id="ru-football",
    ),
    pytest.param(
        "Snow and frost expected in Almaty this weekend",
        "Forecasters at Kazhydromet say the temperature will drop to minus 15 degrees; snowfall "
        "will close mountain roads.",
        id="en-weather",
    ),
    pytest.param(
        "Ораза айт мерекесі қалай тойланады",
        "Мешіттерде айт намазы оқылады. "
        "Ораза ұстаған жандар мерекені туыстарымен бірге атап өтеді.",
        id="kk-holiday",
    ),
    pytest.param(
        "Qurbon hayit kunlari dam olish kunlari deb e'lon qilindi",
        "Hayit namozi masjidlarda ertalab o'qiladi. "
        "Qurbon hayit munosabati bilan uch kun dam olinadi.",
        id="uz-holiday",
    ),
    pytest.param(
        "Интихоботи парлумон дар моҳи март баргузор мешавад",
        "Комиссияи интихобот гуфт, ки интихобкунандагон дар 41 ҳавза овоз медиҳанд. Вакилон "
        "аз ҳашт ҳизб пешбарӣ шудаанд.",
        id="tg-election",
    ),
    pytest.param(
        "Türkmenistanyň futbol ýygyndysy ýaryşda ýeňiş gazandy",
        "Tälimçi futbolçylaryň oýnuna kanagatlanýandygyny aýtdy. "
        "Ýaryşyň indiki tapgyry aprelde geçer.",
        id="tk-football",
    ),
    pytest.param(
        "Бишкекте аба ырайы суук болот",
        "Синоптиктердин айтымында, дем алышта кар жаайт, абанын температурасы 10 градуска чейин "
        "төмөндөйт.",
        id="ky-weather",
    ),
]


@pytest.mark.parametrize(("title", "text"), TECH)
def test_technology_news_is_tech(title: str, text: str) -> None:
    assert is_tech(title, text)


@pytest.mark.parametrize(("title", "text"), NOT_TECH)
def test_general_news_is_not_tech(title: str, text: str) -> None:
    assert not is_tech(title, text)


def test_understand_says_whether_the_article_is_tech() -> None:
    raw = RawArticle(url=None, title=NOT_TECH[0].values[0], text=NOT_TECH[0].values[1])
    assert understand(raw).tech is False
    raw = RawArticle(url=None, title=TECH[0].values[0], text=TECH[0].values[1])
    assert understand(raw).tech is True


def test_one_technology_word_does_not_make_news_tech() -> None:
    assert not is_tech("Концерт в Ташкенте", "Концерт певицы покажут онлайн. Билеты проданы.")


@given(st.text(max_size=300), st.text(max_size=2000))
def test_any_text_gets_an_answer(title: str, text: str) -> None:
    assert is_tech(title, text) in (True, False)


@pytest.mark.parametrize(
    ("title", "text"),
    [
        pytest.param(
            "Дар Хуҷанд маркази рақамисозӣ кушода шуд",
            "Мутахассисон дар он интеллекти сунъӣ ва барномаи мобилӣ барои деҳқонон месозанд.",
            id="tg-digitalisation-ai-app",
        ),
        pytest.param(
            "Хадамоти алоқа ба провайдерҳо супориш дод",
            "Ширкатҳои мобилӣ бояд то моҳи июл суръатро баланд кунанд.",
            id="tg-communications-service",
        ),
        pytest.param(
            "Нарында мобилдик байланыш жакшырды",
            "Мобилдик операторлор үч жаңы мунара курушту.",
            id="ky-mobile-network",
        ),
        pytest.param(
            "Ауылдарда мобильді байланыс сапасы артты",
            "Мобильді операторлар жаңа базалық станциялар орнатты.",
            id="kk-mobile-network",
        ),
    ],
)
def test_telecom_and_digitalisation_words_make_tech(title: str, text: str) -> None:
    assert is_tech(title, text)
