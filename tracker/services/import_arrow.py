"""The fast way in for a CSV file on SQLite: read, checked and keyed in columns.

Arrow's CSV reader parses the file in blocks. Each block's printable-ASCII cells (most cells of a
real list) are checked and keyed with Arrow compute kernels, the other rows by the row-by-row
validator and keyer; the ADBC SQLite driver writes the staged blocks into a staging database
file, which the import's connection then attaches.

The row-by-row reader (`import_reader`) stays the reference. This path takes a file only where
it decides it exactly as that reader would. Anything else (a row that may be invalid, a ragged
row, quoting that Python's csv module refuses, bytes that are not UTF-8, a lone carriage return)
raises `NotFast`, and the import reads the file again row by row, which reports each problem
with its line.
"""

from __future__ import annotations

import csv
import ctypes
import hashlib
import io
import queue
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import adbc_driver_manager as adbc
import adbc_driver_sqlite
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from tracker.domain.names import MAX_NAME_LENGTH, ascii_fold
from tracker.errors import BadInput
from tracker.services.import_reader import (
    COLUMNS,
    STATUSES,
    InputFile,
    RowValidator,
    check_columns,
    csv_shape,
)
from tracker.services.import_staging import STAGING_COLUMNS, RowKeyer, staging_tables_sql

# Arrow parses the file in blocks of this size (about 20,000 rows of a typical list), on the
# thread that makes the staged batches; its own read-ahead threads would hold more blocks at
# once, for no gain. Each block's columns and their intermediates live at the same time: at
# 4 MiB a 1,000,000-row import peaked 12 MiB higher, at 8 MiB 58 MiB higher.
BLOCK_BYTES = 1 << 20
STAGING_CACHE_KIB = 8 * 1024
REPEAT_PARTS = 4  # the keys are deduplicated in this many parts (see `_Blocks.repeats`)

_TEXT = pa.string()
_SCHEMA = pa.schema(
    [
        (column, pa.int64() if column in ("row_no", "position") else _TEXT)
        for column in STAGING_COLUMNS
    ]
)
# `import_reader._text`: the spreadsheet-safety prefix of our CSV reports comes off again.
_SPREADSHEET_PREFIX = r"^'[=+\-@\t\r]"
_WHOLE_NUMBER = r"^[0-9]{1,18}$"
_NULL_TEXT = pa.scalar(None, _TEXT)


class NotFast(Exception):
    """This file needs the row-by-row reader."""


@dataclass
class ArrowStaged:
    """What the fast path staged, in `path`."""

    path: Path
    count: int
    organizations: dict[str, str] | None
    sha256: str
    encoding: str
    bytes_read: int


def can_stage(stream: IO[bytes], *, fmt: str, encoding: str | None) -> bool:
    """A CSV file on disk in the default encoding (UTF-8, with or without BOM)."""
    if fmt != "csv" or encoding is not None:
        return False
    name = getattr(stream, "name", None)
    try:
        return isinstance(name, str) and Path(name).is_file() and bool(stream.seekable())
    except (OSError, ValueError):
        return False


def stage_csv(
    stream: IO[bytes],
    *,
    label: str,
    staging: Path,
    progress: Callable[[int, int], None] | None = None,
) -> ArrowStaged:
    """Stage a CSV file into a new SQLite database at `staging`; `NotFast` if it can't."""
    with _lean_memory():
        return _stage_csv(stream, label=label, staging=staging, progress=progress)


@contextmanager
def _lean_memory() -> Iterator[None]:
    """Blocks of a streamed file come and go by the hundred. Arrow allocates them with the
    system allocator here (its own mimalloc pool keeps freed pages), and glibc maps blocks of
    128 KiB and more and unmaps them when freed: by default its threshold for that grows to the
    largest block freed so far, and freed blocks then pile up in its heap. What is left over is
    handed back before the import's transaction grows its page caches."""
    libc = _glibc()
    if libc is not None:
        libc.mallopt(_M_MMAP_THRESHOLD, 128 * 1024)
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(previous)
        _hand_back()


def _hand_back() -> None:
    """Give freed memory back to the system (Arrow's pools, and glibc's heap)."""
    pa.default_memory_pool().release_unused()
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


