"""What the database knows about people, as evidence for `domain.identity`: each person's name,
the identifiers of their signatures and their organizations (`signers`), and how much a name
can carry among the people known (`NameStatistics`).

One reader for the import, `signatory add`, `person add` and `person duplicates`, so the four
weigh the same evidence the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, TextClause, bindparam, text

from tracker.domain.identifiers import Identifier, is_personal_link
from tracker.domain.identity import NameStats, Signer, expected_namesakes
from tracker.domain.matching import tokens

CHUNK = 5_000  # ids a statement asks about at once

# The ids go into the statement as literal numbers (ints, from the database): expanding a bound
# list of 5,000 values costs SQLAlchemy more than the query itself.
_PEOPLE = "SELECT id, name, name_key FROM people WHERE id IN ({ids}) AND merged_into_id IS NULL"
_SIGNATURES = (
    "SELECT person_id, letter_id, link_key, email_key, handle_key FROM signatures "
    "WHERE person_id IN ({ids})"
)
_ALIASES = "SELECT person_id, alias_key FROM aliases WHERE person_id IN ({ids})"
_AFFILIATIONS = (
    "SELECT DISTINCT r.person_id, o.name_key FROM roles r "
    "JOIN organizations o ON o.id = r.organization_id WHERE r.person_id IN ({ids})"
)


def _of(sql: str, ids: list[int]) -> TextClause:
    return text(sql.format(ids=",".join(str(int(i)) for i in ids)))


def _chunks_of(person_ids: Iterable[int]) -> Iterator[list[int]]:
    ids = sorted(set(person_ids))
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _affiliations(connection: Connection, chunk: list[int]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = defaultdict(set)
    for pid, org_key in connection.execute(_of(_AFFILIATIONS, chunk)):
        found[pid].add(org_key)
    return found


def affiliations(connection: Connection, person_ids: Iterable[int]) -> dict[int, set[str]]:
    """Each person's organizations (their keys), from their roles; people without any are left
    out."""
    found: dict[int, set[str]] = {}
    for chunk in _chunks_of(person_ids):
        found.update(_affiliations(connection, chunk))
    return found


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


def signers(connection: Connection, person_ids: Iterable[int]) -> dict[int, Signer]:
    """Each (unmerged) person's name and key, their aliases' keys, and the identifiers,
    organizations and letters of all their signatures and roles."""
    found: dict[int, Signer] = {}
    for chunk in _chunks_of(person_ids):
        names = {pid: (name, key) for pid, name, key in connection.execute(_of(_PEOPLE, chunk))}
        keys: dict[int, set[Identifier]] = defaultdict(set)
        letters: dict[int, set[int]] = defaultdict(set)
        for pid, letter_id, link, email, handle in connection.execute(_of(_SIGNATURES, chunk)):
            letters[pid].add(letter_id)
            for kind, key in (("link", link), ("email", email), ("handle", handle)):
                if key:
                    keys[pid].add(identifier(kind, key))
        orgs = _affiliations(connection, chunk)
        aliases: dict[int, set[str]] = defaultdict(set)
        for pid, alias_key in connection.execute(_of(_ALIASES, chunk)):
            aliases[pid].add(alias_key)
        for pid, (name, key) in names.items():
            found[pid] = Signer(
                name,
                key,
                frozenset(keys[pid]),
                frozenset(orgs.get(pid, ())),
                frozenset(letters[pid]),
                frozenset(aliases[pid]),
            )
    return found


_HOLDERS = text(
    "SELECT h.name_key, count(DISTINCT h.person_id) FROM ("
    "SELECT name_key, coalesce(merged_into_id, id) AS person_id FROM people "
    "WHERE name_key IN :keys UNION "
    "SELECT alias_key, person_id FROM aliases WHERE alias_key IN :keys) h GROUP BY h.name_key"
).bindparams(bindparam("keys", expanding=True))
_LASTS = text(
    "SELECT last_key, count(*) FROM people WHERE last_key IN :keys AND merged_into_id IS NULL "
    "GROUP BY last_key"
).bindparams(bindparam("keys", expanding=True))


_FIRSTS = text(
    "SELECT count(*) FROM people WHERE first_key >= :low AND first_key < :high "
    "AND merged_into_id IS NULL"
)


def _chunks(values: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


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

    def prime(self, names: Iterable[tuple[str, str]]) -> None:
        """Count, a few statements per chunk, what `of` will ask of these (name, key) pairs."""
        keys: set[str] = set()
        lasts: set[str] = set()
        for name, key in names:
            if key not in self._holders:
                keys.add(key)
            words = tokens(name)
            if words and words[-1] not in self._lasts:
                lasts.add(words[-1])
        self._count_many(self._holders, _HOLDERS, keys)
        self._count_many(self._lasts, _LASTS, lasts)

    def _count_many(self, cache: dict[str, int], sql: Any, values: set[str]) -> None:
        for chunk in _chunks(sorted(values)):
            cache.update(dict.fromkeys(chunk, 0))
            cache.update(
                {value: int(n) for value, n in self.connection.execute(sql, {"keys": chunk})}
            )

    def holders(self, key: str) -> int:
        """Known people whose name or an alias has this key (a merged name: the person kept)."""
        if key not in self._holders:
            self._count_many(self._holders, _HOLDERS, {key})
        return self._holders[key]

    def _first(self, token: str) -> int:
        """People whose first blocking key has this first token (see `first_token`)."""
        found = self._firsts.get(token)
        if found is None:
            params = {"low": token + " ", "high": token + "!"}
            found = int(self.connection.execute(_FIRSTS, params).scalar_one())
            self._firsts[token] = found
        return found

    def _last(self, token: str) -> int:
        if token not in self._lasts:
            self._count_many(self._lasts, _LASTS, {token})
        return self._lasts[token]

    def of(self, name: str, key: str) -> NameStats:
        """The statistics of a name seen anew (its own holders are not counted as namesakes)."""
        holders = self.holders(key)
        words = tokens(name)
        if not words:
            return NameStats(holders, 0.0)
        firsts: dict[str | None, int] = {words[0]: self._first(words[0])}
        lasts = {words[-1]: self._last(words[-1])}
        expected = expected_from_counts(words, firsts, lasts, self.people, holders=holders)
        return NameStats(holders, expected)
