"""Who asked not to be named, as of now (`Withheld`). Every output that names people asks here
first (principle 6), unless the user asked for private data.

Read through the index `ix_signatures_withheld` (partial on SQLite): a handful of rows, whatever
the size of the list."""

from __future__ import annotations

from sqlalchemy import select

from tracker.db.models import Person, Signature
from tracker.db.uow import UnitOfWork

WITHHELD_NAME = "(withheld)"


class Withheld:
    """`ids`: the withheld signatures; `signers`: (letter, person) of each; `people`: the people
    whose name no output may show: those known only as withheld signers, and those merged into
    another person whose name only a withheld entry of that person published (a person is first
    known by the name an entry was written with; a merge moves the entry, not the name)."""

    def __init__(self, uow: UnitOfWork) -> None:
        session = uow.session
        rows = session.execute(
            select(
                Signature.id, Signature.letter_id, Signature.person_id, Signature.as_written
            ).where(Signature.withheld)
        ).all()
        self.ids = {row.id for row in rows}
        self.signers = {(row.letter_id, row.person_id) for row in rows}
        signers = {row.person_id for row in rows}
        named: dict[int, set[str]] = {}
        self.people: set[int] = set()
        if signers:
            for person_id, written in session.execute(
                select(Signature.person_id, Signature.as_written).where(
                    Signature.person_id.in_(signers), Signature.withheld.is_(False)
                )
            ):
                named.setdefault(person_id, set()).add(written)
            self.people = signers - named.keys()
            withheld_names = {(row.person_id, row.as_written) for row in rows}
            self.people.update(
                merged
                for merged, name, kept in session.execute(
                    select(Person.id, Person.name, Person.merged_into_id).where(
                        Person.merged_into_id.in_(signers)
                    )
                )
                if kept is not None
                and (kept, name) in withheld_names
                and name not in named.get(kept, ())
            )
