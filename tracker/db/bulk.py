"""Bulk loading, as each database does it best: the mechanics behind the import.

- `copy_rows`: many rows into a table (PostgreSQL: COPY; SQLite: one prepared `executemany`).
- `tune_for_bulk`: a connection that loads (SQLite: bigger page caches; PostgreSQL: no JIT).
- `indexes_rebuilt_after`: a large load into a table without its secondary indexes (and its
  foreign keys, on PostgreSQL), which are then built again, inside the loading transaction.
- `on_commit_drop`: how a temporary table's CREATE ends (PostgreSQL drops it at commit).
- `rows_for`: the rows a statement finds for many values (ids, keys), a bounded list at a time.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Table, text
from sqlalchemy.schema import AddConstraint, DropConstraint

SQLITE_CACHE_KIB = 16 * 1024
SQLITE_TEMP_CACHE_KIB = 8 * 1024
REBUILD_INDEXES_FROM = 50_000
SORT_RUN_KIB = 4 * 1024
SORT_THREADS = min(4, os.cpu_count() or 1)
PG_SORT_MEMORY = "256MB"  # the server's memory for building an index, while an import builds


def on_commit_drop(postgres: bool) -> str:
    return " ON COMMIT DROP" if postgres else ""


def copy_rows(
    connection: Connection, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor:
            names = ", ".join(columns)
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for values in rows:
                    copy.write_row(values)
        return
    marks = ", ".join("?" for _ in columns)
    connection.exec_driver_sql(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", list(rows)
    )


# How many values a statement of `rows_for` takes: a list is padded to the next of these sizes,
# so that one statement has a few texts, not one per length.
VALUE_LIST_SIZES = (8, 64, 512, 4_096)


def rows_for(
    connection: Connection, sql: str, values: Iterable[Any], *, each: str = "{}"
) -> Iterator[Any]:
    """The rows `sql` finds for many values: `{values}` in it (an IN list, or the rows of a
    VALUES clause, once or more) stands for up to VALUE_LIST_SIZES[-1] of them at a time, as
    bound parameters, each written as `each` (`"{}"`: the parameter's mark).

    A short list is padded with its first value to the next size: an IN list takes a value
    named twice as once; a VALUES clause gives it twice, and a statement that computes something
    per row of it reads them DISTINCT first (or pays for the padding). Thus each statement has
    a few texts, which the driver prepares once, rather than one per list: SQLAlchemy's
    expanding parameters and literal lists both give each list a text of its own, compiled
    again, and filling the driver's cache of prepared statements (sqlite3's keeps 128, each
    holding its list)."""
    mark = each.format("?" if connection.dialect.paramstyle == "qmark" else "%s")
    uses = sql.count("{values}")
    pending = list(dict.fromkeys(values))  # each value once: a row is found once
    largest = VALUE_LIST_SIZES[-1]
    for start in range(0, len(pending), largest):
        chunk = pending[start : start + largest]
        size = next(size for size in VALUE_LIST_SIZES if size >= len(chunk))
        chunk += [chunk[0]] * (size - len(chunk))
        statement = sql.format(values=", ".join([mark] * size))
        yield from connection.exec_driver_sql(statement, tuple(chunk * uses))


def tune_for_bulk(connection: Connection) -> None:
    """SQLite: bigger page caches for the database and the temporary tables. PostgreSQL: no
    just-in-time compilation for the rest of the transaction: an import asks thousands of
    statements whose estimated cost passes `jit_above_cost` and which then take 0.2 s to compile
    and milliseconds to run (the counts of the names of a range of entries: 8 ms without, 200 ms
    with), and its large statements run no faster with it (a 300,000-row import: the same)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL jit = off")
        return
    connection.exec_driver_sql(f"PRAGMA main.cache_size = -{SQLITE_CACHE_KIB}")
    connection.exec_driver_sql(f"PRAGMA temp.cache_size = -{SQLITE_TEMP_CACHE_KIB}")


@contextmanager
def indexes_rebuilt_after(connection: Connection, table: Table, rows: int) -> Iterator[None]:
    """A large load goes faster into a table without its secondary indexes (and, on PostgreSQL,
    without its foreign keys), which are then built again after the load: one sort per index,
    one join per key, instead of a b-tree insertion and a key check per row. This is how
    pg_restore loads a table. Only a load at least as large as the table takes this way (a
    small addition to a big table keeps its indexes).

    All of it happens inside the loading transaction, and a crash rolls back to the table as it
    was. SQLite's readers keep seeing the old table and indexes (WAL). On PostgreSQL, dropping
    an index or a key locks the table until the commit: readers of it wait for a large first
    load to end (writers wait anyway, for the writers' lock)."""
    if rows < REBUILD_INDEXES_FROM:
        yield
        return
    existing = connection.execute(text(f"SELECT count(*) FROM {table.name}")).scalar_one()
    if existing > rows:
        yield  # a small addition to a big table: keep the indexes
        return
    postgres = connection.dialect.name == "postgresql"
    indexes = sorted(table.indexes, key=lambda index: str(index.name))
    keys = sorted(table.foreign_key_constraints, key=lambda key: str(key.name)) if postgres else []
    for key in keys:
        connection.execute(DropConstraint(key))
    for index in indexes:
        index.drop(connection)
    yield
    with _parallel_sorts(connection):
        for index in indexes:
            index.create(connection)
        for key in keys:
            connection.execute(AddConstraint(key))
    if postgres:
        # The planner's statistics of a table that has at least doubled, for the statements
        # that follow in this transaction and for the next import: autovacuum analyzes it a
        # minute or more later, and until then the planner takes it for as small as it was
        # (a list imported into a second letter right after the first then counted each name
        # by reading every person: 60 s for 100,000 rows instead of 30).
        connection.exec_driver_sql(f"ANALYZE {table.name}")


@contextmanager
def _parallel_sorts(connection: Connection) -> Iterator[None]:
    """SQLite sorts a new index's entries in runs as large as the page cache; with worker threads
    it sorts each run in the background while it reads on, and merges the runs at the end.
    Small runs on every core build a large index about twice as fast as one run in memory.
    PostgreSQL sorts in `maintenance_work_mem`, raised for the rest of the transaction."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SET LOCAL maintenance_work_mem = '{PG_SORT_MEMORY}'")
        yield
        return
    connection.exec_driver_sql(f"PRAGMA threads = {SORT_THREADS}")
    connection.exec_driver_sql(f"PRAGMA main.cache_size = -{SORT_RUN_KIB}")
    yield
    # Restored on success only: after an error or a Ctrl-C the connection may be past use, and
    # it is discarded with its transaction (restoring would hide the first error).
    connection.exec_driver_sql(f"PRAGMA main.cache_size = -{SQLITE_CACHE_KIB}")
    connection.exec_driver_sql("PRAGMA threads = 0")
