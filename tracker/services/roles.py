"""Roles: a title a person held at an organization, from a start to an end, with sources."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from tracker.db.models import Organization, Role, Source
from tracker.db.uow import UnitOfWork
from tracker.domain.dates import iso, utcnow
from tracker.errors import BadInput, InvalidTransition, NotFound
from tracker.services import audit
from tracker.services.organizations import ensure_organization, get_organization
from tracker.services.people import resolve_existing
from tracker.services.sources import get_source

_PERSON_HINT = "; add them first with `tracker person add NAME --source KEY`"


@dataclass(frozen=True)
class RoleInfo:
    person: str
    title: str
    organization: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    source: str
    end_source: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "person": self.person,
            "title": self.title,
            "organization": self.organization,
            "start": iso(self.starts_on),
            "end": iso(self.ends_on),
            "source": self.source,
            "end_source": self.end_source,
        }


def _clean_title(title: str) -> str:
    cleaned = " ".join(title.split())
    if not cleaned:
        raise BadInput("the role title is empty")
    return cleaned


def add_role(
    *,
    uow: UnitOfWork,
    person_name: str,
    title: str,
    organization: str,
    source_key: str,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
) -> tuple[RoleInfo, bool]:
    """Record a role; returns it and whether it was new (the same role twice is one)."""
    source = get_source(uow=uow, key=source_key)
    person = resolve_existing(uow=uow, name=person_name, hint=_PERSON_HINT)
    title = _clean_title(title)
    if starts_on and ends_on and ends_on < starts_on:
        raise BadInput(f"the end date {iso(ends_on)} is before the start date {iso(starts_on)}")
    org = ensure_organization(uow=uow, name=organization, source_id=source.id)
    existing = uow.session.scalar(
        select(Role).where(
            Role.person_id == person.id,
            Role.organization_id == org.id,
            Role.title == title,
            Role.starts_on.is_(None) if starts_on is None else Role.starts_on == starts_on,
        )
    )
    info = RoleInfo(person.name, title, org.name, starts_on, ends_on, source.key, None)
    if existing is not None:
        return info, False
    role = Role(
        person_id=person.id,
        organization_id=org.id,
        title=title,
        starts_on=starts_on,
        ends_on=ends_on,
        source_id=source.id,
        end_source_id=source.id if ends_on else None,
        created_at=utcnow(),
    )
    uow.session.add(role)
    uow.flush()
    audit.record(
        uow=uow,
        action="add",
        entity="role",
        entity_id=role.id,
        person_id=person.id,
        summary=f"{person.name}: {title} at {org.name}",
        source_id=source.id,
        after=info.as_dict(),
    )
    return info, True


def end_role(
    *,
    uow: UnitOfWork,
    person_name: str,
    title: str,
    organization: str,
    ends_on: dt.date,
    source_key: str,
) -> RoleInfo:
    source = get_source(uow=uow, key=source_key)
    person = resolve_existing(uow=uow, name=person_name, hint=_PERSON_HINT)
    org = get_organization(uow=uow, name=organization)
    title = _clean_title(title)
    roles = uow.session.scalars(
        select(Role)
        .where(Role.person_id == person.id, Role.organization_id == org.id)
        .order_by(Role.starts_on.desc().nulls_last(), Role.id.desc())
    ).all()
    matching = [role for role in roles if role.title.casefold() == title.casefold()]
    if not matching:
        raise NotFound(f"{person.name} has no role '{title}' at {org.name}")
    open_roles = [role for role in matching if role.ends_on is None]
    if not open_roles:
        ended = max(role.ends_on for role in matching if role.ends_on)
        raise InvalidTransition(
            f"{person.name}'s role '{title}' at {org.name} already ended on {iso(ended)}"
        )
    role = open_roles[0]
    if role.starts_on and ends_on < role.starts_on:
        raise BadInput(
            f"the end date {iso(ends_on)} is before the start date {iso(role.starts_on)}"
        )
    role.ends_on = ends_on
    role.end_source_id = source.id
    uow.flush()
    audit.record(
        uow=uow,
        action="end",
        entity="role",
        entity_id=role.id,
        person_id=person.id,
        summary=f"{person.name}: {role.title} at {org.name} ended {iso(ends_on)}",
        source_id=source.id,
        before={"end": None},
        after={"end": iso(ends_on)},
    )
    return RoleInfo(
        person.name,
        role.title,
        org.name,
        role.starts_on,
        ends_on,
        uow.session.scalar(select(Source.key).where(Source.id == role.source_id)) or "",
        source.key,
    )


def roles_of(*, uow: UnitOfWork, person_id: int) -> list[RoleInfo]:
    start_source = Source.__table__.alias("start_source")
    end_source = Source.__table__.alias("end_source")
    rows = uow.session.execute(
        select(Role, Organization.name, start_source.c.key, end_source.c.key)
        .join(Organization, Organization.id == Role.organization_id)
        .join(start_source, start_source.c.id == Role.source_id)
        .outerjoin(end_source, end_source.c.id == Role.end_source_id)
        .where(Role.person_id == person_id)
        .order_by(Role.starts_on.nulls_first(), Role.id)
    )
    return [
        RoleInfo("", role.title, org, role.starts_on, role.ends_on, start, end)
        for role, org, start, end in rows
    ]
