"""Full-text search over articles: FTS5 on SQLite, tsvector on PostgreSQL.

User input never reaches the query syntax as such: it is cut into word tokens (letters
and digits of any script), each quoted for FTS5 or written as a plain lexeme for
``to_tsquery``, and every token must match (as a prefix, so that ``Қазақстан`` also finds
``Қазақстанда``). A word may come with other spellings (the caller's ``alternatives``,
e.g. the same word in another script): it then matches in any of them. Input with no
word in it gives no hits rather than an error.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Float, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeEngine

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


Alternatives = Callable[[str], Sequence[str]]


def _groups(words: Sequence[str | Sequence[str]]) -> list[list[str]]:
    """Return each word's spellings, the word itself first, without repeats."""
    return [[w] if isinstance(w, str) else list(dict.fromkeys(w)) for w in words if w]


def fts5_query(words: Sequence[str | Sequence[str]]) -> str:
    """Build an FTS5 MATCH expression: every word must match in one of its spellings.

    Each spelling is quoted, long ones as prefixes; a word's spellings are ORed.
    """
    parts = []
    for spellings in _groups(words):
        terms = []
        for word in spellings:
            quoted = '"' + word.replace('"', '""') + '"'
            terms.append(quoted + "*" if len(word) >= MIN_PREFIX_LENGTH else quoted)
        parts.append(terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")")
    return " AND ".join(parts)


def tsquery(words: Sequence[str | Sequence[str]]) -> str:
    """Build a to_tsquery expression: every word ANDed, its spellings ORed, long ones prefixes."""
    # Tokens hold only letters, digits and marks, none of which is tsquery syntax.
    parts = []
    for spellings in _groups(words):
        terms = [w + ":*" if len(w) >= MIN_PREFIX_LENGTH else w for w in spellings]
        parts.append(terms[0] if len(terms) == 1 else "(" + " | ".join(terms) + ")")
    return " & ".join(parts)


def spellings(words: Sequence[str], alternatives: Alternatives | None) -> list[list[str]]:
    """Return each word with its other spellings (as ``alternatives`` gives them), tokenized."""
    groups = []
    for word in words:
        group = [word]
        for other in alternatives(word) if alternatives else ():
            # A spelling in another script may hold several tokens; it must stay one word.
            cut = tokens(other)
            if len(cut) == 1 and cut[0] not in group:
                group.append(cut[0])
        groups.append(group)
    return groups


# A common word matches thousands of articles. Ranking every match and joining each to
# ``articles`` before sorting cost ~50 ms in 100,000 articles, so: the index yields the
# newest MAX_CANDIDATES matches (it walks its doclists by rowid, newest first, and stops),
# only those are ranked, and only the page is joined to the wide ``articles`` rows. A
# query matched by more articles than that is answered from recent news, which for a news
# bot is what a reader wants. Ties go to the newer article (higher id).
MAX_CANDIDATES = 2_000
_TYPES: dict[str, TypeEngine[Any]] = {"published": models.UTCDateTime(), "score": Float()}
# (Textual SQL, because FTS5's MATCH/bm25 and nested LIMITs read plainer so; built once.)
_SQLITE_RANKED = text(
    """
    SELECT a.id, a.story_id, a.title, a.summary, a.url, a.published, a.lang, hit.score
    FROM (
        SELECT id, score FROM (
            SELECT rowid AS id, -bm25(articles_fts, 10.0, 5.0, 1.0) AS score
            FROM articles_fts
            WHERE articles_fts MATCH :match
              -- tech news only (articles.tech): the rest is stored, not shown
              AND EXISTS (SELECT 1 FROM articles AS t WHERE t.id = articles_fts.rowid AND t.tech)
            ORDER BY rowid DESC
            LIMIT :candidates
        )
        ORDER BY score DESC, id DESC
        LIMIT :limit OFFSET :offset
    ) AS hit
    JOIN articles AS a ON a.id = hit.id
    ORDER BY hit.score DESC, hit.id DESC
    """
).columns(**_TYPES)
# PostgreSQL: the GIN index finds the matches, but every match still costs a visit to its
# row (for its id and visibility). The matches are fenced off (MATERIALIZED): without it,
# the generic plan asyncpg's prepared statement gets after five runs walks the primary key
# backwards testing every row (~170 ms instead of ~20). The candidates are carried as bare
# ids (sorting the vectors along spilled ~10 MB to disk), and ts_rank reads the vectors of
# the candidates only, through the primary key.
_POSTGRES_RANKED = text(
    """
    WITH q AS (SELECT to_tsquery('simple'::regconfig, :match) AS query),
    match AS MATERIALIZED (
        SELECT a.id FROM articles AS a, q WHERE a.search_vector @@ q.query AND a.tech
    ),
    candidate AS (SELECT id FROM match ORDER BY id DESC LIMIT :candidates),
    hit AS (
        SELECT a.id, ts_rank(a.search_vector, q.query) AS score
        FROM candidate AS c JOIN articles AS a ON a.id = c.id, q
        ORDER BY score DESC, a.id DESC
        LIMIT :limit OFFSET :offset
    )
    SELECT a.id, a.story_id, a.title, a.summary, a.url, a.published, a.lang, hit.score
    FROM hit JOIN articles AS a ON a.id = hit.id
    ORDER BY hit.score DESC, hit.id DESC
    """
).columns(**_TYPES)


async def search(
    session: AsyncSession,
    query: str,
    *,
    limit: int = 10,
    offset: int = 0,
    alternatives: Alternatives | None = None,
) -> list[SearchHit]:
    """Return the articles that best match the words of a user query.

    ``alternatives`` gives other spellings of a word (another script, say); a word then
    matches in any of them.
    """
    words = tokens(query)
    if not words or limit <= 0:
        return []
    groups = spellings(words, alternatives)
    dialect = session.get_bind().dialect.name
    params: dict[str, Any] = {
        "limit": limit,
        "offset": max(offset, 0),
        "candidates": max(MAX_CANDIDATES, limit + max(offset, 0)),
    }
    if dialect == "sqlite":
        stmt = _SQLITE_RANKED
        params["match"] = fts5_query(groups)
    elif dialect == "postgresql":
        stmt = _POSTGRES_RANKED
        params["match"] = tsquery(groups)
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(dialect)
    rows = await session.execute(stmt, params)
    return [
        SearchHit(
            article_id=r.id,
            story_id=r.story_id,
            title=r.title,
            summary=r.summary,
            url=r.url,
            published=r.published,
            lang=r.lang,
            rank=float(r.score),
        )
        for r in rows
    ]
