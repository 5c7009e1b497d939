"""The small reports, as pandas DataFrames: the tally (now and over time), the reported counts,
and the demands. The numbers are aggregated in SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from sqlalchemy import case, func, or_, select, text

from tracker.db.models import Letter, ReportedCount, Signature, Source
from tracker.db.uow import UnitOfWork
from tracker.domain.dates import end_of_day
from tracker.domain.tally import TallyFigures
from tracker.reports.model import Field, Report, check_as_of, stamp, to_frame

TALLY_FIELDS: list[Field] = [
    ("letter", "string", "The letter's slug."),
    ("as_of", "date", "The date the tally is read at."),
    ("population", "integer", "How many people the letter could speak for (e.g. employees)."),
    ("population_source", "string", "Source of the population."),
    ("reported", "integer", "The latest reported count of signers on or before as_of."),
    ("qualifier", "string", "exact, approximate, at-least or up-to."),
    ("reported_as_of", "datetime", "When that count was reported to hold (UTC)."),
    ("reported_source", "string", "Source of the reported count."),
    ("named", "integer", "Entries named on the list, as published (not retracted)."),
    ("named_sources", "string", "Sources of the named signatures."),
    (
        "people",
        "integer",
        "Distinct people behind the named entries, after resolution (on the tally's own date; "
        "left empty in the series).",
    ),
    (
        "same_name_pairs",
        "integer",
        "Pairs of different people on the list with one name that nobody has judged yet: "
        "probable duplicates or namesakes, to review with `tracker person duplicates --letter`.",
    ),
    ("unnamed", "integer", "Reported minus named, never below zero."),
    ("reported_share_of_population", "number", "reported / population."),
    ("named_share_of_reported", "number", "named / reported."),
    ("named_share_of_population", "number", "named / population."),
]


class NamedTimeline:
    """How many named (not retracted) signatures there were at the end of given days, and from
    which sources.

    Two passes over the letter's signatures, however many days are asked for, and no GROUP BY
    (SQLite would sort every signature for it): the count at each day is a conditional count in
    one pass, and the sources come from the distinct (signing day, source) pairs, which are few.
    """

    def __init__(
        self, uow: UnitOfWork, letter: Letter, days: Collection[dt.date], *, people_on: dt.date
    ) -> None:
        named = (Signature.letter_id == letter.id, Signature.status != "retracted")
        self._days = sorted(set(days))
        signed = [
            or_(Signature.signed_at.is_(None), Signature.signed_at <= end_of_day(day))
            for day in self._days
        ]
        by_day = [func.count(case((on, 1))) for on in signed]
        # Distinct people only on `people_on` (the tally's own date): each count(DISTINCT)
        # sorts every signature.
        until = or_(Signature.signed_at.is_(None), Signature.signed_at <= end_of_day(people_on))
        people = func.count(func.distinct(case((until, Signature.person_id))))
        found = uow.session.execute(select(*by_day, people).where(*named)).one()
        self._counts = [int(n) for n in found[: len(signed)]]
        self._people = int(found[-1])
        self._people_on = people_on
        # SQLite keeps times as ISO text, whose first ten characters are the day (cheaper than
        # parsing them with date()).
        signing_day = (
            func.substr(Signature.signed_at, 1, 10)
            if uow.dialect == "sqlite"
            else func.date(Signature.signed_at)
        )
        pairs = uow.session.execute(
            select(signing_day, Signature.source_id, func.count())
            .where(*named)
            .group_by(signing_day, Signature.source_id)
        ).all()
        sources = select(Source.id, Source.key).where(Source.id.in_({p[1] for p in pairs}))
        keys: dict[int, str] = {row.id: row.key for row in uow.session.execute(sources)}
        self._sources = [(None if d is None else str(d)[:10], keys[i]) for d, i, _ in pairs]
        per_day: dict[str, int] = {}
        for signed_on, _, count in pairs:
            if signed_on is not None:
                per_day[str(signed_on)[:10]] = per_day.get(str(signed_on)[:10], 0) + int(count)
        self.signing = sorted(per_day.items())  # (day, entries signed that day)

    def as_of(self, day: dt.date) -> tuple[int, int | None, str]:
        """The entries, the people (on `people_on` only) and the sources at the end of `day`,
        one of the days asked for."""
        limit = day.isoformat()
        keys = {key for signed, key in self._sources if signed is None or signed <= limit}
        index = self._days.index(day)
        people = self._people if day == self._people_on else None
        return self._counts[index], people, ", ".join(sorted(keys))


# Start from the name keys that repeat at all (a scan of `ix_people_name_key`, no sort), then
# keep the pairs of different people who both signed the letter and whom nobody judged apart.
_SAME_NAME_PAIRS = text(
    "WITH repeated AS (SELECT name_key FROM people GROUP BY name_key HAVING count(*) > 1) "
    "SELECT count(*) FROM repeated r "
    "JOIN people pa ON pa.name_key = r.name_key AND pa.merged_into_id IS NULL "
    "JOIN people pb ON pb.name_key = r.name_key AND pb.id > pa.id AND pb.merged_into_id IS NULL "
    "WHERE EXISTS (SELECT 1 FROM signatures s WHERE s.person_id = pa.id "
    "AND s.letter_id = :letter AND s.status <> 'retracted') "
    "AND EXISTS (SELECT 1 FROM signatures t WHERE t.person_id = pb.id "
    "AND t.letter_id = :letter AND t.status <> 'retracted') "
    "AND NOT EXISTS (SELECT 1 FROM identity_decisions d WHERE d.kind = 'not-same' "
    "AND d.undone_at IS NULL AND ((d.person_id = pa.id AND d.other_id = pb.id) "
    "OR (d.person_id = pb.id AND d.other_id = pa.id)))"
)


def same_name_pairs(uow: UnitOfWork, letter: Letter) -> int:
    """Pairs of different people who signed the letter under one name key, not judged apart."""
    return int(uow.session.execute(_SAME_NAME_PAIRS, {"letter": letter.id}).scalar_one())


def _tally_row(
    uow: UnitOfWork,
    letter: Letter,
    day: dt.date,
    count: Any,
    named: int,
    people: int | None,
    named_sources: str,
    population_source: str | None,
    pairs: int | None,
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
        "reported_as_of": stamp(count.as_of) if count is not None else None,
        "reported_source": count.source if count is not None else None,
        "named": named,
        "named_sources": named_sources,
        "people": people,
        "same_name_pairs": pairs,
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


SIGNING_FIELDS: list[Field] = [
    ("letter", "string", "The letter's slug."),
    ("day", "date", "A day on which named signatures were made (by their signing time, UTC)."),
    ("signed", "integer", "Named entries signed that day (not retracted)."),
    ("named_so_far", "integer", "Named entries signed up to the end of that day."),
]
SIGNING_TITLE = "The signing over time: named entries by the day they were signed"


def _signing(letter: Letter, timeline: NamedTimeline, day: dt.date) -> Report:
    rows, total = [], 0
    for signed_on, count in timeline.signing:
        if signed_on > day.isoformat():
            break
        total += count
        rows.append(
            {"letter": letter.slug, "day": signed_on, "signed": count, "named_so_far": total}
        )
    return Report("signing", SIGNING_TITLE, SIGNING_FIELDS, to_frame(rows, SIGNING_FIELDS))


TALLY_TITLE = "The tally: reported count beside the named list and the population"
SERIES_TITLE = "The tally at each reported count"


def tally_and_series(
    *, uow: UnitOfWork, letter: Letter, as_of: dt.date | None = None
) -> tuple[Report, Report, Report]:
    """The tally as of a date, one tally row per reported count up to that date, and the
    signing day by day, from two scans of the signatures and one read of the counts."""
    day = check_as_of(letter, as_of)
    population_source = _population_source(uow, letter)
    counts = uow.session.execute(
        _counts_query(letter).where(ReportedCount.as_of <= end_of_day(day))
    ).all()
    days = [day, *(count.as_of.date() for count in counts)]
    timeline = NamedTimeline(uow, letter, days, people_on=day)
    pairs = same_name_pairs(uow, letter)

    def row(on: dt.date, count: Any, pairs: int | None = None) -> dict[str, Any]:
        named, people, sources = timeline.as_of(on)
        return _tally_row(uow, letter, on, count, named, people, sources, population_source, pairs)

    now = [row(day, counts[-1] if counts else None, pairs)]
    series = [row(count.as_of.date(), count) for count in counts]
    return (
        Report("tally", TALLY_TITLE, TALLY_FIELDS, to_frame(now, TALLY_FIELDS)),
        Report("tally-series", SERIES_TITLE, TALLY_FIELDS, to_frame(series, TALLY_FIELDS)),
        _signing(letter, timeline, day),
    )


def tally(
    *, uow: UnitOfWork, letter: Letter, as_of: dt.date | None = None, series: bool = False
) -> Report:
    """The tally report; with `series`, one row per reported count (named "tally")."""
    now, over_time, _ = tally_and_series(uow=uow, letter=letter, as_of=as_of)
    if not series:
        return now
    return Report("tally", TALLY_TITLE, TALLY_FIELDS, over_time.frame)


def signing(*, uow: UnitOfWork, letter: Letter, as_of: dt.date | None = None) -> Report:
    """The signing report: named entries by the day they were signed."""
    return tally_and_series(uow=uow, letter=letter, as_of=as_of)[2]


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
            "as_of": stamp(c.as_of),
            "value": c.value,
            "qualifier": c.qualifier,
            "population": c.population,
            "source": c.source,
            "source_title": c.source_title,
            "note": c.note,
        }
        for c in uow.session.execute(_counts_query(letter).where(ReportedCount.as_of <= until))
    ]
    return Report("counts", "Every reported count", COUNT_FIELDS, to_frame(rows, COUNT_FIELDS))


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
    from tracker.services.demand_status import demand_status

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
        to_frame(rows, DEMAND_FIELDS),
    )
