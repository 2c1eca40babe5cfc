"""Log formats: short lines for a person at a terminal, stamped lines or JSON for a service."""

from __future__ import annotations

import logging
import re
import time
from typing import Any, Literal

from pythonjsonlogger.json import JsonFormatter

LogFormat = Literal["text", "json"]

# A bot token as it appears in Bot API URLs (…/bot123456:AAE…/getMe) and anywhere else.
_TOKEN = re.compile(r"\b(bot)?(\d{3,}):[A-Za-z0-9_-]{8,}")
_secrets: set[str] = set()


def redact_secret(secret: str) -> None:
    """Mask ``secret`` (the configured token) wherever a log line would show it."""
    if secret:
        _secrets.add(secret)


def redact(text: str) -> str:
    """Return ``text`` with every bot token masked: the bot id stays, the secret goes."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, "[token]")
    return _TOKEN.sub(lambda m: f"{m.group(1) or ''}{m.group(2)}:[token]", text)


class Redacting(logging.Formatter):
    """Format with another formatter, then mask tokens in the whole line (traceback too)."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        return redact(self.inner.format(record))


class TerminalFormatter(logging.Formatter):
    """One short line per record; the traceback only when asked for (``-v``)."""

    def __init__(self, verbose: bool) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")
        self.verbose = verbose

    def formatException(self, ei: Any) -> str:
        return super().formatException(ei) if self.verbose else ""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return text if self.verbose else text.rstrip()


class ServiceFormatter(logging.Formatter):
    """One line per event with a UTC timestamp; a traceback stays on that line, escaped.

    A service's log is read by machines (journald, `docker logs`, a collector) that split
    on newlines, so a traceback's lines are joined with a literal ``\\n``.
    """

    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s.%(msecs)03dZ %(levelname)s %(name)s: %(message)s",
            datefmt="%Y-%m-%dT%H:%M:%S",
        )
        self.converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).rstrip().replace("\n", "\\n")


def service_formatter(fmt: LogFormat) -> logging.Formatter:
    """Return the formatter a running service logs with: stamped text lines or JSON."""
    if fmt == "json":
        formatter = JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            datefmt="%Y-%m-%dT%H:%M:%SZ",
        )
        formatter.converter = time.gmtime
        return formatter
    return ServiceFormatter()


_handler: logging.Handler | None = None


def configure(*, verbose: bool) -> None:
    """Send log records to stderr as short terminal lines (a CLI command's default)."""
    global _handler
    _handler = logging.StreamHandler()
    _handler.setFormatter(Redacting(TerminalFormatter(verbose)))
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, handlers=[_handler])


def use_service(*, level: str, fmt: LogFormat, verbose: bool) -> None:
    """Log as a service from now on: stamped lines or JSON, the configured level unless -v."""
    if _handler is not None:
        _handler.setFormatter(Redacting(service_formatter(fmt)))
    if not verbose:
        logging.getLogger().setLevel(level)
