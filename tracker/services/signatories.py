"""Signatures on letters: added by name, listed, confirmed, disputed and retracted.

Nothing is deleted: a retraction is a status with its reason, source and time, and a row in the
history. Lists and counts leave retracted signatures out unless asked for them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from sqlalchemy import select

from tracker.db.models import Person, Signature, SignatureEvent, Source
from tracker.db.uow import UnitOfWork
from tracker.domain.dates import iso, utcnow
from tracker.domain.identifiers import identifiers, is_email_link, private_link
from tracker.domain.names import clean_display_name, clean_text, name_key
from tracker.errors import BadInput, InvalidTransition, NotFound
from tracker.services import audit
from tracker.services.letters import get_letter
from tracker.services.people import resolve_existing, resolve_for_new_fact
from tracker.services.sources import get_source

ADD_STATUSES = ("reported", "confirmed")
MAX_POSITION = 2**31 - 1
CHANGE_STATUSES = ("reported", "confirmed", "disputed")


WITHHELD = "(withheld)"


@dataclass(frozen=True)
class SignatoryRow:
    name: str
    person_id: int | None
    position: int | None
    status: str
    signed_at: dt.datetime | None
    source: str
    as_written: str | None
    entry: int | None = None
    title: str | None = None
    affiliation: str | None = None
    link: str | None = None
    handle: str | None = None
    location: str | None = None
    withheld: bool = False
    email: str | None = None  # private: filled in only when asked for

    def as_dict(self, *, private: bool = False) -> dict[str, object]:
        row: dict[str, object] = {
            "name": self.name,
            "person_id": self.person_id,
            "position": self.position,
            "status": self.status,
            "signed_at": iso(self.signed_at),
            "source": self.source,
            "as_written": self.as_written,
            "entry": self.entry,
            "title": self.title,
            "affiliation": self.affiliation,
            "link": self.link,
            "handle": self.handle,
            "location": self.location,
            "withheld": self.withheld,
        }
        if private:
            row["email"] = self.email
        return row

    def public(self) -> SignatoryRow:
        """The row as anyone may see it: a withheld signer's name and details left out."""
        if not self.withheld:
            link = None if self.link and is_email_link(self.link) else self.link
            return replace(self, email=None, link=link)
        return SignatoryRow(
            WITHHELD,
            None,
            self.position,
            self.status,
            self.signed_at,
            self.source,
            None,
            self.entry,
            withheld=True,
        )


IDENTIFIER_LIMIT = 500


@dataclass(frozen=True)
class Published:
    """What a list published about a signer besides the name, as written."""

    title: str | None = None
    affiliation: str | None = None
    link: str | None = None
    email: str | None = None
    handle: str | None = None
    location: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    withheld: bool = False

    def cleaned(self) -> Published:
        def one(value: str | None, what: str, limit: int = 300) -> str | None:
            return clean_text(value, what=what, limit=limit) if value and value.strip() else None

        link, email = private_link(
            one(self.link, "link", IDENTIFIER_LIMIT), one(self.email, "e-mail", IDENTIFIER_LIMIT)
        )
        return Published(
            title=one(self.title, "title"),
            affiliation=one(self.affiliation, "affiliation"),
            link=link,
            email=email,
            handle=one(self.handle, "handle", IDENTIFIER_LIMIT),
            location=one(self.location, "location"),
            extra=self.extra,
            withheld=self.withheld,
        )


@dataclass(frozen=True)
class AddResult:
    person: str
    person_id: int
    created_person: bool
    alias_added: bool
    signed: bool
    status: str
    via: str = ""


def add_signatory(
    *,
    uow: UnitOfWork,
    slug: str,
    name: str,
    source_key: str,
    position: int | None = None,
    status: str = "reported",
    signed_at: dt.datetime | None = None,
    same_as: str | None = None,
    new_person: bool = False,
    published: Published | None = None,
) -> AddResult:
    letter = get_letter(uow=uow, slug=slug)
    source = get_source(uow=uow, key=source_key)
    if status not in ADD_STATUSES:
        raise BadInput(f"a new signature is {' or '.join(ADD_STATUSES)}, not '{status}'")
    if position is not None and not 1 <= position <= MAX_POSITION:
        raise BadInput(f"the position must be from 1 to {MAX_POSITION}, not {position}")
    record = (published or Published()).cleaned()
    found_ids = identifiers(link=record.link, email=record.email, handle=record.handle)
    affiliations = frozenset({name_key(record.affiliation)} if record.affiliation else ())
    found = resolve_for_new_fact(
        uow=uow,
        name=name,
        source_id=source.id,
        same_as=same_as,
        new_person=new_person,
        identifiers=found_ids,
        affiliations=affiliations,
        letters=frozenset({letter.id}),
    )
    person = found.person
    existing = uow.session.scalar(
        select(Signature)
        .where(Signature.letter_id == letter.id, Signature.person_id == person.id)
        .limit(1)
    )
    if existing is not None:
        return AddResult(person.name, person.id, False, found.alias_added, False, existing.status)
    keys = {identifier.kind: identifier.key for identifier in reversed(found_ids)}
    signature = Signature(
        letter_id=letter.id,
        person_id=person.id,
        position=position,
        as_written=clean_display_name(name),
        status=status,
        signed_at=signed_at,
        source_id=source.id,
        created_at=utcnow(),
        title=record.title,
        affiliation=record.affiliation,
        link=record.link,
        email=record.email,
        handle=record.handle,
        location=record.location,
        extra=json.dumps(record.extra, ensure_ascii=False, sort_keys=True)
        if record.extra
        else None,
        link_key=keys.get("link"),
        email_key=keys.get("email"),
        handle_key=keys.get("handle"),
        withheld=record.withheld,
    )
    uow.session.add(signature)
    uow.flush()
    audit.record(
        uow=uow,
        action="sign",
        entity="signature",
        entity_id=signature.id,
        letter_id=letter.id,
        person_id=person.id,
        summary=f"{person.name} signed {slug}",
        source_id=source.id,
        after={
            "letter": slug,
            "name": person.name,
            "as_written": signature.as_written,
            "position": position,
            "status": status,
            "via": found.via or None,
        },
    )
    return AddResult(
        person.name, person.id, found.created, found.alias_added, True, status, found.via
    )


