"""Who each entry of a staged import is: `domain.identity`, for the few entries that share a
key with someone.

SQL finds the candidates through indexes (known people who share an identifier key, a name key
or an alias key with an entry; entries of the file that share an identifier or a name key with
another), and the rules decide in Python: an entry known people may be goes through
`identity.decide`; entries of the file are joined into one person only by a shared identifier
(`identity.same_entry_person`), and the pairs left undecided are counted for review.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from sqlalchemy import Connection, text

from tracker.db.bulk import copy_rows, rows_for
from tracker.domain.identity import (
    REVIEW_SCORE,
    Candidate,
    Signer,
    compare,
    decide,
    same_entry_person,
)
from tracker.runtime import gc_paused
from tracker.services.evidence import NameStatistics, identifier, signers

# A link, e-mail or handle that more entries of one list share than this names no one person.
MAX_SHARED_IDENTIFIER = 20
# Entries decided at a time: the rows of the staging table from one row number to this many on.
# What is held in memory (candidates, their evidence, decisions) is one such range's.
DECIDE_CHUNK = 2_000


@dataclass
class _Entry:
    row_no: int
    line: int
    signer: Signer


@dataclass
class Decided:
    """What `decide_entries` found, counted (the decisions themselves are in `import_known`:
    row -> a known person, by what, why; and `import_repeats`: row -> the first row of the file
    that is the same person). Entries found to be someone by an identifier, by name alone, how
    many of them are known people, and how many pairs were left for a person to review."""

    by_identifier: int = 0
    by_name: int = 0
    known: int = 0
    queued: int = 0

    def count(self, via: str) -> None:
        if via == "name":
            self.by_name += 1
        else:
            self.by_identifier += 1


_CREATE_KNOWN = (
    "CREATE TEMPORARY TABLE import_known (row_no INTEGER PRIMARY KEY, person_id INTEGER NOT NULL,"
    " via TEXT NOT NULL, reason TEXT NOT NULL){suffix}"
)
_CREATE_REPEATS = (
    "CREATE TEMPORARY TABLE import_repeats (row_no INTEGER PRIMARY KEY, "
    "first_row INTEGER NOT NULL, via TEXT NOT NULL, reason TEXT NOT NULL){suffix}"
)
_KNOWN_COLUMNS = ("row_no", "person_id", "via", "reason")
_REPEAT_COLUMNS = ("row_no", "first_row", "via", "reason")

_ENTRY_COLUMNS = (
    "r.row_no, r.line, r.name, r.name_key, r.link_key, r.email_key, r.handle_key, r.org_key"
)
# Known people the entries of a range of rows may be: the same identifier key, or the same name
# or alias key. Each arm reads the range of the staging table by its key and probes an index.
_IN_RANGE = "r.row_no BETWEEN :low AND :high"
_KNOWN_CANDIDATES = f"""
SELECT r.row_no, s.person_id FROM import_rows r JOIN signatures s ON s.link_key = r.link_key
    WHERE {_IN_RANGE}
UNION SELECT r.row_no, s.person_id FROM import_rows r JOIN signatures s ON s.email_key = r.email_key
    WHERE {_IN_RANGE}
UNION SELECT r.row_no, s.person_id FROM import_rows r
    JOIN signatures s ON s.handle_key = r.handle_key WHERE {_IN_RANGE}
UNION SELECT r.row_no, coalesce(p.merged_into_id, p.id) FROM import_rows r
    JOIN people p ON p.name_key = r.name_key WHERE {_IN_RANGE}
UNION SELECT r.row_no, a.person_id FROM import_rows r JOIN aliases a ON a.alias_key = r.name_key
    WHERE {_IN_RANGE}
"""
_ENTRIES = f"SELECT {_ENTRY_COLUMNS} FROM import_rows r WHERE r.row_no IN ({{values}})"
# Entries of the file that share an identifier key or a name key with another entry.
_SHARED = (
    "SELECT {columns} FROM import_rows r WHERE r.{key} IN (SELECT {key} FROM import_rows "
    "WHERE {key} IS NOT NULL GROUP BY {key} HAVING count(*) > 1 AND count(*) <= :most) "
    "ORDER BY r.row_no"
)
_MOST = {"most": MAX_SHARED_IDENTIFIER}


def _entries(rows: Iterable[Sequence[Any]], letter: int) -> Iterator[_Entry]:
    """Entries of the staging table (rows of `_ENTRY_COLUMNS`) as signers of the letter being
    imported."""
    letters = frozenset({letter})
    for row_no, line, name, key, link, email, handle, org in rows:
        found = frozenset(
            identifier(kind, value)
            for kind, value in (("link", link), ("email", email), ("handle", handle))
            if value
        )
        orgs = frozenset({org} if org else ())
        yield _Entry(row_no, line, Signer(name, key, found, orgs, letters))


def decide_entries(connection: Connection, *, letter: int, known: bool, suffix: str) -> Decided:
    """Who the staged entries are, known people or other entries of the file: written to the
    temporary tables `import_known` and `import_repeats` (made here), and counted."""
    connection.exec_driver_sql(_CREATE_KNOWN.format(suffix=suffix))
    connection.exec_driver_sql(_CREATE_REPEATS.format(suffix=suffix))
    decided = Decided()
    with gc_paused():
        if known:
            _decide_known(connection, decided, letter)
        _group_within_file(connection, decided, letter)
    return decided


def _decide_known(connection: Connection, decided: Decided, letter: int) -> None:
    """Entries that share a key with people known before: `domain.identity.decide`, a range of
    rows at a time, each range's decisions written as they are made."""
    statistics = NameStatistics(connection)
    low, last = connection.execute(
        text("SELECT coalesce(min(row_no), 0), coalesce(max(row_no), -1) FROM import_rows")
    ).one()
    candidates = text(_KNOWN_CANDIDATES)
    for start in range(low, last + 1, DECIDE_CHUNK):
        by_row: dict[int, set[int]] = defaultdict(set)
        params = {"low": start, "high": start + DECIDE_CHUNK - 1}
        for row_no, person_id in connection.execute(candidates, params):
            by_row[row_no].add(person_id)
        if not by_row:
            continue
        people = signers(connection, {p for found in by_row.values() for p in found})
        entries = list(_entries(rows_for(connection, _ENTRIES, sorted(by_row)), letter))
        statistics.prime((entry.signer.name, entry.signer.key) for entry in entries)
        found: list[tuple[int, int, str, str]] = []
        for entry in entries:
            stats = statistics.of(entry.signer.name, entry.signer.key)
            options = [
                Candidate(pid, people[pid], stats) for pid in by_row[entry.row_no] if pid in people
            ]
            decision = decide(entry.signer, options)
            decided.queued += len(decision.review)
            if decision.person_id is not None:
                found.append((entry.row_no, decision.person_id, decision.via, decision.reason))
                decided.count(decision.via)
        if found:
            found.sort()
            copy_rows(connection, "import_known", _KNOWN_COLUMNS, found)
            decided.known += len(found)


