"""Loading a checked letter file into the database. Idempotent: every fact is looked up by its
natural key first, so loading a file twice adds nothing and writes no history. A fact the
database refuses (an unknown person in a demand, a source no file gave) is reported at its line
in the file, and nothing of the file is kept (the caller's transaction rolls back)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tracker.db.uow import UnitOfWork
from tracker.domain.dates import parse_date, parse_datetime
from tracker.domain.names import name_key
from tracker.errors import TrackerError
from tracker.letterfiles.format import LetterFile, Where
from tracker.services import counts, demands, letters, organizations, people, roles, signatories
from tracker.services.sources import add_source, get_source


@contextmanager
def _at(letter_file: LetterFile, where: Where) -> Iterator[None]:
    """Name the file and line in any error the database or the rules raise for this fact."""
    try:
        yield
    except TrackerError as error:
        error.message = f"{letter_file.at(where)}: {error.message}"
        error.args = (error.message,)
        raise


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return parse_date(str(value))


def _moment(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return parse_datetime(value.isoformat())
    return parse_datetime(str(value))


def load_letter(*, uow: UnitOfWork, letter_file: LetterFile) -> str:
    """Load one letter file; returns the letter's slug."""
    data = letter_file.data
    for where, source in letter_file.items("sources"):
        with _at(letter_file, where):
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
    for where, org in letter_file.items("organizations"):
        with _at(letter_file, where):
            _organization(uow, org)
    spec = data["letter"]
    slug = str(spec["slug"])
    with _at(letter_file, ("letter",)):
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
    for where, person in letter_file.items("people"):
        with _at(letter_file, where):
            _person(uow, person)
    for where, demand in letter_file.items("demands"):
        with _at(letter_file, where):
            demands.add_demand(
                uow=uow, slug=slug, spec=_demand_spec(demand), source_key=demand["source"]
            )
    for where, group in letter_file.items("signatories"):
        _signatories(uow, letter_file, slug, where, group)
    for where, count in letter_file.items("counts"):
        with _at(letter_file, where):
            counts.add_count(
                uow=uow,
                slug=slug,
                value=count["value"],
                qualifier=count["qualifier"],
                population=count.get("population"),
                as_of=_moment(count["as_of"]) or dt.datetime.min,
                source_key=count["source"],
                note=count.get("note"),
            )
    for where, outcome in letter_file.items("outcomes"):
        with _at(letter_file, where):
            demands.record_outcome(
                uow=uow,
                slug=slug,
                key=outcome["demand"],
                outcome=outcome["outcome"],
                as_of=_date(outcome["as_of"]) or dt.date.min,
                source_key=outcome["source"],
                note=outcome.get("note"),
                exist_ok=True,
            )
    carried_out = _date(spec.get("ultimatum_carried_out"))
    if carried_out is not None:
        with _at(letter_file, ("letter", "ultimatum_carried_out")):
            demands.record_ultimatum_carried_out(
                uow=uow,
                slug=slug,
                on=carried_out,
                source_key=spec.get("ultimatum_carried_out_source") or spec.get("source") or "",
                exist_ok=True,
            )
    return slug


def _organization(uow: UnitOfWork, org: dict[str, Any]) -> None:
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


def _signatories(
    uow: UnitOfWork, letter_file: LetterFile, slug: str, where: Where, group: dict[str, Any]
) -> None:
    source = group["source"]
    status = group.get("status", "reported")
    if "names" in group:
        for index, name in enumerate(group["names"]):
            with _at(letter_file, (*where, "names", index)):
                signatories.add_signatory(
                    uow=uow, slug=slug, name=name, source_key=source, position=index + 1,
                    status=status,
                )  # fmt: skip
        return
    for index, entry in enumerate(group["entries"]):
        with _at(letter_file, (*where, "entries", index)):
            _entry(uow, slug, source, status, entry)


def _entry(uow: UnitOfWork, slug: str, source: str, status: str, entry: dict[str, Any]) -> None:
    wanted = entry.get("status", status)
    added = signatories.add_signatory(
        uow=uow,
        slug=slug,
        name=entry["name"],
        source_key=source,
        position=entry.get("position"),
        status=wanted if wanted in signatories.ADD_STATUSES else status,
        signed_at=_moment(entry.get("signed_at")),
        published=signatories.Published(
            title=entry.get("title"),
            affiliation=entry.get("affiliation"),
            link=entry.get("link"),
            email=entry.get("email"),
            handle=entry.get("handle"),
            location=entry.get("location"),
            withheld=bool(entry.get("withheld", False)),
        ),
    )
    if added.status != wanted:
        signatories.change_status(
            uow=uow,
            slug=slug,
            name=f"#{added.person_id}",
            to=wanted,
            source_key=entry.get("status_source", source),
            reason=entry.get("reason"),
        )
