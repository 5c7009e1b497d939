"""Who is who, decided from evidence: the rules, written once, for `signatory add`, `signatory
import`, `person duplicates` and matches across letters.

A name is evidence, not identity. The evidence about a signer is what a list published: the
name, identifiers (links, e-mail addresses, handles; see `domain.identifiers`) and
affiliations. Two signers are compared (`compare`) into a score (0-100, how likely they are one
person, as log-odds weights after Fellegi and Sunter) with the evidence for and against. A new
entry is attached to a known person (`decide`) only where the evidence carries it:

- the same identifier says "same person", unless the names have nothing in common (then a
  shared organization's site, say: review) or a link is a site several people could share and
  the names do not agree;
- different identifiers of one kind say "different people" (strongly: people do have two
  accounts, so the pair is still shown for review if the names agree);
- a name alone attaches only when it can carry it: the same name key, held by exactly one known
  person, not a mononym, not a name common among the people known (`NameStats`);
- anything else makes a new person, and the pairs worth a person's look are queued for review.

Nothing here reads the database: the callers gather candidates and statistics, and the rules
are tested as a table (tests/unit/test_identity.py).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tracker.domain.identifiers import Identifier
from tracker.domain.matching import NAME_MATCH, NAME_RELATED, Likeness, is_mononym, likeness

if TYPE_CHECKING:
    import numpy as np

# The review queue shows pairs at or above this score by default: likelier one person than two.
REVIEW_SCORE = 50.0
# A name shared by chance with this many people or more, as the people known suggest, is common.
COMMON_NAME = 0.05

_PRIOR = -2.0  # most pairs that share a block are two people
# The weight of the names' similarity (0-1), piecewise linear between these points. Names alike
# at NAME_MATCH and nothing else known make a pair as likely one person as two (score 50), the
# threshold of the review queue and of "did you mean"; the same name weighs more, a one-word name
# less. Any identifier weighs more than a name: on real lists two names spelt a little
# differently, with different accounts, are mostly two people.
_NAME_WEIGHTS = (
    (0.0, -4.0),
    (0.5, -4.0),
    (NAME_RELATED, -1.0),
    (NAME_MATCH, 2.0),
    (0.99, 3.0),
    (1.0, 4.0),
)
_MONONYM_WEIGHTS = (
    (0.0, -4.0),
    (0.5, -4.0),
    (NAME_RELATED, -1.5),
    (NAME_MATCH, 0.5),
    (0.99, 1.5),
    (1.0, 2.5),
)
IDENTIFIER_KINDS = ("link", "email", "handle")
_SHARED_PERSONAL = 6.0
_SHARED_SITE = 2.0
_CONFLICT_SAME_HOST = -5.0  # two accounts on one site, two e-mail addresses, two handles
_CONFLICT_OTHER = -1.0  # links to different sites: people have accounts on several
_SHARED_AFFILIATION = 1.0
# Both name an account of their own (of different kinds: an e-mail beside a profile link), and
# none is the other's: a little evidence of two people.
_ACCOUNTS_APART = -1.5


@dataclass(frozen=True, slots=True)
class Signer:
    """What is known about one side of a comparison: an entry of a list, or a known person
    (with the identifiers and affiliations of all their signatures)."""

    name: str
    key: str
    identifiers: frozenset[Identifier] = frozenset()
    affiliations: frozenset[str] = frozenset()  # organization keys
    letters: frozenset[int] = frozenset()  # the letters signed (ids)
    aliases: frozenset[str] = frozenset()  # the keys of other spellings recorded for them

    def holds(self, key: str) -> bool:
        return key == self.key or key in self.aliases

    @property
    def mononym(self) -> bool:
        return is_mononym(self.name)


@dataclass(frozen=True, slots=True)
class NameStats:
    """How much a name can carry, from the people already known: how many of them hold its key,
    and how many would share it by chance (from how often its first and last tokens occur; for
    a pair of spellings, the mean of the two)."""

    holders: int = 0
    expected_namesakes: float = 0.0

    @property
    def common(self) -> bool:
        return self.expected_namesakes >= COMMON_NAME


def expected_namesakes(first: int, last: int, people: int, *, mononym: bool = False) -> float:
    """People expected to share a name by chance, among `people` known: for a name of two
    tokens or more, how many have its first token first times how many have its last token last,
    over the people; for a one-word name, everyone with that word as a first or a last name.
    (Each count excludes the name's own holders.) As Splink's term-frequency adjustment weighs
    an agreement on a common value."""
    if mononym:
        return float(first + last)
    if people <= 0:
        return 0.0
    return first * last / people


@dataclass(frozen=True, slots=True)
class Comparison:
    score: float  # 0-100, how likely the two are one person
    name: Likeness
    evidence_for: tuple[str, ...] = ()
    evidence_against: tuple[str, ...] = ()
    shared: tuple[Identifier, ...] = ()
    conflicting: tuple[str, ...] = ()  # kinds of identifier both have, with no key in common

    @property
    def names_related(self) -> bool:
        return self.name.score >= 100.0 * NAME_RELATED

    @property
    def names_agree(self) -> bool:
        return self.name.score >= 100.0 * NAME_MATCH

    def reason(self) -> str:
        """A short phrase: the strongest evidence either way."""
        parts = list(self.evidence_for[:2]) + [f"but {e}" for e in self.evidence_against[:1]]
        return "; ".join(parts) or self.name.reason


def compare(a: Signer, b: Signer, *, stats: NameStats | None = None) -> Comparison:
    """How likely two signers are one person, with the evidence for and against."""
    if a.key != b.key and (b.holds(a.key) or a.holds(b.key)):
        name = Likeness(100.0, "a known alias")
    else:
        name = likeness(a.name, b.name, a_key=a.key, b_key=b.key)
    weight = _PRIOR
    evidence_for: list[str] = []
    against: list[str] = []
    mononym = a.mononym or b.mononym
    weight += _interpolate(_MONONYM_WEIGHTS if mononym else _NAME_WEIGHTS, name.score / 100.0)
    if name.score >= 100.0:
        evidence_for.append(f"{name.reason}" + (" (one word)" if mononym else ""))
    elif name.score >= 100.0 * NAME_MATCH:
        evidence_for.append(f"names alike: {name.reason} ({name.score:g})")
    elif name.score >= 100.0 * NAME_RELATED:
        against.append(f"names differ: {name.reason} ({name.score:g})")
    else:
        against.append(f"names have little in common ({name.score:g})")
    if stats is not None and stats.expected_namesakes > 0 and name.score >= 100.0 * NAME_MATCH:
        # Splink's term-frequency adjustment: agreeing on a common name (or nearly: a common
        # name spelt a little differently) is weaker evidence than agreeing on a rare one.
        weight -= math.log1p(stats.expected_namesakes / COMMON_NAME)
        if stats.common:
            against.append(f"a common name (~{stats.expected_namesakes:.2g} namesakes known)")
    shared = tuple(sorted(a.identifiers & b.identifiers, key=lambda i: (i.kind, i.key)))
    for identifier in shared:
        weight += _SHARED_PERSONAL if identifier.personal else _SHARED_SITE
        what = identifier.kind if identifier.personal else "site"
        # An e-mail address is personal data: the evidence says it is shared, not what it is.
        shown = "" if identifier.kind == "email" else f" {identifier.key}"
        evidence_for.append(f"same {what}{shown}")
    conflicting = []
    for kind in IDENTIFIER_KINDS:
        mine = {i for i in a.identifiers if i.kind == kind}
        theirs = {i for i in b.identifiers if i.kind == kind}
        if mine and theirs and not mine & theirs:
            conflicting.append(kind)
            strong = kind != "link" or bool(_account_hosts(mine) & _account_hosts(theirs))
            weight += _CONFLICT_SAME_HOST if strong else _CONFLICT_OTHER
            against.append(f"different {kind}s" + ("" if kind != "link" or strong else " (sites)"))
    if a.identifiers and b.identifiers and not shared and not conflicting:
        weight += _ACCOUNTS_APART
        against.append("different accounts")
    common_orgs = a.affiliations & b.affiliations
    if common_orgs:
        weight += _SHARED_AFFILIATION
        evidence_for.append("same affiliation")
    if a.letters & b.letters:
        evidence_for.append("same letter")
    score = round(100.0 / (1.0 + math.exp(-weight)), 1)
    return Comparison(score, name, tuple(evidence_for), tuple(against), shared, tuple(conflicting))


def score_ceilings(
    similarity: np.ndarray,
    mononym: np.ndarray,
    chance: np.ndarray,
    affiliated: np.ndarray,
    kinds: tuple[np.ndarray, np.ndarray],
) -> np.ndarray:
    """The most `compare` can score each of many pairs that share no identifier and whose
    names' keys differ (and are no one's alias), from what is cheap to know of them all: the
    names' similarity (`similarities`), whether either name is a mononym, the namesakes
    expected by chance (`NameStats`), whether both have an affiliation (`affiliated`: whether
    they share one, or could), and which kinds of identifier each has (`kinds`: two arrays of
    pairs x IDENTIFIER_KINDS, true where that side has one). Nothing else `compare` weighs can
    raise the score, so a pair whose ceiling is below the review queue's threshold need not be
    weighed.

    The names' score is rounded as `likeness` rounds it, so the similarity is widened by a
    little either way; and two links are taken for links to different sites (the lesser weight
    against)."""
    import numpy as np

    widened_up, widened_down = similarity + _ROUNDING, similarity - _ROUNDING
    weight: np.ndarray = np.where(
        mononym,
        _interpolated(_MONONYM_WEIGHTS, widened_up),
        _interpolated(_NAME_WEIGHTS, widened_up),
    )
    weight += _PRIOR + np.where(affiliated, _SHARED_AFFILIATION, 0.0)
    # The term-frequency adjustment is taken off only where the names surely agree.
    weight -= np.where(widened_down >= NAME_MATCH, np.log1p(chance / COMMON_NAME), 0.0)
    # With nothing shared, every kind of identifier both have is a conflict.
    first, second = kinds
    both = first & second
    against = np.array(
        [_CONFLICT_OTHER if kind == "link" else _CONFLICT_SAME_HOST for kind in IDENTIFIER_KINDS]
    )
    weight += both @ against
    apart = ~both.any(axis=1) & first.any(axis=1) & second.any(axis=1)
    weight += np.where(apart, _ACCOUNTS_APART, 0.0)
    ceiling: np.ndarray = 100.0 / (1.0 + np.exp(-weight)) + _ROUNDING_SCORE
    return ceiling


def _interpolated(points: tuple[tuple[float, float], ...], x: np.ndarray) -> np.ndarray:
    """`_interpolate` of many values."""
    import numpy as np

    found: np.ndarray = np.interp(x, [p[0] for p in points], [p[1] for p in points])
    return found


_ROUNDING = 0.001  # `likeness` rounds a score of 0-100 to one decimal
_ROUNDING_SCORE = 0.05  # and `compare` its own


def _account_hosts(links: set[Identifier]) -> set[str]:
    """The sites of a signer's personal links (two accounts on one site are two people's)."""
    return {i.key.split("/", 1)[0] for i in links if i.personal}


def _interpolate(points: tuple[tuple[float, float], ...], x: float) -> float:
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0) if x1 > x0 else y1
    return points[-1][1]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A known person an entry might be, with what is known about them and their name."""

    person_id: int
    signer: Signer
    stats: NameStats = field(default_factory=NameStats)


