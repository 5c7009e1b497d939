"""The fast way in for a CSV file: read, checked and keyed in columns.

Arrow's CSV reader parses the file in blocks. Each block's printable-ASCII cells (most cells of a
real list) are checked and keyed with Arrow compute kernels, the other rows by the row-by-row
validator and keyer; the staged blocks then go to a staging table (`import_arrow_staging`).

The row-by-row reader (`import_reader`) stays the reference. This path takes a file only where
it decides it exactly as that reader would. Anything else (a row that may be invalid, a ragged
row, quoting that Python's csv module refuses, bytes that are not UTF-8, a lone carriage return)
raises `NotFast`, and the import reads the file again row by row, which reports each problem
with its line.
"""

from __future__ import annotations

import csv
import hashlib
import io
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from tracker.errors import BadInput
from tracker.services.import_arrow_staging import lean_memory
from tracker.services.import_columns import (
    STAGING_SCHEMA,
    TEXT,
    NotFast,
    blocking_keys,
    display_cells,
    name_keys,
    positions,
    statuses,
    text_cells,
)
from tracker.services.import_reader import (
    COLUMNS,
    InputFile,
    RowValidator,
    check_columns,
    csv_shape,
)
from tracker.services.import_staging import Reading, RowKeyer

# Arrow parses the file in blocks of this size (about 20,000 rows of a typical list), on the
# thread that makes the staged batches; its own read-ahead threads would hold more blocks at
# once, for no gain. Each block's columns and their intermediates live at the same time: at
# 4 MiB a 1,000,000-row import peaked 12 MiB higher, at 8 MiB 58 MiB higher.
BLOCK_BYTES = 1 << 20

__all__ = ["NotFast", "can_stage", "stage_csv"]


def can_stage(stream: IO[bytes], *, fmt: str, encoding: str | None) -> bool:
    """A CSV file on disk in the default encoding (UTF-8, with or without BOM)."""
    if fmt != "csv" or encoding is not None:
        return False
    name = getattr(stream, "name", None)
    try:
        return isinstance(name, str) and Path(name).is_file() and bool(stream.seekable())
    except (OSError, ValueError):
        return False


Write = Callable[[Iterable[pa.RecordBatch]], None]


def stage_csv(
    stream: IO[bytes],
    *,
    label: str,
    write: Write,
    progress: Callable[[int, int], None] | None = None,
) -> Reading:
    """Stage a CSV file: its staged batches go to `write` (`import_arrow_staging`); `NotFast`
    if the file needs the row-by-row reader."""
    with lean_memory():
        return _stage_csv(stream, label=label, write=write, progress=progress)


def _stage_csv(
    stream: IO[bytes],
    *,
    label: str,
    write: Write,
    progress: Callable[[int, int], None] | None,
) -> Reading:
    stream.seek(0)
    head = InputFile(stream, encoding=None, label=label)
    if head.encoding not in ("utf-8", "utf-8-sig"):
        raise NotFast("not UTF-8")
    try:
        raw_header = next(csv.reader(io.StringIO(head.head_text(BLOCK_BYTES)), strict=True))
    except (StopIteration, csv.Error):
        raise NotFast("no header Python's csv module reads") from None
    stream.seek(0)
    tap = _Tap(stream, label)
    try:
        reader = _open(tap, raw_header)
    except (pa.ArrowException, OSError):
        raise NotFast("Arrow cannot read it") from None
    if reader.schema.names != raw_header:
        raise NotFast("Arrow reads the header differently")
    columns = [name.strip() for name in raw_header]
    check_columns(columns)
    blocks = _Blocks(reader, dict(zip(columns, raw_header, strict=True)), tap, progress)
    write(blocks)
    tap.finish()
    verified = tap.verified()
    if verified is not None and verified != (raw_header, blocks.count):
        raise NotFast("Python's csv module reads this file differently")
    return Reading(
        count=blocks.count,
        organizations=blocks.keyer.organizations.spellings,
        sha256=tap.digest.hexdigest(),
        encoding=head.encoding,
        bytes_read=tap.bytes_read,
    )