_M_MMAP_THRESHOLD = -3  # mallopt's parameter number, from glibc's malloc.h


def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def _stage_csv(
    stream: IO[bytes],
    *,
    label: str,
    staging: Path,
    progress: Callable[[int, int], None] | None,
) -> ArrowStaged:
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
    _write_staging(staging, blocks)
    tap.finish()
    verified = tap.verified()
    if verified is not None and verified != (raw_header, blocks.count):
        raise NotFast("Python's csv module reads this file differently")
    return ArrowStaged(
        path=staging,
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
            column_types=dict.fromkeys(header, _TEXT),
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
    """The staged blocks of the file, in order, as Arrow record batches of `_SCHEMA`."""

    reader: pcsv.CSVStreamingReader
    raw_names: dict[str, str]  # column -> the header's cell as written
    tap: _Tap
    progress: Callable[[int, int], None] | None
    count: int = 0
    keyer: RowKeyer = field(default_factory=lambda: RowKeyer(postgres=False))
    validate: RowValidator = field(default_factory=RowValidator)
    _dates: dict[str, str | None] = field(default_factory=dict)

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
                for values, f in zip(zip(*staged, strict=True), _SCHEMA, strict=True)
            ],
            schema=_SCHEMA,
        )

    def _plain(self, batch: pa.RecordBatch, numbers: np.ndarray) -> pa.RecordBatch:
        """Printable-ASCII rows, as `RowValidator` and `RowKeyer` would stage them."""
        name = _display(self._cells(batch, "name"))
        if name is None or name.null_count:
            raise NotFast("a name is missing")
        title = _display(self._cells(batch, "title"))
        organization = _display(self._cells(batch, "organization"))
        if title is not None:
            titled = title.is_valid()
            orphans = titled if organization is None else pc.and_(titled, organization.is_null())
            if pc.any(orphans).as_py():
                raise NotFast("a title without an organization")
        key = _name_keys(name)
        last, first = _blocking_keys(key)
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
            "position": _positions(self._cells(batch, "position")),
            "status": _statuses(self._cells(batch, "status"), len(name)),
        }
        return pa.RecordBatch.from_arrays(
            [
                pa.nulls(len(name), f.type) if columns[f.name] is None else columns[f.name]
                for f in _SCHEMA
            ],
            schema=_SCHEMA,
        )

    def _organization_keys(self, organizations: pa.Array) -> pa.Array:
        encoded = pc.dictionary_encode(organizations)
        keys = [self.keyer.organizations.key(o) for o in encoded.dictionary.to_pylist()]
        return pc.take(pa.array(keys, _TEXT), encoded.indices)

    def _stamps(self, cells: pa.Array | None) -> pa.Array | None:
        values = _text(cells)
        if values is None:
            return None
        encoded = pc.dictionary_encode(values)
        stamps = [self._stamp(text) for text in encoded.dictionary.to_pylist()]
        return pc.take(pa.array(stamps, _TEXT), encoded.indices)

    def _stamp(self, text: str) -> str | None:
        if text not in self._dates:
            try:
                self._dates[text] = self.keyer.stamp(self.validate.date(text))
            except BadInput:
                raise NotFast("a date the row-by-row reader must report") from None
        return self._dates[text]


def _repeats(keys: pa.ChunkedArray) -> pa.RecordBatch:
    """The rows whose key an earlier row has, each with the key's first row (as
    `import_staging._FIND_REPEATS` finds them), from every row's key in file order (rows are
    numbered 1, 2, ...). Equal keys have equal lengths and last bytes: the keys are deduplicated
    in parts by those, each part by a hash table of a part of the size one table would take."""
    parts = np.concatenate([np.zeros(0, np.int64)] + [_part_of(c) for c in keys.chunks])
    rows, firsts = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for part in range(REPEAT_PARTS):
        positions = np.flatnonzero(parts == part)
        repeated, first = _repeats_among(keys.take(pa.array(positions)))
        rows.append(positions[repeated] + 1)
        firsts.append(positions[first] + 1)
    row_numbers = np.concatenate(rows)
    order = np.argsort(row_numbers)
    return pa.record_batch(
        [pa.array(row_numbers[order]), pa.array(np.concatenate(firsts)[order])],
        names=["row_no", "first_row"],
    )


