"""Pure pieces of the reliability work: admin error reports, bidi controls, token masking."""

from __future__ import annotations

import logging

import pytest

from bot import render
from bot.error_reports import ErrorReports
from bot.logs import Redacting, ServiceFormatter, TerminalFormatter, redact, redact_secret


def test_a_flood_of_errors_makes_one_report_then_one_with_the_count() -> None:
    reports = ErrorReports(every=600.0)
    assert reports.admit("OverflowError", now=0.0) == {}
    for n in range(1, 500):
        assert reports.admit("OverflowError", now=float(n)) is None
    assert reports.admit("ValueError", now=550.0) is None
    held = reports.admit("OverflowError", now=601.0)
    assert held == {"OverflowError": 499, "ValueError": 1}
    assert reports.admit("OverflowError", now=602.0) is None


@pytest.mark.parametrize(
    "title",
    [
        pytest.param("\u202eKazakhstan opens an AI lab", id="rlo-en"),
        pytest.param("Қазақстан\u2066 жасанды интеллект\u2069 зертханасы", id="isolate-kk"),
        pytest.param("\u200fТошкентда IT-парк\u202c", id="rlm-uz-cyrl"),
        pytest.param("Toshkentda\u202a IT-park\u202b ochildi\u200e", id="embed-uz-latn"),
        pytest.param("Кыргызстан\u202d электрондук виза", id="lro-ky"),
        pytest.param("Тоҷикистон\u2067 ва\u2068 Туркманистон", id="rli-tg"),
        pytest.param("Türkmenistan\u202e maglumat merkezi", id="rlo-tk"),
        pytest.param("Россия\u202e и Казахстан", id="rlo-ru"),
    ],
)
def test_titles_lose_their_bidi_controls_before_display(title: str) -> None:
    controls = set("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    assert not controls & set(render.esc(title))
    assert not controls & set(render.shorten(title, 20))
    assert render.esc(title).split() == [w for w in render.strip_bidi(title).split()]


def record(message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("httpx", logging.INFO, __file__, 1, message, args, None)


@pytest.mark.parametrize(
    "formatter",
    [TerminalFormatter(False), ServiceFormatter()],
    ids=["terminal", "service"],
)
def test_no_log_line_shows_a_token(formatter: logging.Formatter) -> None:
    token = "7012345678:AAH-qx9_SecretPartOfTheToken0123456"
    line = Redacting(formatter).format(
        record('HTTP Request: POST https://api.telegram.org/bot%s/getMe "401"', token)
    )
    assert "SecretPartOfTheToken" not in line and "bot7012345678:[token]" in line
    redact_secret("odd-token-without-digits")
    assert "odd-token" not in redact("the token odd-token-without-digits was refused")