def _open(tap: _Tap, header: list[str]) -> pcsv.CSVStreamingReader:
    return pcsv.open_csv(
        pa.PythonFile(tap, mode="r"),
        read_options=pcsv.ReadOptions(block_size=BLOCK_BYTES, use_threads=False),
        parse_options=pcsv.ParseOptions(newlines_in_values=True),
        convert_options=pcsv.ConvertOptions(
            column_types=dict.fromkeys(header, TEXT),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


class _Tap:
    """The file as Arrow reads it: hashed and counted, and watched for what Arrow's CSV parser
    reads differently from Python's csv module (quotes, lone carriage returns)."""

    def __init__(self, stream: IO[bytes], label: str) -> None:
        self.stream = stream
        self.label = label
        self.digest = hashlib.sha256()
        self.bytes_read = 0
        self.closed = False
        self._cr_pending = False
        self._lone_cr = False
        self._check: threading.Thread | None = None
        self._shape: list[Any] = []

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.digest.update(data)
        self.bytes_read += len(data)
        self._watch(data)
        return data

    def _watch(self, data: bytes) -> None:
        if self._cr_pending and not data.startswith(b"\n"):
            self._lone_cr = True
        crs = data.count(b"\r")
        if crs:
            self._cr_pending = data.endswith(b"\r")
            if crs - data.count(b"\r\n") - self._cr_pending:
                self._lone_cr = True
        else:
            self._cr_pending = False
        if self._check is None and b'"' in data:
            # Quoted cells: Arrow accepts text after a closing quote, which Python's csv module
            # (strict) refuses. Python reads the file alongside, and both must agree.
            self._check = threading.Thread(target=self._python_shape, daemon=True)
            self._check.start()

    def _python_shape(self) -> None:
        with Path(self.stream.name).open("rb") as again:
            self._shape.append(csv_shape(InputFile(again, encoding=None, label=self.label)))

    def finish(self) -> None:
        if self._cr_pending:
            self._lone_cr = True
        if self._lone_cr:
            raise NotFast("a carriage return that does not end a line")

    def verified(self) -> tuple[list[str], int] | None:
        """How Python's csv module reads the file, if it had to be asked; NotFast if it refuses."""
        if self._check is None:
            return None
        self._check.join()
        shape = self._shape[0] if self._shape else None
        if shape is None:
            raise NotFast("Python's csv module refuses this file")
        header, rows = shape
        return header, rows

    def seekable(self) -> bool:
        return False

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.closed = True


@dataclass
class _Blocks:
    """The staged blocks of the file, in order, as Arrow record batches of `STAGING_SCHEMA`."""

    reader: pcsv.CSVStreamingReader
    raw_names: dict[str, str]  # column -> the header's cell as written
    tap: _Tap
    progress: Callable[[int, int], None] | None
    count: int = 0
    keyer: RowKeyer = field(default_factory=lambda: RowKeyer(postgres=False))
    validate: RowValidator = field(default_factory=RowValidator)

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        try:
            for batch in self.reader:
                yield from self._stage(batch)
                if self.progress is not None:
                    self.progress(self.count, self.tap.bytes_read)
        except pa.ArrowException:
            raise NotFast("Arrow cannot parse it") from None

    def _cells(self, batch: pa.RecordBatch, column: str) -> pa.Array | None:
        raw = self.raw_names.get(column)
        return None if raw is None else batch.column(raw)

    def _stage(self, batch: pa.RecordBatch) -> Iterator[pa.RecordBatch]:
        first = self.count + 1
        self.count += batch.num_rows
        if not batch.num_rows:
            return
        plain = None
        for column in COLUMNS:
            cells = self._cells(batch, column)
            if cells is not None:
                # Printable ASCII only, or empty (which `ascii_is_printable` calls false).
                printable = pc.or_(pc.ascii_is_printable(cells), pc.equal(cells, ""))
                plain = printable if plain is None else pc.and_(plain, printable)
        assert plain is not None  # the header has a name column
        if pc.all(plain).as_py():
            yield self._plain(batch, np.arange(first, first + batch.num_rows))
            return
        numbers = np.arange(first, first + batch.num_rows)
        mask = plain.to_numpy(zero_copy_only=False)
        if mask.any():
            yield self._plain(batch.filter(plain), numbers[mask])
        yield self._by_row(batch.filter(pc.invert(plain)), numbers[~mask])

    def _by_row(self, batch: pa.RecordBatch, numbers: np.ndarray) -> pa.RecordBatch:
        """Rows with other than printable ASCII: the row-by-row validator and keyer."""
        staged = []
        for row_no, cells in zip(numbers.tolist(), batch.to_pylist(), strict=True):
            raw = {column: cells[name] for column, name in self.raw_names.items()}
            try:
                row = self.validate(0, raw)
            except BadInput:
                raise NotFast("a row the row-by-row reader must report") from None
            staged.append(self.keyer.values(row_no, row))
        return pa.RecordBatch.from_arrays(
            [
                pa.array(values, type=f.type)
                for values, f in zip(zip(*staged, strict=True), STAGING_SCHEMA, strict=True)
            ],
            schema=STAGING_SCHEMA,
        )

    def _plain(self, batch: pa.RecordBatch, numbers: np.ndarray) -> pa.RecordBatch:
        """Printable-ASCII rows, as `RowValidator` and `RowKeyer` would stage them."""
        name = display_cells(self._cells(batch, "name"))
        if name is None or name.null_count:
            raise NotFast("a name is missing")
        title = display_cells(self._cells(batch, "title"))
        organization = display_cells(self._cells(batch, "organization"))
        if title is not None:
            titled = title.is_valid()
            orphans = titled if organization is None else pc.and_(titled, organization.is_null())
            if pc.any(orphans).as_py():
                raise NotFast("a title without an organization")
        key = name_keys(name)
        last, first = blocking_keys(key)
        columns = {
            "row_no": pa.array(numbers, pa.int64()),
            "name": name,
            "name_key": key,
            "last_key": last,
            "first_key": first,
            "title": title,
            "organization": organization,
            "org_key": None if organization is None else self._organization_keys(organization),
            "signed_at": self._stamps(self._cells(batch, "signed_at")),
            "position": positions(self._cells(batch, "position")),
            "status": statuses(self._cells(batch, "status"), len(name)),
        }
        return pa.RecordBatch.from_arrays(
            [
                pa.nulls(len(name), f.type) if columns[f.name] is None else columns[f.name]
                for f in STAGING_SCHEMA
            ],
            schema=STAGING_SCHEMA,
        )

    def _organization_keys(self, organizations: pa.Array) -> pa.Array:
        encoded = pc.dictionary_encode(organizations)
        keys = [self.keyer.organizations.key(o) for o in encoded.dictionary.to_pylist()]
        return pc.take(pa.array(keys, TEXT), encoded.indices)

    def _stamps(self, cells: pa.Array | None) -> pa.Array | None:
        values = text_cells(cells)
        if values is None:
            return None
        encoded = pc.dictionary_encode(values)
        stamps = [self._stamp(text) for text in encoded.dictionary.to_pylist()]
        return pc.take(pa.array(stamps, TEXT), encoded.indices)

    def _stamp(self, text: str) -> str | None:
        """A distinct date text as stored (the validator and the keyer each cache theirs)."""
        try:
            stamp: str | None = self.keyer.stamp(self.validate.date(text))
        except BadInput:
            raise NotFast("a date the row-by-row reader must report") from None
        return stamp
