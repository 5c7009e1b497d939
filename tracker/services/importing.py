"""Bulk import of a signatory list: streamed, set-based, one transaction, idempotent.

Rows are validated and keyed in Python as they stream in, and loaded in batches into a temporary
staging table (PostgreSQL: through COPY). Identity, new people, organizations, roles and
signatures are then resolved by a handful of set-based SQL statements, so nothing loops over the
rows twice in Python and memory stays flat as the input grows. The history records the import as
one entry: file name, rows, checksum.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import Connection, Table, text

from tracker.db.engine import sqlite_text
from tracker.db.models import Base
from tracker.db.uow import UnitOfWork
from tracker.domain.dates import utcnow
from tracker.domain.matching import likeness
from tracker.domain.names import blocking_keys, name_key
from tracker.errors import BadInput
from tracker.services import audit
from tracker.services.import_reader import ImportRow, InputFile, RowError, read_rows, sniff_format
from tracker.services.letters import get_letter
from tracker.services.sources import get_source

BATCH = 20_000
REBUILD_INDEXES_FROM = 50_000
PEOPLE, ROLES, SIGNATURES = (
    Base.metadata.tables[name] for name in ("people", "roles", "signatures")
)
SQLITE_CACHE_KIB = 96 * 1024
MAX_LISTED_ERRORS = 5
NEAR_MISS_SAMPLE = 20_000

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
    organization TEXT, org_key TEXT, signed_at {timestamp}, position INTEGER, status TEXT NOT NULL,
    person_id INTEGER
){suffix}
"""

Progress = Callable[..., None]  # (rows read, bytes read[, phase])
RejectSink = Callable[[RowError], None]


@dataclass
class ImportSummary:
    rows_read: int = 0
    added: int = 0
    already_present: int = 0
    rejected: int = 0
    new_people: int = 0
    new_roles: int = 0
    near_misses: int = 0
    seconds: float = 0.0
    sha256: str = ""
    errors: list[RowError] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"{self.rows_read} rows read, {self.added} added, {self.already_present} already "
            f"present, {self.rejected} rejected, {self.seconds:.1f} s"
        )


