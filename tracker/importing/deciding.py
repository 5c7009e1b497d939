"""Who each entry of a staged import is: `domain.identity`, for the few entries that share a
key with someone.

SQL finds the candidates through indexes (known people who share an identifier key, a name key
or an alias key with an entry; entries of the file that share an identifier or a name key with
another), and the rules decide in Python: an entry known people may be goes through
`identity.decide` (`known`: a range of rows at a time, in workers for a large list); entries of
the file are joined into one person only by a shared identifier (`identity.same_entry_person`),
and the pairs left undecided are counted for review.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

from sqlalchemy import Connection, text

from tracker.db.bulk import copy_rows, rows_for
from tracker.domain.identity import REVIEW_SCORE, compare, same_entry_person
from tracker.importing.known import decide_known
from tracker.importing.staging import ENTRY_COLUMNS, Entry, entries_as_signers
from tracker.runtime import gc_paused

# A link, e-mail or handle that more entries of one list share than this names no one person.
MAX_SHARED_IDENTIFIER = 20


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

# Entries of the file that share an identifier key or a name key with another entry.
_SHARED = (
    "SELECT {columns} FROM import_rows r WHERE r.{key} IN (SELECT {key} FROM import_rows "
    "WHERE {key} IS NOT NULL GROUP BY {key} HAVING count(*) > 1 AND count(*) <= :most) "
    "ORDER BY r.row_no"
)
_MOST = {"most": MAX_SHARED_IDENTIFIER}


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
    """Entries that share a key with people known before (`known`), each range's decisions
    written as they come."""
    for found, queued in decide_known(connection, letter):
        decided.queued += queued
        if found:
            copy_rows(connection, "import_known", _KNOWN_COLUMNS, found)
            decided.known += len(found)
            for _, _, via, _ in found:
                decided.count(via)


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

    entries: dict[int, Entry] = {}
    why: dict[tuple[int, int], str] = {}
    for key in ("link_key", "email_key", "handle_key"):
        sql = _SHARED.format(columns=ENTRY_COLUMNS, key=key)
        groups: dict[str, list[Entry]] = defaultdict(list)
        for entry in entries_as_signers(connection.execute(text(sql), _MOST), letter):
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
    sql = _SHARED.format(columns=ENTRY_COLUMNS, key="name_key")
    groups: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries_as_signers(connection.execute(text(sql), _MOST), letter):
        groups[entry.signer.key].append(entry)
    queued = 0
    for members in groups.values():
        for a, b in combinations(members, 2):
            comparison = compare(a.signer, b.signer)
            if not comparison.shared and comparison.score >= REVIEW_SCORE:
                queued += 1
    return queued
