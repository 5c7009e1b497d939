"""What a report is: a name, a title, Table Schema fields, and its rows.

Small reports (the tally, counts, demands) are pandas DataFrames. The per-signature listings can
hold millions of rows, so they are SQL queries streamed from the database in chunks (or, for CSV
from a SQLite file, through Arrow), with formatting and spreadsheet-safety done in SQL: memory
stays flat and nothing loops over signatures in Python to build them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tracker.db.models import Letter
from tracker.errors import BadInput

if TYPE_CHECKING:
    import pandas as pd

    from tracker.reports.arrow_csv import ArrowListing

Field = tuple[str, str, str]  # name, Table Schema type, description
# Streamed rows, in chunks; the flag asks for spreadsheet-safe text (for CSV) or exact text.
RowChunks = Callable[[bool], Iterator[Sequence[Sequence[Any]]]]


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    fields: list[Field]
    frame: pd.DataFrame | None = None
    chunks: RowChunks | None = None  # streamed listings: rows already formatted and safe
    # The same listing, spreadsheet-safe, for the Arrow CSV writer (SQLite files only).
    arrow: ArrowListing | None = None

    @property
    def columns(self) -> list[str]:
        return [name for name, _, _ in self.fields]


def combined(reports: Sequence[Report]) -> Report:
    """One report of several letters' (each row has its `letter`): tables one after the other,
    listings read in turn."""
    first = reports[0]
    if len(reports) == 1:
        return first
    if first.frame is not None:
        import pandas as pd

        frames = [r.frame for r in reports if r.frame is not None and not r.frame.empty]
        frame = pd.concat(frames, ignore_index=True) if frames else first.frame
        return Report(first.name, first.title, first.fields, frame=frame)

    def chunks(safe: bool) -> Iterator[Sequence[Sequence[Any]]]:
        for report in reports:
            assert report.chunks is not None
            yield from report.chunks(safe)

    arrow = None
    if all(r.arrow is not None for r in reports):
        from tracker.reports.arrow_csv import ArrowListing

        listings = [r.arrow for r in reports if r.arrow is not None]
        statements = [sql for listing in listings for sql in listing.statements]
        arrow = ArrowListing(listings[0].database, listings[0].columns, statements)
    return Report(first.name, first.title, first.fields, chunks=chunks, arrow=arrow)


def to_frame(rows: list[dict[str, Any]] | Any, fields: list[Field]) -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame(rows, columns=[name for name, _, _ in fields])
    for name, kind, _ in fields:
        if kind == "integer":
            frame[name] = frame[name].astype("Int64")
        elif kind == "number":
            frame[name] = frame[name].astype("Float64")
        elif kind == "boolean":
            frame[name] = frame[name].astype("boolean")
    return frame


def stamp(value: dt.datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def check_as_of(letter: Letter, as_of: dt.date | None) -> dt.date:
    day = as_of or dt.date.today()
    if letter.dated and day < letter.dated:
        raise BadInput(
            f"--as-of {day.isoformat()} is before the letter's date {letter.dated.isoformat()}"
        )
    return day