def list_signatories(
    *,
    uow: UnitOfWork,
    slug: str,
    status: str | None = None,
    include_all: bool = False,
    private: bool = False,
) -> list[SignatoryRow]:
    return list(
        iter_signatories(
            uow=uow, slug=slug, status=status, include_all=include_all, private=private
        )
    )


def iter_signatories(
    *,
    uow: UnitOfWork,
    slug: str,
    status: str | None = None,
    include_all: bool = False,
    private: bool = False,
) -> Iterator[SignatoryRow]:
    """The signatories in published order, read in batches (a petition can hold millions).
    E-mail addresses and withheld names only with `private`."""
    letter = get_letter(uow=uow, slug=slug)
    query = (
        select(
            Person.name,
            Person.id,
            Signature.position,
            Signature.status,
            Signature.signed_at,
            Source.key,
            Signature.as_written,
            Signature.entry,
            Signature.title,
            Signature.affiliation,
            Signature.link,
            Signature.handle,
            Signature.location,
            Signature.withheld,
            Signature.email,
        )
        .join(Person, Person.id == Signature.person_id)
        .join(Source, Source.id == Signature.source_id)
        .where(Signature.letter_id == letter.id)
        .order_by(Signature.position.nulls_last(), Person.name, Person.id, Signature.id)
    )
    if status is not None:
        query = query.where(Signature.status == status)
    elif not include_all:
        query = query.where(Signature.status != "retracted")
    for row in uow.session.execute(query.execution_options(yield_per=10_000)):
        found = SignatoryRow(*row)
        yield found if private else found.public()


def _signatures_of(uow: UnitOfWork, slug: str, name: str) -> tuple[list[Signature], Person]:
    """Every entry of this person on this letter (a list may name a person twice)."""
    letter = get_letter(uow=uow, slug=slug)
    person = resolve_existing(uow=uow, name=name)
    signatures = list(
        uow.session.scalars(
            select(Signature)
            .where(Signature.letter_id == letter.id, Signature.person_id == person.id)
            .order_by(Signature.id)
        )
    )
    if not signatures:
        raise NotFound(f"{person.name} has not signed {slug}; nothing to change")
    return signatures, person


def change_status(
    *,
    uow: UnitOfWork,
    slug: str,
    name: str,
    to: str,
    source_key: str,
    reason: str | None = None,
) -> tuple[str, str]:
    """Move a person's signature (every entry of theirs on the letter) to a new status;
    returns (before, after)."""
    source = get_source(uow=uow, key=source_key)
    if to not in (*CHANGE_STATUSES, "retracted"):
        raise BadInput(f"unknown status '{to}'; use one of {', '.join(CHANGE_STATUSES)}")
    if to == "retracted" and not (reason and reason.strip()):
        raise BadInput("a retraction needs a reason: pass --reason TEXT")
    signatures, person = _signatures_of(uow, slug, name)
    changing = [signature for signature in signatures if signature.status != to]
    if not changing:
        raise InvalidTransition(f"{person.name}'s signature on {slug} is already {to}")
    before = changing[0].status
    now = utcnow()
    for signature in changing:
        uow.session.add(
            SignatureEvent(
                signature_id=signature.id,
                from_status=signature.status,
                to_status=to,
                reason=reason,
                at=now,
                source_id=source.id,
            )
        )
        signature.status = to
    uow.flush()
    audit.record(
        uow=uow,
        action="retract" if to == "retracted" else "status",
        entity="signature",
        entity_id=changing[0].id,
        letter_id=changing[0].letter_id,
        person_id=person.id,
        summary=f"{person.name} on {slug}: {before} -> {to}" + (f" ({reason})" if reason else ""),
        source_id=source.id,
        before={"status": before},
        after={"status": to, "reason": reason, "entries": [s.id for s in changing]},
    )
    return before, to


def set_withheld(*, uow: UnitOfWork, slug: str, name: str, withheld: bool, source_key: str) -> int:
    """Mark a person's entries on a letter withheld (their signer asked not to be named: they
    count, and no public output names them) or named again. Returns how many entries changed.
    The history says which entries, not the name."""
    source = get_source(uow=uow, key=source_key)
    signatures, person = _signatures_of(uow, slug, name)
    changing = [signature for signature in signatures if signature.withheld != withheld]
    if not changing:
        state = "withheld" if withheld else "named"
        raise InvalidTransition(f"{person.name}'s signature on {slug} is {state} already")
    for signature in changing:
        signature.withheld = withheld
    uow.flush()
    what = "withheld at the signer's request" if withheld else "named again"
    audit.record(
        uow=uow,
        action="withhold" if withheld else "unwithhold",
        entity="signature",
        entity_id=changing[0].id,
        letter_id=changing[0].letter_id,
        person_id=person.id,
        summary=f"{len(changing)} entr{'y' if len(changing) == 1 else 'ies'} on {slug} {what}",
        source_id=source.id,
        before={"withheld": not withheld},
        after={"withheld": withheld, "entries": [s.id for s in changing]},
    )
    return len(changing)
