"""What lookups, search and digests show by default: tech news, and events it reports."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, true

from storage import models


def article(table: Any = models.Article) -> ColumnElement[bool]:
    """Return the condition for an article (of ``table``, an alias or its columns) to be shown."""
    return table.tech.is_(true())  # type: ignore[no-any-return]


def event(table: Any = models.Event) -> ColumnElement[bool]:
    """Return the condition for an event to be shown: some tech article reports it."""
    a, ae = models.Article, models.ArticleEvent
    return exists().where(ae.event_id == table.id, a.id == ae.article_id, article(a))
