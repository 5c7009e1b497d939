"""Pairs of people who are probably one person, for a human to review.

People are grouped by the same indexed blocking keys the near-miss search uses, so the work grows
with the size of each block, not with the square of the number of people.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from tracker.db.models import Person, Signature
from tracker.db.uow import UnitOfWork
from tracker.domain.matching import likeness
from tracker.services.letters import get_letter

MAX_BLOCK = 5000


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


def find_duplicates(*, uow: UnitOfWork, slug: str | None = None) -> list[DuplicatePair]:
    query = select(Person.id, Person.name, Person.name_key, Person.last_key, Person.first_key)
    if slug is not None:
        letter = get_letter(uow=uow, slug=slug)
        query = query.join(Signature, Signature.person_id == Person.id).where(
            Signature.letter_id == letter.id, Signature.status != "retracted"
        )
    blocks: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for person_id, name, key, last, first in uow.session.execute(query):
        entry = (person_id, name, key)
        blocks["l:" + last].append(entry)
        blocks["f:" + first].append(entry)
        tokens = key.split(" ")
        if len(tokens) > 1:
            blocks["l:" + tokens[0]].append(entry)  # surname-first spellings
    seen: set[tuple[int, int]] = set()
    pairs: list[DuplicatePair] = []
    for members in blocks.values():
        if len(members) < 2 or len(members) > MAX_BLOCK:
            continue
        for i, (a_id, a_name, a_key) in enumerate(members):
            for b_id, b_name, b_key in members[i + 1 :]:
                pair = (min(a_id, b_id), max(a_id, b_id))
                if a_id == b_id or pair in seen:
                    continue
                seen.add(pair)
                found = likeness(a_key, b_key)
                if found is None:
                    continue
                reason = found.reason
                if a_key == b_key and a_name.casefold() != b_name.casefold():
                    reason = "same key (confusable or invisible characters)"
                low, high = sorted([(a_id, a_name), (b_id, b_name)])
                pairs.append(DuplicatePair(low[0], low[1], high[0], high[1], found.score, reason))
    return sorted(pairs, key=lambda p: (-p.score, p.first, p.second))
