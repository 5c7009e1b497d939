"""Staging: keyed entries (`checking`, `keys`) loaded in batches into the import's temporary
table, `import_rows` (SQLite: `executemany`; PostgreSQL: COPY, through `tracker.db.bulk`); and
its entries read back as signers, for deciding who they are (`deciding`, `known`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from tracker.db.bulk import copy_rows, on_commit_drop, tune_for_bulk
from tracker.domain.identity import Signer
from tracker.importing.keys import STAGING_COLUMNS
from tracker.services.evidence import identifier

BATCH = 20_000
# The staging table, and the tables `resolution` derives from it.
TEMPORARY_TABLES = ("import_rows", "import_known", "import_repeats", "import_people", "import_orgs")

_CREATE_STAGING = """
CREATE TEMPORARY TABLE import_rows (
    row_no INTEGER PRIMARY KEY, line INTEGER NOT NULL, name TEXT NOT NULL,
    name_key TEXT NOT NULL, last_key TEXT NOT NULL, first_key TEXT NOT NULL, title TEXT,
    affiliation TEXT, org_key TEXT, link TEXT, email TEXT, handle TEXT, location TEXT,
    extra TEXT, link_key TEXT, email_key TEXT, handle_key TEXT, signed_at {timestamp},
    position INTEGER, status TEXT NOT NULL
){suffix}
"""


def staging_table_sql(*, postgres: bool) -> str:
    return _CREATE_STAGING.format(
        timestamp="TIMESTAMP" if postgres else "TEXT", suffix=on_commit_drop(postgres)
    )


@dataclass
class Reading:
    """What staging a file found: the rows staged, the organizations met (None past
    MAX_TRACKED_ORGANIZATIONS), identifiers that could not be read as one, and the file's
    checksum, encoding and size read."""

    count: int
    organizations: dict[str, str] | None
    unusable_identifiers: int
    sha256: str
    encoding: str
    bytes_read: int


class Stager:
    """Loads keyed entries (`keys.RowKeyer.values`) into the temporary staging table in
    batches."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"
        self.batch: list[tuple[Any, ...]] = []
        self.count = 0
        tune_for_bulk(connection)
        if not self.postgres:
            drop_temporary_tables(connection)  # left by an import that failed on this connection
        connection.exec_driver_sql(staging_table_sql(postgres=self.postgres))

    def add(self, rows: list[tuple[Any, ...]]) -> None:
        self.count += len(rows)
        self.batch.extend(rows)
        if len(self.batch) >= BATCH:
            self.flush()

    def finish(self) -> None:
        self.flush()

    def flush(self) -> None:
        if self.batch:
            copy_rows(self.connection, "import_rows", STAGING_COLUMNS, self.batch)
            self.batch.clear()


def drop_temporary_tables(connection: Connection) -> None:
    """SQLite keeps temporary tables for the connection's life; the import drops its own
    (PostgreSQL drops them at commit)."""
    if connection.dialect.name == "postgresql":
        return
    for table in TEMPORARY_TABLES:
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{table}")


# What deciding reads of a staged entry.
ENTRY_COLUMNS = (
    "r.row_no, r.line, r.name, r.name_key, r.link_key, r.email_key, r.handle_key, r.org_key"
)


@dataclass
class Entry:
    row_no: int
    line: int
    signer: Signer


def entries_as_signers(rows: Iterable[Sequence[Any]], letter: int) -> Iterator[Entry]:
    """Staged entries (rows of `ENTRY_COLUMNS`) as signers of the letter being imported."""
    letters = frozenset({letter})
    for row_no, line, name, key, link, email, handle, org in rows:
        found = frozenset(
            identifier(kind, value)
            for kind, value in (("link", link), ("email", email), ("handle", handle))
            if value
        )
        orgs = frozenset({org} if org else ())
        yield Entry(row_no, line, Signer(name, key, found, orgs, letters))
