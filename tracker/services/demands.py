"""Demands: what a letter asks for, recorded and corrected with their sources. Whether they were
met is derived in `demand_status`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from tracker.db.models import (
    DEMAND_KINDS,
    DEMAND_OUTCOMES,
    Demand,
    DemandCandidate,
    DemandOutcome,
    DemandTarget,
    Letter,
    Organization,
)
from tracker.db.uow import UnitOfWork
from tracker.domain.dates import iso, utcnow
from tracker.errors import BadInput, NotFound
from tracker.services import audit
from tracker.services.letters import get_letter
from tracker.services.organizations import ensure_organization
from tracker.services.people import resolve_existing
from tracker.services.sources import get_source


@dataclass(frozen=True)
class DemandSpec:
    key: str
    kind: str
    summary: str
    role_title: str | None = None
    organization: str | None = None
    required_count: int | None = None
    targets: tuple[tuple[str, str | None], ...] = ()  # (person, title if not the demand's)
    candidates: tuple[str, ...] = ()


def add_demand(
    *, uow: UnitOfWork, slug: str, spec: DemandSpec, source_key: str
) -> tuple[Demand, bool]:
    letter = get_letter(uow=uow, slug=slug)
    source = get_source(uow=uow, key=source_key)
    if spec.kind not in DEMAND_KINDS:
        raise BadInput(f"unknown demand kind '{spec.kind}'; use one of {', '.join(DEMAND_KINDS)}")
    existing = uow.session.scalar(
        select(Demand).where(Demand.letter_id == letter.id, Demand.key == spec.key)
    )
    if existing is not None:
        return existing, False
    if spec.kind != "other" and not (spec.role_title and spec.organization):
        raise BadInput(f"a '{spec.kind}' demand needs a role title and an organization")
    organization = (
        ensure_organization(uow=uow, name=spec.organization, source_id=source.id)
        if spec.organization
        else None
    )
    position = len(
        uow.session.scalars(select(Demand.id).where(Demand.letter_id == letter.id)).all()
    )
    demand = Demand(
        letter_id=letter.id,
        key=spec.key,
        position=position + 1,
        kind=spec.kind,
        summary=spec.summary,
        role_title=spec.role_title,
        organization_id=organization.id if organization else None,
        required_count=spec.required_count,
        source_id=source.id,
    )
    uow.session.add(demand)
    uow.flush()
    for person_name, title in spec.targets:
        person = resolve_existing(uow=uow, name=person_name)
        uow.session.add(
            DemandTarget(
                demand_id=demand.id,
                person_id=person.id,
                title=title or spec.role_title,
                source_id=source.id,
            )
        )
    for person_name in spec.candidates:
        person = resolve_existing(uow=uow, name=person_name)
        uow.session.add(
            DemandCandidate(demand_id=demand.id, person_id=person.id, source_id=source.id)
        )
    uow.flush()
    audit.record(
        uow=uow,
        action="add",
        entity="demand",
        entity_id=demand.id,
        letter_id=letter.id,
        summary=f"demand {spec.key} of {slug}: {spec.summary}",
        source_id=source.id,
        after={
            "key": spec.key,
            "kind": spec.kind,
            "summary": spec.summary,
            "targets": [t for t, _ in spec.targets],
            "candidates": list(spec.candidates),
        },
    )
    return demand, True


def add_target(
    *,
    uow: UnitOfWork,
    slug: str,
    key: str,
    person: str,
    source_key: str,
    title: str | None = None,
    candidate: bool = False,
) -> tuple[str, bool]:
    """A person a demand is about (a target: who must resign, be reinstated), or one of its
    examples (`candidate`: "such as ..."). Returns the person's name and whether it was new."""
    letter = get_letter(uow=uow, slug=slug)
    source = get_source(uow=uow, key=source_key)
    demand = get_demand(uow=uow, letter=letter, key=key)
    who = resolve_existing(
        uow=uow, name=person, hint="; add them first with `tracker person add NAME --source KEY`"
    )
    model = DemandCandidate if candidate else DemandTarget
    known = uow.session.scalar(
        select(model.person_id).where(model.demand_id == demand.id, model.person_id == who.id)
    )
    if known is not None:
        return who.name, False
    if candidate:
        uow.session.add(DemandCandidate(demand_id=demand.id, person_id=who.id, source_id=source.id))
    else:
        if demand.kind == "other" and title:
            raise BadInput("a demand of kind 'other' names no role; leave out --title")
        uow.session.add(
            DemandTarget(
                demand_id=demand.id,
                person_id=who.id,
                title=title or demand.role_title,
                source_id=source.id,
            )
        )
    uow.flush()
    what = "candidate" if candidate else "target"
    audit.record(
        uow=uow,
        action="add",
        entity=f"demand {what}",
        entity_id=demand.id,
        letter_id=letter.id,
        person_id=who.id,
        summary=f"{who.name} is a {what} of demand {key} of {slug}",
        source_id=source.id,
        after={"demand": key, what: who.name, "title": title},
    )
    return who.name, True


