"""The review queue: pairs of people who are probably one person, best first, each with a score
and the evidence for and against, for a person to decide (`person merge`, `person not-same`).

Candidate pairs come from blocking (`services.blocking`) and from the identifiers people's
signatures share (a link, e-mail or handle). Most candidates are two people whose names are a
little alike; the names of all of them are weighed at once, as arrays, with what else is cheap
to know of everyone (`identity.score_ceilings`), and only the pairs that can still reach the
threshold have their evidence read and are weighed by `domain.identity.compare`. Pairs a person
has judged (`not-same`) and people merged away are left out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select, text

from tracker.db.models import IdentityDecision, Signature
from tracker.db.uow import UnitOfWork
from tracker.domain.identity import (
    IDENTIFIER_KINDS,
    REVIEW_SCORE,
    Comparison,
    NameStats,
    compare,
    score_ceilings,
)
from tracker.domain.matching import fold_l_i, is_mononym, tokens
from tracker.domain.similarities import TokenTable
from tracker.runtime import gc_paused
from tracker.services.blocking import Named, candidate_pairs
from tracker.services.evidence import affiliations, expected_from_counts, first_token, signers
from tracker.services.letters import get_letter
from tracker.services.withheld import WITHHELD_NAME, Withheld

if TYPE_CHECKING:
    import numpy as np


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


_SHARED_IDENTIFIERS = """
SELECT DISTINCT a.person_id, b.person_id FROM signatures a
JOIN signatures b ON b.{key} = a.{key} AND b.person_id > a.person_id
WHERE a.{key} IS NOT NULL
"""


def _sharing_identifiers(connection: Connection) -> set[tuple[int, int]]:
    pairs: set[tuple[int, int]] = set()
    for kind in IDENTIFIER_KINDS:
        sql = text(_SHARED_IDENTIFIERS.format(key=f"{kind}_key"))
        pairs.update((low, high) for low, high in connection.execute(sql))
    return pairs


def _judged_apart(uow: UnitOfWork) -> set[tuple[int, int]]:
    rows = uow.session.execute(
        select(IdentityDecision.person_id, IdentityDecision.other_id).where(
            IdentityDecision.kind == "not-same", IdentityDecision.undone_at.is_(None)
        )
    )
    return {(min(a, b), max(a, b)) for a, b in rows}


def _with_aliases(connection: Connection) -> set[int]:
    return set(connection.execute(text("SELECT DISTINCT person_id FROM aliases")).scalars())


_NAMES = (
    "SELECT id, name, name_key, last_key, first_key FROM people "
    "WHERE merged_into_id IS NULL ORDER BY id"
)


class _People:
    """The people known (not merged away), in the order of their ids, and what the queue
    knows of each by position."""

    def __init__(self, uow: UnitOfWork) -> None:
        import numpy as np

        rows = uow.session.connection().exec_driver_sql(_NAMES)
        self.named = [
            Named(pid, name, key, last, first, tokens(name)) for pid, name, key, last, first in rows
        ]
        self.ids = np.fromiter((p.id for p in self.named), dtype=np.int64, count=len(self.named))
        self.position = {p.id: k for k, p in enumerate(self.named)}
        firsts = Counter(first_token(p.first) for p in self.named)
        lasts = Counter(p.last for p in self.named)
        count = len(self.named)
        # Each person's namesakes expected by chance (the weight of agreeing on their name).
        self.chance = np.fromiter(
            (expected_from_counts(p.words, firsts, lasts, count, holders=2) for p in self.named),
            dtype=np.float64,
            count=count,
        )

    def codes(self, pairs: set[tuple[int, int]]) -> np.ndarray:
        """Pairs of ids (lower first; pairs with someone unknown left out) as one number each:
        the lower's position times the number of people, plus the higher's position."""
        import numpy as np

        position = self.position
        found = [
            position[low] * len(self.named) + position[high]
            for low, high in pairs
            if low in position and high in position
        ]
        return np.asarray(found, dtype=np.int64)

    def mask(self, ids: set[int]) -> np.ndarray:
        import numpy as np

        found = np.zeros(len(self.named), dtype=np.bool_)
        found[[self.position[i] for i in ids if i in self.position]] = True
        return found


def find_duplicates(
    *,
    uow: UnitOfWork,
    slug: str | None = None,
    min_score: float = REVIEW_SCORE,
    private: bool = False,
) -> list[DuplicatePair]:
    """The queue, best first. A person known only as a withheld signer is in it (they may be
    someone named elsewhere) under `WITHHELD_NAME`, with their #ID, unless `private`."""
    import numpy as np

    letter = None if slug is None else get_letter(uow=uow, slug=slug)
    with gc_paused():  # a few hundred thousand small objects, none of them in a cycle
        connection = uow.session.connection()
        people = _People(uow)
        count = len(people.named)
        if count < 2:
            return []
        blocked = candidate_pairs(people.named)
        codes = blocked[:, 0] * count + blocked[:, 1]
        sharing = people.codes(_sharing_identifiers(connection))
        codes = np.union1d(codes, sharing)
        codes = codes[~np.isin(codes, people.codes(_judged_apart(uow)))]
        lows, highs = codes // count, codes % count
        if letter is not None:
            signed = people.mask(
                set(
                    uow.session.scalars(
                        select(Signature.person_id).where(
                            Signature.letter_id == letter.id, Signature.status != "retracted"
                        )
                    )
                )
            )
            keep = signed[lows] | signed[highs]
            lows, highs, codes = lows[keep], highs[keep], codes[keep]
        aliased = people.mask(_with_aliases(connection))
        keys = np.array([p.key for p in people.named], dtype=object)
        folded = np.array([fold_l_i(p.key) for p in people.named], dtype=object)
        # Weighed whatever their names: a shared identifier, an alias, keys alike.
        always = (
            np.isin(codes, sharing)
            | aliased[lows]
            | aliased[highs]
            | (keys[lows] == keys[highs])
            | (folded[lows] == folded[highs])
        )
        worth = always.copy()
        worth[~always] = _within_reach(people, lows[~always], highs[~always], connection, min_score)
        found = _weigh(people, lows[worth].tolist(), highs[worth].tolist(), connection, min_score)
    hidden = set() if private else Withheld(uow).people
    if hidden:
        found = [
            replace(
                pair,
                first=WITHHELD_NAME if pair.first_id in hidden else pair.first,
                second=WITHHELD_NAME if pair.second_id in hidden else pair.second,
            )
            if pair.first_id in hidden or pair.second_id in hidden
            else pair
            for pair in found
        ]
    return sorted(found, key=lambda p: (-p.score, p.first, p.second, p.first_id, p.second_id))


