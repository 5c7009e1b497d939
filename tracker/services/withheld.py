"""Who asked not to be named, as of now: the signatures withheld, by id and by (letter, signer),
and the people known only as withheld signers (no signature of theirs is named). Every output
that names people asks here first (principle 6), unless the user asked for private data.

Read through the index `ix_signatures_withheld` (withheld, person_id): a handful of rows,
whatever the size of the list."""

from __future__ import annotations

from sqlalchemy import select

from tracker.db.models import Signature
from tracker.db.uow import UnitOfWork

WITHHELD_NAME = "(withheld)"


class Withheld:
    def __init__(self, uow: UnitOfWork) -> None:
        rows = uow.session.execute(
            select(Signature.id, Signature.letter_id, Signature.person_id).where(Signature.withheld)
        ).all()
        self.ids = {row.id for row in rows}
        self.signers = {(row.letter_id, row.person_id) for row in rows}
        signers = {row.person_id for row in rows}
        named: set[int] = set()
        if signers:
            named.update(
                uow.session.scalars(
                    select(Signature.person_id).where(
                        Signature.person_id.in_(signers), Signature.withheld.is_(False)
                    )
                )
            )
        self.people = signers - named