def get_demand(*, uow: UnitOfWork, letter: Letter, key: str) -> Demand:
    demand = uow.session.scalar(
        select(Demand).where(Demand.letter_id == letter.id, Demand.key == key)
    )
    if demand is None:
        keys = uow.session.scalars(
            select(Demand.key).where(Demand.letter_id == letter.id).order_by(Demand.position)
        ).all()
        known = ", ".join(keys) if keys else "none"
        raise NotFound(f"unknown demand '{key}' of {letter.slug}; its demands: {known}")
    return demand


def list_demands(*, uow: UnitOfWork, slug: str) -> list[Demand]:
    letter = get_letter(uow=uow, slug=slug)
    return list(
        uow.session.scalars(
            select(Demand).where(Demand.letter_id == letter.id).order_by(Demand.position)
        )
    )


def record_outcome(
    *,
    uow: UnitOfWork,
    slug: str,
    key: str,
    outcome: str,
    as_of: dt.date,
    source_key: str,
    note: str | None = None,
    exist_ok: bool = False,
) -> bool:
    """Record an outcome; returns whether it was new. With `exist_ok`, the same outcome on the
    same day from the same source is recorded once (loading a letter file twice)."""
    if outcome not in DEMAND_OUTCOMES:
        raise BadInput(f"unknown outcome '{outcome}'; use one of {', '.join(DEMAND_OUTCOMES)}")
    letter = get_letter(uow=uow, slug=slug)
    demand = get_demand(uow=uow, letter=letter, key=key)
    source = get_source(uow=uow, key=source_key)
    if letter.dated and as_of < letter.dated:
        raise BadInput(
            f"the outcome's date {iso(as_of)} is before the letter's {iso(letter.dated)}"
        )
    if exist_ok and uow.session.scalar(
        select(DemandOutcome.id).where(
            DemandOutcome.demand_id == demand.id,
            DemandOutcome.outcome == outcome,
            DemandOutcome.as_of == as_of,
            DemandOutcome.source_id == source.id,
        )
    ):
        return False
    row = DemandOutcome(
        demand_id=demand.id,
        outcome=outcome,
        as_of=as_of,
        note=note,
        source_id=source.id,
        created_at=utcnow(),
    )
    uow.session.add(row)
    uow.flush()
    audit.record(
        uow=uow,
        action="outcome",
        entity="demand",
        entity_id=demand.id,
        letter_id=letter.id,
        summary=f"demand {key} of {slug} recorded as {outcome} on {iso(as_of)}",
        source_id=source.id,
        after={"outcome": outcome, "as_of": iso(as_of), "note": note},
    )
    return True


def record_ultimatum_carried_out(
    *, uow: UnitOfWork, slug: str, on: dt.date, source_key: str, exist_ok: bool = False
) -> None:
    letter = get_letter(uow=uow, slug=slug)
    source = get_source(uow=uow, key=source_key)
    if exist_ok and letter.ultimatum_carried_out_on == on:
        return
    before = iso(letter.ultimatum_carried_out_on)
    letter.ultimatum_carried_out_on = on
    letter.ultimatum_carried_out_source_id = source.id
    uow.flush()
    audit.record(
        uow=uow,
        action="ultimatum",
        entity="letter",
        entity_id=letter.id,
        letter_id=letter.id,
        summary=f"the ultimatum of {slug} recorded as carried out on {iso(on)}",
        source_id=source.id,
        before={"carried_out_on": before},
        after={"carried_out_on": iso(on)},
    )


CORRECTABLE = ("summary", "role_title", "organization", "required_count")


def _demand_facts(uow: UnitOfWork, demand: Demand) -> dict[str, object]:
    organization = (
        uow.session.get_one(Organization, demand.organization_id).name
        if demand.organization_id
        else None
    )
    return {
        "key": demand.key,
        "kind": demand.kind,
        "summary": demand.summary,
        "role_title": demand.role_title,
        "organization": organization,
        "required_count": demand.required_count,
    }


