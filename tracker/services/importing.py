"""Bulk import of a signatory list: streamed, set-based, one transaction, idempotent.

Rows are read, checked and keyed as they stream in, and loaded in batches into a staging table:
a CSV file in columns, by Arrow (`import_arrow`; SQLite: into a staging database file that the
import's connection attaches, PostgreSQL: through COPY); anything else, or a file that path
cannot decide, row by row (`import_reader`, `import_staging`; PostgreSQL: through COPY).
Identity, new people, organizations, roles and signatures are then resolved by a handful of
set-based SQL statements (`import_resolution`), so nothing loops over the rows twice in Python
and memory stays flat as the input grows. The history records the import as one entry: file
name, rows, checksum.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection

from tracker.db.engine import ATTACH, sqlite_text
from tracker.db.uow import UnitOfWork
from tracker.domain.dates import utcnow
from tracker.errors import BadInput
from tracker.services import audit
from tracker.services.import_reader import InputFile, RowError, read_rows, sniff_format
from tracker.services.import_resolution import Resolution, resolve
from tracker.services.import_staging import (
    BATCH,
    Reading,
    Stager,
    drop_temporary_tables,
    finish_staging,
    staging_tables_sql,
    tune_sqlite_caches,
)
from tracker.services.letters import get_letter
from tracker.services.sources import get_source

MAX_LISTED_ERRORS = 5
STAGING_SCHEMA = "import_staging"  # the attached staging database of the columnar path

Progress = Callable[..., None]  # (rows read, bytes read[, phase])
RejectSink = Callable[[RowError], None]


@dataclass
class ImportSummary(Resolution):
    """What the resolution did (added, new people and roles, near misses), and the reading."""

    rows_read: int = 0
    already_present: int = 0
    rejected: int = 0
    seconds: float = 0.0
    sha256: str = ""
    errors: list[RowError] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"{self.rows_read} rows read, {self.added} added, {self.already_present} already "
            f"present, {self.rejected} rejected, {self.seconds:.1f} s"
        )


def _first_errors(errors: Iterable[RowError]) -> str:
    return "; ".join(f"line {e.line}: {e.reason}" for e in errors)


@dataclass
class _Staged:
    """The staging table, filled: in which connection, for which letter and source, what the
    reading found, and the rows it rejected."""

    connection: Connection
    letter_id: int
    source_id: int
    reading: Reading
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)


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
    workdir: Path | None = None,
) -> ImportSummary:
    """Import a signatory list. A CSV file is staged in columns where it can be: on PostgreSQL,
    and on SQLite given `workdir` (a scratch folder that outlives the unit of work, for the
    staging file)."""
    started = time.perf_counter()
    if on_error not in ("abort", "skip"):
        raise BadInput(f"--on-error is abort or skip, not '{on_error}'")
    reader = InputFile(stream, encoding=encoding, label=label)
    chosen = sniff_format(reader, label) if fmt == "auto" else fmt
    staged = None
    if _columnar_possible(uow, stream, chosen, encoding, workdir):
        staged = _stage_in_columns(uow, slug, source_key, stream, label, workdir, progress)
        if staged is None:  # the file needs the row-by-row reader after all
            stream.seek(0)
            reader = InputFile(stream, encoding=encoding, label=label)
    if staged is None:
        staged = _stage_row_by_row(
            uow, slug, source_key, reader, chosen, on_error, reject, progress
        )
    reading = staged.reading
    rows_read = reading.count + staged.rejected
    if progress is not None:
        progress(rows_read, reading.bytes_read, "resolving")
    rejected, errors = staged.rejected, staged.errors
    if rejected and on_error == "abort":
        raise BadInput(
            f"{rejected} of {rows_read} rows are invalid, nothing was imported "
            f"(first: {_first_errors(errors)}); fix them, or pass --on-error skip --rejects FILE"
        )
    if rows_read == 0:
        raise BadInput(f"{label} has no rows to import")
    connection = staged.connection
    postgres = connection.dialect.name == "postgresql"
    now = utcnow()
    resolution = resolve(
        connection,
        staged=reading.count,
        organizations=reading.organizations,
        letter_id=staged.letter_id,
        source_id=staged.source_id,
        now=now if postgres else sqlite_text(now),
    )
    if not postgres:
        drop_temporary_tables(connection, missing_ok=True)
    summary = ImportSummary(
        **asdict(resolution),
        rows_read=rows_read,
        already_present=rows_read - rejected - resolution.added,
        rejected=rejected,
        seconds=time.perf_counter() - started,
        sha256=reading.sha256,
        errors=errors,
    )
    audit.record(
        uow=uow,
        action="import",
        entity="signature",
        entity_id=None,
        letter_id=staged.letter_id,
        summary=f"imported {label} into {slug}: {summary.line()}",
        source_id=staged.source_id,
        after={
            "file": label,
            "format": chosen,
            "encoding": reading.encoding,
            "rows": rows_read,
            "added": summary.added,
            "already_present": summary.already_present,
            "rejected": rejected,
            "new_people": summary.new_people,
            "sha256": reading.sha256,
        },
    )
    return summary


def _stage_row_by_row(
    uow: UnitOfWork,
    slug: str,
    source_key: str,
    reader: InputFile,
    fmt: str,
    on_error: str,
    reject: RejectSink | None,
    progress: Progress | None,
) -> _Staged:
    letter = get_letter(uow=uow, slug=slug)
    source = get_source(uow=uow, key=source_key)
    connection = uow.session.connection()
    stager = Stager(connection)
    errors: list[RowError] = []
    rejected = 0
    for result in read_rows(reader, fmt):
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
    stager.finish()
    reading = Reading(
        stager.count, stager.organizations, reader.sha256, reader.encoding, reader.bytes_read
    )
    return _Staged(connection, letter.id, source.id, reading, rejected, errors)


def _columnar_possible(
    uow: UnitOfWork, stream: IO[bytes], fmt: str, encoding: str | None, workdir: Path | None
) -> bool:
    if uow.dialect == "sqlite" and (workdir is None or uow.session.in_transaction()):
        return False  # a staging file, attached as the import's transaction begins
    from tracker.services.import_arrow import can_stage

    return can_stage(stream, fmt=fmt, encoding=encoding)


def _stage_in_columns(
    uow: UnitOfWork,
    slug: str,
    source_key: str,
    stream: IO[bytes],
    label: str,
    workdir: Path | None,
    progress: Progress | None,
) -> _Staged | None:
    """Stage a CSV file in columns (`import_arrow`); None if the file needs the row-by-row
    reader. SQLite: into a staging file, then the import's transaction begins with that file
    attached. PostgreSQL: through COPY into the transaction's staging table, undone (to a
    savepoint) if the file needs the row-by-row reader after all."""
    from tracker.services.import_arrow import NotFast, stage_csv
    from tracker.services.import_arrow_staging import copy_batches, write_staging_file

    if uow.dialect == "postgresql":
        letter, source = get_letter(uow=uow, slug=slug), get_source(uow=uow, key=source_key)
        try:
            with uow.session.begin_nested():
                connection = uow.session.connection()  # SAVEPOINT, as the connection is taken
                for sql in staging_tables_sql(postgres=True):
                    connection.exec_driver_sql(sql)
                write = partial(copy_batches, connection)
                done = stage_csv(stream, label=label, write=write, progress=progress)
                finish_staging(connection)
        except NotFast:
            return None
    else:
        with UnitOfWork(uow.engine, readonly=True) as check:  # a wrong letter or source fails fast
            get_letter(uow=check, slug=slug)
            get_source(uow=check, key=source_key)
        assert workdir is not None  # see _columnar_possible
        staging = workdir / "staging.db"
        staging.unlink(missing_ok=True)
        try:
            done = stage_csv(
                stream, label=label, write=partial(write_staging_file, staging), progress=progress
            )
        except NotFast:
            staging.unlink(missing_ok=True)
            return None
        attach: dict[str, Any] = {ATTACH: {STAGING_SCHEMA: staging}}
        connection = uow.session.connection(execution_options=attach)
        tune_sqlite_caches(connection, attached=STAGING_SCHEMA)
        drop_temporary_tables(connection, missing_ok=True)  # left by an import that failed here
        letter, source = get_letter(uow=uow, slug=slug), get_source(uow=uow, key=source_key)
    return _Staged(connection, letter.id, source.id, done)
