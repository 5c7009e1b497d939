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
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from sqlalchemy import Connection, text

from tracker.domain.identity import (
    REVIEW_SCORE,
    Candidate,
    Signer,
    compare,
    decide,
    same_entry_person,
)
from tracker.services.evidence import NameStatistics, identifier, signers

# A link, e-mail or handle that more entries of one list share than this names no one person.
MAX_SHARED_IDENTIFIER = 20
DECIDE_CHUNK = 2_000


@dataclass
class _Entry:
    row_no: int
    line: int
    signer: Signer


@dataclass
class Decided:
    """Entries that are someone: a known person (`known`: row -> person, by what, why) or the
    person of an earlier entry of the file (`repeats`: row -> first row, by what, why); and how
    many pairs were left for a person to review."""

    known: dict[int, tuple[int, str, str]] = field(default_factory=dict)
    repeats: dict[int, tuple[int, str, str]] = field(default_factory=dict)
    queued: int = 0


_ENTRY_COLUMNS = (
    "r.row_no, r.line, r.name, r.name_key, r.link_key, r.email_key, r.handle_key, r.org_key"
)
# Known people an entry may be: the same identifier key, or the same name or alias key.
_KNOWN_CANDIDATES = """
SELECT r.row_no, s.person_id FROM import_rows r JOIN signatures s ON s.link_key = r.link_key
UNION SELECT r.row_no, s.person_id FROM import_rows r JOIN signatures s ON s.email_key = r.email_key
UNION SELECT r.row_no, s.person_id FROM import_rows r
    JOIN signatures s ON s.handle_key = r.handle_key
UNION SELECT r.row_no, coalesce(p.merged_into_id, p.id) FROM import_rows r
    JOIN people p ON p.name_key = r.name_key
UNION SELECT r.row_no, a.person_id FROM import_rows r JOIN aliases a ON a.alias_key = r.name_key
ORDER BY 1
"""
# Entries of the file that share an identifier key or a name key with another entry.
_SHARED = (
    "SELECT {columns} FROM import_rows r WHERE r.{key} IN (SELECT {key} FROM import_rows "
    "WHERE {key} IS NOT NULL GROUP BY {key} HAVING count(*) > 1 AND count(*) <= :most) "
    "ORDER BY r.row_no"
)


def _entries(connection: Connection, sql: str, letter: int, **params: Any) -> Iterator[_Entry]:
    """Entries of the staging table as signers of the letter being imported."""
    letters = frozenset({letter})
    for row_no, line, name, key, link, email, handle, org in connection.execute(text(sql), params):
        found = frozenset(
            identifier(kind, value)
            for kind, value in (("link", link), ("email", email), ("handle", handle))
            if value
        )
        orgs = frozenset({org} if org else ())
        yield _Entry(row_no, line, Signer(name, key, found, orgs, letters))


def decide_entries(connection: Connection, *, letter: int, known: bool) -> Decided:
    """Who the staged entries are: known people, or other entries of the file."""
    decided = Decided()
    if known:
        _decide_known(connection, decided, letter)
    _group_within_file(connection, decided, letter)
    return decided


def _decide_known(connection: Connection, decided: Decided, letter: int) -> None:
    """Entries that share a key with people known before: `domain.identity.decide`."""
    statistics = NameStatistics(connection)
    by_row: dict[int, set[int]] = defaultdict(set)
    for row_no, person_id in connection.execute(text(_KNOWN_CANDIDATES)).all():
        by_row[row_no].add(person_id)
    rows = sorted(by_row)
    for start in range(0, len(rows), DECIDE_CHUNK):
        chunk = rows[start : start + DECIDE_CHUNK]
        people = signers(connection, {p for row in chunk for p in by_row[row]})
        in_list = ", ".join(str(row) for row in chunk)
        sql = f"SELECT {_ENTRY_COLUMNS} FROM import_rows r WHERE r.row_no IN ({in_list})"
        entries = list(_entries(connection, sql, letter))
        statistics.prime((entry.signer.name, entry.signer.key) for entry in entries)
        for entry in entries:
            stats = statistics.of(entry.signer.name, entry.signer.key)
            candidates = [
                Candidate(pid, people[pid], stats) for pid in by_row[entry.row_no] if pid in people
            ]
            decision = decide(entry.signer, candidates)
            decided.queued += len(decision.review)
            if decision.person_id is not None:
                decided.known[entry.row_no] = (decision.person_id, decision.via, decision.reason)


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
        for entry in _entries(connection, sql, letter, most=MAX_SHARED_IDENTIFIER):
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
    for first, rows in components.items():
        group = sorted(set(rows) | {first})
        persons = {decided.known[m][0] for m in group if m in decided.known}
        kinds = sorted(kinds_of[first])
        via = kinds[0] if kinds else "link"
        head = group[0]
        reason = f"same {via} as line {entries[head].line}"
        if len(persons) == 1:
            (person_id,) = persons
            for member in group:
                if member not in decided.known:
                    decided.known[member] = (person_id, via, reason)
        elif not persons:
            for member in group[1:]:
                decided.repeats[member] = (head, via, reason)


def _same_names_queued(connection: Connection, letter: int) -> int:
    """Pairs of entries with one name key and no identifier that decides them: two published
    entries, both kept, to be reviewed (probable duplicates, or namesakes)."""
    sql = _SHARED.format(columns=_ENTRY_COLUMNS, key="name_key")
    groups: dict[str, list[_Entry]] = defaultdict(list)
    for entry in _entries(connection, sql, letter, most=MAX_SHARED_IDENTIFIER):
        groups[entry.signer.key].append(entry)
    queued = 0
    for members in groups.values():
        for a, b in combinations(members, 2):
            comparison = compare(a.signer, b.signer)
            if not comparison.shared and comparison.score >= REVIEW_SCORE:
                queued += 1
    return queued
