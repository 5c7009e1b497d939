"""Reading a signatory list, streamed: CSV with a header, JSON lines, or plain text with one name
per line (a numbered list as articles print it: "1.Mira Murati", "2. Brad Lightcap",
"3) Jason Kwon", "- Name").

Bytes are decoded incrementally in the chosen encoding (UTF-8 with or without BOM by default;
UTF-16 by its BOM); a byte sequence that is not valid stops the import with the line and byte
where it broke. Cells stay text exactly as written ("NA", "007", "+44 20 ..." included).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from tracker.csvsafe import FORMULA_TRIGGERS
from tracker.domain.dates import parse_datetime
from tracker.domain.names import clean_display_name
from tracker.errors import BadInput

CHUNK = 1 << 20
COLUMNS = ("name", "title", "organization", "signed_at", "position", "status")
STATUSES = ("reported", "confirmed")
FORMATS = ("auto", "csv", "jsonl", "text")
_NUMBERED = re.compile(r"^\s*(?:(\d{1,9})\s*[.)]|[-*\u2022])\s*(.*)$")


@dataclass(frozen=True, slots=True)
class ImportRow:
    line: int
    name: str
    title: str | None
    organization: str | None
    signed_at: Any
    position: int | None
    status: str


@dataclass(slots=True)
class RowError:
    line: int
    reason: str
    raw: dict[str, str] = field(default_factory=dict)


class InputFile:
    """The bytes of the input, hashed as they are read."""

    def __init__(self, handle: IO[bytes], *, encoding: str | None, label: str) -> None:
        self.handle = handle
        self.label = label
        self.digest = hashlib.sha256()
        self.bytes_read = 0
        head = handle.read(CHUNK)
        self._head = head
        self.encoding = self._choose_encoding(head, encoding)

    def _choose_encoding(self, head: bytes, explicit: str | None) -> str:
        if explicit:
            try:
                codecs.lookup(explicit)
            except LookupError:
                raise BadInput(f"unknown encoding '{explicit}'") from None
            return explicit
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        if b"\x00" in head[:8192]:
            raise BadInput(
                f"{self.label} looks like a binary file (it contains NUL bytes); "
                "give a CSV, JSON lines or text file, or pass --encoding for UTF-16 without a BOM"
            )
        return "utf-8"

    def head_text(self, size: int = 4096) -> str:
        """The start of the input, decoded leniently: enough to tell its format."""
        return self._head[:size].decode(self.encoding, errors="ignore")

    def _chunks(self) -> Iterator[bytes]:
        chunk = self._head
        while chunk:
            self.digest.update(chunk)
            self.bytes_read += len(chunk)
            yield chunk
            chunk = self.handle.read(CHUNK)

    def text_chunks(self) -> Iterator[str]:
        decoder = codecs.getincrementaldecoder(self.encoding)(errors="strict")
        offset = 0
        lines = 1
        for chunk in self._chunks():
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                position = offset + exc.start
                line = lines + chunk[: exc.start].count(b"\n")
                raise BadInput(
                    f"{self.label} is not valid {self.encoding} at line {line}, byte {position}; "
                    "pass --encoding (e.g. --encoding latin-1) if it uses another encoding"
                ) from None
            offset += len(chunk)
            lines += chunk.count(b"\n")
            if text:
                yield text
        try:
            tail = decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise BadInput(
                f"{self.label} ends in the middle of a {self.encoding} character (byte {offset}); "
                "pass --encoding if it uses another encoding"
            ) from None
        if tail:
            yield tail

    def lines(self) -> Iterator[str]:
        """Lines with their endings; only \\n ends a line (a U+2028 inside a name does not)."""
        pending = ""
        for text in self.text_chunks():
            pending += text
            *complete, pending = pending.split("\n")
            for line in complete:
                yield line + "\n"
        if pending:
            yield pending

    @property
    def sha256(self) -> str:
        return self.digest.hexdigest()


def _text(raw: dict[str, Any], column: str) -> str | None:
    value = raw.get(column)
    if value is None:
        return None
    if value.__class__ is not str:
        if column == "name":
            raise BadInput(f"the name must be text, not {type(value).__name__}")
        value = str(value)
    if value[:1] == "'" and value[1:2] in _UNPREFIXED:
        # The spreadsheet-safety prefix our CSV reports add (and spreadsheets read as "text"):
        # an exported list imports back as the names it holds.
        value = value[1:]
    return value if value and not value.isspace() else None


_UNPREFIXED = frozenset(FORMULA_TRIGGERS)


class RowValidator:
    """Checks rows; caches what repeats across rows of one list (dates, organizations)."""

    def __init__(self) -> None:
        self._dates: dict[str, Any] = {}
        self._orgs: dict[str, str] = {}

    def date(self, text: str) -> Any:
        found = self._dates.get(text)
        if found is None:
            found = self._dates[text] = parse_datetime(text, what="signed_at date")
        return found

    def _organization(self, text: str) -> str:
        found = self._orgs.get(text)
        if found is None:
            found = clean_display_name(text, what="organization")
            if len(self._orgs) < 100_000:
                self._orgs[text] = found
        return found

    def __call__(self, line: int, raw: dict[str, Any]) -> ImportRow:
        name = _text(raw, "name")
        if name is None:
            raise BadInput("the name is missing or empty")
        name = clean_display_name(name)
        title = _text(raw, "title")
        title = clean_display_name(title, what="title") if title else None
        organization = _text(raw, "organization")
        organization = self._organization(organization) if organization else None
        if title and not organization:
            raise BadInput("a title needs an organization (the role is recorded at one)")
        signed = _text(raw, "signed_at")
        position_text = _text(raw, "position")
        position = None
        if position_text is not None:
            stripped = position_text.strip()
            if not stripped.isdigit() or int(stripped) < 1:
                raise BadInput(f"the position '{position_text}' is not a whole number of 1 or more")
            position = int(stripped)
        status = raw.get("status") or "reported"
        if status not in STATUSES:
            raise BadInput(f"the status '{status}' is not one of {', '.join(STATUSES)}")
        return ImportRow(
            line,
            name,
            title,
            organization,
            self.date(signed.strip()) if signed else None,
            position,
            status,
        )


def check_columns(columns: list[str]) -> None:
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown:
        raise BadInput(
            f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
            f"the known columns are {', '.join(COLUMNS)}"
        )
    if "name" not in columns:
        raise BadInput(
            f"the header has no 'name' column; the known columns are {', '.join(COLUMNS)}"
        )
    duplicated = {c for c in columns if columns.count(c) > 1}
    if duplicated:
        raise BadInput(f"the header repeats {', '.join(sorted(duplicated))}")


RowResult = ImportRow | RowError


def _csv_rows(source: InputFile) -> Iterator[RowResult]:
    validate = RowValidator()
    reader = csv.reader(source.lines(), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise BadInput(f"{source.label} is empty") from None
    except csv.Error as exc:
        raise BadInput(f"{source.label} has a malformed CSV header: {exc}") from None
    columns = [c.strip() for c in header]
    check_columns(columns)
    width = len(columns)
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield RowError(reader.line_num, f"malformed CSV: {exc}")
            continue
        if _blank(cells):
            continue
        line = reader.line_num
        raw = dict(zip(columns, cells, strict=False))
        if len(cells) != width:
            yield RowError(line, f"{len(cells)} cells where the header has {width}", raw)
            continue
        yield _row(validate, line, raw)


def _blank(cells: list[str]) -> bool:
    """A blank line (nothing, or white space only) holds no row."""
    return not cells or (len(cells) == 1 and not cells[0].strip())


def csv_shape(source: InputFile) -> tuple[list[str], int] | None:
    """The header cells, and how many rows `read_rows` gives, of a CSV file as Python's csv module
    reads it (strictly); None where it refuses the file."""
    reader = csv.reader(source.lines(), strict=True)
    try:
        header = next(reader)
        rows = sum(1 for cells in reader if not _blank(cells))
    except (StopIteration, csv.Error, BadInput):
        return None
    return header, rows


def _row(validate: RowValidator, line: int, raw: dict[str, Any]) -> RowResult:
    try:
        return validate(line, raw)
    except BadInput as exc:
        return RowError(line, exc.message, {k: "" if v is None else str(v) for k, v in raw.items()})


def _jsonl_rows(source: InputFile) -> Iterator[RowResult]:
    validate = RowValidator()
    for line_no, line in enumerate(source.lines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            yield RowError(line_no, f"not valid JSON: {exc.msg}", {"name": line.strip()[:300]})
            continue
        if not isinstance(raw, dict):
            yield RowError(line_no, "each line must be a JSON object", {"name": line.strip()[:300]})
            continue
        unknown = [k for k in raw if k not in COLUMNS]
        if unknown:
            yield RowError(
                line_no,
                f"unknown key {', '.join(map(repr, unknown))}; "
                f"the known keys are {', '.join(COLUMNS)}",
                {k: str(v) for k, v in raw.items()},
            )
            continue
        yield _row(validate, line_no, raw)


def _text_rows(source: InputFile) -> Iterator[RowResult]:
    validate = RowValidator()
    for line_no, line in enumerate(source.lines(), start=1):
        text = line.rstrip("\r\n")
        if not text.strip():
            continue
        match = _NUMBERED.match(text)
        raw: dict[str, Any] = {"name": text}
        if match:
            raw = {"name": match.group(2), "position": match.group(1)}
        yield _row(validate, line_no, raw)


def sniff_format(source: InputFile, name: str) -> str:
    lowered = name.lower()
    if lowered.endswith(".csv"):
        return "csv"
    if lowered.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    head = source.head_text().lstrip("\ufeff \t\r\n")
    if head.startswith("{"):
        return "jsonl"
    first = head.split("\n", 1)[0].strip().lower()
    if first == "name" or first.startswith("name,") or ",name" in first:
        return "csv"
    return "text"


def read_rows(source: InputFile, fmt: str) -> Iterator[RowResult]:
    if fmt == "csv":
        return _csv_rows(source)
    if fmt == "jsonl":
        return _jsonl_rows(source)
    return _text_rows(source)
