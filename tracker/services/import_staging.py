"""Staging for the bulk import: validated rows, keyed, loaded in batches into a temporary table.

SQLite: `executemany` into `temp.import_rows`; PostgreSQL: COPY. The organizations of the file are
collected on the way (they are few), so they need not be grouped from a million rows later.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from tracker.db.engine import sqlite_text
from tracker.domain.names import blocking_keys, name_key
from tracker.services.import_reader import ImportRow

BATCH = 20_000
SQLITE_CACHE_KIB = 64 * 1024
SQLITE_TEMP_CACHE_KIB = 32 * 1024
MAX_TRACKED_ORGANIZATIONS = 100_000
# The staging table, and the tables `import_resolution` derives from it.
TEMPORARY_TABLES = ("import_rows", "import_people", "import_orgs")

STAGING_COLUMNS = (
    "row_no",
    "line",
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
CREATE TEMPORARY TABLE import_rows (
    row_no INTEGER PRIMARY KEY, line INTEGER NOT NULL, name TEXT NOT NULL,
    name_key TEXT NOT NULL, last_key TEXT NOT NULL, first_key TEXT NOT NULL, title TEXT,
    organization TEXT, org_key TEXT, signed_at {timestamp}, position INTEGER, status TEXT NOT NULL
){suffix}
"""


def temporary_suffix(connection: Connection) -> str:
    """How a staging table's CREATE ends: PostgreSQL drops it at commit; SQLite keeps temporary
    tables for the connection, so `Stager.drop` drops them."""
    return " ON COMMIT DROP" if connection.dialect.name == "postgresql" else ""


class Stager:
    """Loads validated rows into the staging table in batches."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"
        self.batch: list[tuple[Any, ...]] = []
        self.count = 0
        self.org_keys: dict[str, str] = {}
        # Each organization key with its first spelling in sort order (what the new organization
        # is called), while there are few; None once there are too many to keep.
        self.organizations: dict[str, str] | None = {}
        self.stamps: dict[Any, Any] = {}
        timestamp = "TIMESTAMP" if self.postgres else "TEXT"
        suffix = temporary_suffix(connection)
        if not self.postgres:
            # Bigger page caches for this connection, for the database and for the temporary
            # one that holds the staging tables: index inserts and lookups stay in memory.
            connection.exec_driver_sql(f"PRAGMA main.cache_size = -{SQLITE_CACHE_KIB}")
            connection.exec_driver_sql(f"PRAGMA temp.cache_size = -{SQLITE_TEMP_CACHE_KIB}")
            self.drop(missing_ok=True)  # left by an import that failed on this connection
        connection.exec_driver_sql(_CREATE_STAGING.format(timestamp=timestamp, suffix=suffix))

    def _org_key(self, organization: str) -> str:
        found = self.org_keys.get(organization)
        if found is None:
            found = name_key(organization)
            if len(self.org_keys) < MAX_TRACKED_ORGANIZATIONS:
                self.org_keys[organization] = found
        return found

    def _track(self, org_key: str, organization: str) -> None:
        if self.organizations is None:
            return
        known = self.organizations.get(org_key)
        if known is None and len(self.organizations) >= MAX_TRACKED_ORGANIZATIONS:
            self.organizations = None  # too many to keep: the staging table groups them
        elif known is None or organization < known:
            self.organizations[org_key] = organization

    def add(self, row: ImportRow) -> None:
        key = name_key(row.name)
        blocks = blocking_keys(key)
        organization = row.organization
        org_key = None
        if organization:
            org_key = self._org_key(organization)
            self._track(org_key, organization)
        self.count += 1
        signed = row.signed_at
        if not self.postgres and signed is not None:
            stamp = self.stamps.get(signed)
            if stamp is None:
                stamp = self.stamps[signed] = sqlite_text(signed)
            signed = stamp
        self.batch.append(
            (
                self.count,
                row.line,
                row.name,
                key,
                blocks.last,
                blocks.first,
                row.title,
                row.organization,
                org_key,
                signed,
                row.position,
                row.status,
            )
        )
        if len(self.batch) >= BATCH:
            self.flush()

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
        for table in TEMPORARY_TABLES:
            exists = " IF EXISTS" if missing_ok else ""
            self.connection.exec_driver_sql(f"DROP TABLE{exists} temp.{table}")