def _weigh(
    people: _People, lows: list[int], highs: list[int], connection: Connection, min_score: float
) -> list[DuplicatePair]:
    """The pairs that reach `min_score`, weighed one by one with all their evidence."""
    ids = people.ids.tolist()
    chances = people.chance.tolist()
    evidence = signers(connection, {ids[k] for k in (*lows, *highs)})
    found = []
    for low, high in zip(lows, highs, strict=True):
        first, second = evidence.get(ids[low]), evidence.get(ids[high])
        if first is None or second is None:
            continue
        chance = (chances[low] + chances[high]) / 2
        comparison = compare(first, second, stats=NameStats(2, chance))
        if comparison.score >= min_score:
            same_letter = bool(first.letters & second.letters)
            found.append(
                _pair(ids[low], first.name, ids[high], second.name, comparison, same_letter)
            )
    return found


def _within_reach(
    people: _People,
    lows: np.ndarray,
    highs: np.ndarray,
    connection: Connection,
    min_score: float,
) -> np.ndarray:
    """Which pairs, their names weighed together as arrays, are still within reach of
    `min_score` (`identity.score_ceilings`): most candidate pairs are two people with names a
    little alike, and are left out here without reading their evidence."""
    import numpy as np

    if not len(lows):
        return np.zeros(0, dtype=np.bool_)
    named = people.named
    table = TokenTable([p.words for p in named])
    mononym = np.fromiter(
        (is_mononym(p.name, p.words) for p in named), dtype=np.bool_, count=len(named)
    )
    chance = (people.chance[lows] + people.chance[highs]) / 2
    similarity = table.similarities(lows, highs)
    either_mononym = mononym[lows] | mononym[highs]
    kinds = _identifier_kinds(connection, people.position)
    pair_kinds = (kinds[lows], kinds[highs])
    alone = np.zeros(len(lows), dtype=np.bool_)
    within = score_ceilings(similarity, either_mononym, chance, alone, pair_kinds) >= min_score
    # The rest, if a shared affiliation would bring them within reach and they have one.
    reach = score_ceilings(similarity, either_mononym, chance, ~alone, pair_kinds)
    maybe = np.flatnonzero(~within & (reach >= min_score))
    if len(maybe):
        ids = people.ids.tolist()
        pairs = [(ids[lows[k]], ids[highs[k]]) for k in maybe.tolist()]
        organizations = affiliations(connection, {pid for pair in pairs for pid in pair})
        for k, (low, high) in zip(maybe.tolist(), pairs, strict=True):
            if organizations.get(low, _NONE) & organizations.get(high, _NONE):
                within[k] = True
    return within


_NONE: set[str] = set()

_KINDS = (
    "SELECT person_id, "
    + ", ".join(f"{kind}_key IS NOT NULL" for kind in IDENTIFIER_KINDS)
    + " FROM signatures WHERE "
    + " OR ".join(f"{kind}_key IS NOT NULL" for kind in IDENTIFIER_KINDS)
)


def _identifier_kinds(connection: Connection, position: dict[int, int]) -> np.ndarray:
    """Which kinds of identifier (`IDENTIFIER_KINDS`) each person's signatures have: a row per
    person, in `position` order."""
    import numpy as np

    found = np.zeros((len(position), len(IDENTIFIER_KINDS)), dtype=np.bool_)
    rows = [
        (row, has)
        for pid, *has in connection.execute(text(_KINDS))
        if (row := position.get(pid)) is not None
    ]
    if rows:
        where = np.fromiter((row for row, _ in rows), dtype=np.int64, count=len(rows))
        np.logical_or.at(found, where, np.array([has for _, has in rows], dtype=np.bool_))
    return found


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
