"""Errors the domain raises: each says, in one line, which item failed and why."""

from __future__ import annotations


class SourceError(Exception):
    """An item (feed, page, file, line) that could not be read."""

    def __init__(self, item: str, reason: str) -> None:
        super().__init__(f"{item}: {reason}")
        self.item = item
        self.reason = reason

    def __reduce__(self) -> tuple[type[SourceError], tuple[str, str]]:
        # pickled by its parts, so an error raised in a worker process arrives whole
        return (type(self), (self.item, self.reason))
