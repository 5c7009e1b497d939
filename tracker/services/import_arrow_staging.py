"""Where the columnar import path puts its staged batches.

SQLite: a staging database file, written by the ADBC SQLite driver; then the rows that repeat an
earlier row's key are found (`repeats`) and stored beside them. The import's connection attaches
the finished file; the driver's own copy of SQLite never opens the import's database.
PostgreSQL: the import's own temporary staging table, through COPY, as CSV that Arrow's writer
makes; the database finds the repeated keys (`import_staging.finish_staging`).
Either way a thread of its own makes the batches while they are written (`_ahead`).
"""

from __future__ import annotations

import ctypes
import queue
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import adbc_driver_manager as adbc
import adbc_driver_sqlite
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
from sqlalchemy import Connection

from tracker.db.engine import PAGE_SIZE
from tracker.services.import_columns import STAGING_SCHEMA
from tracker.services.import_staging import STAGING_COLUMNS, staging_tables_sql

STAGING_CACHE_KIB = 8 * 1024
REPEAT_PARTS = 4  # the keys are deduplicated in this many parts (see `repeats`)


def write_staging_file(path: Path, batches: Iterable[pa.RecordBatch]) -> None:
    """Create the staging tables in a new database file and load the batches into them."""
    database = adbc.AdbcDatabase(driver=adbc_driver_sqlite._driver_path(), uri=f"file:{path}")
    try:
        connection = adbc.AdbcConnection(database)
        try:
            for sql in (
                f"PRAGMA page_size = {PAGE_SIZE}",
                "PRAGMA journal_mode = OFF",
                "PRAGMA synchronous = OFF",
                f"PRAGMA cache_size = -{STAGING_CACHE_KIB}",
                *staging_tables_sql(temporary=False),
            ):
                _execute(connection, sql)
            _ingest(connection, "import_rows", _ahead(batches), STAGING_SCHEMA)
            hand_back()
            keys = _query(connection, "SELECT name_key FROM import_rows ORDER BY row_no")
            found = repeats(keys)
            del keys
            _ingest(connection, "import_repeats", [found], found.schema)
        finally:
            connection.close()
    finally:
        database.close()


def copy_batches(connection: Connection, batches: Iterable[pa.RecordBatch]) -> None:
    """PostgreSQL: the batches into the temporary staging table through COPY. Arrow's CSV writer
    leaves a null cell empty and quotes an empty text, as COPY's CSV format reads them."""
    raw = connection.connection.driver_connection
    assert raw is not None
    options = pcsv.WriteOptions(include_header=False)
    sql = f"COPY import_rows ({', '.join(STAGING_COLUMNS)}) FROM STDIN WITH (FORMAT csv)"
    with raw.cursor() as cursor, cursor.copy(sql) as copy:
        for batch in _ahead(batches):
            sink = pa.BufferOutputStream()
            pcsv.write_csv(batch, sink, write_options=options)
            copy.write(sink.getvalue().to_pybytes())


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


@contextmanager
def lean_memory() -> Iterator[None]:
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
        hand_back()


def hand_back() -> None:
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


def repeats(keys: pa.ChunkedArray) -> pa.RecordBatch:
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
