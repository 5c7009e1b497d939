"""How a demand's status is decided from the facts as of a date, and explained.

- resign: each target's named role has ended on or before the date. All: met; some:
  partially-met; none: pending.
- appoint: at least `required` people began the named role after the letter's date and on or
  before the date, holding no other role at that organization (independent). Example candidates
  are reported but do not decide.
- reinstate: each target again holds the named role, in a role that began after the letter's
  date and on or before the date.
- other: decided only by recorded outcomes.
A recorded outcome on or before the date overrides the derived status; both are kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

PENDING, PARTIAL, MET = "pending", "partially-met", "met"


@dataclass(frozen=True, slots=True)
class RoleFact:
    person_id: int
    person: str
    title: str
    organization_id: int
    starts_on: dt.date | None
    ends_on: dt.date | None
    source_keys: tuple[str, ...]

    def held_on(self, day: dt.date) -> bool:
        started = self.starts_on is None or self.starts_on <= day
        return started and (self.ends_on is None or self.ends_on > day)

    def ended_by(self, day: dt.date) -> bool:
        return self.ends_on is not None and self.ends_on <= day

    def began_between(self, after: dt.date | None, until: dt.date) -> bool:
        if self.starts_on is None or self.starts_on > until:
            return False
        return after is None or self.starts_on > after


@dataclass(frozen=True, slots=True)
class Target:
    person_id: int
    person: str
    title: str


@dataclass(frozen=True, slots=True)
class OutcomeFact:
    outcome: str
    as_of: dt.date
    note: str | None
    source_key: str


@dataclass(frozen=True, slots=True)
class DemandFacts:
    kind: str
    title: str | None
    organization_id: int | None
    organization: str | None
    required: int | None
    letter_date: dt.date | None
    targets: Sequence[Target]
    candidates: Sequence[tuple[int, str]]
    roles: Sequence[RoleFact]
    outcomes: Sequence[OutcomeFact]


@dataclass(frozen=True, slots=True)
class Decision:
    status: str
    reason: str
    derived_status: str
    derived_reason: str
    overridden_by_outcome: bool
    source_keys: tuple[str, ...] = field(default=())


def _same_title(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def _names(items: Iterable[str]) -> str:
    listed = list(items)
    return ", ".join(listed) if listed else "nobody"


def _roles_of(facts: DemandFacts, person_id: int, title: str) -> list[RoleFact]:
    return [
        role
        for role in facts.roles
        if role.person_id == person_id
        and role.organization_id == facts.organization_id
        and _same_title(role.title, title)
    ]


def _graded(done: int, total: int) -> str:
    if total and done == total:
        return MET
    return PARTIAL if done else PENDING


def _decide_resign(facts: DemandFacts, day: dt.date) -> tuple[str, str, set[str]]:
    left: list[str] = []
    stayed: list[str] = []
    sources: set[str] = set()
    for target in facts.targets:
        roles = _roles_of(facts, target.person_id, target.title)
        sources.update(key for role in roles for key in role.source_keys)
        if (
            roles
            and not any(role.held_on(day) for role in roles)
            and any(role.ended_by(day) for role in roles)
        ):
            left.append(target.person)
        else:
            stayed.append(target.person if roles else f"{target.person} (no role on record)")
    status = _graded(len(left), len(facts.targets))
    reason = f"left: {_names(left)}; stayed: {_names(stayed)}"
    return status, reason, sources


def _is_independent(facts: DemandFacts, appointment: RoleFact, day: dt.date) -> bool:
    moments = [day] + ([appointment.starts_on] if appointment.starts_on else [])
    return not any(
        role is not appointment
        and role.person_id == appointment.person_id
        and role.organization_id == facts.organization_id
        and any(role.held_on(moment) for moment in moments)
        for role in facts.roles
    )


def _decide_appoint(facts: DemandFacts, day: dt.date) -> tuple[str, str, set[str]]:
    assert facts.title is not None
    required = facts.required or 1
    appointed: dict[int, str] = {}
    insiders: dict[int, str] = {}
    sources: set[str] = set()
    for role in facts.roles:
        if role.organization_id != facts.organization_id or not _same_title(
            role.title, facts.title
        ):
            continue
        if not role.began_between(facts.letter_date, day):
            continue
        sources.update(role.source_keys)
        if _is_independent(facts, role, day):
            appointed[role.person_id] = role.person
        else:
            insiders[role.person_id] = role.person
    status = MET if len(appointed) >= required else (PARTIAL if appointed else PENDING)
    parts = [f"{len(appointed)} of {required} independent appointed: {_names(appointed.values())}"]
    if insiders:
        parts.append(
            f"not independent (other role at the organization): {_names(insiders.values())}"
        )
    if facts.candidates:
        examples = [
            f"{name} ({'appointed' if pid in appointed else 'not appointed'})"
            for pid, name in facts.candidates
        ]
        parts.append(f"examples named: {', '.join(examples)}")
    return status, "; ".join(parts), sources


def _decide_reinstate(facts: DemandFacts, day: dt.date) -> tuple[str, str, set[str]]:
    back: list[str] = []
    out: list[str] = []
    sources: set[str] = set()
    for target in facts.targets:
        returned = [
            role
            for role in _roles_of(facts, target.person_id, target.title)
            if role.began_between(facts.letter_date, day) and role.held_on(day)
        ]
        sources.update(key for role in returned for key in role.source_keys)
        (back if returned else out).append(f"{target.person} as {target.title}")
    status = _graded(len(back), len(facts.targets))
    return status, f"reinstated: {_names(back)}; not reinstated: {_names(out)}", sources


def decide(facts: DemandFacts, day: dt.date) -> Decision:
    """The status of one demand as of `day`, with the reason and the sources behind it."""
    if facts.kind == "resign":
        derived, reason, sources = _decide_resign(facts, day)
    elif facts.kind == "appoint":
        derived, reason, sources = _decide_appoint(facts, day)
    elif facts.kind == "reinstate":
        derived, reason, sources = _decide_reinstate(facts, day)
    else:
        derived, reason, sources = PENDING, "decided only by recorded outcomes; none yet", set()

    recorded = [outcome for outcome in facts.outcomes if outcome.as_of <= day]
    if not recorded:
        return Decision(derived, reason, derived, reason, False, tuple(sorted(sources)))
    latest = max(recorded, key=lambda outcome: outcome.as_of)
    sources.add(latest.source_key)
    note = f": {latest.note}" if latest.note else ""
    overriding = (
        f"recorded as {latest.outcome} on {latest.as_of.isoformat()} ({latest.source_key}){note}; "
        f"the facts alone say {derived} ({reason})"
    )
    return Decision(latest.outcome, overriding, derived, reason, True, tuple(sorted(sources)))


def ultimatum_state(
    statuses: Sequence[str], carried_out_on: dt.date | None, day: dt.date
) -> tuple[str, str]:
    if carried_out_on is not None and carried_out_on <= day:
        return "carried-out", f"recorded as carried out on {carried_out_on.isoformat()}"
    if not statuses:
        return "active", "no demands are recorded"
    if all(status == MET for status in statuses):
        return "averted", "every demand is met"
    unmet = sum(1 for status in statuses if status != MET)
    return "active", f"{unmet} of {len(statuses)} demands not met"
