"""Staging for the bulk import: validated rows, keyed, loaded in batches into a staging table.

Two ways fill the staging table `import_rows`, and `import_resolution` reads it either way:
- row by row (`Stager`): every row the reader yields, keyed here; SQLite: `executemany` into a
  temporary table, PostgreSQL: COPY;
- in columns (`import_arrow`): a clean CSV file on SQLite, keyed by Arrow and written by the ADBC
  driver into a staging database file that the import's connection attaches.
The organizations of the file are collected on the way (they are few), so they need not be
grouped from a million rows later.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from tracker.db.engine import sqlite_text
from tracker.domain.names import blocking_keys, name_key
from tracker.services.import_reader import ImportRow

BATCH = 20_000
SQLITE_CACHE_KIB = 16 * 1024
SQLITE_TEMP_CACHE_KIB = 8 * 1024
MAX_TRACKED_ORGANIZATIONS = 100_000
# The staging table, and the tables `import_resolution` derives from it.
TEMPORARY_TABLES = ("import_rows", "import_repeats", "import_people", "import_orgs")

STAGING_COLUMNS = (
    "row_no",
    "name",
    "name_key",
    "last_key",
    "first_key",
    "title",
    "organization",
    "org_key",
    "signed_at",
    "position",
    "status",
)
_CREATE_STAGING = """
CREATE {temporary}TABLE import_rows (
    row_no INTEGER PRIMARY KEY, name TEXT NOT NULL, name_key TEXT NOT NULL,
    last_key TEXT NOT NULL, first_key TEXT NOT NULL, title TEXT, organization TEXT, org_key TEXT,
    signed_at {timestamp}, position INTEGER, status TEXT NOT NULL
){suffix}
"""
# Within one file, rows with the same key are one person, whom the key's first row names. The
# staging ends with the rows that repeat an earlier row's key (few, in a real list), each with
# that first row.
_CREATE_REPEATS = (
    "CREATE {temporary}TABLE import_repeats "
    "(row_no INTEGER PRIMARY KEY, first_row INTEGER NOT NULL){suffix}"
)
_FIND_REPEATS = (
    "INSERT INTO import_repeats (row_no, first_row) SELECT e.row_no, g.first_row FROM ("
    "SELECT name_key, min(row_no) AS first_row FROM import_rows GROUP BY name_key "
    "HAVING count(*) > 1) g "
    "JOIN import_rows e ON e.name_key = g.name_key AND e.row_no > g.first_row"
)


def staging_tables_sql(*, postgres: bool = False, temporary: bool = True) -> tuple[str, str]:
    """The CREATEs of the staging table and of its repeats: temporary in the import's connection,
    or tables of their own in a staging database file (SQLite timestamps are text)."""
    words = {"temporary": "TEMPORARY " if temporary else "", "suffix": _on_commit(postgres)}
    timestamp = "TIMESTAMP" if postgres else "TEXT"
    return _CREATE_STAGING.format(timestamp=timestamp, **words), _CREATE_REPEATS.format(**words)


def temporary_suffix(connection: Connection) -> str:
    """How a staging table's CREATE ends in this connection (see `_on_commit`)."""
    return _on_commit(connection.dialect.name == "postgresql")


def _on_commit(postgres: bool) -> str:
    """PostgreSQL drops the import's temporary tables at commit; SQLite keeps them for the
    connection, so the import drops them (`drop_temporary_tables`)."""
    return " ON COMMIT DROP" if postgres else ""


@dataclass
class Reading:
    """What staging a file found, either way: the rows staged, the organizations met (None past
    MAX_TRACKED_ORGANIZATIONS), and the file's checksum, encoding and size read."""

    count: int
    organizations: dict[str, str] | None
    sha256: str
    encoding: str
    bytes_read: int


class Organizations:
    """The organizations of one file: each spelling's key, and each key with its first spelling
    in sort order (what a new organization is called), while there are few enough to keep."""

    def __init__(self) -> None:
        self._keys: dict[str, str] = {}
        # None once there are too many to keep: the resolution then groups the staging table.
        self.spellings: dict[str, str] | None = {}

    def key(self, organization: str) -> str:
        found = self._keys.get(organization)
        if found is None:
            found = name_key(organization)
            if len(self._keys) < MAX_TRACKED_ORGANIZATIONS:
                self._keys[organization] = found
        spellings = self.spellings
        if spellings is not None:
            known = spellings.get(found)
            if known is None and len(spellings) >= MAX_TRACKED_ORGANIZATIONS:
                self.spellings = None
            elif known is None or organization < known:
                spellings[found] = organization
        return found


