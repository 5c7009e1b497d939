"""`db.bulk.rows_for`: the rows a statement finds for many values, on both databases, whatever
the length of the list, with few statement texts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from tracker.db.bulk import VALUE_LIST_SIZES, rows_for
from tracker.db.engine import make_engine

ROWS = 5_000


def test_rows_for_finds_every_row_asked_for_with_a_few_statement_texts(db_url: str) -> None:
    engine = make_engine(db_url)
    texts: set[str] = set()

    @event.listens_for(engine, "before_cursor_execute")
    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "FROM bulk_words" in statement:
            texts.add(statement)

    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "CREATE TEMPORARY TABLE bulk_words (n INTEGER PRIMARY KEY, word TEXT NOT NULL)"
            )
            connection.exec_driver_sql(
                "INSERT INTO bulk_words (n, word) VALUES "
                + ", ".join(f"({n}, 'w{n}')" for n in range(1, ROWS + 1))
            )
            by_number = "SELECT n, word FROM bulk_words WHERE n IN ({values})"
            lengths = (1, 7, 8, 9, 64, 65, 511, 4_096, 4_097, 9_000)
            for length in lengths:
                # every third number, some twice, some past the table's end
                wanted = [(3 * k) % (ROWS + 50) + 1 for k in range(length)]
                found = sorted(rows_for(connection, by_number, wanted))
                expected = [(n, f"w{n}") for n in sorted(set(wanted)) if n <= ROWS]
                assert found == expected, length
            assert list(rows_for(connection, by_number, [])) == []
            # the values twice in one statement, and as the rows of a VALUES clause
            either = (
                "SELECT n FROM bulk_words WHERE n IN ({values}) "
                "UNION SELECT n + 1 FROM bulk_words WHERE n IN ({values})"
            )
            assert sorted(n for (n,) in rows_for(connection, either, [4, 10])) == [4, 5, 10, 11]
            words = (
                "WITH t(word) AS (VALUES {values}) SELECT t.word, "
                "(SELECT count(*) FROM bulk_words b WHERE b.word = t.word) FROM t"
            )
            counted = rows_for(connection, words, ["w2", "nobody"], each="(CAST({} AS TEXT))")
            assert dict(counted) == {"w2": 1, "nobody": 0}
    finally:
        engine.dispose()
    # One text per size of list and statement, however many lists of however many lengths.
    assert len({t for t in texts if t.startswith("SELECT n, word")}) <= len(VALUE_LIST_SIZES)


def test_a_loading_transaction_is_tuned_for_its_load_and_only_it(db_url: str) -> None:
    """SQLite: bigger page caches. PostgreSQL: no just-in-time compilation, which made each of an
    import's many small counting statements 25 times slower; for the transaction only."""
    from tracker.db.bulk import SQLITE_CACHE_KIB, tune_for_bulk

    engine = make_engine(db_url)
    postgres = engine.dialect.name == "postgresql"
    setting = "SHOW jit" if postgres else "PRAGMA main.cache_size"
    try:
        with engine.begin() as connection:
            before = connection.exec_driver_sql(setting).scalar()
            tune_for_bulk(connection)
            during = connection.exec_driver_sql(setting).scalar()
        assert during == ("off" if postgres else -SQLITE_CACHE_KIB)
        if postgres:
            with engine.begin() as connection:
                assert connection.exec_driver_sql(setting).scalar() == before
    finally:
        engine.dispose()
