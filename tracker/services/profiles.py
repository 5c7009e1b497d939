"""Everything known about one person: names, roles, signatures (retracted ones too), history.

What a signer asked to keep private stays out unless asked for (`private`): their withheld
entries (counted, not shown), and, for a person known only as a withheld signer, everything
that would name or place them (name, aliases, roles)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tracker.db.models import Alias, Letter, Person, Signature, SignatureEvent, Source
from tracker.db.uow import UnitOfWork
from tracker.domain.dates import iso
from tracker.services.history import read_history
from tracker.services.roles import roles_of
from tracker.services.withheld import WITHHELD_NAME, Withheld


def person_profile(*, uow: UnitOfWork, person: Person, private: bool = False) -> dict[str, Any]:
    session = uow.session
    withheld = Withheld(uow)
    hidden = not private and person.id in withheld.people
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
    left_out = 0
    for signature, slug, source in session.execute(
        select(Signature, Letter.slug, Source.key)
        .join(Letter, Letter.id == Signature.letter_id)
        .join(Source, Source.id == Signature.source_id)
        .where(Signature.person_id == person.id)
        .order_by(Letter.slug)
    ):
        if signature.withheld and not private:
            left_out += 1
            continue
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
                "withheld": signature.withheld,
                "source": source,
                "changes": events,
            }
        )
    source_key = session.scalar(select(Source.key).where(Source.id == person.source_id))
    roles = [
        {k: v for k, v in role.as_dict().items() if k != "person"}
        for role in roles_of(uow=uow, person_id=person.id)
    ]
    return {
        "name": WITHHELD_NAME if hidden else person.name,
        "person_id": person.id,
        "note": None if hidden else person.note,
        "source": source_key,
        "aliases": [] if hidden else aliases,
        "roles": [] if hidden else roles,
        "signatures": signatures,
        "withheld_signatures": left_out,
        "history": read_history(uow=uow, person_id=person.id, limit=None, private=private),
    }
