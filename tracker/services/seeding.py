"""Loading the bundled letters from `seeds/*.toml`. Idempotent: every fact is looked up by its
natural key first, so a second run adds nothing and writes no history."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from tracker.db.models import HistoryEntry
from tracker.db.uow import UnitOfWork
from tracker.domain.dates import parse_date, parse_datetime
from tracker.domain.names import name_key
from tracker.resources import bundled_path
from tracker.services import counts, demands, letters, organizations, people, roles, signatories
from tracker.services.sources import add_source, get_source


@dataclass(frozen=True)
class SeedResult:
    letters: list[str]
    changes: int


def seed_files() -> list[Path]:
    return sorted(bundled_path("seeds").glob("*.toml"))


def _date(value: Any) -> Any:
    return parse_date(value) if isinstance(value, str) else value


def _person(uow: UnitOfWork, entry: dict[str, Any]) -> None:
    source_id = get_source(uow=uow, key=entry["source"]).id
    matches = people.exact_matches(uow=uow, key=name_key(entry["name"]))
    person = (
        matches[0]
        if matches
        else people.create_person(
            uow=uow, name=entry["name"], source_id=source_id, note=entry.get("note")
        )
    )
    for alias in entry.get("aliases", []):
        people.add_alias(
            uow=uow,
            person=person,
            alias=alias["alias"],
            kind=alias["kind"],
            source_id=get_source(uow=uow, key=alias["source"]).id,
        )
    for role in entry.get("roles", []):
        roles.add_role(
            uow=uow,
            person_name=f"#{person.id}",
            title=role["title"],
            organization=role["org"],
            source_key=role["source"],
            starts_on=_date(role.get("start")),
            ends_on=_date(role.get("end")),
        )


def _demand_spec(entry: dict[str, Any]) -> demands.DemandSpec:
    targets = tuple(
        (t, None) if isinstance(t, str) else (t["person"], t.get("title"))
        for t in entry.get("targets", [])
    )
    return demands.DemandSpec(
        key=entry["key"],
        kind=entry["kind"],
        summary=entry["summary"],
        role_title=entry.get("role_title"),
        organization=entry.get("organization"),
        required_count=entry.get("required_count"),
        targets=targets,
        candidates=tuple(entry.get("candidates", [])),
    )


def seed_letter(*, uow: UnitOfWork, data: dict[str, Any]) -> str:
    for source in data.get("sources", []):
        add_source(
            uow=uow,
            key=source["key"],
            title=source["title"],
            publisher=source.get("publisher"),
            url=source.get("url"),
            published_on=_date(source.get("date")),
            language=source.get("language"),
            note=source.get("note"),
            exist_ok=True,
        )
    for org in data.get("organizations", []):
        source_id = get_source(uow=uow, key=org["source"]).id
        found = organizations.ensure_organization(uow=uow, name=org["name"], source_id=source_id)
        for alias in org.get("aliases", []):
            organizations.add_organization_alias(
                uow=uow,
                organization=found,
                alias=alias["alias"],
                kind=alias["kind"],
                source_id=get_source(uow=uow, key=alias["source"]).id,
            )
    spec = data["letter"]
    slug = str(spec["slug"])
    letters.add_letter(
        uow=uow,
        slug=slug,
        title=spec["title"],
        addressed_to=spec["addressed_to"],
        dated=_date(spec.get("date")),
        first_published_by=spec.get("first_published_by"),
        source_key=spec.get("source"),
        population=spec.get("population"),
        population_label=spec.get("population_label"),
        population_source_key=spec.get("population_source"),
        ultimatum=spec.get("ultimatum"),
        ultimatum_source_key=spec.get("ultimatum_source"),
        exist_ok=True,
    )
    for person in data.get("people", []):
        _person(uow, person)
    for demand in data.get("demands", []):
        demands.add_demand(
            uow=uow, slug=slug, spec=_demand_spec(demand), source_key=demand["source"]
        )
    for group in data.get("signatories", []):
        for position, name in enumerate(group["names"], start=1):
            signatories.add_signatory(
                uow=uow,
                slug=slug,
                name=name,
                source_key=group["source"],
                position=position,
                status=group.get("status", "reported"),
            )
    for count in data.get("counts", []):
        counts.add_count(
            uow=uow,
            slug=slug,
            value=count["value"],
            qualifier=count["qualifier"],
            population=count.get("population"),
            as_of=parse_datetime(str(count["as_of"])),
            source_key=count["source"],
            note=count.get("note"),
        )
    return slug


def seed_all(*, uow: UnitOfWork, files: list[Path] | None = None) -> SeedResult:
    history_before = uow.session.scalar(select(func.count()).select_from(HistoryEntry)) or 0
    slugs = []
    for path in files or seed_files():
        with path.open("rb") as handle:
            slugs.append(seed_letter(uow=uow, data=tomllib.load(handle)))
    uow.flush()
    history_after = uow.session.scalar(select(func.count()).select_from(HistoryEntry)) or 0
    return SeedResult(slugs, history_after - history_before)
