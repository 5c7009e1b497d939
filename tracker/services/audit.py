"""The append-only history: every change, with when, what, before, after and source."""

from __future__ import annotations

import json
from typing import Any

from tracker.db.models import HistoryEntry
from tracker.db.uow import UnitOfWork
from tracker.domain.dates import utcnow


def _encode(value: dict[str, Any] | None) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def record(
    *,
    uow: UnitOfWork,
    action: str,
    entity: str,
    entity_id: int | None,
    summary: str,
    source_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    letter_id: int | None = None,
    person_id: int | None = None,
) -> None:
    uow.session.add(
        HistoryEntry(
            at=utcnow(),
            action=action,
            entity=entity,
            entity_id=entity_id,
            letter_id=letter_id,
            person_id=person_id,
            summary=summary,
            before=_encode(before),
            after=_encode(after),
            source_id=source_id,
        )
    )
