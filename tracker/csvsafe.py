"""CSV that opens safely in spreadsheets (OWASP CSV injection).

A text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'`
so that Excel and LibreOffice show it as text instead of running it as a formula. Numbers stay
numbers. Quoting is minimal but complete: quotes, commas and line breaks are quoted, so a CSV
reader gets back exactly one row per record.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def write_rows(
    handle: io.TextIOBase | Any, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    writer = csv.writer(handle, lineterminator="\r\n")
    writer.writerow([neutralise(name) for name in header])
    for row in rows:
        writer.writerow(["" if cell is None else neutralise(cell) for cell in row])
