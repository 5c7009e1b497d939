"""What the database knows about people, as evidence for `domain.identity`: each person's name,
the identifiers of their signatures and their organizations (`signers`), and how much a name
can carry among the people known (`NameStatistics`).

One reader for the import, `signatory add`, `person add` and `person duplicates`, so the four
weigh the same evidence the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, text

from tracker.db.bulk import rows_for
from tracker.domain.identifiers import Identifier, is_personal_link
from tracker.domain.identity import NameStats, Signer, expected_namesakes
from tracker.domain.matching import tokens

_PEOPLE = "SELECT id, name, name_key FROM people WHERE id IN ({values}) AND merged_into_id IS NULL"
_SIGNATURES = (
    "SELECT person_id, letter_id, link_key, email_key, handle_key FROM signatures "
    "WHERE person_id IN ({values})"
)
_ALIASES = "SELECT person_id, alias_key FROM aliases WHERE person_id IN ({values})"
_AFFILIATIONS = (
    "SELECT DISTINCT r.person_id, o.name_key FROM roles r "
    "JOIN organizations o ON o.id = r.organization_id WHERE r.person_id IN ({values})"
)
_EVIDENCE = (_PEOPLE, _SIGNATURES, _AFFILIATIONS, _ALIASES)  # the fields of EvidenceRows


def affiliations(connection: Connection, person_ids: Iterable[int]) -> dict[int, set[str]]:
    """Each person's organizations (their keys), from their roles; people without any are left
    out."""
    found: dict[int, set[str]] = defaultdict(set)
    for pid, org_key in rows_for(connection, _AFFILIATIONS, sorted(set(person_ids))):
        found[pid].add(org_key)
    return dict(found)


def first_token(first_key: str) -> str | None:
    """The first token of a name of two tokens or more, from its first blocking key ("ana l"
    gives "ana"); a one-token name's first key is its initial alone, and gives None."""
    head, space, _ = first_key.rpartition(" ")
    return head if space else None


def expected_from_counts(
    words: Sequence[str],
    firsts: Mapping[str | None, int],
    lasts: Mapping[str, int],
    people: int,
    *,
    holders: int,
) -> float:
    """`expected_namesakes` of a name's tokens, from how many people have its first token first
    and its last token last, less the name's own holders (whose blocking keys hold a one-word
    name as a last token only)."""
    if not words:
        return 0.0
    if len(words) == 1:
        first, last = firsts.get(words[0], 0), max(0, lasts.get(words[0], 0) - holders)
        return expected_namesakes(first, last, people, mononym=True)
    first = max(0, firsts.get(words[0], 0) - holders)
    last = max(0, lasts.get(words[-1], 0) - holders)
    return expected_namesakes(first, last, people)


def identifier(kind: str, key: str) -> Identifier:
    return Identifier(kind, key, is_personal_link(key) if kind == "link" else True)


@dataclass(frozen=True, slots=True)
class EvidenceRows:
    """What the database holds about some people, as read (`evidence_rows`): their names,
    their signatures' letters and identifier keys, their organizations' keys, their aliases'
    keys. Plain tuples, to be made into `Signer`s where they are weighed (`signers_from`), in
    this process or in an import's worker."""

    names: list[tuple[int, str, str]]
    signatures: list[tuple[int, int, str | None, str | None, str | None]]
    organizations: list[tuple[int, str]]
    aliases: list[tuple[int, str]]


def evidence_rows(connection: Connection, person_ids: Iterable[int]) -> EvidenceRows:
    ids = sorted(set(person_ids))
    return EvidenceRows(
        *([tuple(row) for row in rows_for(connection, sql, ids)] for sql in _EVIDENCE)
    )


def signers_from(rows: EvidenceRows) -> dict[int, Signer]:
    """Each (unmerged) person's name and key, their aliases' keys, and the identifiers,
    organizations and letters of all their signatures and roles."""
    keys: dict[int, set[Identifier]] = defaultdict(set)
    letters: dict[int, set[int]] = defaultdict(set)
    for pid, letter_id, link, email, handle in rows.signatures:
        letters[pid].add(letter_id)
        for kind, key in (("link", link), ("email", email), ("handle", handle)):
            if key:
                keys[pid].add(identifier(kind, key))
    orgs: dict[int, set[str]] = defaultdict(set)
    for pid, org_key in rows.organizations:
        orgs[pid].add(org_key)
    aliases: dict[int, set[str]] = defaultdict(set)
    for pid, alias_key in rows.aliases:
        aliases[pid].add(alias_key)
    return {
        pid: Signer(
            name,
            key,
            frozenset(keys.get(pid, ())),
            frozenset(orgs.get(pid, ())),
            frozenset(letters.get(pid, ())),
            frozenset(aliases.get(pid, ())),
        )
        for pid, name, key in rows.names
    }


