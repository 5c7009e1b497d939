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
from tracker.domain.dates import parse_cell_datetime
from tracker.domain.identifiers import private_link
from tracker.domain.names import clean_display_name, clean_text
from tracker.errors import BadInput
from tracker.importing.printed import split_printed

CHUNK = 1 << 20
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
        self.mojibake: tuple[str, str] | None = None  # (as read, as it reads in UTF-8)

    def _choose_encoding(self, head: bytes, explicit: str | None) -> str:
        if explicit == "auto":
            return self._detected(head)
        if explicit:
            try:
                readable = b"name,a 1\n".decode(explicit) == "name,a 1\n"
            except (LookupError, UnicodeError, ValueError):
                readable = False
            if not readable:
                raise BadInput(
                    f"'{explicit}' is not an encoding of text files; use e.g. utf-8, cp1251, "
                    "latin-1, or --encoding auto to detect it"
                )
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

    def _detected(self, head: bytes) -> str:
        try:
            head.decode("utf-8")
            return "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 3:
                return "utf-8"  # a character cut at the end of the sample
        found = detect_encoding(head)
        if found is None:
            raise BadInput(f"cannot tell the encoding of {self.label}; pass --encoding")
        return found.encoding

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
                    f"{self.label} is not valid {self.encoding} at line {line}, byte {position}"
                    + self._advice()
                ) from None
            if offset == 0:
                self.mojibake = mojibake(text)
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

    def _advice(self) -> str:
        """What to pass instead, from what the start of the file looks like."""
        found = detect_encoding(self._head)
        if found is None or found.encoding.replace("_", "-") == self.encoding:
            return "; pass --encoding with the file's encoding"
        encoding, language = found.encoding, found.language
        what = f" ({language})" if language and language != "Unknown" else ""
        alike = (
            f" (or {', '.join(found.alike)}: the file's start cannot tell them apart)"
            if found.alike
            else ""
        )
        return (
            f"; it looks like {encoding}{what}{alike}: pass --encoding {encoding} (or --encoding "
            "auto), and check a few names with --dry-run"
        )

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


# The encodings that spreadsheets and saved pages come in, most common first: detection chooses
# among these only (a rare codec that happens to read a short sample is no better a guess), and
# prefers the earlier of two that read the sample equally well.
COMMON_ENCODINGS = (
    "cp1252", "cp1251", "cp1250", "cp1253", "cp932", "gb18030", "big5", "euc_kr", "euc_jp",
    "koi8_r", "cp1254", "cp1255", "cp1256", "cp1257", "utf_16",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Detected:
    encoding: str
    language: str
    alike: tuple[str, ...]  # other encodings that read the sample just as well


def mojibake(text: str) -> tuple[str, str] | None:
    """A word of text that is UTF-8 read in a single-byte encoding ("JosÃ©" for "José"), with
    what it reads in UTF-8; None if the text does not look so."""
    for word in text.split():
        if word.isascii():
            continue
        for single in ("cp1252", "latin-1"):
            try:
                fixed = word.encode(single).decode("utf-8")
            except UnicodeError:
                continue
            if fixed != word:
                return word, fixed
    return None


def detect_encoding(sample: bytes) -> Detected | None:
    """The encoding that best reads these bytes, by charset-normalizer (what pip uses): the
    least chaos, then the most coherent language, then the most common encoding; None if no
    common encoding reads them as text."""
    from charset_normalizer import from_bytes

    matches = list(from_bytes(sample[: 256 * 1024], cp_isolation=list(COMMON_ENCODINGS)))
    if not matches:
        return None

    def rank(match: Any) -> tuple[float, float, int]:
        common = (
            COMMON_ENCODINGS.index(match.encoding) if match.encoding in COMMON_ENCODINGS else 99
        )
        return (round(match.percent_chaos, 1), -round(match.percent_coherence, 1), common)

    matches.sort(key=rank)
    best = matches[0]
    alike = tuple(m.encoding for m in matches[1:] if rank(m)[:2] == rank(best)[:2])
    return Detected(best.encoding, best.language, alike)


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
            if not stripped.isdigit() or not 1 <= int(stripped) <= MAX_POSITION:
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
    """Which cell of a row is which field, and which are other (named) columns."""
    fields: dict[int, str] = {}
    others: dict[int, str] = {}
    seen: dict[str, str] = {}
    for index, cell in enumerate(header):
        column = cell.strip()
        meant = field_of(column)
        if meant is None:
            if not column:
                raise BadInput(f"column {index + 1} of the header has no name")
            if column in others.values():
                raise BadInput(f"the header repeats {column!r}")
            others[index] = column
            continue
        if meant in seen:
            raise BadInput(
                f"the header has two columns for {meant}: {seen[meant]!r} and {column!r}"
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
