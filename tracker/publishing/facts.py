"""What a published letter shows, read from the database into plain values for the templates.

Only public facts are read here: a withheld signer's name, title and affiliation never leave the
database (the signature still counts), and e-mails are never read at all."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, union

from tracker.db.models import (
    Demand,
    DemandOutcome,
    HistoryEntry,
    Letter,
    ReportedCount,
    Signature,
    SignatureEvent,
    Source,
)
from tracker.db.uow import UnitOfWork
from tracker.reports.model import Report

# History entries that are public as written: facts about the letter, not about one signer.
PUBLIC_ENTITIES = ("letter", "demand", "demand target", "demand candidate", "count")


@dataclass(frozen=True)
class LetterFacts:
    slug: str
    title: str
    addressed_to: str
    dated: dt.date | None
    first_published_by: str | None
    source: dict[str, Any] | None
    population_label: str | None
    ultimatum: str | None
    ultimatum_state: str
    ultimatum_reason: str
    tally: dict[str, Any]
    counts: list[dict[str, Any]]
    demands: list[dict[str, Any]]
    sources: list[dict[str, Any]]
    changes: list[dict[str, Any]]
    as_of: dt.date
    signatures: int
    chart_text: str = ""
    downloads: list[dict[str, str]] = field(default_factory=list)


def _records(report: Report) -> list[dict[str, Any]]:
    from tracker.reports.output import records

    return [dict(row) for row in records(report)]


def letter_facts(
    *, uow: UnitOfWork, letter: Letter, tally: Report, counts: Report, as_of: dt.date
) -> LetterFacts:
    from tracker.services.demand_status import demand_status

    status = demand_status(uow=uow, slug=letter.slug, as_of=as_of)
    sources = _sources(uow, letter)
    by_key = {source["key"]: source for source in sources}
    now = _records(tally)[0]
    count_rows = _records(counts)
    return LetterFacts(
        slug=letter.slug,
        title=letter.title,
        addressed_to=letter.addressed_to,
        dated=letter.dated,
        first_published_by=letter.first_published_by,
        source=next((s for s in sources if s["id"] == letter.source_id), None),
        population_label=letter.population_label,
        ultimatum=letter.ultimatum,
        ultimatum_state=status.ultimatum_state,
        ultimatum_reason=status.ultimatum_reason,
        tally=now,
        counts=[{**row, "source": by_key.get(row["source"])} for row in count_rows],
        demands=[
            {**d.as_dict(), "sources": [by_key.get(s["key"], _reference(s)) for s in d.sources]}
            for d in status.demands
        ],
        sources=sources,
        changes=list(_changes(uow, letter)),
        as_of=as_of,
        signatures=_signature_count(uow, letter),
        chart_text=_chart_text(now, count_rows),
    )


def _reference(source: dict[str, Any]) -> dict[str, Any]:
    return {"key": source["key"], "title": source.get("title"), "url": None}


def _signature_count(uow: UnitOfWork, letter: Letter) -> int:
    return int(
        uow.session.scalar(
            select(func.count()).select_from(Signature).where(Signature.letter_id == letter.id)
        )
        or 0
    )


def _sources(uow: UnitOfWork, letter: Letter) -> list[dict[str, Any]]:
    """Every source a public fact of the letter rests on."""
    ids = union(
        select(Letter.source_id).where(Letter.id == letter.id),
        select(Letter.population_source_id).where(Letter.id == letter.id),
        select(Letter.ultimatum_source_id).where(Letter.id == letter.id),
        select(Letter.ultimatum_carried_out_source_id).where(Letter.id == letter.id),
        select(Demand.source_id).where(Demand.letter_id == letter.id),
        select(DemandOutcome.source_id)
        .join(Demand, Demand.id == DemandOutcome.demand_id)
        .where(Demand.letter_id == letter.id),
        select(ReportedCount.source_id).where(ReportedCount.letter_id == letter.id),
        select(Signature.source_id).where(Signature.letter_id == letter.id).distinct(),
    ).subquery()
    rows = uow.session.scalars(
        select(Source).where(Source.id.in_(select(ids.c[0]))).order_by(Source.key)
    )
    return [
        {
            "id": s.id,
            "key": s.key,
            "title": s.title,
            "publisher": s.publisher,
            "url": s.url if s.url and s.url.lower().startswith(("https://", "http://")) else None,
            "date": s.published_on,
            "language": s.language,
            "note": s.note,
        }
        for s in rows
    ]


def _changes(uow: UnitOfWork, letter: Letter) -> Iterator[dict[str, Any]]:
    """The public change log, newest first: facts about the letter as the history wrote them,
    signatures by the day they were recorded (never one signer's entry: the history names
    people, withheld ones too), and retractions of signers who are named."""
    session = uow.session
    facts = session.execute(
        select(HistoryEntry.at, HistoryEntry.action, HistoryEntry.summary, Source.key)
        .outerjoin(Source, Source.id == HistoryEntry.source_id)
        .where(HistoryEntry.letter_id == letter.id, HistoryEntry.entity.in_(PUBLIC_ENTITIES))
        .order_by(HistoryEntry.id)
    ).all()
    events = session.execute(
        select(
            SignatureEvent.at,
            SignatureEvent.to_status,
            SignatureEvent.reason,
            Signature.as_written,
            Source.key,
        )
        .join(Signature, Signature.id == SignatureEvent.signature_id)
        .join(Source, Source.id == SignatureEvent.source_id)
        .where(Signature.letter_id == letter.id, Signature.withheld.is_(False))
        .order_by(SignatureEvent.id)
    ).all()
    day = func.date(Signature.created_at)  # a date on PostgreSQL, its ISO text on SQLite
    recorded = {
        dt.date.fromisoformat(str(on)): int(number)
        for on, number in session.execute(
            select(day, func.count()).where(Signature.letter_id == letter.id).group_by(day)
        )
        if on is not None
    }
    entries: list[dict[str, Any]] = [
        {"at": at, "what": action, "summary": summary, "source": key}
        for at, action, summary, key in facts
    ]
    entries += [
        {
            "at": at,
            "what": to_status,
            "summary": f"{name}: signature {to_status}" + (f" ({reason})" if reason else ""),
            "source": key,
        }
        for at, to_status, reason, name, key in events
    ]
    entries += [
        {
            "at": dt.datetime.combine(on, dt.time(23, 59, 59)),
            "what": "signatures",
            "summary": f"{number:,} signature{'s' if number != 1 else ''} recorded",
            "source": None,
        }
        for on, number in recorded.items()
    ]
    yield from sorted(entries, key=lambda entry: entry["at"], reverse=True)


def _chart_text(now: dict[str, Any], counts: list[dict[str, Any]]) -> str:
    """The chart in words, for a reader who cannot see it."""
    from tracker.publishing.words import day_text, number_text

    parts = []
    if counts:
        first, last = counts[0], counts[-1]
        parts.append(
            f"{len(counts)} reported count{'s' if len(counts) != 1 else ''}, from "
            f"{number_text(first['value'])} on {day_text(first['as_of'])} to "
            f"{number_text(last['value'])} on {day_text(last['as_of'])}"
        )
    else:
        parts.append("no reported counts yet")
    parts.append(f"{number_text(now.get('named'))} named on the list")
    if now.get("population") is not None:
        parts.append(f"a population of {number_text(now['population'])}")
    return "Chart of the signers over time: " + "; ".join(parts) + "."