def signers(connection: Connection, person_ids: Iterable[int]) -> dict[int, Signer]:
    """`signers_from` the `evidence_rows` of these people."""
    return signers_from(evidence_rows(connection, person_ids))


_HOLDERS = (
    "SELECT h.name_key, count(DISTINCT h.person_id) FROM ("
    "SELECT name_key, coalesce(merged_into_id, id) AS person_id FROM people "
    "WHERE name_key IN ({values}) UNION "
    "SELECT alias_key, person_id FROM aliases WHERE alias_key IN ({values})) h "
    "GROUP BY h.name_key"
)
_LASTS = (
    "SELECT last_key, count(*) FROM people WHERE last_key IN ({values}) "
    "AND merged_into_id IS NULL GROUP BY last_key"
)
# People whose first blocking key begins with each token and a space: a range of
# `ix_people_first_key` per token, one statement for many.
# (DISTINCT: `rows_for` pads a short list with its first value, which is counted once.)
_FIRSTS = (
    "WITH t(token) AS (SELECT DISTINCT v.column1 FROM (VALUES {values}) AS v) "
    "SELECT t.token, (SELECT count(*) FROM people p "
    "WHERE p.first_key >= t.token || ' ' AND p.first_key < t.token || '!' "
    "AND p.merged_into_id IS NULL) FROM t"
)
# What a cache of counts holds at most: an import asks about a million names, a range at a time.
MAX_CACHED = 100_000


def tokens_from_keys(first_key: str, last_key: str) -> tuple[str, str]:
    """A name's first and last tokens, from its blocking keys (a one-word name's first token is
    its last), as `NameCounts.of` looks them up."""
    return first_token(first_key) or last_key, last_key


@dataclass(frozen=True, slots=True)
class NameCounts:
    """Counts of some names among the people known: how many hold each key, how many have each
    first token first and each last token last (`NameStatistics.counts`). Plain values: an
    import's worker weighs names with them."""

    people: int
    holders: Mapping[str, int]
    firsts: Mapping[str, int]
    lasts: Mapping[str, int]

    def of(self, name: str, key: str) -> NameStats:
        """The statistics of a name seen anew (its own holders are not counted as namesakes)."""
        holders = self.holders[key]
        words = tokens(name)
        if not words:
            return NameStats(holders, 0.0)
        firsts: dict[str | None, int] = {words[0]: self.firsts[words[0]]}
        lasts = {words[-1]: self.lasts[words[-1]]}
        expected = expected_from_counts(words, firsts, lasts, self.people, holders=holders)
        return NameStats(holders, expected)


class NameStatistics:
    """How many known people hold a name key, and how often a name's first and last tokens
    occur among them (through the blocking keys' indexes), cached for one command."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        # How many people are known, by the largest id (from the primary key, without reading a
        # million rows): merged people count too, which only makes names look a little rarer.
        self.people = int(
            connection.execute(text("SELECT coalesce(max(id), 0) FROM people")).scalar_one()
        )
        self._holders: dict[str, int] = {}
        self._firsts: dict[str, int] = {}
        self._lasts: dict[str, int] = {}

    def counts(self, names: Iterable[tuple[str, str, str]]) -> NameCounts:
        """The counts of these names, each given as (key, first token, last token), a few
        statements for them all."""
        wanted = list(names)
        keys = {key for key, _, _ in wanted}
        firsts = {first for _, first, _ in wanted}
        lasts = {last for _, _, last in wanted}
        self._count(self._holders, _HOLDERS, keys)
        self._count(self._lasts, _LASTS, lasts)
        self._count(self._firsts, _FIRSTS, firsts, each="(CAST({} AS TEXT))")
        return NameCounts(
            self.people,
            {key: self._holders[key] for key in keys},
            {token: self._firsts[token] for token in firsts},
            {token: self._lasts[token] for token in lasts},
        )

    def _count(self, cache: dict[str, int], sql: str, wanted: set[str], each: str = "{}") -> None:
        missing = wanted - cache.keys()
        if len(cache) + len(missing) > MAX_CACHED:
            cache.clear()
            missing = wanted
        cache.update(dict.fromkeys(missing, 0))
        found = rows_for(self.connection, sql, sorted(missing), each=each)
        cache.update((value, int(n)) for value, n in found)

    def of(self, name: str, key: str) -> NameStats:
        """The statistics of a name seen anew (its own holders are not counted as namesakes)."""
        words = tokens(name) or (key,)  # as the blocking keys take a name without tokens
        return self.counts([(key, words[0], words[-1])]).of(name, key)