def _known_people(connection: Connection, rows: list[int]) -> dict[int, int]:
    """The known person each of these rows was found to be, for those found to be one."""
    sql = "SELECT row_no, person_id FROM import_known WHERE row_no IN ({values})"
    return dict(rows_for(connection, sql, rows))


def _group_within_file(connection: Connection, decided: Decided, letter: int) -> None:
    """Entries of the file that are one person: joined by a shared identifier (a name alone
    never joins two entries, which are then queued for review). A group with an entry that is a
    known person is that person; a group's other entries repeat its first."""
    parent: dict[int, int] = {}

    def root(row: int) -> int:
        while parent.get(row, row) != row:
            parent[row] = parent.get(parent[row], parent[row])
            row = parent[row]
        return row

    entries: dict[int, _Entry] = {}
    why: dict[tuple[int, int], str] = {}
    for key in ("link_key", "email_key", "handle_key"):
        sql = _SHARED.format(columns=_ENTRY_COLUMNS, key=key)
        groups: dict[str, list[_Entry]] = defaultdict(list)
        for entry in _entries(connection.execute(text(sql), _MOST), letter):
            entries.setdefault(entry.row_no, entry)
            shared = next(i.key for i in entry.signer.identifiers if i.kind == key[:-4])
            groups[shared].append(entry)
        for members in groups.values():
            for a, b in combinations(members, 2):
                if same_entry_person(a.signer, b.signer):
                    low, high = sorted((root(a.row_no), root(b.row_no)))
                    parent[high] = low
                    why.setdefault((a.row_no, b.row_no), key[:-4])
                else:
                    decided.queued += 1
    decided.queued += _same_names_queued(connection, letter)
    components: dict[int, list[int]] = defaultdict(list)
    for row in parent:
        components[root(row)].append(row)
    kinds_of: dict[int, set[str]] = defaultdict(set)  # each group's kinds of shared identifier
    for (first_row, _), kind in why.items():
        kinds_of[root(first_row)].add(kind)
    grouped = {first: sorted({first, *rows}) for first, rows in components.items()}
    in_groups = sorted(row for group in grouped.values() for row in group)
    known = _known_people(connection, in_groups) if decided.known else {}
    joined: list[tuple[int, int, str, str]] = []
    repeats: list[tuple[int, int, str, str]] = []
    for first, group in grouped.items():
        persons = {known[m] for m in group if m in known}
        kinds = sorted(kinds_of[first])
        via = kinds[0] if kinds else "link"
        head = group[0]
        reason = f"same {via} as line {entries[head].line}"
        if len(persons) == 1:
            (person_id,) = persons
            joined += [(m, person_id, via, reason) for m in group if m not in known]
        elif not persons:
            repeats += [(member, head, via, reason) for member in group[1:]]
    for _, _, via, _ in joined + repeats:
        decided.count(via)
    decided.known += len(joined)
    for table, columns, found in (
        ("import_known", _KNOWN_COLUMNS, joined),
        ("import_repeats", _REPEAT_COLUMNS, repeats),
    ):
        if found:
            copy_rows(connection, table, columns, sorted(found))


def _same_names_queued(connection: Connection, letter: int) -> int:
    """Pairs of entries with one name key and no identifier that decides them: two published
    entries, both kept, to be reviewed (probable duplicates, or namesakes)."""
    sql = _SHARED.format(columns=_ENTRY_COLUMNS, key="name_key")
    groups: dict[str, list[_Entry]] = defaultdict(list)
    for entry in _entries(connection.execute(text(sql), _MOST), letter):
        groups[entry.signer.key].append(entry)
    queued = 0
    for members in groups.values():
        for a, b in combinations(members, 2):
            comparison = compare(a.signer, b.signer)
            if not comparison.shared and comparison.score >= REVIEW_SCORE:
                queued += 1
    return queued
