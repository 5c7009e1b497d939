"""Writing reports: CSV safe against formula injection, JSON, the data package, atomically.

Every file is written to a temporary file in the target folder and renamed into place, so a
failure leaves the previous report, never half of a new one.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from tracker.csvsafe import FORMULA_TRIGGERS
from tracker.errors import BadInput
from tracker.reports.model import Report

if TYPE_CHECKING:
    import pandas as pd

    from tracker.reports.arrow_csv import ArrowListing

_TRIGGER_PATTERN = "^[" + "".join("\\" + c if c in "-\\]^" else c for c in FORMULA_TRIGGERS) + "]"


def umask() -> int:
    """The user's umask, read when asked (two system calls; a temporary file or folder is made
    0600/0700 whatever it says)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


@functools.cache
def _file_mode() -> int:
    """The mode a new file gets from the user's umask."""
    return 0o666 & ~umask()


_SPECIAL = ("/dev/", "/proc/", "/sys/")  # device and kernel files, whatever they point at


def check_output_path(path: Path, *, not_these: dict[str, Path | None] | None = None) -> None:
    """Refuse, before anything is written, an output path that is not a regular file or a new
    path: a folder, a device, a FIFO, a kernel file (`/dev/stdout`), or a symbolic link to one;
    and one of `not_these` (the input, the database: what -> path). A link to a regular file is
    written through (`atomic_file` replaces the file it names, not the link)."""
    real = path.resolve()
    for place in (path.absolute(), real):
        if str(place).startswith(_SPECIAL):
            raise BadInput(f"{path} is not a regular file; write to a regular file or a new path")
    try:
        info = real.stat()
    except FileNotFoundError:
        if path.is_symlink():
            raise BadInput(f"{path} is a symbolic link to nothing; name a file") from None
        return
    except OSError as exc:
        raise BadInput(f"cannot write to {path}: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise BadInput(f"{path} is {kind}; write to a regular file or a new path")
    for what, other in (not_these or {}).items():
        if other is not None and other.exists() and os.path.samefile(real, other):
            raise BadInput(f"{path} is the {what}; write somewhere else")


@contextmanager
def staging_folder(folder: Path) -> Iterator[Path]:
    """A hidden folder inside `folder` to write a set of files into; when the block ends
    without an error they are moved into `folder` (each rename atomic), else dropped. A kill
    leaves the previous files and a hidden folder, never a mix of old and new files."""
    if folder.exists() and not folder.is_dir():
        raise BadInput(f"{folder} is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".writing-", dir=folder))
    except OSError as exc:
        raise BadInput(f"cannot write to {folder}: {exc.strerror}") from None
    try:
        yield staging
        for path in sorted(staging.iterdir()):
            os.replace(path, folder / path.name)
    except OSError as exc:
        raise BadInput(f"cannot write to {folder}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@contextmanager
def atomic_file(
    path: Path, *, mode: str = "w", encoding: str | None = "utf-8"
) -> Iterator[IO[Any]]:
    check_output_path(path)
    path = path.resolve()  # through a link to the file it names
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    except OSError as exc:
        raise BadInput(f"cannot write to {folder}: {exc.strerror}") from None
    try:
        with os.fdopen(
            handle, mode, encoding=encoding, newline="" if "b" not in mode else None
        ) as out:
            yield out
        os.chmod(temp, _file_mode())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula get a leading apostrophe."""
    from pandas.api.types import is_object_dtype, is_string_dtype

    safe = frame.copy()
    for column in safe.columns:
        series = safe[column]
        if is_object_dtype(series.dtype) or is_string_dtype(series.dtype):
            text = series.astype("string")
            risky = text.str.contains(_TRIGGER_PATTERN, regex=True, na=False)
            if risky.any():
                safe[column] = text.mask(risky, "'" + text)
    return safe


def write_csv(report: Report, out: IO[str]) -> None:
    """The report as CSV. A listing with an Arrow query goes through Arrow when `out` has a
    binary buffer under it (see `arrow_csv`: no `sqlite3` connection to the file may be open)."""
    buffer = getattr(out, "buffer", None)
    if report.arrow is not None and buffer is not None:
        from tracker.reports import arrow_csv

        out.flush()
        arrow_csv.write_csv(report.arrow, buffer)
        buffer.flush()
        return
    if report.chunks is not None:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(report.columns)
        for chunk in report.chunks(True):
            writer.writerows(chunk)
        return
    assert report.frame is not None
    safe_frame(report.frame).to_csv(out, index=False, lineterminator="\r\n")


def csv_text(report: Report) -> str:
    buffer = io.StringIO()
    write_csv(report, buffer)
    return buffer.getvalue()


def write_arrow_csv_file(listing: ArrowListing, path: Path, *, excel: bool = False) -> Path:
    """A listing through Arrow (see `arrow_csv`: no `sqlite3` connection to the file open)."""
    from tracker.reports import arrow_csv

    with atomic_file(path, mode="wb", encoding=None) as binary:
        if excel:
            binary.write(codecs.BOM_UTF8)
        arrow_csv.write_csv(listing, binary)
    return path


def write_csv_file(report: Report, path: Path, *, excel: bool = False) -> Path:
    if report.arrow is not None:
        return write_arrow_csv_file(report.arrow, path, excel=excel)
    with atomic_file(path, encoding="utf-8-sig" if excel else "utf-8") as out:
        write_csv(report, out)
    return path


def records(report: Report) -> Iterator[dict[str, Any]]:
    """Rows as dictionaries with the exact text (for JSON and tables)."""
    if report.chunks is not None:
        columns = report.columns
        for chunk in report.chunks(False):
            for row in chunk:
                yield dict(zip(columns, row, strict=True))
        return
    assert report.frame is not None
    frame = report.frame.astype(object).where(report.frame.notna(), None)
    yield from frame.to_dict(orient="records")  # type: ignore[misc]


def write_json_rows(report: Report, out: IO[str]) -> None:
    """A JSON list written row by row, so a million rows never sit in memory at once."""
    out.write("[")
    for index, row in enumerate(records(report)):
        out.write(",\n  " if index else "\n  ")
        out.write(json.dumps(row, ensure_ascii=False, default=str))
    out.write("\n]\n")


def write_json_file(value: Any, path: Path) -> Path:
    with atomic_file(path) as out:
        json.dump(value, out, ensure_ascii=False, indent=2, default=str)
        out.write("\n")
    return path


def datapackage(
    slug: str, title: str, reports: list[Report], *, excel: bool, extra: list[dict[str, Any]]
) -> dict[str, Any]:
    resources: list[dict[str, Any]] = [
        {
            "name": report.name,
            "title": report.title,
            "path": f"{report.name}.csv",
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8-sig" if excel else "utf-8",
            "dialect": {
                "delimiter": ",",
                "lineTerminator": "\r\n",
                "quoteChar": '"',
                "doubleQuote": True,
                "header": True,
            },
            "schema": {
                "fields": [
                    {"name": name, "type": kind, "description": description}
                    for name, kind, description in report.fields
                ],
                "missingValues": [""],
            },
        }
        for report in reports
    ]
    from tracker.reports.listings import PRIVATE_FIELDS, WITHHELD

    return {
        "profile": "data-package",  # the chart is a resource too, so not tabular-only
        "name": slug,
        "title": title,
        "description": "Reports of signatory-tracker. Text cells that began with =, +, -, @, a tab "
        "or a carriage return carry a leading apostrophe so spreadsheets show them as text. "
        "Private fields (see privateFields) are kept by the tracker and written to no report; a "
        f"signer who asked not to be named is counted and listed as '{WITHHELD}'.",
        # Not part of the Data Package standard (which allows further properties): what the
        # tracker holds about signers that these files leave out, and why.
        "privateFields": [
            {"name": name, "description": description}
            for name, description in PRIVATE_FIELDS.items()
        ],
        "resources": resources + extra,
    }


Writer = Callable[[Path], Path]