class RowKeyer:
    """A validated row's staging values: its keys, its organization's key, its timestamp as the
    database stores it."""

    def __init__(self, *, postgres: bool) -> None:
        self.postgres = postgres
        self.organizations = Organizations()
        self._stamps: dict[Any, Any] = {}

    def stamp(self, signed: Any) -> Any:
        if self.postgres or signed is None:
            return signed
        found = self._stamps.get(signed)
        if found is None:
            found = self._stamps[signed] = sqlite_text(signed)
        return found

    def values(self, row_no: int, row: ImportRow) -> tuple[Any, ...]:
        key = name_key(row.name)
        blocks = blocking_keys(key)
        organization = row.organization
        org_key = self.organizations.key(organization) if organization else None
        return (
            row_no,
            row.name,
            key,
            blocks.last,
            blocks.first,
            row.title,
            organization,
            org_key,
            self.stamp(row.signed_at),
            row.position,
            row.status,
        )


class Stager:
    """Loads validated rows, one by one, into a temporary staging table in batches."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"
        self.keyer = RowKeyer(postgres=self.postgres)
        self.batch: list[tuple[Any, ...]] = []
        self.count = 0
        if not self.postgres:
            tune_sqlite_caches(connection)
            self.drop(missing_ok=True)  # left by an import that failed on this connection
        for sql in staging_tables_sql(postgres=self.postgres):
            connection.exec_driver_sql(sql)

    @property
    def organizations(self) -> dict[str, str] | None:
        return self.keyer.organizations.spellings

    def add(self, row: ImportRow) -> None:
        self.count += 1
        self.batch.append(self.keyer.values(self.count, row))
        if len(self.batch) >= BATCH:
            self.flush()

    def finish(self) -> None:
        """The last batch, then the repeated keys."""
        self.flush()
        finish_staging(self.connection)

    def flush(self) -> None:
        if not self.batch:
            return
        if self.postgres:
            raw = self.connection.connection.driver_connection
            assert raw is not None
            with raw.cursor() as cursor:
                columns = ", ".join(STAGING_COLUMNS)
                with cursor.copy(f"COPY import_rows ({columns}) FROM STDIN") as copy:
                    for values in self.batch:
                        copy.write_row(values)
        else:
            marks = ", ".join("?" for _ in STAGING_COLUMNS)
            self.connection.exec_driver_sql(
                f"INSERT INTO import_rows ({', '.join(STAGING_COLUMNS)}) VALUES ({marks})",
                self.batch,
            )
        self.batch.clear()

    def drop(self, *, missing_ok: bool = False) -> None:
        """SQLite: drop the staging tables (PostgreSQL drops them at commit)."""
        if self.postgres:
            return
        drop_temporary_tables(self.connection, missing_ok=missing_ok)


def finish_staging(connection: Connection) -> None:
    """The repeated keys of a staging table in the import's connection (found through an index
    on the keys)."""
    connection.exec_driver_sql("CREATE INDEX import_rows_key ON import_rows (name_key, row_no)")
    connection.exec_driver_sql(_FIND_REPEATS)


def tune_sqlite_caches(connection: Connection, *, attached: str | None = None) -> None:
    """Bigger page caches for the import's connection: for the database, for the temporary
    tables, and for an attached staging file if there is one."""
    connection.exec_driver_sql(f"PRAGMA main.cache_size = -{SQLITE_CACHE_KIB}")
    for schema in ("temp", attached) if attached else ("temp",):
        connection.exec_driver_sql(f"PRAGMA {schema}.cache_size = -{SQLITE_TEMP_CACHE_KIB}")


def drop_temporary_tables(connection: Connection, *, missing_ok: bool = False) -> None:
    """SQLite keeps temporary tables for the connection's life; the import drops its own."""
    exists = " IF EXISTS" if missing_ok else ""
    for table in TEMPORARY_TABLES:
        connection.exec_driver_sql(f"DROP TABLE{exists} temp.{table}")
