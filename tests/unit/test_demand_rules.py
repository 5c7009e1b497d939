"""The demand rules, without a database."""

from __future__ import annotations

import datetime as dt

from tracker.domain.demands import (
    DemandFacts,
    OutcomeFact,
    RoleFact,
    Target,
    decide,
    ultimatum_state,
)
from tracker.domain.tally import TallyFigures

LETTER = dt.date(2024, 3, 1)
ORG = 1


def role(
    pid: int,
    name: str,
    title: str,
    start: str | None = None,
    end: str | None = None,
    org: int = ORG,
) -> RoleFact:
    day = dt.date.fromisoformat
    return RoleFact(
        pid, name, title, org, day(start) if start else None, day(end) if end else None, ("src",)
    )


def facts(kind: str, roles: list[RoleFact], **extra: object) -> DemandFacts:
    base: dict[str, object] = {
        "kind": kind,
        "title": "Director",
        "organization_id": ORG,
        "organization": "Org",
        "required": None,
        "letter_date": LETTER,
        "targets": [],
        "candidates": [],
        "roles": roles,
        "outcomes": [],
    }
    base.update(extra)
    return DemandFacts(**base)  # type: ignore[arg-type]


def test_resign_counts_who_left_by_the_date() -> None:
    targets = [Target(1, "Ana", "Director"), Target(2, "Ben", "Director")]
    roles = [role(1, "Ana", "Director", end="2024-03-10"), role(2, "Ben", "Director")]
    f = facts("resign", roles, targets=targets)
    assert decide(f, dt.date(2024, 3, 9)).status == "pending"
    decision = decide(f, dt.date(2024, 3, 10))
    assert decision.status == "partially-met"
    assert decision.reason == "left: Ana; stayed: Ben"


def test_appoint_needs_independent_people_after_the_letter() -> None:
    roles = [
        role(3, "Cy", "Director", start="2024-03-05"),
        role(4, "Di", "Director", start="2024-03-06"),
        role(4, "Di", "Treasurer", start="2023-01-01"),  # an insider
        role(5, "Ed", "Director", start="2024-02-01"),  # before the letter
    ]
    f = facts("appoint", roles, required=2, candidates=[(9, "Fay")])
    decision = decide(f, dt.date(2024, 4, 1))
    assert decision.status == "partially-met"
    assert "1 of 2 independent appointed: Cy" in decision.reason
    assert "not independent (other role at the organization): Di" in decision.reason
    assert "Fay (not appointed)" in decision.reason


def test_reinstate_needs_the_same_title_again() -> None:
    targets = [Target(1, "Ana", "Chief Executive")]
    roles = [
        role(1, "Ana", "Chief Executive", end="2024-02-28"),
        role(1, "Ana", "Adviser", start="2024-03-02"),
    ]
    f = facts("reinstate", roles, targets=targets)
    assert decide(f, dt.date(2024, 3, 5)).status == "pending"
    roles.append(role(1, "Ana", "chief  executive", start="2024-03-04"))  # case and spaces
    assert decide(facts("reinstate", roles, targets=targets), dt.date(2024, 3, 5)).status == "met"


def test_outcome_overrides_from_its_date_and_keeps_the_derived_status() -> None:
    outcome = OutcomeFact("withdrawn", dt.date(2024, 3, 20), "Dropped", "news")
    f = facts("other", [], outcomes=[outcome])
    assert decide(f, dt.date(2024, 3, 19)).status == "pending"
    decision = decide(f, dt.date(2024, 3, 20))
    assert (decision.status, decision.derived_status) == ("withdrawn", "pending")
    assert decision.overridden_by_outcome
    assert "news" in decision.source_keys


def test_ultimatum_states() -> None:
    day = dt.date(2024, 3, 1)
    assert ultimatum_state(["met", "met"], None, day)[0] == "averted"
    assert ultimatum_state(["met", "pending"], None, day)[0] == "active"
    assert ultimatum_state(["met", "met"], day, day)[0] == "carried-out"
    assert ultimatum_state([], None, day)[0] == "active"


def test_tally_arithmetic() -> None:
    figures = TallyFigures(population=770, reported=500, named=12)
    assert figures.unnamed == 488
    assert figures.reported_share_of_population == 0.6494
    assert figures.named_share_of_reported == 0.024
    assert figures.named_share_of_population == 0.0156
    assert TallyFigures(population=None, reported=None, named=3).unnamed is None
    assert TallyFigures(population=10, reported=2, named=5).unnamed == 0
