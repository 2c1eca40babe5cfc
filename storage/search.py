"""Full-text search over articles: FTS5 on SQLite, tsvector on PostgreSQL.

User input never reaches the query syntax as such: it is cut into word tokens (letters
and digits of any script), each quoted for FTS5 or written as a plain lexeme for
``to_tsquery``, and every token must match (as a prefix, so that ``Қазақстан`` also finds
``Қазақстанда``). Input with no word in it gives no hits rather than an error.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Float, bindparam, column, func, literal_column, select, table
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnClause

from storage import models

logger = logging.getLogger(__name__)

MAX_TOKENS = 16
MAX_TOKEN_LENGTH = 64
MIN_PREFIX_LENGTH = 3
# Letters and digits of any script, plus combining marks and the modifier letters Uzbek
# Latin uses as apostrophes (ʻ ʼ); ASCII and typographic apostrophes separate tokens, as
# they do in both SQLite's unicode61 tokenizer and PostgreSQL's parser.
_TOKEN = re.compile(r"[^\W_]+(?:[\u0300-\u036f\u02b9-\u02bf][^\W_]*)*")


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One article found by a search, best first; higher ``rank`` is better."""

    article_id: int
    story_id: int
    title: str
    summary: str
    url: str | None
    published: datetime | None
    lang: str
    rank: float


def tokens(query: str) -> list[str]:
    """Cut a user query into at most MAX_TOKENS lowercase word tokens."""
    found: list[str] = []
    for match in _TOKEN.finditer(query[: MAX_TOKENS * (MAX_TOKEN_LENGTH + 1) * 4]):
        token = match.group().lower()[:MAX_TOKEN_LENGTH]
        if token not in found:
            found.append(token)
        if len(found) == MAX_TOKENS:
            break
    return found


def fts5_query(words: list[str]) -> str:
    """Build an FTS5 MATCH expression: every token quoted, long ones as prefixes."""
    parts = []
    for word in words:
        quoted = '"' + word.replace('"', '""') + '"'
        parts.append(quoted + "*" if len(word) >= MIN_PREFIX_LENGTH else quoted)
    return " ".join(parts)


def tsquery(words: list[str]) -> str:
    """Build a to_tsquery expression: every token ANDed, long ones as prefixes."""
    # Tokens hold only letters, digits and marks, none of which is tsquery syntax.
    return " & ".join(w + ":*" if len(w) >= MIN_PREFIX_LENGTH else w for w in words)


async def search(
    session: AsyncSession, query: str, *, limit: int = 10, offset: int = 0
) -> list[SearchHit]:
    """Return the articles that best match the words of a user query."""
    words = tokens(query)
    if not words or limit <= 0:
        return []
    a = models.Article
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        fts = table("articles_fts", column("rowid"))
        fts_name: ColumnClause[Any] = literal_column("articles_fts")
        # bm25 is lower-is-better; negate it so rank means the same on both backends.
        rank = (-func.bm25(fts_name, 10.0, 5.0, 1.0, type_=Float)).label("rank")
        stmt = (
            select(a.id, a.story_id, a.title, a.summary, a.url, a.published, a.lang, rank)
            .select_from(fts)
            .join(a, a.id == fts.c.rowid)
            .where(fts_name.op("MATCH")(bindparam("match")))
            .order_by(rank.desc(), a.id.desc())
        )
        params = {"match": fts5_query(words)}
    elif dialect == "postgresql":
        ts_query = func.to_tsquery(literal_column("'simple'::regconfig"), bindparam("match"))
        vector: ColumnClause[Any] = literal_column("articles.search_vector")
        rank = func.ts_rank(vector, ts_query, type_=Float).label("rank")
        stmt = (
            select(a.id, a.story_id, a.title, a.summary, a.url, a.published, a.lang, rank)
            .where(vector.op("@@")(ts_query))
            .order_by(rank.desc(), a.id.desc())
        )
        params = {"match": tsquery(words)}
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(dialect)
    rows = await session.execute(stmt.limit(limit).offset(max(offset, 0)), params)
    return [
        SearchHit(
            article_id=r.id,
            story_id=r.story_id,
            title=r.title,
            summary=r.summary,
            url=r.url,
            published=r.published,
            lang=r.lang,
            rank=float(r.rank),
        )
        for r in rows
    ]
