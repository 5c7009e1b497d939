"""Checking and keying records, a batch at a time: in the importing process for a small list,
and, once a list has shown itself large, in worker processes (`workers`: one per core) while the
importing process reads the file and loads the database. The rules are the same either way
(`rules`, `keys`: pure functions of a record); only where they run differs, and the batches come
back in the list's order, so an import's result does not depend on where its rows were checked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from tracker.importing.keys import RowKeyer
from tracker.importing.reader import Read
from tracker.importing.rules import Columns, ImportRow, RowError, RowValidator
from tracker.importing.workers import in_order
from tracker.runtime import gc_paused

BATCH_RECORDS = 5_000
PARALLEL_FROM = 40_000  # records checked in-process before workers start (a small list: all)
MAX_SAMPLES = 5


@dataclass(frozen=True, slots=True)
class Options:
    """How records are checked: `--strict`, `--dayfirst`, the database's timestamps, and a CSV
    file's columns (known once its header is read)."""

    strict: bool
    dayfirst: bool
    postgres: bool
    columns: Columns


@dataclass(slots=True)
class Checked:
    """A batch of records, checked and keyed, in the list's order: the staging values of its
    entries, the rows refused, its first entries as read, and what checking and keying noted."""

    rows: list[tuple[Any, ...]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    samples: list[ImportRow] = field(default_factory=list)
    cells_left_out: int = 0
    cell_notes: list[RowError] = field(default_factory=list)
    unusable_identifiers: int = 0
    organizations: dict[str, str] | None = None


class Checker:
    """Checks and keys batches of records, keeping what repeats across a list's rows (dates,
    affiliations, keys) between batches."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.validate = RowValidator(strict=options.strict, dayfirst=options.dayfirst)
        self.keyer = RowKeyer(postgres=options.postgres)

    def batch(self, records: list[Read], columns: Columns) -> Checked:
        with gc_paused():  # a batch's rows, entries and keys: many small objects, no cycle
            return self._batch(records, columns)

    def _batch(self, records: list[Read], columns: Columns) -> Checked:
        validate, keyer = self.validate, self.keyer
        validate.cells_left_out, validate.cell_notes = 0, []
        keyer.unusable_identifiers = 0
        keyer.spellings.found = {}
        checked = Checked()
        rows, errors, samples = checked.rows, checked.errors, checked.samples
        for record in records:
            result = record if isinstance(record, RowError) else validate.check(record, columns)
            if isinstance(result, RowError):
                errors.append(result)
                continue
            rows.append(keyer.values(result))
            if len(samples) < MAX_SAMPLES:
                samples.append(result)
        checked.cells_left_out, checked.cell_notes = validate.cells_left_out, validate.cell_notes
        checked.unusable_identifiers = keyer.unusable_identifiers
        checked.organizations = keyer.spellings.found
        return checked


_checker: Checker | None = None  # a worker's, for the import it serves


def _check_in_worker(options: Options, records: list[Read]) -> Checked:
    """A batch checked in a worker (`workers.Workers`), by the checker it keeps between batches."""
    global _checker
    if _checker is None or _checker.options != options:
        _checker = Checker(options)
    return _checker.batch(records, options.columns)


def _large(read: int, expected: Callable[[int], int | None] | None) -> bool:
    if read > PARALLEL_FROM:
        return True
    return expected is not None and (expected(read) or 0) > PARALLEL_FROM


def _batches(records: Iterable[Read]) -> Iterator[list[Read]]:
    iterator = iter(records)
    while batch := list(islice(iterator, BATCH_RECORDS)):
        yield batch


def checked_batches(
    records: Iterable[Read],
    options: Options,
    expected: Callable[[int], int | None] | None = None,
) -> Iterator[Checked]:
    """The records checked and keyed, a batch at a time, in order (see the module's doc).
    `expected(records read)` judges how many the list holds: a list that will be large gets
    its workers from its first batches, not once PARALLEL_FROM records have been checked."""
    checker = Checker(options)
    read = 0

    def large(batch: list[Read]) -> bool:
        nonlocal read
        read += len(batch)
        return _large(read, expected)

    def here(batch: list[Read]) -> Checked:
        return checker.batch(batch, options.columns)

    return in_order(_batches(records), _check_in_worker, options, large=large, here=here)
