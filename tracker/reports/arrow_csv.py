"""A listing from a SQLite file to CSV through Apache Arrow, with no Python object per row.

The ADBC SQLite driver reads the query's rows straight into Arrow arrays and Arrow's C++ CSV
writer writes them, so a million-row listing costs the query and little else (about half the time
of fetching tuples through `sqlite3` and writing them with the `csv` module).

Two things to know:

* The driver infers each column's type from its first batch of rows, and a later batch that
  does not fit stops the read ("Type mismatch"): a text column that is NULL throughout the first
  batch would be inferred as an integer. So every column that is not an integer is selected as
  `coalesce(value, '')`: a missing text cell is written `""`, which CSV readers (and the data
  package's `missingValues`) read as empty, like the bare empty cell of a missing number.
* The driver links its own copy of SQLite. Two copies of SQLite must not have the same database
  file open in one process at once (closing a file in one releases the other's POSIX locks; see
  "How To Corrupt An SQLite Database File", 2.2.1), so callers close their `sqlite3` connections
  to the file before calling `write_csv`.

Text cells come out quoted and numbers bare, as R's `write.csv` writes them; quotes inside a
cell are doubled, so a CSV reader gets back exactly one row per record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import quote

BATCH_ROWS = 65_536


@dataclass(frozen=True)
class ArrowListing:
    """Compiled listing queries over a SQLite file, read in turn: what `write_csv` needs."""

    database: Path
    columns: list[str]
    statements: Sequence[str]  # SQL with its values written in (no parameters to bind)


def preload() -> None:
    """Import the reader and the writer now: worker processes forked afterwards share them.

    The low-level ADBC API is used throughout: its DB-API layer imports `pyarrow.dataset` and,
    through it, pandas, which would cost a listing more than half a second.
    """
    import adbc_driver_manager  # noqa: F401
    import adbc_driver_sqlite  # noqa: F401
    import pyarrow.csv  # noqa: F401


def write_csv(listing: ArrowListing, out: IO[bytes]) -> None:
    """The header and every row of the listing as CSV (CRLF line ends) into a binary stream.

    The queries run in one read transaction, so they see one snapshot of the database.
    """
    import adbc_driver_manager
    import adbc_driver_sqlite as adbc_sqlite
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    out.write((",".join(listing.columns) + "\r\n").encode())
    options = pa_csv.WriteOptions(include_header=False, quoting_style="needed", eol="\r\n")
    uri = f"file:{quote(str(listing.database.resolve()))}?mode=ro"
    with (
        adbc_sqlite.connect(uri) as database,
        adbc_driver_manager.AdbcConnection(database) as connection,
    ):
        connection.set_autocommit(False)  # one transaction for every query: one snapshot
        for sql in listing.statements:
            with adbc_driver_manager.AdbcStatement(connection) as statement:
                statement.set_options(**{"adbc.sqlite.query.batch_rows": str(BATCH_ROWS)})
                statement.set_sql_query(sql)
                stream, _ = statement.execute_query()
                reader = pa.RecordBatchReader._import_from_c(stream.address)
                writer = pa_csv.CSVWriter(out, reader.schema, write_options=options)
                for batch in reader:
                    writer.write_batch(batch)
        connection.rollback()


def _die_with_parent() -> None:
    """In the child, before it runs: ask Linux to kill it when its parent dies (a killed
    `report all` leaves no process behind). Elsewhere the parent's `finally` has to do."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


class Children:
    """Listings being written through Arrow, each by a child process of its own, at once. A
    separate process, because the ADBC driver's copy of SQLite must not open the file in a
    process whose own SQLite has it open (see above). Each child dies with its parent."""

    def __init__(self, jobs: Sequence[tuple[ArrowListing, Path]], *, excel: bool) -> None:
        import json
        import subprocess
        import sys

        self._children: list[subprocess.Popen[bytes]] = []
        try:
            for listing, path in jobs:
                spec = {
                    "database": str(listing.database),
                    "columns": listing.columns,
                    "statements": list(listing.statements),
                    "path": str(path),
                    "excel": excel,
                }
                child = subprocess.Popen(
                    [sys.executable, "-m", "tracker.reports.arrow_csv"],
                    stdin=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    preexec_fn=_die_with_parent if sys.platform == "linux" else None,
                )
                self._children.append(child)
                assert child.stdin is not None
                child.stdin.write(json.dumps(spec).encode())
                child.stdin.close()
        except BaseException:
            self.stop()
            raise

    def wait(self) -> None:
        """Wait for every child; raises OSError if one failed."""
        try:
            for child in self._children:
                assert child.stderr is not None
                message = child.stderr.read().decode(errors="replace").strip()
                if child.wait() != 0:
                    raise OSError(f"writing a listing failed: {message.splitlines()[-1:]}")
        finally:
            self.stop()

    def stop(self) -> None:
        for child in self._children:
            if child.poll() is None:
                child.kill()
                child.wait()


def _main() -> None:
    """The child: one listing, read from its spec on standard input, written to its path."""
    import codecs
    import json
    import sys

    spec = json.loads(sys.stdin.read())
    listing = ArrowListing(Path(spec["database"]), spec["columns"], spec["statements"])
    with open(spec["path"], "wb") as out:
        if spec["excel"]:
            out.write(codecs.BOM_UTF8)
        write_csv(listing, out)


if __name__ == "__main__":
    _main()