@dataclass(frozen=True, slots=True)
class Decision:
    """The person an entry is (None: a new person), by what (`via`: link, email, handle or name),
    why, and the pairs to put before a person."""

    person_id: int | None
    via: str = ""
    reason: str = ""
    review: tuple[tuple[int, Comparison], ...] = ()


def _by_identifier(comparison: Comparison) -> str | None:
    """The kind of identifier that makes two signers one, if one does."""
    if comparison.conflicting or not comparison.shared:
        return None
    personal = [i for i in comparison.shared if i.personal]
    if personal and comparison.names_related:
        return personal[0].kind
    if comparison.names_agree:
        return comparison.shared[0].kind
    return None


def _by_name(row: Signer, candidate: Candidate, comparison: Comparison) -> bool:
    return (
        candidate.signer.holds(row.key)
        and not row.mononym
        and candidate.stats.holders == 1
        and not candidate.stats.common
        and not comparison.conflicting
    )


def decide(row: Signer, candidates: Sequence[Candidate]) -> Decision:
    """Which known person an entry is, if the evidence carries it; the order of the candidates
    does not matter."""
    compared = sorted(
        ((c, compare(row, c.signer, stats=c.stats)) for c in candidates),
        key=lambda pair: pair[0].person_id,
    )
    by_identifier = {
        c.person_id: (kind, comparison)
        for c, comparison in compared
        if (kind := _by_identifier(comparison)) is not None
    }
    review = tuple(
        (c.person_id, comparison)
        for c, comparison in compared
        if comparison.score >= REVIEW_SCORE or comparison.shared or c.signer.holds(row.key)
    )
    if len(by_identifier) == 1:
        ((person_id, (kind, comparison)),) = by_identifier.items()
        rest = tuple(pair for pair in review if pair[0] != person_id)
        return Decision(person_id, kind, comparison.reason(), rest)
    if len(by_identifier) > 1:
        return Decision(None, "", "identifiers of several people", review)
    by_name = [c for c, comparison in compared if _by_name(row, c, comparison)]
    if len(by_name) == 1 and not any(c.shared for _, c in compared):
        person_id = by_name[0].person_id
        rest = tuple(pair for pair in review if pair[0] != person_id)
        return Decision(person_id, "name", "same name, held by one person", rest)
    return Decision(None, "", "", review)


def same_entry_person(a: Signer, b: Signer) -> bool:
    """Within one list: two entries are one person only on a shared identifier (a name alone
    never makes two published entries one)."""
    return _by_identifier(compare(a, b)) is not None
