"""Writing a letter's facts out as a letter file, in the format `tracker letter load` reads:
loading the file into a fresh database gives the same letter, and exporting that gives the same
file. Private data (e-mails, withheld names) is written only when asked for."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from tracker.db.models import (
    Alias,
    Demand,
    DemandCandidate,
    DemandOutcome,
    DemandTarget,
    Organization,
    OrganizationAlias,
    Person,
    ReportedCount,
    Role,
    Signature,
    SignatureEvent,
    Source,
)
from tracker.db.uow import UnitOfWork
from tracker.domain.identifiers import is_email_link
from tracker.services.letters import get_letter

HEADER = (
    "# A letter file for signatory-tracker: `tracker letter load` reads it.\n"
    "# Every fact names its source; the format is described in the README.\n\n"
)


@dataclass(frozen=True)
class Export:
    text: str
    withheld_left_out: int


class _Sources:
    """The sources the written facts name, in the order the database knows them."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._by_id = {s.id: s for s in uow.session.scalars(select(Source))}
        self.used: set[int] = set()

    def key(self, source_id: int | None) -> str | None:
        if source_id is None:
            return None
        self.used.add(source_id)
        return self._by_id[source_id].key

    def tables(self) -> list[dict[str, Any]]:
        return [
            _compact(
                key=s.key,
                title=s.title,
                publisher=s.publisher,
                url=s.url,
                date=_day(s.published_on),
                language=s.language,
                note=s.note,
            )
            for s in sorted((self._by_id[i] for i in self.used), key=lambda s: s.id)
        ]


