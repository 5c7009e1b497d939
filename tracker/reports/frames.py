"""One DataFrame per report, built by SQL queries (aggregation happens in the database).

Each report comes with its Table Schema fields (name, type, description) for the data package.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, func, literal, or_, select

from tracker.db.models import (
    Alias,
    Letter,
    Organization,
    Person,
    ReportedCount,
    Role,
    Signature,
    Source,
)
from tracker.db.uow import UnitOfWork
from tracker.domain.dates import end_of_day
from tracker.domain.tally import TallyFigures
from tracker.errors import BadInput

if TYPE_CHECKING:
    import pandas as pd

Field = tuple[str, str, str]  # name, Table Schema type, description


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    fields: list[Field]
    frame: pd.DataFrame


def _frame(rows: list[dict[str, Any]] | Any, fields: list[Field]) -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame(rows, columns=[name for name, _, _ in fields])
    for name, kind, _ in fields:
        if kind == "integer":
            frame[name] = frame[name].astype("Int64")
        elif kind == "number":
            frame[name] = frame[name].astype("Float64")
        elif kind == "boolean":
            frame[name] = frame[name].astype("boolean")
    return frame


def _stamp(value: dt.datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def check_as_of(letter: Letter, as_of: dt.date | None) -> dt.date:
    day = as_of or dt.date.today()
    if letter.dated and day < letter.dated:
        raise BadInput(
            f"--as-of {day.isoformat()} is before the letter's date {letter.dated.isoformat()}"
        )
    return day


TALLY_FIELDS: list[Field] = [
    ("letter", "string", "The letter's slug."),
    ("as_of", "date", "The date the tally is read at."),
    ("population", "integer", "How many people the letter could speak for (e.g. employees)."),
    ("population_source", "string", "Source of the population."),
    ("reported", "integer", "The latest reported count of signers on or before as_of."),
    ("qualifier", "string", "exact, approximate, at-least or up-to."),
    ("reported_as_of", "datetime", "When that count was reported to hold (UTC)."),
    ("reported_source", "string", "Source of the reported count."),
    ("named", "integer", "Signatories named on the list (not retracted)."),
    ("named_sources", "string", "Sources of the named signatures."),
    ("unnamed", "integer", "Reported minus named, never below zero."),
    ("reported_share_of_population", "number", "reported / population."),
    ("named_share_of_reported", "number", "named / reported."),
    ("named_share_of_population", "number", "named / population."),
]


def _named_count(uow: UnitOfWork, letter: Letter, until: dt.datetime) -> tuple[int, str]:
    live = and_(
        Signature.letter_id == letter.id,
        Signature.status != "retracted",
        or_(Signature.signed_at.is_(None), Signature.signed_at <= until),
    )
    named = uow.session.scalar(select(func.count()).select_from(Signature).where(live)) or 0
    keys = uow.session.scalars(
        select(Source.key)
        .join(Signature, Signature.source_id == Source.id)
        .where(live)
        .distinct()
        .order_by(Source.key)
    ).all()
    return named, ", ".join(keys)


def _tally_row(
    uow: UnitOfWork,
    letter: Letter,
    day: dt.date,
    count: Any,
    named: int,
    named_sources: str,
    population_source: str | None,
) -> dict[str, Any]:
    reported = count.value if count is not None else None
    population = (count.population if count is not None and count.population else None) or (
        letter.population
    )
    figures = TallyFigures(population=population, reported=reported, named=named)
    return {
        "letter": letter.slug,
        "as_of": day.isoformat(),
        "population": population,
        "population_source": population_source,
        "reported": reported,
        "qualifier": count.qualifier if count is not None else None,
        "reported_as_of": _stamp(count.as_of) if count is not None else None,
        "reported_source": count.source if count is not None else None,
        "named": named,
        "named_sources": named_sources,
        "unnamed": figures.unnamed,
        "reported_share_of_population": figures.reported_share_of_population,
        "named_share_of_reported": figures.named_share_of_reported,
        "named_share_of_population": figures.named_share_of_population,
    }


def _counts_query(letter: Letter) -> Any:
    return (
        select(
            ReportedCount.value,
            ReportedCount.qualifier,
            ReportedCount.population,
            ReportedCount.as_of,
            ReportedCount.note,
            Source.key.label("source"),
            Source.title.label("source_title"),
        )
        .join(Source, Source.id == ReportedCount.source_id)
        .where(ReportedCount.letter_id == letter.id)
        .order_by(ReportedCount.as_of, ReportedCount.id)
    )


def _population_source(uow: UnitOfWork, letter: Letter) -> str | None:
    if letter.population_source_id is None:
        return None
    return uow.session.scalar(select(Source.key).where(Source.id == letter.population_source_id))


def tally(
    *, uow: UnitOfWork, letter: Letter, as_of: dt.date | None = None, series: bool = False
) -> Report:
    day = check_as_of(letter, as_of)
    until = end_of_day(day)
    population_source = _population_source(uow, letter)
    counts = uow.session.execute(_counts_query(letter).where(ReportedCount.as_of <= until)).all()
    if series:
        rows = []
        for count in counts:
            count_day = count.as_of.date()
            named, sources = _named_count(uow, letter, end_of_day(count_day))
            rows.append(
                _tally_row(uow, letter, count_day, count, named, sources, population_source)
            )
    else:
        named, sources = _named_count(uow, letter, until)
        latest = counts[-1] if counts else None
        rows = [_tally_row(uow, letter, day, latest, named, sources, population_source)]
    return Report(
        "tally",
        "The tally: reported count beside the named list and the population",
        TALLY_FIELDS,
        _frame(rows, TALLY_FIELDS),
    )


COUNT_FIELDS: list[Field] = [
    ("letter", "string", "The letter's slug."),
    ("as_of", "datetime", "When the count was reported to hold (UTC)."),
    ("value", "integer", "The reported number of signers."),
    ("qualifier", "string", "exact, approximate, at-least or up-to."),
    ("population", "integer", "The population the count was reported against."),
    ("source", "string", "Source key."),
    ("source_title", "string", "Source title."),
    ("note", "string", "Note on the count."),
]


def counts(*, uow: UnitOfWork, letter: Letter, as_of: dt.date | None = None) -> Report:
    until = end_of_day(check_as_of(letter, as_of))
    rows = [
        {
            "letter": letter.slug,
            "as_of": _stamp(c.as_of),
            "value": c.value,
            "qualifier": c.qualifier,
            "population": c.population,
            "source": c.source,
            "source_title": c.source_title,
            "note": c.note,
        }
        for c in uow.session.execute(_counts_query(letter).where(ReportedCount.as_of <= until))
    ]
    return Report("counts", "Every reported count", COUNT_FIELDS, _frame(rows, COUNT_FIELDS))


SIGNATORY_FIELDS: list[Field] = [
    ("letter", "string", "The letter's slug."),
    ("position", "integer", "Position in the published list."),
    ("name", "string", "The person's display name."),
    ("aliases", "string", "Other spellings of the name, separated by ' | '."),
    ("as_written", "string", "The name as the source wrote it on this letter."),
    ("status", "string", "reported, confirmed, disputed or retracted."),
    ("signed_at", "datetime", "When the person signed, if known (UTC)."),
    ("source", "string", "Source of the signature."),
    ("person_id", "integer", "The person's id in the tracker."),
]


def signatories(
    *, uow: UnitOfWork, letter: Letter, as_of: dt.date | None = None, include_retracted: bool = True
) -> Report:
    import pandas as pd

    until = end_of_day(check_as_of(letter, as_of))
    aliases = (
        select(Alias.person_id, func.aggregate_strings(Alias.alias, " | ").label("aliases"))
        .group_by(Alias.person_id)
        .subquery()
    )
    query = (
        select(
            literal(letter.slug).label("letter"),
            Signature.position,
            Person.name,
            aliases.c.aliases,
            Signature.as_written,
            Signature.status,
            Signature.signed_at,
            Source.key.label("source"),
            Person.id.label("person_id"),
        )
        .join(Person, Person.id == Signature.person_id)
        .join(Source, Source.id == Signature.source_id)
        .outerjoin(aliases, aliases.c.person_id == Person.id)
        .where(
            Signature.letter_id == letter.id,
            or_(Signature.signed_at.is_(None), Signature.signed_at <= until),
        )
        .order_by(Signature.position.nulls_last(), Person.name, Person.id)
    )
    if not include_retracted:
        query = query.where(Signature.status != "retracted")
    frame = pd.read_sql(query, uow.session.connection())
    frame["signed_at"] = pd.to_datetime(frame["signed_at"]).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return Report(
        "signatories",
        "Signatories with their aliases, status and source",
        SIGNATORY_FIELDS,
        _frame(frame, SIGNATORY_FIELDS),
    )


ROLE_FIELDS: list[Field] = [
    ("letter", "string", "The letter's slug."),
    ("name", "string", "The signatory's display name."),
    ("title", "string", "The role's title."),
    ("organization", "string", "Where the role is held."),
    ("start", "date", "When the role began, if known."),
    ("end", "date", "When the role ended, if it did."),
    ("held_on_letter_date", "boolean", "Whether the role was held on the letter's date."),
    ("held_as_of", "boolean", "Whether the role was held on the report's as-of date."),
    ("flags", "string", "What a reader should notice, e.g. a target of one of the demands."),
    ("source", "string", "Source of the role."),
]


def roles(*, uow: UnitOfWork, letter: Letter, as_of: dt.date | None = None) -> Report:
    from tracker.db.models import Demand, DemandTarget

    day = check_as_of(letter, as_of)
    letter_day = letter.dated or day

    def held(on: dt.date) -> Any:
        return and_(
            or_(Role.starts_on.is_(None), Role.starts_on <= on),
            or_(Role.ends_on.is_(None), Role.ends_on > on),
        )

    targets = (
        select(DemandTarget.person_id, func.aggregate_strings(Demand.key, ", ").label("demands"))
        .join(Demand, Demand.id == DemandTarget.demand_id)
        .where(Demand.letter_id == letter.id)
        .group_by(DemandTarget.person_id)
        .subquery()
    )
    query = (
        select(
            Person.name,
            Role.title,
            Organization.name.label("organization"),
            Role.starts_on,
            Role.ends_on,
            case((held(letter_day), True), else_=False).label("held_on_letter"),
            case((held(day), True), else_=False).label("held_as_of"),
            targets.c.demands,
            Source.key.label("source"),
        )
        .select_from(Signature)
        .join(Person, Person.id == Signature.person_id)
        .join(Role, Role.person_id == Person.id)
        .join(Organization, Organization.id == Role.organization_id)
        .join(Source, Source.id == Role.source_id)
        .outerjoin(targets, targets.c.person_id == Person.id)
        .where(Signature.letter_id == letter.id, Signature.status != "retracted")
        .order_by(
            Signature.position.nulls_last(), Person.name, Role.starts_on.nulls_first(), Role.id
        )
    )
    rows = [
        {
            "letter": letter.slug,
            "name": r.name,
            "title": r.title,
            "organization": r.organization,
            "start": _day(r.starts_on),
            "end": _day(r.ends_on),
            "held_on_letter_date": bool(r.held_on_letter),
            "held_as_of": bool(r.held_as_of),
            "flags": f"target of demand: {r.demands}" if r.demands else None,
            "source": r.source,
        }
        for r in uow.session.execute(query)
    ]
    return Report(
        "roles",
        "Roles of the signatories, with what to notice",
        ROLE_FIELDS,
        _frame(rows, ROLE_FIELDS),
    )


DEMAND_FIELDS: list[Field] = [
    ("letter", "string", "The letter's slug."),
    ("as_of", "date", "The date the demands are judged at."),
    ("key", "string", "The demand's key."),
    ("kind", "string", "resign, appoint, reinstate or other."),
    ("summary", "string", "What the letter asks for."),
    ("status", "string", "pending, partially-met, met, rejected or withdrawn."),
    ("derived_status", "string", "The status the recorded facts alone give."),
    ("overridden_by_outcome", "boolean", "Whether a recorded outcome decides the status."),
    ("reason", "string", "Why: who left, who was appointed, what was recorded."),
    ("sources", "string", "Keys of the sources behind the status."),
    ("ultimatum", "string", "The ultimatum's state: active, averted or carried-out."),
]


def demands(*, uow: UnitOfWork, letter: Letter, as_of: dt.date | None = None) -> Report:
    from tracker.services.demands import demand_status

    day = check_as_of(letter, as_of)
    report = demand_status(uow=uow, slug=letter.slug, as_of=day)
    rows = [
        {
            "letter": letter.slug,
            "as_of": day.isoformat(),
            "key": d.key,
            "kind": d.kind,
            "summary": d.summary,
            "status": d.status,
            "derived_status": d.derived_status,
            "overridden_by_outcome": d.overridden_by_outcome,
            "reason": d.reason,
            "sources": ", ".join(s["key"] for s in d.sources),
            "ultimatum": report.ultimatum_state,
        }
        for d in report.demands
    ]
    return Report(
        "demands",
        "The demands and whether they were met",
        DEMAND_FIELDS,
        _frame(rows, DEMAND_FIELDS),
    )


BUILDERS = {
    "tally": tally,
    "roles": roles,
    "demands": demands,
    "signatories": signatories,
    "counts": counts,
}
