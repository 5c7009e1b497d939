"""Names scored as arrays (`domain.similarities`) give what `matching.similarity` gives one pair
at a time, and `identity.score_ceilings` is never below what `identity.compare` scores: the
review queue leaves out pairs on these two, so a difference would lose pairs silently."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.domain.identifiers import Identifier
from tracker.domain.identity import IDENTIFIER_KINDS, NameStats, Signer, compare, score_ceilings
from tracker.domain.matching import is_mononym, similarity, tokens
from tracker.domain.names import name_key
from tracker.domain.similarities import TokenTable, similarities

# Tokens that meet every rule: the same, an initial, nicknames of one name, spellings a few
# edits apart, digits, a long one.
TOKENS = [
    "a", "j", "r", "bob", "robert", "rob", "bobby", "dima", "dmitry", "dmitri", "alex",
    "alexander", "aleksandr", "jon", "john", "johnson", "jonson", "smith", "smyth", "chen",
    "chenab", "lucia", "liam", "maria", "marie", "2", "x2", "wangwei", "konarev", "konaref",
    "abcdefghijklmnopqrstu",
]  # fmt: skip
names = st.lists(st.sampled_from(TOKENS), min_size=0, max_size=5).map(tuple)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(names, names), min_size=1, max_size=40))
def test_arrays_score_as_one_pair_at_a_time(pairs: list[tuple[tuple[str, ...], ...]]) -> None:
    found = similarities([a for a, _ in pairs], [b for _, b in pairs])
    expected = [similarity(a, b)[0] for a, b in pairs]
    assert np.allclose(found, expected, rtol=0, atol=1e-9)


def test_arrays_score_real_names_as_one_pair_at_a_time() -> None:
    written = [
        "Андрей Конарев", "Andrey Konarev", "Putin, Vladimir", "Vladimir Putin", "M. Hamilton",
        "Margaret Hamilton", "Bob Noyce", "Robert Noyce", "山田太郎", "Yamada Taro", "José María",
        "Jose Maria Garcia", "Hannibal", "Hannibol", "Ty Brads Haw", "Ty Bradshaw", "محمد علي",
        "Mohamed Ali", "Δημήτρης Παπαδόπουλος", "Dimitris Papadopoulos", "",
    ]  # fmt: skip
    pairs = list(itertools.combinations([tokens(n) for n in written], 2))
    table = TokenTable([a for a, _ in pairs] + [b for _, b in pairs])
    left = np.arange(len(pairs))
    found = table.similarities(left, left + len(pairs))
    expected = [similarity(a, b)[0] for a, b in pairs]
    assert np.allclose(found, expected, rtol=0, atol=1e-9)
    assert found.max() == 1.0  # the rules were met, not only spellings
    assert found.min() == 0.0


SIGNER_NAMES = [
    "Ivan Petrov", "Ivan Petrova", "Iván Petróv", "I. Petrov", "Petrov Ivan", "Ivan P. Petrov",
    "Bob Noyce", "Robert Noyce", "Hannibal", "Hannibol", "Dana Whitfield", "Dana Whitfeld",
]  # fmt: skip
LINKS = [
    Identifier("link", "github.com/ivan", True),
    Identifier("link", "github.com/ipetrov", True),
    Identifier("link", "example.org", False),
    Identifier("email", "ivan@example.org", True),
    Identifier("email", "petrov@example.org", True),
    Identifier("handle", "@ivan", True),
]
signers = st.builds(
    lambda name, ids, orgs: Signer(name, name_key(name), frozenset(ids), frozenset(orgs)),
    st.sampled_from(SIGNER_NAMES),
    st.sets(st.sampled_from(LINKS), max_size=3),
    st.sets(st.sampled_from(["acme", "uni"]), max_size=2),
)


@settings(max_examples=400, deadline=None)
@given(signers, signers, st.floats(min_value=0, max_value=5))
def test_the_ceiling_is_never_below_the_score(a: Signer, b: Signer, chance: float) -> None:
    """For pairs the queue weighs by their ceiling: different keys, no shared identifier."""
    if a.key == b.key or a.identifiers & b.identifiers:
        return
    score = compare(a, b, stats=NameStats(2, chance)).score
    kinds = [
        np.array([[any(i.kind == kind for i in s.identifiers) for kind in IDENTIFIER_KINDS]])
        for s in (a, b)
    ]
    ceiling = score_ceilings(
        similarities([tokens(a.name)], [tokens(b.name)]),
        np.array([is_mononym(a.name) or is_mononym(b.name)]),
        np.array([chance]),
        np.array([bool(a.affiliations & b.affiliations)]),
        (kinds[0], kinds[1]),
    )[0]
    assert score <= ceiling, (a, b, score, ceiling)


def test_the_ceiling_is_close_where_nothing_else_is_known() -> None:
    """A pair with no identifier and no affiliation: the ceiling is the score, give or take the
    rounding (so it leaves out what it can: names a little alike score 68 here, not 100)."""
    a = Signer("Dana Whitfield", name_key("Dana Whitfield"))
    b = Signer("Dana Whitfeld", name_key("Dana Whitfeld"))
    score = compare(a, b, stats=NameStats(2, 0.01)).score
    none = np.zeros((1, len(IDENTIFIER_KINDS)), dtype=bool)
    ceiling = score_ceilings(
        similarities([tokens(a.name)], [tokens(b.name)]),
        np.array([False]),
        np.array([0.01]),
        np.array([False]),
        (none, none),
    )[0]
    assert score <= ceiling < score + 0.5


@given(st.floats(min_value=-0.1, max_value=1.1))
def test_the_weights_of_many_names_are_the_weights_of_one(x: float) -> None:
    """The ceiling reads the names' weight tables as arrays; `compare` one value at a time."""
    from tracker.domain.identity import (
        _MONONYM_WEIGHTS,
        _NAME_WEIGHTS,
        _interpolate,
        _interpolated,
    )

    for points in (_NAME_WEIGHTS, _MONONYM_WEIGHTS):
        assert _interpolated(points, np.array([x]))[0] == pytest.approx(_interpolate(points, x))
