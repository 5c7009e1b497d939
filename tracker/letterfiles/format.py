"""The letter file: one open letter's facts in TOML, each naming its source.

This module owns the format: which tables and keys a file may hold, what each must be, and where
in the file a problem lies. It reads nothing from the database; facts that need it (a person a
demand names, a source another file loaded) are checked when the file is loaded.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.db.models import (
    ALIAS_KINDS,
    COUNT_QUALIFIERS,
    DEMAND_KINDS,
    DEMAND_OUTCOMES,
    SIGNATURE_STATUSES,
)
from tracker.errors import BadInput

MAX_PROBLEMS = 20
MAX_FILE_BYTES = 64 * 1024 * 1024

# A key's kind: how its value is checked.
TEXT, INTEGER, DATE, MOMENT, FLAG, NAMES = "text", "integer", "date", "moment", "flag", "names"


@dataclass(frozen=True)
class Table:
    """The keys one table (or one inline table) may hold."""

    required: dict[str, Any]
    optional: dict[str, Any] = field(default_factory=dict)
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def kind_of(self, key: str) -> Any:
        return self.required.get(key, self.optional.get(key))


@dataclass(frozen=True)
class ListOf:
    """A list of tables (`[[people]]`, or `roles = [{...}, ...]` inside one)."""

    table: Table
    or_text: bool = False  # an item may be a plain string (a demand's target)


ALIAS = Table({"alias": TEXT, "kind": TEXT, "source": TEXT}, choices={"kind": ALIAS_KINDS})
ROLE = Table({"title": TEXT, "org": TEXT, "source": TEXT}, {"start": DATE, "end": DATE})
TARGET = Table({"person": TEXT}, {"title": TEXT})
ENTRY = Table(
    {"name": TEXT},
    {
        "position": INTEGER,
        "signed_at": MOMENT,
        "title": TEXT,
        "affiliation": TEXT,
        "link": TEXT,
        "email": TEXT,
        "handle": TEXT,
        "location": TEXT,
        "withheld": FLAG,
        "status": TEXT,
        "status_source": TEXT,
        "reason": TEXT,
    },
    choices={"status": SIGNATURE_STATUSES},
)

TABLES: dict[str, Table] = {
    "sources": Table(
        {"key": TEXT, "title": TEXT},
        {"publisher": TEXT, "url": TEXT, "date": DATE, "language": TEXT, "note": TEXT},
    ),
    "letter": Table(
        {"slug": TEXT, "title": TEXT, "addressed_to": TEXT},
        {
            "date": DATE,
            "first_published_by": TEXT,
            "source": TEXT,
            "population": INTEGER,
            "population_label": TEXT,
            "population_source": TEXT,
            "ultimatum": TEXT,
            "ultimatum_source": TEXT,
            "ultimatum_carried_out": DATE,
            "ultimatum_carried_out_source": TEXT,
        },
    ),
    "organizations": Table({"name": TEXT, "source": TEXT}, {"aliases": ListOf(ALIAS)}),
    "people": Table(
        {"name": TEXT, "source": TEXT},
        {"note": TEXT, "aliases": ListOf(ALIAS), "roles": ListOf(ROLE)},
    ),
    "demands": Table(
        {"key": TEXT, "kind": TEXT, "summary": TEXT, "source": TEXT},
        {
            "role_title": TEXT,
            "organization": TEXT,
            "required_count": INTEGER,
            "targets": ListOf(TARGET, or_text=True),
            "candidates": NAMES,
        },
        choices={"kind": DEMAND_KINDS},
    ),
    "outcomes": Table(
        {"demand": TEXT, "outcome": TEXT, "as_of": DATE, "source": TEXT},
        {"note": TEXT},
        choices={"outcome": DEMAND_OUTCOMES},
    ),
    "signatories": Table(
        {"source": TEXT},
        {"status": TEXT, "names": NAMES, "entries": ListOf(ENTRY)},
        choices={"status": ("reported", "confirmed")},
    ),
    "counts": Table(
        {"value": INTEGER, "qualifier": TEXT, "as_of": MOMENT, "source": TEXT},
        {"population": INTEGER, "note": TEXT},
        choices={"qualifier": COUNT_QUALIFIERS},
    ),
}
SINGLE = {"letter"}  # `[letter]`; every other table is a list (`[[sources]]`)
MAX_INTEGER = 2**31 - 1

Where = tuple[str | int, ...]


@dataclass(frozen=True)
class LetterFile:
    """A read and checked letter file: its data, and where each table item starts."""

    path: Path
    data: dict[str, Any]
    lines: LineIndex

    def at(self, where: Where) -> str:
        """`file:line` for a place in the file."""
        return f"{self.path}:{self.lines.line_of(where)}"

    def items(self, table: str) -> Iterator[tuple[Where, dict[str, Any]]]:
        for index, item in enumerate(self.data.get(table, [])):
            yield (table, index), item


class LineIndex:
    """Finds the line of a table item or key in TOML text, for error messages. It reads the
    text as written (headers such as `[[people]]` or `[[people.roles]]`, keys as `key =`), so it
    is exact for the usual layout and falls back to the item's header otherwise."""

    _HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\"' -]+?)\s*\]\]?\s*(?:#.*)?$")

    def __init__(self, text: str) -> None:
        self._lines = text.splitlines()
        self._headers: dict[str, list[int]] = {}
        for number, line in enumerate(self._lines, start=1):
            match = self._HEADER.match(line)
            if match:
                self._headers.setdefault(match.group(1).replace(" ", ""), []).append(number)

    def line_of(self, where: Where) -> int:
        rest = list(where[1:])
        index = rest.pop(0) if rest and isinstance(rest[0], int) else 0
        table = str(where[0]) if where else ""
        headers = self._headers.get(table, [])
        if not headers:
            return 1
        start = headers[min(int(index), len(headers) - 1)]
        following = [
            n
            for name, lines in self._headers.items()
            if not name.startswith(f"{table}.")  # `[[people.roles]]` belongs to its person
            for n in lines
            if n > start
        ]
        end = min(following, default=len(self._lines) + 1)
        line, key = start, ""
        for part in rest:
            if isinstance(part, str):
                key = part
                line = self._key_line(line, end, part)
                continue
            children = [n for n in self._headers.get(f"{table}.{key}", []) if start < n < end]
            if children:
                line = children[min(part, len(children) - 1)]
            else:
                line = self._nth_item(line, end, part)
        return line

    def _key_line(self, start: int, end: int, key: str) -> int:
        pattern = re.compile(rf"(^|[{{,\s]){re.escape(key)}\s*=")
        for number in range(start, end):
            if pattern.search(self._lines[number - 1]):
                return number
        return start

    def _nth_item(self, start: int, end: int, index: int) -> int:
        """The line of the index-th item of a list that starts on `start`: one item a line, as
        letter files are written."""
        seen = -1
        for number in range(start, end):
            text = self._lines[number - 1]
            if "{" in text or (number > start and text.strip().startswith('"')):
                seen += text.count("{") or 1
                if seen >= index:
                    return number
        return start