def _part_of(keys: pa.Array) -> np.ndarray:
    """Which of REPEAT_PARTS parts each key falls in, by its length and its last byte."""
    offsets = np.frombuffer(keys.buffers()[1], np.int32)[keys.offset : keys.offset + len(keys) + 1]
    data = keys.buffers()[2]
    if data is None or not len(data):
        return np.zeros(len(keys), np.int64)
    last = np.frombuffer(data, np.uint8)[np.maximum(offsets[1:] - 1, 0)]
    return (np.diff(offsets).astype(np.int64) * 31 + last) % REPEAT_PARTS


def _repeats_among(keys: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Among keys in file order: the positions of those an earlier one has, and for each the
    position of its first. One hash table numbers the keys in order of their first position;
    a key opens a group where its number exceeds every earlier key's."""
    encoded = pc.dictionary_encode(keys)
    if not encoded.num_chunks or len(encoded.chunk(0).dictionary) == len(encoded):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    groups = np.concatenate([chunk.indices.to_numpy() for chunk in encoded.chunks])
    del encoded
    opens = np.empty(len(groups), bool)
    opens[0] = True
    opens[1:] = groups[1:] > np.maximum.accumulate(groups)[:-1]
    repeated = np.flatnonzero(~opens)
    return repeated, np.flatnonzero(opens)[groups[repeated]]


def _text(cells: pa.Array | None) -> pa.Array | None:
    """`import_reader._text` of printable-ASCII cells, trimmed as every use of it trims them:
    the spreadsheet prefix taken off, spaces at either end too, and a blank cell null."""
    if cells is None:
        return None
    if pc.any(pc.starts_with(cells, "'")).as_py():
        prefixed = pc.match_substring_regex(cells, _SPREADSHEET_PREFIX)
        cells = pc.if_else(prefixed, pc.utf8_slice_codeunits(cells, 1), cells)
    trimmed = pc.ascii_trim(cells, " ")
    return pc.if_else(pc.equal(trimmed, ""), _NULL_TEXT, trimmed)


def _display(cells: pa.Array | None) -> pa.Array | None:
    """`clean_display_name` of printable-ASCII text: trimmed, and not too long."""
    values = _text(cells)
    if values is None:
        return None
    longest = pc.max(pc.binary_length(values)).as_py()
    if longest is not None and longest > MAX_NAME_LENGTH:
        raise NotFast("a cell over the length limit")
    return values


def _name_keys(names: pa.Array) -> pa.Array:
    """`names.name_key` of printable ASCII: case folded, spaces collapsed, confusables folded."""
    keys = pc.ascii_lower(names)
    # The bytes behind the keys (they may reach past the keys themselves): a character they
    # lack needs no pass. Folded text holds no character that folds, so one look serves all.
    data = keys.buffers()[2]
    present = b"" if data is None else data.to_pybytes()
    if b"  " in present:
        keys = pc.replace_substring_regex(keys, " {2,}", " ")
    for code, folded in _lower_case_folds():
        if chr(code).encode() in present:
            keys = pc.replace_substring(keys, chr(code), folded)
    return keys


def _blocking_keys(keys: pa.Array) -> tuple[pa.Array, pa.Array]:
    """`names.blocking_keys` of printable-ASCII keys: the last token, and the first token with
    the last token's initial (a one-token key: the key, and its initial)."""
    tokens = pc.split_pattern(keys, " ")
    ends = tokens.offsets.to_numpy()
    words = tokens.values
    last = words.take(pa.array(ends[1:] - 1))
    initial = pc.utf8_slice_codeunits(last, 0, 1)
    first = pc.if_else(
        pa.array(np.diff(ends) > 1),
        pc.binary_join_element_wise(words.take(pa.array(ends[:-1])), initial, " "),
        initial,
    )
    return last, first


def _lower_case_folds() -> list[tuple[int, str]]:
    # After lowering, only these characters remain to fold; no folded text holds one of them, so
    # replacing them one after the other is the same as translating them at once.
    return [(code, folded) for code, folded in ascii_fold().items() if not chr(code).isupper()]


def _positions(cells: pa.Array | None) -> pa.Array | None:
    values = _text(cells)
    if values is None:
        return None
    digits = pc.match_substring_regex(values, _WHOLE_NUMBER)
    if pc.any(pc.and_(values.is_valid(), pc.invert(digits))).as_py():
        raise NotFast("a position that is not a whole number")
    numbers = pc.cast(values, pa.int64())
    smallest = pc.min(numbers).as_py()
    if smallest is not None and smallest < 1:
        raise NotFast("a position below 1")
    return numbers


def _statuses(cells: pa.Array | None, rows: int) -> pa.Array:
    if cells is None:
        return pa.repeat(pa.scalar(STATUSES[0]), rows)
    statuses = pc.if_else(pc.equal(cells, ""), pa.scalar(STATUSES[0]), cells)
    if not pc.all(pc.is_in(statuses, pa.array(STATUSES))).as_py():
        raise NotFast("a status the row-by-row reader must report")
    return statuses


def _write_staging(path: Path, blocks: _Blocks) -> None:
    """Create the staging table in a new database file and load the blocks into it."""
    database = adbc.AdbcDatabase(driver=adbc_driver_sqlite._driver_path(), uri=f"file:{path}")
    try:
        connection = adbc.AdbcConnection(database)
        try:
            for sql in (
                "PRAGMA page_size = 16384",
                "PRAGMA journal_mode = OFF",
                "PRAGMA synchronous = OFF",
                f"PRAGMA cache_size = -{STAGING_CACHE_KIB}",
                *staging_tables_sql(temporary=False),
            ):
                _execute(connection, sql)
            _ingest(connection, "import_rows", _ahead(blocks), _SCHEMA)
            _hand_back()
            keys = _query(connection, "SELECT name_key FROM import_rows ORDER BY row_no")
            repeats = _repeats(keys)
            del keys
            _ingest(connection, "import_repeats", [repeats], repeats.schema)
        finally:
            connection.close()
    finally:
        database.close()


def _ahead(batches: Iterable[pa.RecordBatch], depth: int = 2) -> Iterator[pa.RecordBatch]:
    """The batches, made by a thread of their own up to `depth` ahead of their use. Arrow's
    kernels and the driver's inserts both let go of the GIL, so making and writing overlap."""
    made: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()
    end = object()

    def offer(item: Any) -> bool:
        """Queue the item unless the consumer has stopped; whether it was queued."""
        while not stop.is_set():
            try:
                made.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def make() -> None:
        try:
            for batch in batches:
                if not offer(batch):
                    return
            offer(end)
        except BaseException as exc:  # handed to the consumer, which raises it
            offer(_Failed(exc))

    maker = threading.Thread(target=make, name="import-batches", daemon=True)
    maker.start()
    try:
        while (item := made.get()) is not end:
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        maker.join()


@dataclass
class _Failed:
    error: BaseException


def _query(connection: adbc.AdbcConnection, sql: str) -> pa.ChunkedArray:
    """The first column of a query's result."""
    statement = adbc.AdbcStatement(connection)
    try:
        statement.set_sql_query(sql)
        stream, _ = statement.execute_query()
        table = pa.RecordBatchReader._import_from_c(stream.address).read_all()
    finally:
        statement.close()
    return table.column(0)


def _execute(connection: adbc.AdbcConnection, sql: str) -> None:
    statement = adbc.AdbcStatement(connection)
    try:
        statement.set_sql_query(sql)
        statement.execute_update()
    finally:
        statement.close()


def _ingest(
    connection: adbc.AdbcConnection,
    table: str,
    blocks: Iterable[pa.RecordBatch],
    schema: pa.Schema,
) -> None:
    failure: list[BaseException] = []

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            yield from blocks
        except Exception as exc:  # kept: the driver reports it only as a failed stream
            failure.append(exc)
            raise

    statement = adbc.AdbcStatement(connection)
    try:
        statement.set_options(
            **{
                adbc.INGEST_OPTION_TARGET_TABLE: table,
                adbc.INGEST_OPTION_MODE: adbc.INGEST_OPTION_MODE_APPEND,
            }
        )
        statement.bind_stream(pa.RecordBatchReader.from_batches(schema, batches()))
        try:
            statement.execute_update()
        except Exception:
            if failure:
                raise failure[0] from None
            raise
    finally:
        statement.close()
