"""Search knows word forms: the stems of each article's words, indexed beside its text.

Adds ``articles.title_terms`` and ``articles.body_terms`` (the stems of the title's and of
the summary's and text's words that differ from the words, see ``digests.wordforms``),
works them out for the articles already stored, and rebuilds the full-text index over
text and stems: SQLite's ``articles_fts`` gets two more columns, PostgreSQL's generated
``search_vector`` takes the stems in (title stems weighted as the title). Downgrade puts
the index of revision 0001 back and drops the columns.

Revision ID: 0011
Revises: 0007
Create Date: 2026-12-06 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from digests.wordforms import index_terms

revision: str = "0011"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 2_000
BODY_TERMS_CHARS = 200_000  # as storage.models, frozen here with this revision


def _sqlite_index(columns: Sequence[str]) -> tuple[str, ...]:
    """Return the DDL of an FTS5 index over ``articles`` columns, its triggers and its fill."""
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    return (
        f"""
        CREATE VIRTUAL TABLE articles_fts USING fts5(
            {cols},
            content='articles', content_rowid='id',
            tokenize='unicode61 remove_diacritics 2'
        )
        """,
        f"""
        CREATE TRIGGER articles_fts_after_insert AFTER INSERT ON articles BEGIN
            INSERT INTO articles_fts(rowid, {cols}) VALUES (new.id, {new});
        END
        """,
        f"""
        CREATE TRIGGER articles_fts_after_delete AFTER DELETE ON articles BEGIN
            INSERT INTO articles_fts(articles_fts, rowid, {cols})
            VALUES ('delete', old.id, {old});
        END
        """,
        f"""
        CREATE TRIGGER articles_fts_after_update AFTER UPDATE OF {cols} ON articles
        BEGIN
            INSERT INTO articles_fts(articles_fts, rowid, {cols})
            VALUES ('delete', old.id, {old});
            INSERT INTO articles_fts(rowid, {cols}) VALUES (new.id, {new});
        END
        """,
        "INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')",
    )


SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS articles_fts_after_update",
    "DROP TRIGGER IF EXISTS articles_fts_after_delete",
    "DROP TRIGGER IF EXISTS articles_fts_after_insert",
    "DROP TABLE IF EXISTS articles_fts",
)
POSTGRES_DROP = (
    "DROP INDEX IF EXISTS ix_articles_search_vector",
    "ALTER TABLE articles DROP COLUMN IF EXISTS search_vector",
)
_POSTGRES_TEXT = """
        setweight(to_tsvector('simple'::regconfig, coalesce(title, '')), 'A')
        || setweight(to_tsvector('simple'::regconfig, coalesce(summary, '')), 'B')
        || to_tsvector('simple'::regconfig, left(coalesce(text, ''), 200000))"""
_POSTGRES_TERMS = """
        || setweight(to_tsvector('simple'::regconfig, title_terms), 'A')
        || to_tsvector('simple'::regconfig, body_terms)"""


def _postgres_index(with_terms: bool) -> tuple[str, ...]:
    """Return the DDL of the generated, GIN-indexed search vector."""
    expression = _POSTGRES_TEXT + (_POSTGRES_TERMS if with_terms else "")
    return (
        f"ALTER TABLE articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({expression}"
        "\n    ) STORED",
        "CREATE INDEX ix_articles_search_vector ON articles USING gin (search_vector)",
    )


def _execute(statements: Sequence[str]) -> None:
    for statement in statements:
        op.execute(statement)


def _fill_terms() -> None:
    """Work out the stems of every stored article, a batch of rows at a time."""
    conn = op.get_bind()
    articles = sa.table(
        "articles",
        sa.column("id", sa.Integer),
        sa.column("title", sa.Text),
        sa.column("summary", sa.Text),
        sa.column("text", sa.Text),
        sa.column("lang", sa.String),
        sa.column("title_terms", sa.Text),
        sa.column("body_terms", sa.Text),
    )
    write = (
        sa.update(articles)
        .where(articles.c.id == sa.bindparam("row_id"))
        .values(title_terms=sa.bindparam("t"), body_terms=sa.bindparam("b"))
    )
    last = 0
    while True:
        rows = conn.execute(
            sa.select(
                articles.c.id,
                articles.c.title,
                articles.c.summary,
                articles.c.text,
                articles.c.lang,
            )
            .where(articles.c.id > last)
            .order_by(articles.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        conn.execute(
            write,
            [
                {
                    "row_id": r.id,
                    "t": index_terms(r.title or "", r.lang),
                    "b": (
                        index_terms(r.summary or "", r.lang)
                        + " "
                        + index_terms((r.text or "")[:BODY_TERMS_CHARS], r.lang)
                    ).strip(),
                }
                for r in rows
            ],
        )
        last = rows[-1].id


def upgrade() -> None:
    """Apply this revision."""
    dialect = op.get_context().dialect.name
    # Drop the index first: filling the stems then touches no index and no trigger.
    _execute(SQLITE_DROP if dialect == "sqlite" else POSTGRES_DROP)
    # Plain ADD COLUMN on both dialects: a batch copy of ``articles`` on SQLite would drop
    # and recreate the table under everything that points at it.
    for name in ("title_terms", "body_terms"):
        op.add_column("articles", sa.Column(name, sa.Text(), server_default="", nullable=False))
    _fill_terms()
    if dialect == "sqlite":
        _execute(_sqlite_index(("title", "summary", "text", "title_terms", "body_terms")))
    else:
        _execute(_postgres_index(with_terms=True))


def downgrade() -> None:
    """Revert this revision."""
    dialect = op.get_context().dialect.name
    _execute(SQLITE_DROP if dialect == "sqlite" else POSTGRES_DROP)
    op.drop_column("articles", "body_terms")  # in place: SQLite 3.35+ and PostgreSQL
    op.drop_column("articles", "title_terms")
    if dialect == "sqlite":
        _execute(_sqlite_index(("title", "summary", "text")))
    else:
        _execute(_postgres_index(with_terms=False))