def read_letter_file(path: Path) -> LetterFile:
    """Read and check a letter file; every problem is reported as `file:line: what`, all at once
    (up to MAX_PROBLEMS), and nothing is loaded when there is one."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise BadInput(f"{path}: not a file")
        if size > MAX_FILE_BYTES:
            raise BadInput(f"{path}: {size:,} bytes; a letter file is at most {MAX_FILE_BYTES:,}")
        raw = path.read_bytes()
    except OSError as error:
        raise BadInput(f"{path}: cannot read it ({error.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise BadInput(f"{path}:{line}: not UTF-8 text (a letter file is UTF-8)") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise BadInput(_toml_error(path, error)) from None
    except RecursionError:
        raise BadInput(f"{path}: nested too deeply to be a letter file") from None
    letter_file = LetterFile(path, data, LineIndex(text))
    problems = list(_problems(letter_file))
    if problems:
        shown = problems[:MAX_PROBLEMS]
        more = len(problems) - len(shown)
        tail = [f"{path}: and {more} more problems"] if more else []
        raise BadInput("\n".join([*shown, *tail]))
    return letter_file


_AT = re.compile(r"^(?P<msg>.*?)\s*\(at line (?P<line>\d+), column \d+\)$", re.S)


def _toml_error(path: Path, error: tomllib.TOMLDecodeError) -> str:
    """`LINE: not valid TOML: what`, from the parser's message (its `lineno` is Python 3.14+)."""
    match = _AT.match(str(error))
    if match:
        return f"{path}:{match['line']}: not valid TOML: {match['msg']}"
    return f"{path}: not valid TOML: {error}"


def _problems(letter_file: LetterFile) -> Iterator[str]:
    data = letter_file.data
    for key in data:
        if key not in TABLES:
            known = ", ".join(TABLES)
            yield f"{letter_file.at((key,))}: unknown table '{key}'; a letter file has {known}"
    if "letter" not in data:
        yield f"{letter_file.path}:1: no [letter] table; a letter file describes one letter"
    for name, table in TABLES.items():
        if name not in data:
            continue
        value = data[name]
        if name in SINGLE:
            if not isinstance(value, dict):
                yield f"{letter_file.at((name,))}: '{name}' is one table, written [{name}]"
                continue
            yield from _check_table(letter_file, (name,), value, table)
            continue
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            yield f"{letter_file.at((name,))}: '{name}' is a list of tables, written [[{name}]]"
            continue
        for index, item in enumerate(value):
            yield from _check_table(letter_file, (name, index), item, table)
    yield from _cross_checks(letter_file)


