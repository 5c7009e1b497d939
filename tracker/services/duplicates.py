"""Pairs of people who are probably one person, for a human to review.

Candidates come from groupings that cost one pass each (same key, "l"/"I" folded key, same
tokens in another order, an initial beside a full name) and, inside the blocks the near-miss
search uses (same last token; same first token and last initial), from rapidfuzz's vectorised
distance matrices. Only those candidates are explained by `domain.matching.likeness`, so the
work grows with the size of the blocks, not with the square of the number of people.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from tracker.db.models import Person, Signature
from tracker.db.uow import UnitOfWork
from tracker.domain.matching import (
    MAX_EDITS,
    SIMILARITY_THRESHOLD,
    fold_l_i,
    initial,
    likeness,
)
from tracker.services.letters import get_letter

MAX_BLOCK = 20_000


@dataclass(frozen=True, slots=True)
class DuplicatePair:
    first_id: int
    first: str
    second_id: int
    second: str
    score: float
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {
            "first_id": self.first_id,
            "first": self.first,
            "second_id": self.second_id,
            "second": self.second,
            "score": self.score,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class _Entry:
    id: int
    name: str
    key: str


def _pairs_within(groups: Iterable[list[_Entry]]) -> Iterable[tuple[_Entry, _Entry]]:
    for members in groups:
        if 1 < len(members) <= MAX_BLOCK:
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    yield a, b


def _close_in_block(members: list[_Entry]) -> Iterable[tuple[_Entry, _Entry]]:
    """Pairs within a block that are within MAX_EDITS edits or similar enough, computed in C."""
    if len(members) < 2 or len(members) > MAX_BLOCK:
        return
    import numpy as np
    from rapidfuzz import fuzz, process
    from rapidfuzz.distance import Levenshtein

    keys = [m.key for m in members]
    edits = process.cdist(
        keys, keys, scorer=Levenshtein.distance, score_cutoff=MAX_EDITS, dtype=np.int32
    )
    similar = process.cdist(
        keys, keys, scorer=fuzz.token_sort_ratio, score_cutoff=SIMILARITY_THRESHOLD, dtype=np.uint8
    )
    close = (edits <= MAX_EDITS) | (similar >= SIMILARITY_THRESHOLD)
    rows, columns = np.nonzero(np.triu(close, k=1))
    for i, j in zip(rows.tolist(), columns.tolist(), strict=True):
        yield members[i], members[j]


def _candidate_pairs(entries: list[_Entry]) -> Iterable[tuple[_Entry, _Entry]]:
    by_key: dict[str, list[_Entry]] = defaultdict(list)
    by_folded: dict[str, list[_Entry]] = defaultdict(list)
    by_tokens: dict[str, list[_Entry]] = defaultdict(list)
    by_last: dict[str, list[_Entry]] = defaultdict(list)
    by_first: dict[str, list[_Entry]] = defaultdict(list)
    for entry in entries:
        tokens = entry.key.split(" ")
        by_key[entry.key].append(entry)
        by_folded[fold_l_i(entry.key)].append(entry)
        if len(tokens) > 1:
            by_tokens[" ".join(sorted(tokens))].append(entry)
            by_first[f"{tokens[0]} {tokens[-1][:1]}"].append(entry)
            by_last[f"{tokens[-1]} {tokens[0][:1]}"].append(entry)  # surname + first initial
    yield from _pairs_within(by_key.values())
    yield from _pairs_within(by_folded.values())
    yield from _pairs_within(by_tokens.values())
    for block in (*by_last.values(), *by_first.values()):
        yield from _close_in_block(block)
    # An initial beside a full name shares the surname and the first letter: by_last holds both.
    for block in by_last.values():
        initials = [m for m in block if initial(m.key.split(" ")[0])]
        for short in initials:
            for other in block:
                if other is not short:
                    yield short, other


def find_duplicates(*, uow: UnitOfWork, slug: str | None = None) -> list[DuplicatePair]:
    query = select(Person.id, Person.name, Person.name_key)
    if slug is not None:
        letter = get_letter(uow=uow, slug=slug)
        query = query.join(Signature, Signature.person_id == Person.id).where(
            Signature.letter_id == letter.id, Signature.status != "retracted"
        )
    entries = [_Entry(pid, name, key) for pid, name, key in uow.session.execute(query)]
    seen: set[tuple[int, int]] = set()
    pairs: list[DuplicatePair] = []
    for a, b in _candidate_pairs(entries):
        low, high = (a, b) if a.id < b.id else (b, a)
        if low.id == high.id or (low.id, high.id) in seen:
            continue
        seen.add((low.id, high.id))
        found = likeness(low.key, high.key)
        if found is None:
            continue
        reason = found.reason
        if low.key == high.key and low.name.casefold() != high.name.casefold():
            reason = "same key (confusable or invisible characters)"
        pairs.append(DuplicatePair(low.id, low.name, high.id, high.name, found.score, reason))
    return sorted(pairs, key=lambda p: (-p.score, p.first, p.second))
