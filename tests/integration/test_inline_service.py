"""The inline answer for any text a user can type after @bot (hypothesis), on real SQLite."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import render_inline
from bot.services import inline
from tests.conftest import Database
from tests.e2e.data import seed


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    query=st.text(max_size=300),
    offset=st.one_of(st.none(), st.text(max_size=12), st.integers(-5, 10**9).map(str)),
)
async def test_any_query_and_offset_are_answered(
    sqlite_db: Database, query: str, offset: str | None
) -> None:
    if not getattr(sqlite_db, "_seeded", False):
        await seed(sqlite_db.sessionmaker)
        object.__setattr__(sqlite_db, "_seeded", True)
    found = await inline.answer(
        sqlite_db.sessionmaker, query, offset=offset, user_id=1, telegram_lang="kk"
    )
    results = render_inline.results(found)
    assert len(results) <= inline.PAGE
    assert len({r.id for r in results}) == len(results)
    assert found.next_offset == "" or found.next_offset.isdigit()
    for result in results:
        assert result.title.strip() and len(result.title) <= 120
