"""What the database knows about people, as evidence for `domain.identity`: each person's name,
the identifiers of their signatures and their organizations (`signers`), and how much a name
can carry among the people known (`NameStatistics`).

One reader for the import, `signatory add`, `person add` and `person duplicates`, so the four
weigh the same evidence the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

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


def signers(connection: Connection, person_ids: Iterable[int]) -> dict[int, Signer]:
    """Each (unmerged) person's name and key, their aliases' keys, and the identifiers,
    organizations and letters of all their signatures and roles."""
    ids = sorted(set(person_ids))
    names = {pid: (name, key) for pid, name, key in rows_for(connection, _PEOPLE, ids)}
    keys: dict[int, set[Identifier]] = defaultdict(set)
    letters: dict[int, set[int]] = defaultdict(set)
    for pid, letter_id, link, email, handle in rows_for(connection, _SIGNATURES, ids):
        letters[pid].add(letter_id)
        for kind, key in (("link", link), ("email", email), ("handle", handle)):
            if key:
                keys[pid].add(identifier(kind, key))
    orgs = affiliations(connection, ids)
    aliases: dict[int, set[str]] = defaultdict(set)
    for pid, alias_key in rows_for(connection, _ALIASES, ids):
        aliases[pid].add(alias_key)
    return {
        pid: Signer(
            name,
            key,
            frozenset(keys[pid]),
            frozenset(orgs.get(pid, ())),
            frozenset(letters[pid]),
            frozenset(aliases[pid]),
        )
        for pid, (name, key) in names.items()
    }


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
_FIRSTS = (
    "WITH t(token) AS (VALUES {values}) SELECT t.token, (SELECT count(*) FROM people p "
    "WHERE p.first_key >= t.token || ' ' AND p.first_key < t.token || '!' "
    "AND p.merged_into_id IS NULL) FROM t"
)
# What a cache of counts holds at most: an import asks about a million names, a range at a time.
MAX_CACHED = 100_000


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
        firsts: set[str] = set()
        lasts: set[str] = set()
        for name, key in names:
            if key not in self._holders:
                keys.add(key)
            words = tokens(name)
            if words and words[0] not in self._firsts:
                firsts.add(words[0])
            if words and words[-1] not in self._lasts:
                lasts.add(words[-1])
        self._count_many(self._holders, _HOLDERS, keys)
        self._count_many(self._lasts, _LASTS, lasts)
        self._count_firsts(firsts)

    def _count_many(self, cache: dict[str, int], sql: str, values: set[str]) -> None:
        if len(cache) + len(values) > MAX_CACHED:
            cache.clear()
        cache.update(dict.fromkeys(values, 0))
        cache.update((value, int(n)) for value, n in rows_for(self.connection, sql, sorted(values)))

    def _count_firsts(self, values: set[str]) -> None:
        if len(self._firsts) + len(values) > MAX_CACHED:
            self._firsts.clear()
        found = rows_for(self.connection, _FIRSTS, sorted(values), each="(CAST({} AS TEXT))")
        self._firsts.update((token, int(n)) for token, n in found)

    def holders(self, key: str) -> int:
        """Known people whose name or an alias has this key (a merged name: the person kept)."""
        if key not in self._holders:
            self._count_many(self._holders, _HOLDERS, {key})
        return self._holders[key]

    def _first(self, token: str) -> int:
        """People whose first blocking key has this first token (see `first_token`)."""
        if token not in self._firsts:
            self._count_firsts({token})
        return self._firsts[token]

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
