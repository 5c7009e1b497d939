"""Reported counts: how many signed, according to whom, as of when."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from tracker.db.models import COUNT_QUALIFIERS, ReportedCount, Source
from tracker.db.uow import UnitOfWork
from tracker.domain.dates import iso, utcnow
from tracker.errors import BadInput
from tracker.services import audit
from tracker.services.letters import get_letter
from tracker.services.sources import get_source


@dataclass(frozen=True)
class CountInfo:
    value: int
    qualifier: str
    population: int | None
    as_of: dt.datetime
    source: str
    note: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "value": self.value,
            "qualifier": self.qualifier,
            "population": self.population,
            "as_of": iso(self.as_of),
            "source": self.source,
            "note": self.note,
        }


def add_count(
    *,
    uow: UnitOfWork,
    slug: str,
    value: int,
    as_of: dt.datetime,
    source_key: str,
    population: int | None = None,
    qualifier: str = "exact",
    note: str | None = None,
) -> tuple[CountInfo, bool]:
    """Record a reported count; returns it and whether it was new."""
    letter = get_letter(uow=uow, slug=slug)
    source = get_source(uow=uow, key=source_key)
    if qualifier not in COUNT_QUALIFIERS:
        raise BadInput(f"unknown qualifier '{qualifier}'; use one of {', '.join(COUNT_QUALIFIERS)}")
    if value < 0:
        raise BadInput(f"a count cannot be negative ({value})")
    if population is not None and population < 0:
        raise BadInput(f"a population cannot be negative ({population})")
    population = population if population is not None else letter.population
    if population is not None and value > population:
        raise BadInput(f"the count {value} is larger than the population {population}")
    if letter.dated is not None and as_of.date() < letter.dated:
        raise BadInput(
            f"the count's date {iso(as_of)} is before the letter's date {iso(letter.dated)}"
        )
    existing = uow.session.scalar(
        select(ReportedCount).where(
            ReportedCount.letter_id == letter.id,
            ReportedCount.as_of == as_of,
            ReportedCount.source_id == source.id,
            ReportedCount.value == value,
            ReportedCount.qualifier == qualifier,
        )
    )
    if existing is not None:
        return CountInfo(value, qualifier, existing.population, as_of, source.key, note), False
    count = ReportedCount(
        letter_id=letter.id,
        value=value,
        qualifier=qualifier,
        population=population,
        as_of=as_of,
        note=note,
        source_id=source.id,
        created_at=utcnow(),
    )
    uow.session.add(count)
    uow.flush()
    info = CountInfo(value, qualifier, population, as_of, source.key, note)
    audit.record(
        uow=uow,
        action="add",
        entity="count",
        entity_id=count.id,
        letter_id=letter.id,
        summary=f"{qualifier} {value} of {population} reported for {slug}",
        source_id=source.id,
        after=info.as_dict(),
    )
    return info, True


def list_counts(*, uow: UnitOfWork, slug: str, until: dt.datetime | None = None) -> list[CountInfo]:
    letter = get_letter(uow=uow, slug=slug)
    query = (
        select(ReportedCount, Source.key)
        .join(Source, Source.id == ReportedCount.source_id)
        .where(ReportedCount.letter_id == letter.id)
        .order_by(ReportedCount.as_of, ReportedCount.id)
    )
    if until is not None:
        query = query.where(ReportedCount.as_of <= until)
    return [
        CountInfo(c.value, c.qualifier, c.population, c.as_of, key, c.note)
        for c, key in uow.session.execute(query)
    ]