def _check_table(
    letter_file: LetterFile, where: Where, item: dict[str, Any], table: Table
) -> Iterator[str]:
    for key in table.required:
        if key not in item:
            what = "a fact without a source" if key == "source" else f"'{key}' is required"
            yield f"{letter_file.at(where)}: {_label(where)} has no '{key}' ({what})"
    for key, value in item.items():
        kind = table.kind_of(key)
        place = (*where, key)
        if kind is None:
            known = ", ".join([*table.required, *table.optional])
            yield f"{letter_file.at(place)}: unknown key '{key}' in {_label(where)}; known: {known}"
            continue
        if isinstance(kind, ListOf):
            yield from _check_list(letter_file, place, value, kind)
            continue
        problem = _value_problem(kind, value)
        if problem:
            yield f"{letter_file.at(place)}: '{key}' {problem}"
        elif key in table.choices and value not in table.choices[key]:
            allowed = ", ".join(table.choices[key])
            yield f"{letter_file.at(place)}: '{key}' is '{value}'; use one of {allowed}"


def _check_list(letter_file: LetterFile, where: Where, value: Any, kind: ListOf) -> Iterator[str]:
    if not isinstance(value, list):
        yield f"{letter_file.at(where)}: '{where[-1]}' is a list"
        return
    for index, item in enumerate(value):
        if kind.or_text and isinstance(item, str):
            continue
        if not isinstance(item, dict):
            yield f"{letter_file.at((*where, index))}: '{where[-1]}' holds tables ({{ ... }})"
            continue
        yield from _check_table(letter_file, (*where, index), item, kind.table)


def _value_problem(kind: str, value: Any) -> str | None:
    if kind == TEXT:
        return None if isinstance(value, str) and value.strip() else "is text, not empty"
    if kind == INTEGER:
        if isinstance(value, bool) or not isinstance(value, int):
            return "is a whole number"
        return None if 0 <= value <= MAX_INTEGER else f"is from 0 to {MAX_INTEGER}"
    if kind == FLAG:
        return None if isinstance(value, bool) else "is true or false"
    if kind == NAMES:
        if isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value):
            return None
        return "is a list of names"
    if kind in (DATE, MOMENT):
        return _date_problem(kind, value)
    raise AssertionError(kind)


def _date_problem(kind: str, value: Any) -> str | None:
    from tracker.domain.dates import parse_date, parse_datetime

    if isinstance(value, dt.datetime):
        return None if kind == MOMENT else "is a date (YYYY-MM-DD), not a time"
    if isinstance(value, dt.date):
        return None
    if not isinstance(value, str):
        return "is a date"
    try:
        (parse_datetime if kind == MOMENT else parse_date)(value)
    except BadInput as error:
        return f"is not a date: {error.message}"
    return None


def _cross_checks(letter_file: LetterFile) -> Iterator[str]:
    """What one item cannot tell alone: keys given twice, and role demands without a role."""
    yield from _repeated(letter_file, "sources", "key", "source key")
    yield from _repeated(letter_file, "demands", "key", "demand key")
    for where, demand in letter_file.items("demands"):
        if demand.get("kind") in (None, "other"):
            continue
        if not (demand.get("role_title") and demand.get("organization")):
            yield (
                f"{letter_file.at(where)}: demand '{demand.get('key')}' of kind "
                f"'{demand['kind']}' needs a role_title and an organization"
            )
    keys = {d.get("key") for _, d in letter_file.items("demands")}
    for where, outcome in letter_file.items("outcomes"):
        if outcome.get("demand") not in keys:
            yield f"{letter_file.at((*where, 'demand'))}: no demand '{outcome.get('demand')}'"
    for where, group in letter_file.items("signatories"):
        if ("names" in group) == ("entries" in group):
            yield f"{letter_file.at(where)}: a signatories table has either names or entries"


def _repeated(letter_file: LetterFile, table: str, key: str, what: str) -> Iterator[str]:
    seen: set[Any] = set()
    for where, item in letter_file.items(table):
        value = item.get(key)
        if value in seen:
            yield f"{letter_file.at((*where, key))}: {what} '{value}' is given twice"
        seen.add(value)


def _label(where: Where) -> str:
    if len(where) == 1:
        return f"[{where[0]}]"
    parts: list[str] = []
    for part in where:
        if isinstance(part, int):
            parts[-1] += f" #{part + 1}"
        else:
            parts.append(str(part))
    return ", ".join(parts)
