"""Reading the audit trail back, newest first.

The trail is never rewritten, and it was written when each thing happened: "Ana Lima signed
letter-x", before Ana asked not to be named on it. So it is read with today's wishes: an entry
about a signature that is withheld now (the signature itself, or its signer on that letter), or
about a person known only as a withheld signer, is shown without its text, unless the user asks
for private data."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from tracker.db.models import HistoryEntry, Source
from tracker.db.uow import UnitOfWork
from tracker.domain.dates import iso
from tracker.services.withheld import Withheld


def read_history(
    *,
    uow: UnitOfWork,
    person_id: int | None = None,
    letter_id: int | None = None,
    limit: int | None = 50,
    private: bool = False,
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
    hidden = _Withheld(uow) if not private else None
    found = []
    for entry, source in uow.session.execute(query):
        row = {
            "at": iso(entry.at),
            "action": entry.action,
            "entity": entry.entity,
            "summary": entry.summary,
            "before": json.loads(entry.before) if entry.before else None,
            "after": json.loads(entry.after) if entry.after else None,
            "source": source,
        }
        if hidden is not None and hidden.covers(entry):
            row.update(summary=WITHHELD_SUMMARY, before=None, after=None)
        found.append(row)
    return found


WITHHELD_SUMMARY = "(withheld: about a signature whose signer asked not to be named)"
_NAMES_NO_ONE = ("withhold", "unwithhold", "import")  # their text names nobody


class _Withheld(Withheld):
    """What the history leaves out: entries about a withheld signature or signer."""

    def __init__(self, uow: UnitOfWork) -> None:
        super().__init__(uow)
        # A decision's entry names both people as "NAME (#ID)".
        self._marks = tuple(f"(#{person_id})" for person_id in self.people)

    def covers(self, entry: HistoryEntry) -> bool:
        if entry.action in _NAMES_NO_ONE:
            return False
        if entry.entity == "signature" and entry.entity_id in self.ids:
            return True
        if entry.person_id in self.people:
            return True
        if entry.letter_id is not None and (entry.letter_id, entry.person_id) in self.signers:
            return True
        return any(mark in entry.summary for mark in self._marks)
