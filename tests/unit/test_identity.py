"""The rules of who is who (`domain.identity`), as a table, and properties that hold for any
evidence: identifiers agree / conflict / are absent, times a name that is distinctive / common /
a mononym, times one candidate / several."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.domain.identifiers import Identifier, identifiers
from tracker.domain.identity import (
    REVIEW_SCORE,
    Candidate,
    NameStats,
    Signer,
    compare,
    decide,
    expected_namesakes,
    same_entry_person,
)
from tracker.domain.names import name_key

GH_ANA = identifiers(link="https://github.com/ana")
GH_OTHER = identifiers(link="https://github.com/someone-else")
MAIL_ANA = identifiers(email="ana@example.org")
SITE = identifiers(link="https://acme.example")

DISTINCTIVE = NameStats(holders=1, expected_namesakes=0.0)
COMMON = NameStats(holders=1, expected_namesakes=0.5)
SHARED_KEY = NameStats(holders=2, expected_namesakes=0.0)


def signer(name: str, found: tuple[Identifier, ...] = ()) -> Signer:
    return Signer(name, name_key(name), frozenset(found))


def person(pid: int, name: str, found: tuple[Identifier, ...] = (), stats: NameStats = DISTINCTIVE):
    return Candidate(pid, signer(name, found), stats)


# (row, candidates, the person decided, by what)
TABLE = [
    # identifiers agree
    ("Ana Lima", GH_ANA, [person(1, "Ana Lima", GH_ANA)], 1, "link"),
    ("Ana Lima", GH_ANA, [person(1, "Ana Lima", GH_ANA, COMMON)], 1, "link"),
    ("Alexander", GH_ANA, [person(1, "Alexander", GH_ANA)], 1, "link"),
    ("A. Lima", MAIL_ANA, [person(1, "Ana Lima", MAIL_ANA)], 1, "email"),
    ("Андрей Конарев", GH_ANA, [person(1, "Andrey Konarev", GH_ANA)], 1, "link"),
    # the same identifier, names with nothing in common: not decided (review)
    ("Stnby", GH_ANA, [person(1, "Cu64", GH_ANA)], None, ""),
    # a site several people could share decides only when the names agree
    ("Ana Lima", SITE, [person(1, "Ana Lima", SITE)], 1, "link"),
    ("Ben Okafor", SITE, [person(1, "Ana Lima", SITE)], None, ""),
    # identifiers conflict: never by name
    ("Ana Lima", GH_ANA, [person(1, "Ana Lima", GH_OTHER)], None, ""),
    ("Alexander", GH_ANA, [person(1, "Alexander", GH_OTHER)], None, ""),
    # no identifiers: a distinctive name held by one person decides
    ("Ana Lima", (), [person(1, "Ana Lima")], 1, "name"),
    ("Ana Lima", GH_ANA, [person(1, "Ana Lima")], 1, "name"),
    # a Chinese or Japanese full name has no space but is no mononym
    ("山田太郎", (), [person(1, "山田太郎")], 1, "name"),
    ("王伟", (), [person(1, "王伟")], 1, "name"),
    # ... not a common name, not a mononym, not a key several people hold
    ("Ana Lima", (), [person(1, "Ana Lima", (), COMMON)], None, ""),
    ("Alexander", (), [person(1, "Alexander")], None, ""),
    ("Ana Lima", (), [person(1, "Ana Lima", (), SHARED_KEY), person(2, "Ana Lima", (), SHARED_KEY)],
     None, ""),
    # a near miss is never decided by the name
    ("Ana Lyma", (), [person(1, "Ana Lima")], None, ""),
    # several candidates: the identifier picks one
    ("Ana Lima", GH_ANA,
     [person(1, "Ana Lima", GH_OTHER, SHARED_KEY), person(2, "Ana Lima", GH_ANA, SHARED_KEY)],
     2, "link"),
    # identifiers of two different people: not decided
    ("Ana Lima", GH_ANA + MAIL_ANA,
     [person(1, "Ana Lima", GH_ANA), person(2, "Ana Lima", MAIL_ANA)], None, ""),
]  # fmt: skip


@pytest.mark.parametrize(("name", "found", "candidates", "expected", "via"), TABLE)
def test_decision_table(
    name: str,
    found: tuple[Identifier, ...],
    candidates: list[Candidate],
    expected: int | None,
    via: str,
) -> None:
    decision = decide(signer(name, found), candidates)
    assert (decision.person_id, decision.via) == (expected, via)


def test_an_undecided_likely_pair_goes_to_review() -> None:
    decision = decide(signer("Ana Lima"), [person(1, "Ana Lima", (), COMMON)])
    assert decision.person_id is None
    assert [pid for pid, _ in decision.review] == [1]


def test_different_accounts_weigh_against_the_same_name() -> None:
    same = compare(signer("Ana Lima", GH_ANA), signer("Ana Lima", GH_ANA))
    apart = compare(signer("Ana Lima", GH_ANA), signer("Ana Lima", GH_OTHER))
    nothing = compare(signer("Ana Lima"), signer("Ana Lima"))
    assert same.score > nothing.score >= REVIEW_SCORE > apart.score
    assert apart.conflicting == ("link",)


def test_a_common_name_weighs_less() -> None:
    rare = compare(signer("Ana Lima"), signer("Ana Lima"), stats=DISTINCTIVE)
    common = compare(signer("Ana Lima"), signer("Ana Lima"), stats=COMMON)
    assert rare.score > common.score
    assert expected_namesakes(0, 40, 10_000) == 0
    assert expected_namesakes(50, 20, 10_000) == 0.1


def test_within_one_list_only_an_identifier_joins_entries() -> None:
    assert same_entry_person(signer("Jeff Norden", GH_ANA), signer("Jeffrey Norden", GH_ANA))
    assert not same_entry_person(signer("Dana Ruiz"), signer("Dana Ruiz"))
    assert not same_entry_person(signer("Cu64", SITE), signer("Stnby", SITE))


NAMES = ["Ana Lima", "Ana  LIMA", "Ana Lyma", "Alexander", "Lima Ana", "Андрей Конарев"]
EVIDENCE = [(), GH_ANA, GH_OTHER, MAIL_ANA, SITE]
STATS = [DISTINCTIVE, COMMON, SHARED_KEY]
candidates = st.lists(
    st.builds(
        person,
        st.integers(1, 6),
        st.sampled_from(NAMES),
        st.sampled_from(EVIDENCE),
        st.sampled_from(STATS),
    ),
    max_size=5,
    unique_by=lambda c: c.person_id,
)


@given(st.sampled_from(NAMES), st.sampled_from(EVIDENCE), candidates, st.randoms())
def test_no_decision_depends_on_the_order_of_candidates(name, found, people, random) -> None:  # type: ignore[no-untyped-def]
    row = signer(name, found)
    shuffled = list(people)
    random.shuffle(shuffled)
    first, second = decide(row, people), decide(row, shuffled)
    assert (first.person_id, first.via) == (second.person_id, second.via)
    assert sorted(pid for pid, _ in first.review) == sorted(pid for pid, _ in second.review)


@given(st.sampled_from(NAMES), st.sampled_from(EVIDENCE), st.sampled_from(NAMES),
       st.sampled_from(EVIDENCE))  # fmt: skip
def test_comparison_is_symmetric(a, found_a, b, found_b) -> None:  # type: ignore[no-untyped-def]
    assert compare(signer(a, found_a), signer(b, found_b)).score == pytest.approx(
        compare(signer(b, found_b), signer(a, found_a)).score
    )


@pytest.mark.parametrize(
    ("raw", "kind", "key", "personal"),
    [
        ("https://www.GitHub.com/Ana/", "link", "github.com/ana", True),
        ("github.com/ana", "link", "github.com/ana", True),
        ("http://example.org/people/Ana?utm_source=x#top", "link", "example.org/people/Ana", False),
        ("https://www.linkedin.com/in/ana-lima-123/", "link", "linkedin.com/in/ana-lima-123", True),
        ("mailto:Ana@Example.ORG", "email", "ana@example.org", True),
    ],
)
def test_identifier_keys(raw: str, kind: str, key: str, personal: bool) -> None:
    (found,) = identifiers(link=raw)
    assert (found.kind, found.key, found.personal) == (kind, key, personal)


@pytest.mark.parametrize("raw", ["/#", "#", "not a link", "https://", "ftp://x.org/a", "ana@"])
def test_malformed_identifiers_are_not_used(raw: str) -> None:
    assert identifiers(link=raw, email=raw) == ()
