"""Staged entries that share a key with people known before: who they are, by
`domain.identity.decide`, a range of rows at a time (what is held in memory is one range's).

This process reads each range's evidence (the candidates of its entries, what is known of them,
how common the entries' names are); the rules weigh it (`decide_range`), here or, once a list has
shown many entries to decide, in worker processes (`workers`) while this one reads the next
ranges. Either way the decisions come back in the order of the rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from tracker.db.bulk import rows_for
from tracker.domain.identity import Candidate, decide
from tracker.importing.staging import ENTRY_COLUMNS, entries_as_signers
from tracker.importing.workers import in_order
from tracker.services.evidence import (
    EvidenceRows,
    NameCounts,
    NameStatistics,
    evidence_rows,
    signers_from,
    tokens_from_keys,
)

# Entries decided at a time: the rows of the staging table from one row number to this many on.
DECIDE_CHUNK = 2_000
# Entries with candidates seen before workers are worth starting (deciding one costs about a
# tenth of a millisecond; starting the workers, half a second).
PARALLEL_FROM = 10_000

# Known people the entries of a range of rows may be: the same identifier key, or the same name
# or alias key. Each arm reads the range of the staging table by its key and probes an index.
_IN_RANGE = "r.row_no BETWEEN :low AND :high"
_CANDIDATES = f"""
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
_ENTRIES = (
    f"SELECT {ENTRY_COLUMNS}, r.first_key, r.last_key FROM import_rows r "
    "WHERE r.row_no IN ({values})"
)

Decision = tuple[int, int, str, str]  # row, the known person it is, by what, why


@dataclass(frozen=True, slots=True)
class RangeEvidence:
    """What deciding a range of entries weighs, as plain values (it may go to a worker)."""

    entries: list[tuple[Any, ...]]  # rows of ENTRY_COLUMNS
    candidates: dict[int, list[int]]  # row -> the known people it may be
    people: EvidenceRows  # what is known of them
    names: NameCounts  # how common the entries' names are among the people known


def decide_range(letter: int, evidence: RangeEvidence) -> tuple[list[Decision], int]:
    """The entries of a range found to be known people, and the pairs left for review."""
    people = signers_from(evidence.people)
    found: list[Decision] = []
    queued = 0
    for entry in entries_as_signers(evidence.entries, letter):
        stats = evidence.names.of(entry.signer.name, entry.signer.key)
        options = [
            Candidate(pid, people[pid], stats)
            for pid in evidence.candidates[entry.row_no]
            if pid in people
        ]
        decision = decide(entry.signer, options)
        queued += len(decision.review)
        if decision.person_id is not None:
            found.append((entry.row_no, decision.person_id, decision.via, decision.reason))
    return found, queued


def decide_known(connection: Connection, letter: int) -> Iterator[tuple[list[Decision], int]]:
    """Each range's `decide_range`, in the order of the rows."""
    seen = 0

    def large(evidence: RangeEvidence) -> bool:
        nonlocal seen
        seen += len(evidence.entries)
        return seen > PARALLEL_FROM

    return in_order(_ranges(connection), decide_range, letter, large=large)


def _ranges(connection: Connection) -> Iterator[RangeEvidence]:
    """The evidence of each range of rows that has entries with candidates."""
    statistics = NameStatistics(connection)
    low, last = connection.execute(
        text("SELECT coalesce(min(row_no), 0), coalesce(max(row_no), -1) FROM import_rows")
    ).one()
    candidates = text(_CANDIDATES)
    for start in range(low, last + 1, DECIDE_CHUNK):
        by_row: dict[int, list[int]] = defaultdict(list)
        params = {"low": start, "high": start + DECIDE_CHUNK - 1}
        for row_no, person_id in connection.execute(candidates, params):
            by_row[row_no].append(person_id)  # UNION: each pair once
        if not by_row:
            continue
        people = evidence_rows(connection, {p for found in by_row.values() for p in found})
        rows = []
        names = []
        for *entry, first_key, last_key in rows_for(connection, _ENTRIES, sorted(by_row)):
            rows.append(tuple(entry))
            names.append((entry[3], *tokens_from_keys(first_key, last_key)))  # key, tokens
        counts = statistics.counts(names)
        yield RangeEvidence(rows, dict(by_row), people, counts)
