"""Everything known about one person: names, roles, signatures (retracted ones too), history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tracker.db.models import Alias, Letter, Person, Signature, SignatureEvent, Source
from tracker.db.uow import UnitOfWork
from tracker.domain.dates import iso
from tracker.services.history import read_history
from tracker.services.roles import roles_of


def person_profile(*, uow: UnitOfWork, person: Person) -> dict[str, Any]:
    session = uow.session
    aliases = [
        {"alias": alias, "kind": kind, "source": source}
        for alias, kind, source in session.execute(
            select(Alias.alias, Alias.kind, Source.key)
            .join(Source, Source.id == Alias.source_id)
            .where(Alias.person_id == person.id)
            .order_by(Alias.id)
        )
    ]
    signatures = []
    for signature, slug, source in session.execute(
        select(Signature, Letter.slug, Source.key)
        .join(Letter, Letter.id == Signature.letter_id)
        .join(Source, Source.id == Signature.source_id)
        .where(Signature.person_id == person.id)
        .order_by(Letter.slug)
    ):
        events = [
            {
                "from": e.from_status,
                "to": e.to_status,
                "reason": e.reason,
                "at": iso(e.at),
                "source": key,
            }
            for e, key in session.execute(
                select(SignatureEvent, Source.key)
                .join(Source, Source.id == SignatureEvent.source_id)
                .where(SignatureEvent.signature_id == signature.id)
                .order_by(SignatureEvent.id)
            )
        ]
        signatures.append(
            {
                "letter": slug,
                "status": signature.status,
                "position": signature.position,
                "as_written": signature.as_written,
                "signed_at": iso(signature.signed_at),
                "source": source,
                "changes": events,
            }
        )
    source_key = session.scalar(select(Source.key).where(Source.id == person.source_id))
    return {
        "name": person.name,
        "person_id": person.id,
        "note": person.note,
        "source": source_key,
        "aliases": aliases,
        "roles": [
            {k: v for k, v in role.as_dict().items() if k != "person"}
            for role in roles_of(uow=uow, person_id=person.id)
        ],
        "signatures": signatures,
        "history": read_history(uow=uow, person_id=person.id, limit=None),
    }
