"""Boilerplate lines in the region's languages, HTML to text, titles from prose."""

from __future__ import annotations

import pytest

from digests.sources.markup import html_to_text, is_boilerplate, shorten, strip_tags


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("Фото Asia-Plus", id="ru-photo-credit"),
        pytest.param("Фото: пресс-служба Минцифры", id="ru-photo-colon"),
        pytest.param("Photo: Reuters", id="en-photo"),
        pytest.param("Foto: Kun.uz", id="uz-photo"),
        pytest.param("Сурет: Kazinform", id="kk-photo"),
        pytest.param("Сүрөт: HTP", id="ky-photo"),
        pytest.param("Акс: Asia-Plus", id="tg-photo"),
        pytest.param("© 2025 Азия-Плюс", id="copyright"),
        pytest.param("Все права защищены", id="ru-rights"),
        pytest.param("Barcha huquqlar himoyalangan", id="uz-rights"),
        pytest.param("Подпишитесь на наш Telegram-канал", id="ru-subscribe"),
        pytest.param("Subscribe to our telegram channel", id="en-subscribe"),
        pytest.param("Telegram kanalimizga obuna bo‘ling", id="uz-subscribe"),
        pytest.param("Телеграм каналимизга обуна бўлинг", id="uz-cyr-subscribe"),
        pytest.param("Telegram арнамызға жазылыңыз", id="kk-subscribe"),
        pytest.param("Ба канали Telegram-и мо обуна шавед", id="tg-subscribe"),
        pytest.param("Telegram / Instagram / VС.ru", id="social-row"),
        pytest.param("Поделиться", id="share"),
        pytest.param("Курсы валют", id="ru-currency"),
        pytest.param("Currency rates from 20/09/2024", id="en-currency"),
        pytest.param("$1 – 12724.84", id="rate"),
        pytest.param("UZS – -0.12%", id="rate-change"),
        pytest.param("USD 10.95", id="rate-code"),
        pytest.param("Search", id="search"),
        pytest.param("Читайте также", id="read-also"),
    ],
)
def test_boilerplate_lines(line: str) -> None:
    assert is_boilerplate(line)


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(
            "Фотографии с открытия IT Park опубликовала пресс-служба.", id="photo-word-in-prose"
        ),
        pytest.param(
            "Компания запустила Telegram-канал для клиентов и планирует подписать"
            " соглашение с банком.",
            id="telegram-in-news",
        ),
        pytest.param("Курс доллара вырос до 12 800 сумов, сообщил Центробанк.", id="rates-in-news"),
        pytest.param("28 September, 2022", id="date-line"),
        pytest.param("Astana Hub", id="name"),
    ],
)
def test_news_lines_are_kept(line: str) -> None:
    assert not is_boilerplate(line)


def test_html_to_text_keeps_paragraphs() -> None:
    html = "<p>Один &amp; два</p><div>Три <b>четыре</b></div><script>alert(1)</script>пять"
    assert html_to_text(html) == "Один & два\n\nТри четыре\n\nпять"


def test_strip_tags_for_titles() -> None:
    assert (
        strip_tags("IT Park <b>Toshkentda</b> &laquo;ochildi&raquo;")
        == "IT Park Toshkentda «ochildi»"
    )


def test_shorten_at_word_boundary() -> None:
    text = "слово " * 60
    short = shorten(text, 50)
    assert len(short) <= 50
    assert short.endswith("слово…")
