"""Reading a signatory list into entries, streamed: CSV with a header, JSON lines, plain text
with one signer per line (a numbered list as articles print it: "1.Mira Murati", "2. Brad
Lightcap", "3) Jason Kwon", "- Name"; "Name (Affiliation)", see `printed`), or a Markdown or
HTML page (see `pages`). The bytes and their encoding are `source`'s. Each row comes out as a
record (its line, its place in the list, its cells by field), or as the reason it is no row (a
malformed CSV line, a JSON line that is no object); `rules` checks a record into an entry. Cells
stay text exactly as written ("NA", "007", "+44 20 ..." included).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tracker.errors import BadInput
from tracker.importing.printed import split_printed
from tracker.importing.rules import Columns, Record, RowError
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
FORMATS = ("auto", "csv", "jsonl", "text", "markdown", "html")
MAX_EXTRA_COLUMNS = 100
_NUMBERED = re.compile(r"^\s*(?:(\d{1,9})\s*[.)]|[-*\u2022])\s*(.*)$")
_HEADER_WORD = re.compile(r"[\s\-]+")


def field_of(header: str) -> str | None:
    """The field a column means (`Organisation` -> affiliation), or None for another column."""
    word = _HEADER_WORD.sub("_", header.strip().casefold()).strip("_.")
    return _FIELD_OF.get(word)


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


Read = Record | RowError


def _csv_rows(source: InputFile, columns: Columns) -> Iterator[Read]:
    """A CSV record's cells stay a list (`columns` says which is which, from the header), so
    the file is read at the speed of the `csv` module and the mapping is done where it is
    checked."""
    reader = csv.reader(source.lines(), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise BadInput(f"{source.label} is empty") from None
    except csv.Error as exc:
        raise BadInput(f"{source.label} has a malformed CSV header: {exc}") from None
    columns.fields, columns.others = header_fields(header)
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
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue  # a blank line (nothing, or white space only) holds no row
        entry += 1
        if len(cells) != width:
            raw, _ = columns.split(cells)
            yield RowError(reader.line_num, f"{len(cells)} cells where the header has {width}", raw)
            continue
        yield reader.line_num, entry, cells, None


def _jsonl_rows(source: InputFile) -> Iterator[Read]:
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
            yield line_no, entry, fields, extra


def _text_rows(source: InputFile, pattern: str = "paren") -> Iterator[Read]:
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
        yield line_no, entry, raw, None


def _page_rows(source: InputFile, fmt: str, pattern: str, page: Page) -> Iterator[Read]:
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
        yield item.line, entry, raw, None


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


def read_records(
    source: InputFile,
    fmt: str,
    columns: Columns,
    pattern: str = "paren",
    page: Page | None = None,
) -> Iterator[Read]:
    """The records of a list in a format (not "auto": see `sniff_format`), in order. A CSV file
    fills in `columns` from its header."""
    if fmt == "csv":
        return _csv_rows(source, columns)
    if fmt == "jsonl":
        return _jsonl_rows(source)
    if fmt in ("markdown", "html"):
        return _page_rows(source, fmt, pattern, page or Page())
    return _text_rows(source, pattern)
