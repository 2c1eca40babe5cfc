"""Full-text search over articles: FTS5 on SQLite, tsvector on PostgreSQL.

User input never reaches the query syntax as such: it is cut into word tokens (letters
and digits of any script), each quoted for FTS5 or written as a plain lexeme for
``to_tsquery``, and every token must match (as a prefix, so that ``Қазақстан`` also finds
``Қазақстанда``). A word may come with other spellings (the caller's ``alternatives``,
e.g. the same word in another script): it then matches in any of them. Input with no
word in it gives no hits rather than an error.

Word forms: each stored article carries the stems of its words (``title_terms`` and
``body_terms``, see :mod:`digests.wordforms`), indexed beside its text; a query word also
matches, exactly, any stem it has in a language of its script (and its other spellings'
stems), so ``интеллекта`` finds ``интеллект``, ``интеллектом`` and ``интеллекте`` alike.
Exact stems, not stem prefixes: ``банк`` must not find ``банкротство``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Float, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeEngine

from digests import wordforms
from storage import models

logger = logging.getLogger(__name__)

MAX_TOKENS = 16
MAX_TOKEN_LENGTH = 64
MIN_PREFIX_LENGTH = 3
_TOKEN = wordforms.TOKEN  # the same cut as the stored articles' stems


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


@dataclass(frozen=True, slots=True)
class Word:
    """One query word: its spellings (matched as prefixes) and its stems (matched exactly)."""

    spellings: tuple[str, ...]
    stems: tuple[str, ...] = ()


def _groups(words: Sequence[str | Sequence[str] | Word]) -> list[Word]:
    """Return each word's spellings, the word itself first, without repeats."""
    found = []
    for w in words:
        if isinstance(w, Word):
            found.append(w)
        elif w:
            found.append(Word((w,) if isinstance(w, str) else tuple(dict.fromkeys(w))))
    return found


def _fts5_term(word: str, prefix: bool) -> str:
    quoted = '"' + word.replace('"', '""') + '"'
    return quoted + "*" if prefix and len(word) >= MIN_PREFIX_LENGTH else quoted


def fts5_query(words: Sequence[str | Sequence[str] | Word]) -> str:
    """Build an FTS5 MATCH expression: every word must match in one of its spellings or stems.

    Each spelling is quoted, long ones as prefixes, each stem quoted as it is; ORed.
    """
    parts = []
    for word in _groups(words):
        terms = [_fts5_term(w, True) for w in word.spellings]
        terms += [_fts5_term(w, False) for w in word.stems]
        parts.append(terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")")
    return " AND ".join(parts)


def tsquery(words: Sequence[str | Sequence[str] | Word]) -> str:
    """Build a to_tsquery expression: every word ANDed, its spellings and stems ORed."""
    # Tokens hold only letters, digits and marks, none of which is tsquery syntax.
    parts = []
    for word in _groups(words):
        terms = [w + ":*" if len(w) >= MIN_PREFIX_LENGTH else w for w in word.spellings]
        terms += list(word.stems)
        parts.append(terms[0] if len(terms) == 1 else "(" + " | ".join(terms) + ")")
    return " & ".join(parts)


def with_stems(groups: Sequence[Sequence[str]]) -> list[Word]:
    """Add to each word's spellings the stems they have in the languages of their script."""
    return [Word(tuple(group), tuple(wordforms.stems_of(group))) for group in groups]


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
            SELECT rowid AS id, -bm25(articles_fts, 10.0, 5.0, 1.0, 8.0, 1.0) AS score
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
    word_forms: bool = True,
) -> list[SearchHit]:
    """Return the articles that best match the words of a user query.

    ``alternatives`` gives other spellings of a word (another script, say); a word then
    matches in any of them. ``word_forms`` (on unless measuring without) adds each
    spelling's stems, so other endings of the word match too.
    """
    words = tokens(query)
    if not words or limit <= 0:
        return []
    groups: list[Word] = _groups(spellings(words, alternatives))
    if word_forms:
        groups = with_stems([g.spellings for g in groups])
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
