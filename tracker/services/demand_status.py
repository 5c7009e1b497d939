"""Whether a letter's demands were met as of a date, and why: the recorded facts (demands,
targets, examples, roles, outcomes) read for `domain.demands` to decide."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from tracker.db.models import (
    Demand,
    DemandCandidate,
    DemandOutcome,
    DemandTarget,
    Organization,
    Person,
    Role,
    Source,
)
from tracker.db.uow import UnitOfWork
from tracker.domain import demands as rules
from tracker.domain.dates import iso
from tracker.errors import BadInput
from tracker.services.demands import list_demands
from tracker.services.letters import get_letter


@dataclass(frozen=True)
class DemandStatus:
    key: str
    summary: str
    kind: str
    status: str
    reason: str
    derived_status: str
    derived_reason: str
    overridden_by_outcome: bool
    sources: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "summary": self.summary,
            "kind": self.kind,
            "status": self.status,
            "reason": self.reason,
            "overridden_by_outcome": self.overridden_by_outcome,
            "derived_status": self.derived_status,
            "derived_reason": self.derived_reason,
            "sources": self.sources,
        }


@dataclass(frozen=True)
class StatusReport:
    letter: str
    as_of: dt.date
    ultimatum_state: str
    ultimatum_reason: str
    demands: list[DemandStatus]

    def as_dict(self) -> dict[str, object]:
        return {
            "letter": self.letter,
            "as_of": iso(self.as_of),
            "ultimatum": {"state": self.ultimatum_state, "reason": self.ultimatum_reason},
            "demands": [demand.as_dict() for demand in self.demands],
        }


def _role_facts(uow: UnitOfWork, organization_ids: set[int]) -> list[rules.RoleFact]:
    if not organization_ids:
        return []
    end_source = Source.__table__.alias("end_source")
    rows = uow.session.execute(
        select(Role, Person.name, Source.key, end_source.c.key)
        .join(Person, Person.id == Role.person_id)
        .join(Source, Source.id == Role.source_id)
        .outerjoin(end_source, end_source.c.id == Role.end_source_id)
        .where(Role.organization_id.in_(organization_ids))
    )
    return [
        rules.RoleFact(
            person_id=role.person_id,
            person=name,
            title=role.title,
            organization_id=role.organization_id,
            starts_on=role.starts_on,
            ends_on=role.ends_on,
            source_keys=tuple(k for k in (start, end) if k),
        )
        for role, name, start, end in rows
    ]


def _targets(uow: UnitOfWork, demand: Demand) -> list[rules.Target]:
    rows = uow.session.execute(
        select(Person.id, Person.name, DemandTarget.title)
        .join(DemandTarget, DemandTarget.person_id == Person.id)
        .where(DemandTarget.demand_id == demand.id)
        .order_by(Person.name)
    )
    return [rules.Target(pid, name, title or demand.role_title or "") for pid, name, title in rows]


def _candidates(uow: UnitOfWork, demand: Demand) -> list[tuple[int, str]]:
    rows = uow.session.execute(
        select(Person.id, Person.name)
        .join(DemandCandidate, DemandCandidate.person_id == Person.id)
        .where(DemandCandidate.demand_id == demand.id)
        .order_by(Person.name)
    )
    return [(pid, name) for pid, name in rows]


def demand_status(*, uow: UnitOfWork, slug: str, as_of: dt.date | None = None) -> StatusReport:
    letter = get_letter(uow=uow, slug=slug)
    day = as_of or dt.date.today()
    if letter.dated and day < letter.dated:
        raise BadInput(f"--as-of {iso(day)} is before the letter's date {iso(letter.dated)}")
    demands = list_demands(uow=uow, slug=slug)
    roles = _role_facts(uow, {d.organization_id for d in demands if d.organization_id})
    organization_names = dict(uow.session.execute(select(Organization.id, Organization.name)).all())
    titles = dict(uow.session.execute(select(Source.key, Source.title)).all())
    statuses = []
    for demand in demands:
        outcomes = [
            rules.OutcomeFact(o.outcome, o.as_of, o.note, key)
            for o, key in uow.session.execute(
                select(DemandOutcome, Source.key)
                .join(Source, Source.id == DemandOutcome.source_id)
                .where(DemandOutcome.demand_id == demand.id)
                .order_by(DemandOutcome.as_of, DemandOutcome.id)
            )
        ]
        facts = rules.DemandFacts(
            kind=demand.kind,
            title=demand.role_title,
            organization_id=demand.organization_id,
            organization=organization_names.get(demand.organization_id or -1),
            required=demand.required_count,
            letter_date=letter.dated,
            targets=_targets(uow, demand),
            candidates=_candidates(uow, demand),
            roles=roles,
            outcomes=outcomes,
        )
        decision = rules.decide(facts, day)
        demand_source = uow.session.scalar(select(Source.key).where(Source.id == demand.source_id))
        keys = sorted({*decision.source_keys, demand_source or ""} - {""})
        statuses.append(
            DemandStatus(
                key=demand.key,
                summary=demand.summary,
                kind=demand.kind,
                status=decision.status,
                reason=decision.reason,
                derived_status=decision.derived_status,
                derived_reason=decision.derived_reason,
                overridden_by_outcome=decision.overridden_by_outcome,
                sources=[{"key": key, "title": titles.get(key, "")} for key in keys],
            )
        )
    state, reason = rules.ultimatum_state(
        [s.status for s in statuses], letter.ultimatum_carried_out_on, day
    )
    return StatusReport(letter.slug, day, state, reason, statuses)
