"""Reading a signatory list into entries, streamed: CSV with a header, JSON lines, plain text
with one signer per line (a numbered list as articles print it: "1.Mira Murati", "2. Brad
Lightcap", "3) Jason Kwon", "- Name"; "Name (Affiliation)", see `printed`), or a Markdown or
HTML page (see `pages`). The bytes and their encoding are `source`'s. Each row is checked into
an entry as the list published it; cells stay text exactly as written ("NA", "007", "+44 20 ..."
included).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tracker.csvsafe import FORMULA_TRIGGERS
from tracker.domain.dates import parse_cell_datetime
from tracker.domain.identifiers import private_link
from tracker.domain.names import clean_display_name, clean_text
from tracker.errors import BadInput
from tracker.importing.printed import split_printed
from tracker.importing.source import InputFile

# The fields of an entry, and the header names (and JSON keys) that mean each of them, compared
# case-insensitively with spaces and hyphens read as underscores. Any other column is kept as a
# named extra attribute of the entry.
FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("name", "full_name", "fullname", "signatory", "signer", "signed_by"),
    "title": ("title", "job_title", "role", "job"),
    "affiliation": (
        "affiliation",
        "affiliations",
        "organization",
        "organisation",
        "org",
        "company",
        "institution",
        "employer",
    ),
    "link": ("link", "links", "url", "website", "web", "homepage", "home_page"),
    "email": ("email", "e_mail", "mail", "email_address"),
    "handle": ("handle", "username", "user", "twitter", "mastodon", "fediverse"),
    "location": ("location", "city", "country", "place", "region"),
    "signed_at": ("signed_at", "signed_on", "date", "signed", "timestamp", "signing_date"),
    "position": ("position", "number", "no", "nr", "#"),
    "status": ("status",),
}
COLUMNS = tuple(FIELDS)
_FIELD_OF = {synonym: field for field, synonyms in FIELDS.items() for synonym in synonyms}
STATUSES = ("reported", "confirmed")
FORMATS = ("auto", "csv", "jsonl", "text", "markdown", "html")
IDENTIFIER_LIMIT = 500
EXTRA_LIMIT = 2_000
MAX_EXTRA_COLUMNS = 100
_NUMBERED = re.compile(r"^\s*(?:(\d{1,9})\s*[.)]|[-*\u2022])\s*(.*)$")
_HEADER_WORD = re.compile(r"[\s\-]+")


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


def field_of(header: str) -> str | None:
    """The field a column means (`Organisation` -> affiliation), or None for another column."""
    word = _HEADER_WORD.sub("_", header.strip().casefold()).strip("_.")
    return _FIELD_OF.get(word)


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


def header_fields(header: list[str]) -> tuple[dict[int, str], dict[int, str]]:
    """Which cell of a row is which field, and which are other (named) columns. The width is
    checked first, so a header of a million columns costs nothing to refuse."""
    limit = len(COLUMNS) + MAX_EXTRA_COLUMNS
    if len(header) > limit:
        raise BadInput(f"the header has {len(header):,} columns; the limit is {limit}")
    fields: dict[int, str] = {}
    others: dict[int, str] = {}
    named: set[str] = set()
    seen: dict[str, str] = {}
    for index, cell in enumerate(header):
        column = cell.strip()
        meant = field_of(column)
        if meant is None:
            if not column:
                raise BadInput(f"column {index + 1} of the header has no name")
            if column in named:
                raise BadInput(f"the header repeats {_short(column)!r}")
            named.add(column)
            others[index] = column
            continue
        if meant in seen:
            raise BadInput(
                f"the header has two columns for {meant}: {_short(seen[meant])!r} and "
                f"{_short(column)!r}"
            )
        seen[meant] = column
        fields[index] = meant
    if "name" not in seen:
        raise BadInput(
            "the header has no 'name' column; the known columns are "
            f"{', '.join(COLUMNS)} (and their usual synonyms, see the README)"
        )
    if len(others) > MAX_EXTRA_COLUMNS:
        raise BadInput(
            f"the header has {len(others)} columns the tracker does not know; "
            f"the limit is {MAX_EXTRA_COLUMNS}"
        )
    return fields, others


def _short(text: str, limit: int = 80) -> str:
    """A cell as an error message repeats it: at most `limit` characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


RowResult = ImportRow | RowError


