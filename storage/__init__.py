"""SQLAlchemy 2 async models, repositories, full-text search and Alembic migrations.

Knows nothing of Telegram; may use the domain types in :mod:`digests.model`.
"""