def _compact(**values: Any) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None and value != []}


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _moment(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.time() == dt.time(0):
        return value.date().isoformat()
    return value.isoformat(timespec="seconds") + "Z"


def export_letter(*, uow: UnitOfWork, slug: str, private: bool = False) -> Export:
    import tomli_w

    session = uow.session
    letter = get_letter(uow=uow, slug=slug)
    sources = _Sources(uow)
    letter_table = _compact(
        slug=letter.slug,
        title=letter.title,
        addressed_to=letter.addressed_to,
        date=_day(letter.dated),
        first_published_by=letter.first_published_by,
        source=sources.key(letter.source_id),
        population=letter.population,
        population_label=letter.population_label,
        population_source=sources.key(letter.population_source_id),
        ultimatum=letter.ultimatum,
        ultimatum_source=sources.key(letter.ultimatum_source_id),
        ultimatum_carried_out=_day(letter.ultimatum_carried_out_on),
        ultimatum_carried_out_source=sources.key(letter.ultimatum_carried_out_source_id),
    )
    people_ids: set[int] = set()
    org_ids: set[int] = set()
    demands = list(
        session.scalars(
            select(Demand).where(Demand.letter_id == letter.id).order_by(Demand.position)
        )
    )
    demand_tables = []
    for demand in demands:
        targets = session.scalars(
            select(DemandTarget).where(DemandTarget.demand_id == demand.id)
            .order_by(DemandTarget.person_id)
        ).all()  # fmt: skip
        candidates = session.scalars(
            select(DemandCandidate.person_id).where(DemandCandidate.demand_id == demand.id)
            .order_by(DemandCandidate.person_id)
        ).all()  # fmt: skip
        people_ids.update(t.person_id for t in targets)
        people_ids.update(candidates)
        if demand.organization_id:
            org_ids.add(demand.organization_id)
        demand_tables.append(
            _compact(
                key=demand.key,
                kind=demand.kind,
                summary=demand.summary,
                role_title=demand.role_title,
                organization=_org_name(uow, demand.organization_id),
                required_count=demand.required_count,
                source=sources.key(demand.source_id),
                targets=[
                    _name(uow, t.person_id)
                    if t.title in (None, demand.role_title)
                    else {"person": _name(uow, t.person_id), "title": t.title}
                    for t in targets
                ],
                candidates=[_name(uow, c) for c in candidates],
            )
        )
    outcomes = [
        _compact(
            demand=key,
            outcome=o.outcome,
            as_of=_day(o.as_of),
            source=sources.key(o.source_id),
            note=o.note,
        )
        for o, key in session.execute(
            select(DemandOutcome, Demand.key)
            .join(Demand, Demand.id == DemandOutcome.demand_id)
            .where(Demand.letter_id == letter.id)
            .order_by(DemandOutcome.as_of, DemandOutcome.id)
        )
    ]
    groups, signers, withheld = _signatories(uow, letter.id, sources, private)
    roles: dict[int, list[Role]] = _by_person(uow, Role, signers | people_ids)
    aliases: dict[int, list[Alias]] = _by_person(uow, Alias, signers | people_ids)
    people_ids |= {p for p in signers if p in roles or p in aliases}
    for person_roles in roles.values():
        org_ids.update(role.organization_id for role in person_roles)
    people_tables = []
    for person in session.scalars(
        select(Person).where(Person.id.in_(people_ids)).order_by(Person.id)
    ):
        people_tables.append(
            _compact(
                name=person.name,
                source=sources.key(person.source_id),
                note=person.note,
                aliases=[
                    {"alias": a.alias, "kind": a.kind, "source": sources.key(a.source_id)}
                    for a in aliases.get(person.id, [])
                ],
                roles=[
                    _compact(
                        title=r.title,
                        org=_org_name(uow, r.organization_id),
                        start=_day(r.starts_on),
                        end=_day(r.ends_on),
                        source=sources.key(r.source_id),
                    )
                    for r in roles.get(person.id, [])
                ],
            )
        )
    org_tables = [_organization(uow, org, sources) for org in sorted(org_ids)]
    count_tables = [
        _compact(
            value=c.value,
            qualifier=c.qualifier,
            population=c.population,
            as_of=_moment(c.as_of),
            source=sources.key(c.source_id),
            note=c.note,
        )
        for c in session.scalars(
            select(ReportedCount)
            .where(ReportedCount.letter_id == letter.id)
            .order_by(ReportedCount.as_of, ReportedCount.id)
        )
    ]
    document = _compact(
        sources=sources.tables(),
        letter=letter_table,
        organizations=org_tables,
        people=people_tables,
        demands=demand_tables,
        outcomes=outcomes,
        signatories=groups,
        counts=count_tables,
    )
    return Export(HEADER + tomli_w.dumps(document), withheld)


def _name(uow: UnitOfWork, person_id: int) -> str:
    return uow.session.get_one(Person, person_id).name


def _org_name(uow: UnitOfWork, organization_id: int | None) -> str | None:
    if organization_id is None:
        return None
    return uow.session.get_one(Organization, organization_id).name


def _organization(uow: UnitOfWork, organization_id: int, sources: _Sources) -> dict[str, Any]:
    org = uow.session.get_one(Organization, organization_id)
    aliases = uow.session.scalars(
        select(OrganizationAlias)
        .where(OrganizationAlias.organization_id == org.id)
        .order_by(OrganizationAlias.id)
    )
    return _compact(
        name=org.name,
        source=sources.key(org.source_id),
        aliases=[
            {"alias": a.alias, "kind": a.kind, "source": sources.key(a.source_id)} for a in aliases
        ],
    )


def _by_person(uow: UnitOfWork, model: Any, people_ids: set[int]) -> dict[int, list[Any]]:
    """Rows of `model` (roles, aliases) for these people, in the order they were recorded."""
    found: dict[int, list[Any]] = defaultdict(list)
    ids = sorted(people_ids)
    for start in range(0, len(ids), 5_000):
        chunk = ids[start : start + 5_000]
        for row in uow.session.scalars(
            select(model).where(model.person_id.in_(chunk)).order_by(model.id)
        ):
            found[row.person_id].append(row)
    return found


def _signatories(
    uow: UnitOfWork, letter_id: int, sources: _Sources, private: bool
) -> tuple[list[dict[str, Any]], set[int], int]:
    """One table of entries per source, in the order of the list; the people who signed; how
    many withheld entries were left out."""
    last_event: dict[int, SignatureEvent] = {}
    for event in uow.session.scalars(
        select(SignatureEvent)
        .join(Signature, Signature.id == SignatureEvent.signature_id)
        .where(Signature.letter_id == letter_id)
        .order_by(SignatureEvent.id)
    ):
        last_event[event.signature_id] = event
    by_source: dict[int, list[dict[str, Any]]] = defaultdict(list)
    signers: set[int] = set()
    withheld = 0
    rows = uow.session.scalars(
        select(Signature)
        .where(Signature.letter_id == letter_id)
        .order_by(Signature.source_id, Signature.position, Signature.entry, Signature.id)
    )
    for signature in rows:
        if signature.withheld and not private:
            withheld += 1
            continue
        signers.add(signature.person_id)
        latest = last_event.get(signature.id)
        changed = signature.status not in ("reported", "confirmed") and latest is not None
        by_source[signature.source_id].append(
            _compact(
                name=signature.as_written,
                position=signature.position,
                signed_at=_moment(signature.signed_at),
                title=signature.title,
                affiliation=signature.affiliation,
                link=signature.link
                if private or not (signature.link and is_email_link(signature.link))
                else None,
                email=signature.email if private else None,
                handle=signature.handle,
                location=signature.location,
                withheld=True if signature.withheld else None,
                status=None if signature.status == "reported" else signature.status,
                status_source=sources.key(latest.source_id) if changed and latest else None,
                reason=latest.reason if changed and latest else None,
            )
        )
    groups = [
        {"source": sources.key(source_id), "entries": entries}
        for source_id, entries in sorted(by_source.items())
    ]
    return groups, signers, withheld