def correct_demand(
    *, uow: UnitOfWork, slug: str, key: str, source_key: str, changes: Mapping[str, object]
) -> dict[str, tuple[object, object]]:
    """Correct what a demand says (its summary, role, organization or required count); the
    history keeps what it said before. Returns each changed field as (before, after)."""
    letter = get_letter(uow=uow, slug=slug)
    demand = get_demand(uow=uow, letter=letter, key=key)
    source = get_source(uow=uow, key=source_key)
    before = _demand_facts(uow, demand)
    wanted = {field: value for field, value in changes.items() if value is not None}
    if demand.kind == "other" and (wanted.get("role_title") or wanted.get("organization")):
        raise BadInput("a demand of kind 'other' names no role; leave out --title and --org")
    if "organization" in wanted:
        org = ensure_organization(uow=uow, name=str(wanted["organization"]), source_id=source.id)
        demand.organization_id = org.id
    for field_name in ("summary", "role_title", "required_count"):
        if field_name in wanted:
            setattr(demand, field_name, wanted[field_name])
    if demand.kind != "other" and not (demand.role_title and demand.organization_id):
        raise BadInput(f"a '{demand.kind}' demand needs a role title and an organization")
    uow.flush()
    after = _demand_facts(uow, demand)
    changed = {f: (before[f], after[f]) for f in CORRECTABLE if before[f] != after[f]}
    if changed:
        audit.record(
            uow=uow,
            action="correct",
            entity="demand",
            entity_id=demand.id,
            letter_id=letter.id,
            summary=f"demand {key} of {slug} corrected: {', '.join(changed)}",
            source_id=source.id,
            before={f: before[f] for f in changed},
            after={f: after[f] for f in changed},
        )
    return changed


def remove_demand(*, uow: UnitOfWork, slug: str, key: str, source_key: str, reason: str) -> None:
    """Take back a demand recorded in error (the letter never made it), with its targets,
    examples and outcomes; the history keeps all of it. A demand the letter's authors dropped is
    an outcome instead: `demand record --outcome withdrawn`."""
    if not reason.strip():
        raise BadInput("removing a demand needs a reason: pass --reason TEXT")
    letter = get_letter(uow=uow, slug=slug)
    demand = get_demand(uow=uow, letter=letter, key=key)
    source = get_source(uow=uow, key=source_key)
    facts = _demand_facts(uow, demand)
    facts["targets"] = [t.person_id for t in _links(uow, DemandTarget, demand.id)]
    facts["candidates"] = [c.person_id for c in _links(uow, DemandCandidate, demand.id)]
    for model in (DemandTarget, DemandCandidate, DemandOutcome):
        for row in _links(uow, model, demand.id):
            uow.session.delete(row)
    uow.flush()
    uow.session.delete(demand)
    uow.flush()
    audit.record(
        uow=uow,
        action="remove",
        entity="demand",
        entity_id=demand.id,
        letter_id=letter.id,
        summary=f"demand {key} of {slug} removed: {reason}",
        source_id=source.id,
        before=facts,
        after={"reason": reason},
    )


def remove_target(
    *, uow: UnitOfWork, slug: str, key: str, person: str, source_key: str, candidate: bool
) -> str:
    """Take a target (or an example) off a demand; the history keeps it. Returns the name."""
    letter = get_letter(uow=uow, slug=slug)
    demand = get_demand(uow=uow, letter=letter, key=key)
    source = get_source(uow=uow, key=source_key)
    who = resolve_existing(uow=uow, name=person)
    model = DemandCandidate if candidate else DemandTarget
    what = "candidate" if candidate else "target"
    row = uow.session.get(model, (demand.id, who.id))
    if row is None:
        raise NotFound(f"{who.name} is not a {what} of demand {key} of {slug}")
    uow.session.delete(row)
    uow.flush()
    audit.record(
        uow=uow,
        action="remove",
        entity=f"demand {what}",
        entity_id=demand.id,
        letter_id=letter.id,
        person_id=who.id,
        summary=f"{who.name} is no longer a {what} of demand {key} of {slug}",
        source_id=source.id,
        before={"demand": key, what: who.name},
    )
    return who.name


def _links(uow: UnitOfWork, model: Any, demand_id: int) -> list[Any]:
    return list(uow.session.scalars(select(model).where(model.demand_id == demand_id)))
