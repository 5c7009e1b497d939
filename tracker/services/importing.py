"""Bulk import of a signatory list: streamed, set-based, one transaction, idempotent.

Rows are read and checked as they stream in (`import_reader`), keyed and loaded in batches into a
temporary staging table (`import_staging`; PostgreSQL: through COPY). Identity, new people,
organizations, roles and signatures are then resolved by a handful of set-based SQL statements
(`import_resolution`), so nothing loops over the rows twice in Python and memory stays flat as
the input grows. The history records the import as one entry: file name, rows, checksum.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import IO

from tracker.db.engine import sqlite_text
from tracker.db.uow import UnitOfWork
from tracker.domain.dates import utcnow
from tracker.errors import BadInput
from tracker.services import audit
from tracker.services.import_reader import InputFile, RowError, read_rows, sniff_format
from tracker.services.import_resolution import Resolution, resolve
from tracker.services.import_staging import BATCH, Stager
from tracker.services.letters import get_letter
from tracker.services.sources import get_source

MAX_LISTED_ERRORS = 5

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
    stager = Stager(connection)
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
    resolution = resolve(
        connection,
        staged=stager.count,
        organizations=stager.organizations,
        letter_id=letter.id,
        source_id=source.id,
        now=now if stager.postgres else sqlite_text(now),
    )
    stager.drop()
    summary = ImportSummary(
        **asdict(resolution),
        rows_read=rows_read,
        already_present=rows_read - rejected - resolution.added,
        rejected=rejected,
        seconds=time.perf_counter() - started,
        sha256=reader.sha256,
        errors=errors,
    )
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