def _csv_rows(source: InputFile, validate: RowValidator) -> Iterator[RowResult]:
    reader = csv.reader(source.lines(), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise BadInput(f"{source.label} is empty") from None
    except csv.Error as exc:
        raise BadInput(f"{source.label} has a malformed CSV header: {exc}") from None
    fields, others = header_fields(header)
    width = len(header)
    entry = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            entry += 1
            yield RowError(reader.line_num, f"malformed CSV: {exc}")
            continue
        if _blank(cells):
            continue
        entry += 1
        line = reader.line_num
        raw = {fields[i]: cell for i, cell in enumerate(cells) if i in fields}
        extra = {others[i]: cell for i, cell in enumerate(cells) if i in others}
        if len(cells) != width:
            yield RowError(line, f"{len(cells)} cells where the header has {width}", raw)
            continue
        yield _row(validate, line, entry, raw, extra)


def _blank(cells: list[str]) -> bool:
    """A blank line (nothing, or white space only) holds no row."""
    return not cells or (len(cells) == 1 and not cells[0].strip())


def _row(
    validate: RowValidator,
    line: int,
    entry: int,
    raw: dict[str, Any],
    extra: dict[str, Any] | None = None,
) -> RowResult:
    try:
        return validate(line, entry, raw, extra)
    except BadInput as exc:
        return RowError(line, exc.message, {k: "" if v is None else str(v) for k, v in raw.items()})


def _jsonl_rows(source: InputFile, validate: RowValidator) -> Iterator[RowResult]:
    entry = 0
    for line_no, line in enumerate(source.lines(), start=1):
        if not line.strip():
            continue
        entry += 1
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            yield RowError(line_no, f"not valid JSON: {exc.msg}", {"name": line.strip()[:300]})
            continue
        except RecursionError:
            yield RowError(line_no, "JSON nested too deeply", {"name": line.strip()[:300]})
            continue
        except ValueError as exc:  # a number of more digits than Python converts
            yield RowError(line_no, f"not a JSON line the tracker reads: {str(exc)[:80]}",
                           {"name": line.strip()[:300]})  # fmt: skip
            continue
        if not isinstance(raw, dict):
            yield RowError(line_no, "each line must be a JSON object", {"name": line.strip()[:300]})
            continue
        fields: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for key, value in raw.items():
            meant = field_of(key)
            if meant is None:
                extra[key] = value
            elif meant in fields:
                yield RowError(line_no, f"two keys for {meant}", {"name": line.strip()[:300]})
                break
            else:
                fields[meant] = value
        else:
            yield _row(validate, line_no, entry, fields, extra)


def _text_rows(
    source: InputFile, validate: RowValidator, pattern: str = "paren"
) -> Iterator[RowResult]:
    """One signer per line, as printed (see `printed`): a numbered item's number is its
    published position."""
    entry = 0
    for line_no, line in enumerate(source.lines(), start=1):
        text = line.rstrip("\r\n")
        if not text.strip():
            continue
        entry += 1
        match = _NUMBERED.match(text)
        raw: dict[str, Any] = split_printed(match.group(2) if match else text, pattern)
        if match and match.group(1):
            raw["position"] = match.group(1)
        yield _row(validate, line_no, entry, raw)


def _page_rows(
    source: InputFile, validate: RowValidator, fmt: str, pattern: str, page: Page
) -> Iterator[RowResult]:
    """The items of a Markdown or HTML page, as printed lines (see `pages`, `printed`)."""
    from tracker.importing.pages import html_items, markdown_items

    text = "".join(source.text_chunks())
    read = markdown_items if fmt == "markdown" else html_items
    found = read(text, section=page.section)
    page.left_out, page.noted = found.left_out, found.noted
    for entry, item in enumerate(found.items, start=1):
        raw: dict[str, Any] = split_printed(item.text, pattern)
        if item.link and "link" not in raw:
            raw["link"] = item.link
        if item.position is not None:
            raw["position"] = str(item.position)
        yield _row(validate, item.line, entry, raw)


@dataclass
class Page:
    """What reading a page chose (`section`) and left out (lines that are no list item)."""

    section: str | None = None
    left_out: int = 0
    noted: list[tuple[int, str]] = field(default_factory=list)


def sniff_format(source: InputFile, name: str) -> str:
    lowered = name.lower()
    if lowered.endswith(".csv"):
        return "csv"
    if lowered.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if lowered.endswith((".md", ".markdown")):
        return "markdown"
    if lowered.endswith((".html", ".htm")):
        return "html"
    head = source.head_text().lstrip("\ufeff \t\r\n")
    if head[:15].lower().startswith(("<!doctype html", "<html")):
        return "html"
    if head.startswith("{"):
        return "jsonl"
    first = head.split("\n", 1)[0].strip().lower()
    try:
        cells = next(csv.reader([first]), [])
    except csv.Error:
        cells = []
    if (len(cells) > 1 and any(field_of(cell) == "name" for cell in cells)) or first == "name":
        return "csv"
    return "text"


def read_rows(
    source: InputFile,
    fmt: str,
    validate: RowValidator | None = None,
    pattern: str = "paren",
    page: Page | None = None,
) -> Iterator[RowResult]:
    validate = validate or RowValidator()
    if fmt == "csv":
        return _csv_rows(source, validate)
    if fmt == "jsonl":
        return _jsonl_rows(source, validate)
    if fmt in ("markdown", "html"):
        return _page_rows(source, validate, fmt, pattern, page or Page())
    return _text_rows(source, validate, pattern)
