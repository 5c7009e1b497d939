"""The rules an entry is checked by: each cell of a row read into an entry as its list
published it (`ImportRow`), or the row refused with its reason (`RowError`). Pure: no database,
no file, so the same rules run in the importing process and in its workers (`workers`).

A cell that cannot be read (a date, a status) spoils only itself; a name that is missing, empty
or not text, a position that is no whole number, a cell too long or holding a control character
refuse the row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tracker.csvsafe import FORMULA_TRIGGERS
from tracker.domain.dates import parse_cell_datetime
from tracker.domain.identifiers import private_link
from tracker.domain.names import clean_display_name, clean_text
from tracker.errors import BadInput

STATUSES = ("reported", "confirmed")
IDENTIFIER_LIMIT = 500
EXTRA_LIMIT = 2_000


@dataclass(frozen=True, slots=True)
class ImportRow:
    """An entry as its list published it, checked. `entry` is its place in the list (1, 2, ...
    among the rows read), by which the same file imported again is recognised."""

    line: int
    entry: int
    name: str
    title: str | None
    affiliation: str | None
    link: str | None
    email: str | None
    handle: str | None
    location: str | None
    extra: str | None  # other columns, a JSON object
    signed_at: Any
    position: int | None
    status: str


@dataclass(slots=True)
class RowError:
    line: int
    reason: str
    raw: dict[str, str] = field(default_factory=dict)


# A row as read: its line, its place in the list (1, 2, ...), its cells by field (for CSV, the
# cells as a list, which `Columns` maps), and its other named columns.
Record = tuple[int, int, dict[str, Any] | list[str], dict[str, Any] | None]


@dataclass(slots=True)
class Columns:
    """Which cell of a CSV row is which field (`fields`) and which are other named columns
    (`others`), by position; filled in from the header."""

    fields: dict[int, str] = field(default_factory=dict)
    others: dict[int, str] = field(default_factory=dict)

    def split(self, cells: list[str]) -> tuple[dict[str, str], dict[str, str]]:
        """A row's cells by field and by other column (a short row has fewer)."""
        count = len(cells)
        raw = {name: cells[i] for i, name in self.fields.items() if i < count}
        extra = {name: cells[i] for i, name in self.others.items() if i < count}
        return raw, extra


def _text(raw: dict[str, Any], column: str) -> str | None:
    value = raw.get(column)
    if value is None:
        return None
    if value.__class__ is not str:
        if column == "name":
            raise BadInput(f"the name must be text, not {type(value).__name__}")
        value = (
            json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else str(value)
        )
    if value[:1] == "'" and value[1:2] in _UNPREFIXED:
        # The spreadsheet-safety prefix our CSV reports add (and spreadsheets read as "text"):
        # an exported list imports back as the names it holds.
        value = value[1:]
    return value if value and not value.isspace() else None


_UNPREFIXED = frozenset(FORMULA_TRIGGERS)


class RowValidator:
    """Checks rows; caches what repeats across rows of one list (dates, organizations).

    A cell that cannot be read (a date, a status) spoils only itself: the entry is kept without
    it, and the cell is noted with its line (`cell_notes`); with `strict` the row is rejected."""

    def __init__(self, *, strict: bool = False, dayfirst: bool = False) -> None:
        self._dates: dict[str, Any] = {}
        self._orgs: dict[str, str] = {}
        self.strict = strict
        self.dayfirst = dayfirst
        self.cell_notes: list[RowError] = []
        self.cells_left_out = 0

    def date(self, text: str) -> Any:
        found = self._dates.get(text)
        if found is None:
            found = self._dates[text] = parse_cell_datetime(
                text, dayfirst=self.dayfirst, what="signed_at date"
            )
        return found

    def _spoilt(self, line: int, error: BadInput) -> None:
        """A cell left out (or, strictly, the row rejected)."""
        if self.strict:
            raise error
        self.cells_left_out += 1
        if len(self.cell_notes) < MAX_CELL_NOTES:
            self.cell_notes.append(RowError(line, f"{error.message}; left out"))

    def _affiliation(self, text: str) -> str:
        found = self._orgs.get(text)
        if found is None:
            found = clean_display_name(text, what="affiliation")
            if len(self._orgs) < 100_000:
                self._orgs[text] = found
        return found

    def check(self, record: Record, columns: Columns) -> ImportRow | RowError:
        """A record checked into an entry, or refused with its reason and its cells."""
        line, entry, raw, extra = record
        if isinstance(raw, list):
            raw, extra = columns.split(raw)
        try:
            return self(line, entry, raw, extra)
        except BadInput as exc:
            cells = {k: "" if v is None else str(v) for k, v in raw.items()}
            return RowError(line, exc.message, cells)

    def __call__(
        self, line: int, entry: int, raw: dict[str, Any], extra: dict[str, Any] | None = None
    ) -> ImportRow:
        """Entry number `entry`, from its fields (`raw`, by field name) and its other columns."""
        name = _text(raw, "name")
        if name is None:
            raise BadInput("the name is missing or empty")
        name = clean_display_name(name)
        title = affiliation = link = email = handle = location = None
        signed = position_text = None
        if len(raw) > 1:  # a list of names alone has nothing more to check
            title = _optional(raw, "title", clean_display_name)
            affiliation = _text(raw, "affiliation")
            affiliation = self._affiliation(affiliation) if affiliation else None
            link, email = private_link(
                _optional(raw, "link", _identifier), _optional(raw, "email", _identifier)
            )
            handle = _optional(raw, "handle", _identifier)
            location = _optional(raw, "location", clean_display_name)
            signed = _text(raw, "signed_at")
            position_text = _text(raw, "position")
        position = None
        if position_text is not None:
            stripped = position_text.strip()
            digits = stripped.isascii() and stripped.isdigit() and len(stripped) <= 10
            if not digits or not 1 <= int(stripped) <= MAX_POSITION:
                raise BadInput(
                    f"the position '{position_text}' is not a whole number from 1 to {MAX_POSITION}"
                )
            position = int(stripped)
        status = _text(raw, "status") or "reported"
        if status not in STATUSES:
            self._spoilt(
                line, BadInput(f"the status '{status}' is not one of {', '.join(STATUSES)}")
            )
            status = "reported"
        signed_at = None
        if signed:
            try:
                signed_at = self.date(signed.strip())
            except BadInput as exc:
                self._spoilt(line, exc)
        return ImportRow(
            line,
            entry,
            name,
            title,
            affiliation,
            link,
            email,
            handle,
            location,
            _extra(extra),
            signed_at,
            position,
            status,
        )


MAX_POSITION = 2**31 - 1
MAX_CELL_NOTES = 5


def _optional(raw: dict[str, Any], column: str, clean: Any) -> str | None:
    if column not in raw:
        return None
    value = _text(raw, column)
    return clean(value, what=column.replace("_", " ")) if value else None


def _identifier(text: str, *, what: str) -> str:
    return clean_text(text, what=what, limit=IDENTIFIER_LIMIT)


def _extra(columns: dict[str, Any] | None) -> str | None:
    """The other columns of an entry that hold something, as a JSON object (as written)."""
    if not columns:
        return None
    kept = {}
    for column in columns:
        text = _text(columns, column)
        if text is not None:
            kept[column] = clean_text(text, what=f"column '{column}'", limit=EXTRA_LIMIT)
    return json.dumps(kept, ensure_ascii=False, sort_keys=True) if kept else None
