"""Engines for SQLite (the embedded default) and PostgreSQL (through psycopg 3).

SQLite gets, on every connection: foreign keys enforced, the WAL journal (readers never block
the writer), `synchronous=FULL` (a commit the user was told about survives a power cut), a busy
timeout, and write transactions that take the write lock when they begin (`BEGIN IMMEDIATE`), so
two writers queue on the busy timeout instead of failing half-way with "database is locked".

PostgreSQL gets the same model: every write transaction first takes one transaction-scoped
advisory lock (`WRITER_LOCK`), so writers run one after the other, as on SQLite, and the same
operations give the same result as if run in turn (two `signatory add` of one new name, an
import and an add, two `person role add`, two `init`); readers never wait, and each reading
transaction sees one snapshot (REPEATABLE READ, READ ONLY). A writer that waits longer than the
busy timeout gets "the database is busy".

On either database a writer can only find the database busy as its transaction begins (taking
the write lock is the first thing it does), so that is where it waits again: the lock is asked
for up to BUSY_RETRIES more times (`_taken_while_busy`) before the command says the database is
busy. Nothing is run twice: not the command, not a statement of its work, not its reading of
standard input.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError

from tracker.errors import BUSY, BadInput, DatabaseUnavailable, reads_as_busy

BUSY_TIMEOUT_MS = 30_000
BUSY_RETRIES = 3  # times a writer asks again for the lock after waiting BUSY_TIMEOUT_MS
PAGE_SIZE = 16_384
READONLY = "tracker_readonly"


def parse_url(url: str) -> URL:
    try:
        parsed = make_url(url)
        parsed.port  # noqa: B018 - a malformed host (`[::1:5432`) fails here, not later
    except (ArgumentError, ValueError):
        raise BadInput(
            f"'{url}' is not a database URL; use e.g. sqlite:///tracker.db "
            "or postgresql://user@host/dbname"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "postgresql" and parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend not in ("sqlite", "postgresql"):
        raise BadInput(f"unsupported database '{backend}'; use SQLite or PostgreSQL")
    return parsed


def make_engine(url: str | URL) -> Engine:
    parsed = parse_url(url) if isinstance(url, str) else url
    try:
        if parsed.get_backend_name() == "sqlite":
            read_only = read_only_file(parsed.database)
            if read_only is None:
                engine = create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
            else:
                # A file on a read-only medium or in a folder the user cannot write: SQLite in
                # WAL mode cannot make its shared-memory file there, so the file is opened
                # immutable (nobody can change it) and read-only. Reading works; writing says so.
                import sqlite3

                wal = read_only.with_name(read_only.name + "-wal")
                pending = wal.is_file() and wal.stat().st_size > 0  # immutable would skip them
                uri = f"file:{quote(str(read_only))}?mode=ro" + ("" if pending else "&immutable=1")
                engine = create_engine(
                    parsed, creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False)
                )
            _configure_sqlite(engine, read_only=read_only is not None)
            return engine
        engine = create_engine(parsed, connect_args={"connect_timeout": 10})
        _configure_postgresql(engine)
        return engine
    except NoSuchModuleError as exc:
        raise BadInput(f"no driver for '{parsed.drivername}': {exc}") from None
    except ImportError as exc:
        raise BadInput(
            f"the database driver for '{parsed.drivername}' is not installed ({exc.name}); "
            "use postgresql:// (psycopg 3, installed) or sqlite:///FILE"
        ) from None
    except (TypeError, ValueError) as exc:
        raise BadInput(f"the database URL has a bad parameter: {exc}") from None


WRITER_LOCK = 0x7472_6B72  # "trkr": the advisory lock key every PostgreSQL writer takes


def _configure_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READONLY, False):
            # One snapshot for the whole transaction, as SQLite's readers have: a report's
            # files agree with each other whatever commits meanwhile.
            connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            return
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = {BUSY_TIMEOUT_MS}")
        _taken_while_busy(lambda: _advisory_lock_taken(connection))


def _advisory_lock_taken(connection: Any) -> bool:
    """The writers' advisory lock, or False after the lock timeout. Asked for in a savepoint, on
    the driver's connection: a timeout then undoes the wait alone, not the transaction (through
    SQLAlchemy, an error in a transaction's first statements rolls the transaction back)."""
    import psycopg
    from psycopg.errors import LockNotAvailable

    raw = connection.connection.driver_connection
    try:
        raw.execute("SAVEPOINT tracker_writer_lock")
        try:
            raw.execute(f"SELECT pg_advisory_xact_lock({WRITER_LOCK})")
        except LockNotAvailable:
            raw.execute("ROLLBACK TO SAVEPOINT tracker_writer_lock")
            return False
        raw.execute("RELEASE SAVEPOINT tracker_writer_lock")
    except psycopg.Error as exc:  # any other error, as SQLAlchemy raises a statement's
        raise DBAPIError.instance(None, None, exc, psycopg.Error) from None
    return True


def _taken_while_busy(take: Callable[[], bool]) -> None:
    """`take()` the write lock (False: another writer held it past the busy timeout); ask again
    up to BUSY_RETRIES times, a little later each time, then say the database is busy."""
    for attempt in range(BUSY_RETRIES + 1):
        if take():
            return
        if attempt < BUSY_RETRIES:
            time.sleep(0.2 * (attempt + 1))
    raise DatabaseUnavailable(BUSY)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def sqlite_file(engine: Engine) -> Path | None:
    """The file of a SQLite database; None for PostgreSQL and for an in-memory database."""
    database = engine.url.database
    if not is_sqlite(engine) or database in (None, "", ":memory:"):
        return None
    return Path(database)


def read_only_file(database: str | None) -> Path | None:
    """The database file, if it exists where this user cannot write it (or its folder)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database)
    if not path.is_file():
        return None
    writable = os.access(path, os.W_OK) and os.access(path.absolute().parent, os.W_OK | os.X_OK)
    return None if writable else path.absolute()


def _configure_sqlite(engine: Engine, *, read_only: bool = False) -> None:
    in_memory = sqlite_file(engine) is None

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN, instead of pysqlite's own late BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys = ON")
            # A new file gets 16 KiB pages (SQLite's default is 4 KiB): bulk loads, index
            # builds and the reports' scans do a quarter fewer page operations. The pragma must
            # come before WAL mode writes the file's first page; an existing file ignores it.
            cursor.execute(f"PRAGMA page_size = {PAGE_SIZE}")
            if not in_memory and not read_only:
                (mode,) = cursor.execute("PRAGMA journal_mode").fetchone()
                if mode.lower() != "wal":
                    cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READONLY, False):
            connection.exec_driver_sql("BEGIN")
            return

        def immediate() -> bool:
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            except OperationalError as exc:
                if reads_as_busy(str(exc.orig)):
                    return False
                raise
            return True

        _taken_while_busy(immediate)
