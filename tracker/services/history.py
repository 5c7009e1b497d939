"""Reading the audit trail back, newest first."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from tracker.db.models import HistoryEntry, Source
from tracker.db.uow import UnitOfWork
from tracker.domain.dates import iso


def read_history(
    *,
    uow: UnitOfWork,
    person_id: int | None = None,
    letter_id: int | None = None,
    limit: int | None = 50,
) -> list[dict[str, Any]]:
    query = (
        select(HistoryEntry, Source.key)
        .outerjoin(Source, Source.id == HistoryEntry.source_id)
        .order_by(HistoryEntry.id.desc())
    )
    if person_id is not None:
        query = query.where(HistoryEntry.person_id == person_id)
    if letter_id is not None:
        query = query.where(HistoryEntry.letter_id == letter_id)
    if limit is not None:
        query = query.limit(limit)
    return [
        {
            "at": iso(entry.at),
            "action": entry.action,
            "entity": entry.entity,
            "summary": entry.summary,
            "before": json.loads(entry.before) if entry.before else None,
            "after": json.loads(entry.after) if entry.after else None,
            "source": source,
        }
        for entry, source in uow.session.execute(query)
    ]
