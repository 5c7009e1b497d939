"""The review queue: pairs of people who are probably one person, best first, each with a score
and the evidence for and against, for a person to decide (`person merge`, `person not-same`).

Candidate pairs come from what costs one pass each: people who share an identifier key (a link,
e-mail or handle of their signatures), the same name key, the same key with "l"/"I" read alike,
the same tokens in another order; and, inside the blocks the near-miss search uses (same last
token; same first token and last initial, in Latin letters whatever the script), the pairs
rapidfuzz's vectorised similarity finds close. Only those are weighed by
`domain.identity.compare`, so the work grows with the blocks, not with the square of the people.
Pairs a person has judged (`not-same`) and people merged away are left out.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import Connection, select, text

from tracker.db.models import IdentityDecision, Person, Signature
from tracker.db.uow import UnitOfWork
from tracker.domain.identity import REVIEW_SCORE, Comparison, NameStats, Signer, compare
from tracker.domain.matching import canonical_names, fold_l_i, tokens
from tracker.services.evidence import expected_from_counts, first_token, signers
from tracker.services.letters import get_letter

MAX_BLOCK = 5_000
PREFILTER = 80.0  # rapidfuzz token-sort ratio below which a blocked pair is not weighed
MAX_EDITS = 2  # between the last tokens of a first-token block
SHORT_TOKEN = 6


@dataclass(frozen=True, slots=True)
class DuplicatePair:
    first_id: int
    first: str
    second_id: int
    second: str
    score: float
    reason: str
    evidence_for: tuple[str, ...]
    evidence_against: tuple[str, ...]
    same_letter: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "first_id": self.first_id,
            "first": self.first,
            "second_id": self.second_id,
            "second": self.second,
            "score": self.score,
            "reason": self.reason,
            "evidence_for": list(self.evidence_for),
            "evidence_against": list(self.evidence_against),
            "same_letter": self.same_letter,
        }


@dataclass(frozen=True, slots=True)
class _Entry:
    id: int
    name: str
    key: str
    last: str
    first: str
    words: tuple[str, ...] = ()  # the name's comparable tokens, computed once


def _pairs_within(groups: Iterable[list[_Entry]]) -> Iterator[tuple[_Entry, _Entry]]:
    for members in groups:
        if 1 < len(members) <= MAX_BLOCK:
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    yield a, b


def _close_in_block(
    members: list[_Entry], *, by_last_token: bool = False
) -> Iterator[tuple[_Entry, _Entry]]:
    """Pairs within a block whose tokens are alike enough to weigh, computed in C. A block of
    one first token (and last initial), or of one-word names, is there to catch a typo in the
    last token ("Katherine Jonson", "Hannibol"): it keeps the pairs whose last tokens are a
    couple of edits apart. A block of one last token keeps the pairs whose whole names are
    alike (another first name's typo, a nickname, an initial)."""
    if len(members) < 2 or len(members) > MAX_BLOCK:
        return
    import numpy as np
    from rapidfuzz import fuzz, process
    from rapidfuzz.distance import Levenshtein

    if by_last_token:
        lasts = [(m.words or (m.key,))[-1] for m in members]
        edits = process.cdist(
            lasts, lasts, scorer=Levenshtein.distance, score_cutoff=MAX_EDITS, dtype=np.int32
        )
        rows, columns = np.nonzero(np.triu(edits <= MAX_EDITS, k=1))
        # Two edits in a short name are most of it: one edit below SHORT_TOKEN letters.
        lengths = np.array([len(last) for last in lasts], dtype=np.int32)
        allowed = np.where(np.minimum(lengths[rows], lengths[columns]) < SHORT_TOKEN, 1, MAX_EDITS)
        keep = edits[rows, columns] <= allowed
        for i, j in zip(rows[keep].tolist(), columns[keep].tolist(), strict=True):
            yield members[i], members[j]
        return
    else:
        names = [" ".join(m.words) for m in members]
        similar = process.cdist(
            names, names, scorer=fuzz.token_sort_ratio, score_cutoff=PREFILTER, dtype=np.uint8
        )
        close = similar >= PREFILTER
    rows, columns = np.nonzero(np.triu(close, k=1))
    for i, j in zip(rows.tolist(), columns.tolist(), strict=True):
        yield members[i], members[j]


def _candidate_pairs(entries: list[_Entry]) -> Iterator[tuple[_Entry, _Entry]]:
    by_key: dict[str, list[_Entry]] = defaultdict(list)
    by_folded: dict[str, list[_Entry]] = defaultdict(list)
    by_tokens: dict[str, list[_Entry]] = defaultdict(list)
    by_last: dict[str, list[_Entry]] = defaultdict(list)
    by_first: dict[str, list[_Entry]] = defaultdict(list)
    by_nickname: dict[str, list[_Entry]] = defaultdict(list)
    for entry in entries:
        by_key[entry.key].append(entry)
        by_folded[fold_l_i(entry.key)].append(entry)
        words = entry.words
        if len(words) > 1:
            by_tokens[" ".join(sorted(words))].append(entry)
        by_last[entry.last].append(entry)
        by_first[entry.first].append(entry)
        if len(words) > 1 and words[0].isalpha():
            # "Bob Noyce" and "Robert Noyce": the given name's formal forms, with the surname.
            for formal in canonical_names(words[0]):
                by_nickname[f"{formal} {words[-1]}"].append(entry)
    yield from _pairs_within(by_key.values())
    yield from _pairs_within(by_folded.values())
    yield from _pairs_within(by_tokens.values())
    yield from _pairs_within(by_nickname.values())
    for block in by_last.values():
        yield from _close_in_block(block)
    for block in by_first.values():
        yield from _close_in_block(block, by_last_token=True)
    # An initial beside a full name ("M. Hamilton", "Margaret Hamilton") shares the last token.
    for block in by_last.values():
        if len(block) > MAX_BLOCK:
            continue
        initials = [m for m in block if len(m.words) > 1 and len(m.words[0]) == 1]
        for short in initials:
            letter = short.words[0]
            for other in block:
                if other is not short and other.words and other.words[0].startswith(letter):
                    yield short, other


_SHARED_IDENTIFIERS = """
SELECT DISTINCT a.person_id, b.person_id FROM signatures a
JOIN signatures b ON b.{key} = a.{key} AND b.person_id > a.person_id
WHERE a.{key} IS NOT NULL
"""


def _sharing_identifiers(connection: Connection) -> set[tuple[int, int]]:
    pairs: set[tuple[int, int]] = set()
    for key in ("link_key", "email_key", "handle_key"):
        pairs.update(
            (low, high)
            for low, high in connection.execute(text(_SHARED_IDENTIFIERS.format(key=key)))
        )
    return pairs


def _judged_apart(uow: UnitOfWork) -> set[tuple[int, int]]:
    rows = uow.session.execute(
        select(IdentityDecision.person_id, IdentityDecision.other_id).where(
            IdentityDecision.kind == "not-same", IdentityDecision.undone_at.is_(None)
        )
    )
    return {(min(a, b), max(a, b)) for a, b in rows}


def find_duplicates(
    *, uow: UnitOfWork, slug: str | None = None, min_score: float = REVIEW_SCORE
) -> list[DuplicatePair]:
    session = uow.session
    connection = session.connection()
    entries = [
        _Entry(*row, words=tokens(row[1]))
        for row in session.execute(
            select(
                Person.id, Person.name, Person.name_key, Person.last_key, Person.first_key
            ).where(Person.merged_into_id.is_(None))
        )
    ]
    by_id = {entry.id: entry for entry in entries}
    in_letter: set[int] | None = None
    if slug is not None:
        letter = get_letter(uow=uow, slug=slug)
        in_letter = set(
            session.scalars(
                select(Signature.person_id).where(
                    Signature.letter_id == letter.id, Signature.status != "retracted"
                )
            )
        )
    apart = _judged_apart(uow)
    pairs: set[tuple[int, int]] = set()
    for a, b in _candidate_pairs(entries):
        if a.id != b.id:
            pairs.add((min(a.id, b.id), max(a.id, b.id)))
    pairs.update(p for p in _sharing_identifiers(connection) if p[0] in by_id and p[1] in by_id)
    pairs -= apart
    if in_letter is not None:
        pairs = {p for p in pairs if p[0] in in_letter or p[1] in in_letter}
    people = signers(connection, {pid for pair in pairs for pid in pair})
    firsts = Counter(first_token(e.first) for e in entries)
    lasts = Counter(e.last for e in entries)
    expected: dict[int, float] = {}  # each person's namesakes expected by chance, once

    def namesakes(pid: int, one: Signer) -> float:
        if pid not in expected:
            words = tokens(one.name)
            expected[pid] = expected_from_counts(words, firsts, lasts, len(entries), holders=2)
        return expected[pid]

    found = []
    for low, high in pairs:
        first, second = people.get(low), people.get(high)
        if first is None or second is None:
            continue
        chance = (namesakes(low, first) + namesakes(high, second)) / 2
        comparison = compare(first, second, stats=NameStats(2, chance))
        if comparison.score >= min_score:
            same_letter = bool(first.letters & second.letters)
            found.append(_pair(low, first.name, high, second.name, comparison, same_letter))
    return sorted(found, key=lambda p: (-p.score, p.first, p.second, p.first_id))


def _pair(
    low: int, first: str, high: int, second: str, comparison: Comparison, same_letter: bool
) -> DuplicatePair:
    return DuplicatePair(
        low,
        first,
        high,
        second,
        comparison.score,
        comparison.reason(),
        comparison.evidence_for,
        comparison.evidence_against,
        same_letter,
    )
