"""An import from end to end: the file read, its records checked and keyed, staged, resolved,
and the import recorded in the history as one entry (file name, rows, checksum, what was
linked)."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import IO

from sqlalchemy import select

from tracker.db.models import HistoryEntry
from tracker.db.stored import sqlite_text
from tracker.db.uow import UnitOfWork
from tracker.domain.dates import iso, utcnow
from tracker.errors import BadInput
from tracker.importing.checking import MAX_SAMPLES, Options, checked_batches
from tracker.importing.keys import Spellings
from tracker.importing.printed import PATTERNS
from tracker.importing.reader import Page, read_records, sniff_format
from tracker.importing.resolution import Link, Resolution, resolve
from tracker.importing.rules import MAX_CELL_NOTES, Columns, ImportRow, RowError
from tracker.importing.source import InputFile
from tracker.importing.staging import Reading, Stager, drop_temporary_tables
from tracker.runtime import gc_paused, stop_if_interrupted
from tracker.services import audit
from tracker.services.letters import get_letter
from tracker.services.sources import get_source

MAX_LISTED_ERRORS = 5

Progress = Callable[..., None]  # (rows read, bytes read[, phase])
RejectSink = Callable[[RowError], None]
LinkSink = Callable[[Link], None]


@dataclass
class ImportSummary(Resolution):
    """What the resolution did (entries added, already present, new people, links, pairs to
    review), and the reading."""

    rows_read: int = 0
    rejected: int = 0
    unusable_identifiers: int = 0
    seconds: float = 0.0
    sha256: str = ""
    errors: list[RowError] = field(default_factory=list)
    imported_before: str | None = None  # when the same file went into the same letter
    cells_left_out: int = 0  # unreadable cells (dates, statuses) of entries that were kept
    cell_notes: list[RowError] = field(default_factory=list)
    samples: list[ImportRow] = field(default_factory=list)  # the first entries, as read
    page: Page | None = None  # for a Markdown or HTML page: what was left out
    mojibake: tuple[str, str] | None = None  # a word that looks like UTF-8 read wrongly

    def line(self) -> str:
        return (
            f"{self.rows_read} rows read, {self.added} added, {self.already_present} already "
            f"present, {self.rejected} rejected, {self.seconds:.1f} s"
        )

    def identity_line(self) -> str:
        return (
            f"{self.new_people} new people; {self.linked_by_identifier} entries linked to a "
            f"person by a link, e-mail or handle, {self.linked_by_name} by name alone; "
            f"{self.queued} pairs to review"
        )


def _same_file_imported(
    uow: UnitOfWork, stream: IO[bytes], *, letter_id: int, source_id: int
) -> ImportSummary | None:
    """The summary of a file already imported whole into this letter from this source: the
    same bytes again can add nothing (entries are recognised by source and place, and never
    deleted), so they are not read again. Only for a file that can be read twice, and only if
    no row of it was rejected then."""
    try:
        if not stream.seekable():
            return None
        digest = hashlib.file_digest(stream, "sha256").hexdigest()  # type: ignore[arg-type]
        stream.seek(0)
    except (OSError, ValueError):
        return None
    found = uow.session.execute(
        select(HistoryEntry.after, HistoryEntry.at)
        .where(
            HistoryEntry.action == "import",
            HistoryEntry.letter_id == letter_id,
            HistoryEntry.source_id == source_id,
            HistoryEntry.after.like(f'%"sha256": "{digest}"%'),
        )
        .order_by(HistoryEntry.id.desc())
        .limit(1)
    ).first()
    if found is None:
        return None
    earlier = json.loads(found.after)
    if earlier.get("rejected"):
        return None
    rows = int(earlier.get("rows", 0))
    return ImportSummary(
        rows_read=rows, already_present=rows, sha256=digest, imported_before=iso(found.at)
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
    on_link: LinkSink | None = None,
    strict: bool = False,
    dayfirst: bool = False,
    pattern: str = "paren",
    section: str | None = None,
) -> ImportSummary:
    """Import a signatory list into a letter, every entry as its list published it."""
    started = time.perf_counter()
    if on_error not in ("abort", "skip"):
        raise BadInput(f"--on-error is abort or skip, not '{on_error}'")
    if pattern not in PATTERNS:
        raise BadInput(f"--pattern is one of {', '.join(PATTERNS)}, not '{pattern}'")
    letter = get_letter(uow=uow, slug=slug)
    source = get_source(uow=uow, key=source_key)
    before = _same_file_imported(uow, stream, letter_id=letter.id, source_id=source.id)
    if before is not None:
        return before
    reader = InputFile(stream, encoding=encoding, label=label)
    chosen = sniff_format(reader, label) if fmt == "auto" else fmt
    connection = uow.session.connection()
    stager = Stager(connection)
    errors: list[RowError] = []
    rejected = unusable = cells_left_out = 0
    cell_notes: list[RowError] = []
    samples: list[ImportRow] = []
    spellings = Spellings()
    page = Page(section=section)
    columns = Columns()
    options = Options(strict=strict, dayfirst=dayfirst, postgres=stager.postgres, columns=columns)
    records = read_records(reader, chosen, columns, pattern, page)
    with gc_paused():  # records, batches and staged rows by the million, in no cycle
        for checked in checked_batches(records, options, reader.records_expected):
            stop_if_interrupted()
            for error in checked.errors:
                rejected += 1
                if len(errors) < MAX_LISTED_ERRORS:
                    errors.append(error)
                if reject is not None and on_error == "skip":
                    reject(error)
            stager.add(checked.rows)
            samples.extend(checked.samples[: MAX_SAMPLES - len(samples)])
            cells_left_out += checked.cells_left_out
            cell_notes.extend(checked.cell_notes[: MAX_CELL_NOTES - len(cell_notes)])
            unusable += checked.unusable_identifiers
            spellings.merge(checked.organizations)
            if progress is not None:
                progress(stager.count + rejected, reader.bytes_read)
        stager.finish()
    stop_if_interrupted()
    reading = Reading(
        stager.count,
        spellings.found,
        unusable,
        reader.sha256,
        reader.encoding,
        reader.bytes_read,
    )
    rows_read = reading.count + rejected
    if progress is not None:
        progress(rows_read, reading.bytes_read, "resolving")
    if rejected and on_error == "abort":
        hint = ""
        if reader.mojibake:
            garbled, meant = reader.mojibake
            hint = f" (the names look garbled: {garbled!r} is {meant!r} in UTF-8; check --encoding)"
        raise BadInput(
            f"{rejected} of {rows_read} rows are invalid, nothing was imported "
            f"(first: {_first_errors(errors)}){hint}; fix them, or pass --on-error skip "
            "--rejects FILE"
        )
    if rows_read == 0:
        raise BadInput(f"{label} has no rows to import")
    postgres = connection.dialect.name == "postgresql"
    now = utcnow()
    resolution = resolve(
        connection,
        staged=reading.count,
        organizations=reading.organizations,
        letter_id=letter.id,
        source_id=source.id,
        now=now if postgres else sqlite_text(now),
        on_link=on_link,
    )
    stop_if_interrupted()
    drop_temporary_tables(connection)
    summary = ImportSummary(
        **asdict(resolution),
        rows_read=rows_read,
        rejected=rejected,
        unusable_identifiers=reading.unusable_identifiers,
        seconds=time.perf_counter() - started,
        sha256=reading.sha256,
        errors=errors,
        cells_left_out=cells_left_out,
        cell_notes=cell_notes,
        samples=samples,
        page=page if chosen in ("markdown", "html") else None,
        mojibake=reader.mojibake,
    )
    audit.record(
        uow=uow,
        action="import",
        entity="signature",
        entity_id=None,
        letter_id=letter.id,
        summary=f"imported {label} into {slug}: {summary.line()}; {summary.identity_line()}",
        source_id=source.id,
        after={
            "file": label,
            "format": chosen,
            "encoding": reading.encoding,
            "rows": rows_read,
            "added": summary.added,
            "already_present": summary.already_present,
            "rejected": rejected,
            "new_people": summary.new_people,
            "linked_by_identifier": summary.linked_by_identifier,
            "linked_by_name": summary.linked_by_name,
            "queued": summary.queued,
            "unusable_identifiers": summary.unusable_identifiers,
            "cells_left_out": summary.cells_left_out,
            "sha256": reading.sha256,
        },
    )
    return summary
