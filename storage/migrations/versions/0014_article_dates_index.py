"""Story candidates are dated from an index: ingest cost stays flat as the archive grows.

Adds ``ix_articles_id_published_story_id`` on ``articles (id, published, story_id)``. Every
batch dates the thousands of articles its keys' postings name; without this index each of
them was a read of the article's row, and on SQLite ``published`` and ``story_id`` sit after
the article's text, in its overflow pages: several pages a posting, more of them missing the
cache the bigger the archive.

Revision ID: 0014
Revises: 0007
Create Date: 2026-12-06 22:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_articles_id_published_story_id"


def upgrade() -> None:
    """Apply this revision."""
    op.create_index(INDEX, "articles", ["id", "published", "story_id"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(INDEX, table_name="articles")
