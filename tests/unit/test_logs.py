"""Log formats: a running service's lines carry a timestamp and keep the traceback."""

from __future__ import annotations

import json
import logging
import re
import sys

import pytest

from bot.logs import TerminalFormatter, service_formatter


def _record(message: str, *, exc: bool) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError("Ташкент: bad value")
        except ValueError:
            exc_info = sys.exc_info()
    return logging.LogRecord("bot.delivery", logging.ERROR, __file__, 1, message, (), exc_info)


def test_service_text_line_is_stamped_and_keeps_the_traceback_on_one_line() -> None:
    line = service_formatter("text").format(_record("delivery 7 failed", exc=True))
    assert "\n" not in line
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ERROR bot\.delivery: ", line)
    assert "delivery 7 failed" in line
    assert "Traceback (most recent call last):" in line
    assert "ValueError: Ташкент: bad value" in line


def test_service_json_line_parses_with_time_level_and_traceback() -> None:
    line = service_formatter("json").format(_record("delivery 7 failed", exc=True))
    assert "\n" not in line
    obj = json.loads(line)
    assert obj["level"] == "ERROR"
    assert obj["logger"] == "bot.delivery"
    assert obj["message"] == "delivery 7 failed"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", obj["time"])
    assert "ValueError: Ташкент: bad value" in obj["exc_info"]


@pytest.mark.parametrize("verbose", [False, True], ids=["quiet", "verbose"])
def test_terminal_lines_show_the_traceback_only_when_verbose(verbose: bool) -> None:
    text = TerminalFormatter(verbose).format(_record("could not read", exc=True))
    assert text.startswith("ERROR bot.delivery: could not read")
    assert ("Traceback" in text) is verbose