class _Stager:
    """Loads validated rows into the staging table in batches."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"
        self.batch: list[tuple[Any, ...]] = []
        self.count = 0
        self.org_keys: dict[str, str] = {}
        self.stamps: dict[Any, Any] = {}
        timestamp = "TIMESTAMP" if self.postgres else "TEXT"
        suffix = " ON COMMIT DROP" if self.postgres else ""
        if not self.postgres:
            # A bigger page cache for this connection: index inserts stay in memory.
            connection.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
            connection.exec_driver_sql("DROP TABLE IF EXISTS temp.import_rows")
        connection.exec_driver_sql(_CREATE_STAGING.format(timestamp=timestamp, suffix=suffix))

    def _org_key(self, organization: str) -> str:
        found = self.org_keys.get(organization)
        if found is None:
            found = name_key(organization)
            if len(self.org_keys) < 100_000:
                self.org_keys[organization] = found
        return found

    def add(self, row: ImportRow) -> None:
        key = name_key(row.name)
        blocks = blocking_keys(key)
        org_key = self._org_key(row.organization) if row.organization else None
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


def _first_errors(errors: Iterable[RowError]) -> str:
    return "; ".join(f"line {e.line}: {e.reason}" for e in errors)


def _has_rows(connection: Connection, table: str) -> bool:
    return connection.execute(text(f"SELECT 1 FROM {table} LIMIT 1")).first() is not None


# The set-based resolution, in order. Each statement reads the staging table `import_rows`.
_MATCH_PEOPLE = (
    "UPDATE import_rows SET person_id = m.id FROM (SELECT p.name_key, min(p.id) AS id "
    "FROM people p JOIN import_rows r ON r.name_key = p.name_key GROUP BY p.name_key) m "
    "WHERE m.name_key = import_rows.name_key"
)
_MATCH_ALIASES = (
    "UPDATE import_rows SET person_id = m.id FROM (SELECT a.alias_key, min(a.person_id) AS id "
    "FROM aliases a JOIN import_rows r ON r.name_key = a.alias_key GROUP BY a.alias_key) m "
    "WHERE m.alias_key = import_rows.name_key AND import_rows.person_id IS NULL"
)
# Within one file, rows with the same key are one person: the first row names them.
_ADD_PEOPLE = (
    "INSERT INTO people (name, name_key, last_key, first_key, source_id, created_at) "
    "SELECT r.name, r.name_key, r.last_key, r.first_key, :source, :now FROM import_rows r "
    "WHERE r.person_id IS NULL AND NOT EXISTS (SELECT 1 FROM import_rows e "
    "WHERE e.name_key = r.name_key AND e.row_no < r.row_no) ORDER BY r.row_no"
)
_LINK_NEW_PEOPLE = (
    "UPDATE import_rows SET person_id = p.id FROM people p "
    "WHERE p.id > :max_before AND p.name_key = import_rows.name_key "
    "AND import_rows.person_id IS NULL"
)
_ADD_ORGANIZATIONS = (
    "INSERT INTO organizations (name, name_key, source_id) "
    "SELECT min(r.organization), r.org_key, :source FROM import_rows r "
    "WHERE r.org_key IS NOT NULL "
    "AND NOT EXISTS (SELECT 1 FROM organizations o WHERE o.name_key = r.org_key) "
    "AND NOT EXISTS (SELECT 1 FROM organization_aliases a WHERE a.alias_key = r.org_key) "
    "GROUP BY r.org_key"
)
# Roles join their organization by key (or an organization alias's key) as they are inserted.
_ADD_ROLES = (
    "INSERT INTO roles (person_id, organization_id, title, source_id, created_at) "
    "SELECT DISTINCT m.person_id, m.organization_id, m.title, :source, :now FROM ("
    "SELECT r.person_id, coalesce(o.id, a.organization_id) AS organization_id, r.title "
    "FROM import_rows r "
    "LEFT JOIN organizations o ON o.name_key = r.org_key "
    "LEFT JOIN organization_aliases a ON a.alias_key = r.org_key "
    "WHERE r.title IS NOT NULL AND r.org_key IS NOT NULL) m "
    "WHERE NOT EXISTS (SELECT 1 FROM roles x WHERE x.person_id = m.person_id "
    "AND x.organization_id = m.organization_id AND x.title = m.title)"
)
_ADD_SIGNATURES = (
    "INSERT INTO signatures (letter_id, person_id, position, as_written, status, signed_at, "
    "source_id, created_at) "
    "SELECT :letter, r.person_id, r.position, r.name, r.status, r.signed_at, :source, :now "
    "FROM import_rows r WHERE NOT EXISTS (SELECT 1 FROM import_rows e "
    "WHERE e.person_id = r.person_id AND e.row_no < r.row_no) "
    "AND NOT EXISTS (SELECT 1 FROM signatures s WHERE s.letter_id = :letter "
    "AND s.person_id = r.person_id) ORDER BY r.row_no"
)


@contextmanager
def _indexes_rebuilt_after(connection: Connection, table: Table, staged: int) -> Iterator[None]:
    """On SQLite, a large load goes faster into a table without its secondary indexes, which are
    then rebuilt by one sort each. All of it happens inside the import's transaction: readers
    keep seeing the old table and indexes (WAL), and a crash rolls back to them."""
    if connection.dialect.name != "sqlite" or staged < REBUILD_INDEXES_FROM:
        yield
        return
    existing = connection.execute(text(f"SELECT count(*) FROM {table.name}")).scalar_one()
    if existing > staged:
        yield  # a small addition to a big table: keep the indexes
        return
    indexes = sorted(table.indexes, key=lambda index: str(index.name))
    for index in indexes:
        index.drop(connection)
    yield
    for index in indexes:
        index.create(connection)


def _resolve(
    connection: Connection, *, letter_id: int, source_id: int, now: Any, staged: int
) -> ImportSummary:
    """Set-based: match people, add new ones, organizations, roles and signatures."""

    def run(sql: str, **params: Any) -> int:
        return connection.execute(text(sql), params).rowcount

    summary = ImportSummary()
    run("CREATE INDEX import_rows_key ON import_rows (name_key, row_no)")
    if connection.dialect.name == "postgresql":
        run("ANALYZE import_rows")
    if _has_rows(connection, "people"):
        run(_MATCH_PEOPLE)
    if _has_rows(connection, "aliases"):
        run(_MATCH_ALIASES)
    max_before = connection.execute(text("SELECT coalesce(max(id), 0) FROM people")).scalar_one()
    with _indexes_rebuilt_after(connection, PEOPLE, staged):
        summary.new_people = run(_ADD_PEOPLE, source=source_id, now=now)
    if summary.new_people:
        run(_LINK_NEW_PEOPLE, max_before=max_before)
        run("CREATE INDEX import_rows_person ON import_rows (person_id, row_no)")
    if connection.execute(
        text("SELECT 1 FROM import_rows WHERE org_key IS NOT NULL LIMIT 1")
    ).first():
        run(_ADD_ORGANIZATIONS, source=source_id)
        with _indexes_rebuilt_after(connection, ROLES, staged):
            summary.new_roles = run(_ADD_ROLES, source=source_id, now=now)
    if not summary.new_people:  # all known people: signatures need the person index
        run("CREATE INDEX import_rows_person ON import_rows (person_id, row_no)")
    with _indexes_rebuilt_after(connection, SIGNATURES, staged):
        summary.added = run(_ADD_SIGNATURES, letter=letter_id, source=source_id, now=now)
    if summary.new_people and max_before:
        summary.near_misses = _count_near_misses(connection, max_before)
    return summary


def _count_near_misses(connection: Connection, max_before: int) -> int:
    """New people who probably are someone already known (sampled past NEAR_MISS_SAMPLE pairs)."""
    pairs = connection.execute(
        text(
            "SELECT n.id, n.name_key, o.name_key FROM people n JOIN people o "
            "ON (o.last_key = n.last_key OR o.first_key = n.first_key) AND o.id <= :max_before "
            "AND o.name_key <> n.name_key WHERE n.id > :max_before LIMIT :limit"
        ),
        {"max_before": max_before, "limit": NEAR_MISS_SAMPLE},
    )
    return len({pid for pid, new, old in pairs if likeness(new, old) is not None})


def import_signatories(
    *,
    uow: UnitOfWork,
    slug: str,
    source_key: str,
    stream: IO[bytes],
    label: str,
    fmt: str = "auto",
    encoding: str | None = None,
    on_error: str = "abort",
    reject: RejectSink | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    started = time.perf_counter()
    if on_error not in ("abort", "skip"):
        raise BadInput(f"--on-error is abort or skip, not '{on_error}'")
    letter = get_letter(uow=uow, slug=slug)
    source = get_source(uow=uow, key=source_key)
    reader = InputFile(stream, encoding=encoding, label=label)
    chosen = sniff_format(reader, label) if fmt == "auto" else fmt
    connection = uow.session.connection()
    stager = _Stager(connection)
    errors: list[RowError] = []
    rejected = 0
    for result in read_rows(reader, chosen):
        if isinstance(result, RowError):
            rejected += 1
            if len(errors) < MAX_LISTED_ERRORS:
                errors.append(result)
            if reject is not None and on_error == "skip":
                reject(result)
            continue
        stager.add(result)
        if progress is not None and stager.count % BATCH == 0:
            progress(stager.count + rejected, reader.bytes_read)
    stager.flush()
    rows_read = stager.count + rejected
    if progress is not None:
        progress(rows_read, reader.bytes_read, "resolving")
    if rejected and on_error == "abort":
        raise BadInput(
            f"{rejected} of {rows_read} rows are invalid, nothing was imported "
            f"(first: {_first_errors(errors)}); fix them, or pass --on-error skip --rejects FILE"
        )
    if rows_read == 0:
        raise BadInput(f"{label} has no rows to import")
    now = utcnow()
    summary = _resolve(
        connection,
        staged=stager.count,
        letter_id=letter.id,
        source_id=source.id,
        now=now if stager.postgres else sqlite_text(now),
    )
    if not stager.postgres:
        connection.exec_driver_sql("DROP TABLE temp.import_rows")
    summary.rows_read = rows_read
    summary.rejected = rejected
    summary.already_present = rows_read - rejected - summary.added
    summary.errors = errors
    summary.sha256 = reader.sha256
    summary.seconds = time.perf_counter() - started
    audit.record(
        uow=uow,
        action="import",
        entity="signature",
        entity_id=None,
        letter_id=letter.id,
        summary=f"imported {label} into {slug}: {summary.line()}",
        source_id=source.id,
        after={
            "file": label,
            "format": chosen,
            "encoding": reader.encoding,
            "rows": rows_read,
            "added": summary.added,
            "already_present": summary.already_present,
            "rejected": rejected,
            "new_people": summary.new_people,
            "sha256": reader.sha256,
        },
    )
    return summary
