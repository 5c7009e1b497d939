"""Staging: checked rows, keyed, loaded in batches into the import's temporary table.

Every row the reader yields is keyed here (its name key and blocking keys, its identifiers'
keys, its affiliation's key) and goes into `import_rows` (SQLite: `executemany`; PostgreSQL:
COPY, through `tracker.db.bulk`). The affiliations of the file are collected on the way (they
are few), so they need not be grouped from a million rows later.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from tracker.db.bulk import copy_rows, on_commit_drop, tune_for_bulk
from tracker.db.engine import sqlite_text
from tracker.domain.identifiers import identifiers
from tracker.domain.names import blocking_keys, name_key
from tracker.importing.reader import ImportRow

BATCH = 20_000
MAX_TRACKED_ORGANIZATIONS = 100_000
# The staging table, and the tables `resolution` derives from it.
TEMPORARY_TABLES = ("import_rows", "import_known", "import_repeats", "import_people", "import_orgs")

STAGING_COLUMNS = (
    "row_no",
    "line",
    "name",
    "name_key",
    "last_key",
    "first_key",
    "title",
    "affiliation",
    "org_key",
    "link",
    "email",
    "handle",
    "location",
    "extra",
    "link_key",
    "email_key",
    "handle_key",
    "signed_at",
    "position",
    "status",
)
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
    """A checked row's staging values: its keys, its identifiers' keys, its organization's key,
    its timestamp as the database stores it."""

    def __init__(self, *, postgres: bool) -> None:
        self.postgres = postgres
        self.organizations = Organizations()
        self.unusable_identifiers = 0
        self._stamps: dict[Any, Any] = {}

    def stamp(self, signed: Any) -> Any:
        if self.postgres or signed is None:
            return signed
        found = self._stamps.get(signed)
        if found is None:
            found = self._stamps[signed] = sqlite_text(signed)
        return found

    def values(self, row: ImportRow) -> tuple[Any, ...]:
        key = name_key(row.name)
        blocks = blocking_keys(row.name, key)
        affiliation = row.affiliation
        org_key = self.organizations.key(affiliation) if affiliation else None
        keys: dict[str, str | None] = {"link": None, "email": None, "handle": None}
        given = sum(1 for value in (row.link, row.email, row.handle) if value)
        found = identifiers(link=row.link, email=row.email, handle=row.handle)
        for identifier in found:
            keys[identifier.kind] = keys[identifier.kind] or identifier.key
        self.unusable_identifiers += max(0, given - len(found))
        return (
            row.entry,
            row.line,
            row.name,
            key,
            blocks.last,
            blocks.first,
            row.title,
            affiliation,
            org_key,
            row.link,
            row.email,
            row.handle,
            row.location,
            row.extra,
            keys["link"],
            keys["email"],
            keys["handle"],
            self.stamp(row.signed_at),
            row.position,
            row.status,
        )


class Stager:
    """Loads checked rows, one by one, into the temporary staging table in batches."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"
        self.keyer = RowKeyer(postgres=self.postgres)
        self.batch: list[tuple[Any, ...]] = []
        self.count = 0
        if not self.postgres:
            tune_for_bulk(connection)
            drop_temporary_tables(connection)  # left by an import that failed on this connection
        connection.exec_driver_sql(staging_table_sql(postgres=self.postgres))

    @property
    def organizations(self) -> dict[str, str] | None:
        return self.keyer.organizations.spellings

    def add(self, row: ImportRow) -> None:
        self.count += 1
        self.batch.append(self.keyer.values(row))
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
