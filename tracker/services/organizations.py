"""Organizations, matched by the same name key as people (so "OpenAl" finds OpenAI)."""

from __future__ import annotations

from sqlalchemy import select

from tracker.db.models import Organization, OrganizationAlias
from tracker.db.uow import UnitOfWork
from tracker.domain.names import clean_display_name, name_key
from tracker.errors import NotFound
from tracker.services import audit


def find_organization(*, uow: UnitOfWork, name: str) -> Organization | None:
    key = name_key(name)
    session = uow.session
    found = session.scalar(select(Organization).where(Organization.name_key == key))
    if found is None:
        found = session.scalar(
            select(Organization)
            .join(OrganizationAlias, OrganizationAlias.organization_id == Organization.id)
            .where(OrganizationAlias.alias_key == key)
        )
    return found


def get_organization(*, uow: UnitOfWork, name: str) -> Organization:
    found = find_organization(uow=uow, name=name)
    if found is None:
        raise NotFound(f"unknown organization '{name}'")
    return found


def ensure_organization(*, uow: UnitOfWork, name: str, source_id: int) -> Organization:
    """The organization of that name, created (with the source) when it is new."""
    name = clean_display_name(name, what="organization name")
    found = find_organization(uow=uow, name=name)
    if found is not None:
        return found
    organization = Organization(name=name, name_key=name_key(name), source_id=source_id)
    uow.session.add(organization)
    uow.flush()
    audit.record(
        uow=uow,
        action="add",
        entity="organization",
        entity_id=organization.id,
        summary=f"organization {name} added",
        source_id=source_id,
        after={"name": name},
    )
    return organization


def add_organization_alias(
    *, uow: UnitOfWork, organization: Organization, alias: str, kind: str, source_id: int
) -> bool:
    key = name_key(alias)
    if key == organization.name_key or uow.session.scalar(
        select(OrganizationAlias.id).where(OrganizationAlias.alias_key == key)
    ):
        return False
    uow.session.add(
        OrganizationAlias(
            organization_id=organization.id,
            alias=alias,
            alias_key=key,
            kind=kind,
            source_id=source_id,
        )
    )
    audit.record(
        uow=uow,
        action="alias",
        entity="organization",
        entity_id=organization.id,
        summary=f"{alias!r} recorded as a {kind} of {organization.name}",
        source_id=source_id,
        after={"alias": alias, "kind": kind},
    )
    return True
