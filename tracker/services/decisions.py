"""A person's decisions on who is who: merge two people, judge two people not the same, move a
signature to another person; and undo any of them.

Each decision is a row of `identity_decisions` and an entry in the history. None changes what a
list published (the signatures' names, links and the rest stay as written): a merge moves the
merged person's signatures, roles, aliases and demand links to the person kept, and marks the
merged person `merged_into` that one, so every name of theirs still finds the person kept. The
decision records exactly what it moved, and undoing it moves exactly that back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, update

from tracker.db.models import (
    Alias,
    DemandCandidate,
    DemandTarget,
    IdentityDecision,
    Person,
    Role,
    Signature,
)
from tracker.db.uow import UnitOfWork
from tracker.domain.dates import iso, utcnow
from tracker.errors import BadInput, Conflict, InvalidTransition, NotFound
from tracker.services import audit
from tracker.services.letters import get_letter
from tracker.services.people import resolve_existing
from tracker.services.sources import get_source
from tracker.services.withheld import WITHHELD_NAME, Withheld


@dataclass(frozen=True, slots=True)
class DecisionRow:
    id: int
    kind: str
    person_id: int
    person: str
    other_id: int
    other: str
    signature_id: int | None
    reason: str | None
    at: str | None
    undone_at: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "kind": self.kind,
            "person_id": self.person_id,
            "person": self.person,
            "other_id": self.other_id,
            "other": self.other,
            "signature_id": self.signature_id,
            "reason": self.reason,
            "at": self.at,
            "undone_at": self.undone_at,
        }


def _required(text: str | None, what: str) -> str:
    if text is None or not text.strip():
        raise BadInput(f"a decision needs {what}")
    return text.strip()


def _two_people(uow: UnitOfWork, first: str, second: str) -> tuple[Person, Person]:
    a = resolve_existing(uow=uow, name=first)
    b = resolve_existing(uow=uow, name=second)
    if a.id == b.id:
        raise BadInput(f"'{first}' and '{second}' are one person already (#{a.id}); nothing to do")
    return a, b


def _standing(uow: UnitOfWork, kind: str, a: int, b: int) -> IdentityDecision | None:
    return uow.session.scalar(
        select(IdentityDecision).where(
            IdentityDecision.kind == kind,
            IdentityDecision.undone_at.is_(None),
            or_(
                (IdentityDecision.person_id == a) & (IdentityDecision.other_id == b),
                (IdentityDecision.person_id == b) & (IdentityDecision.other_id == a),
            ),
        )
    )


def _moved_ids(uow: UnitOfWork, model: Any, column: Any, frm: int, to: int) -> list[int]:
    ids = list(uow.session.scalars(select(model.id).where(column == frm)))
    if ids:
        uow.session.execute(update(model).where(model.id.in_(ids)).values({column.key: to}))
    return ids


def _moved_links(uow: UnitOfWork, model: Any, frm: int, to: int) -> list[int]:
    """Demand targets or candidates moved to the person kept, where that person is not already
    one of the same demand's (their demand ids)."""
    held = set(uow.session.scalars(select(model.demand_id).where(model.person_id == to)))
    moving = [
        d
        for d in uow.session.scalars(select(model.demand_id).where(model.person_id == frm))
        if d not in held
    ]
    if moving:
        uow.session.execute(
            update(model)
            .where(model.person_id == frm, model.demand_id.in_(moving))
            .values(person_id=to)
        )
    return moving


def merge(*, uow: UnitOfWork, keep: str, merge_in: str, source_key: str, reason: str) -> int:
    """Make `merge_in` one person with `keep`; returns the decision's id."""
    source = get_source(uow=uow, key=source_key)
    why = _required(reason, "a reason (--reason TEXT)")
    a, b = _two_people(uow, keep, merge_in)
    apart = _standing(uow, "not-same", a.id, b.id)
    if apart is not None:
        raise Conflict(
            f"{a.name} (#{a.id}) and {b.name} (#{b.id}) were judged not the same (decision "
            f"#{apart.id}); undo that first with `tracker person undo {apart.id}`"
        )
    held_aliases = set(uow.session.scalars(select(Alias.alias_key).where(Alias.person_id == a.id)))
    alias_ids = [
        alias_id
        for alias_id, key in uow.session.execute(
            select(Alias.id, Alias.alias_key).where(Alias.person_id == b.id)
        )
        if key not in held_aliases
    ]
    if alias_ids:
        uow.session.execute(update(Alias).where(Alias.id.in_(alias_ids)).values(person_id=a.id))
    detail = {
        "signatures": _moved_ids(uow, Signature, Signature.person_id, b.id, a.id),
        "roles": _moved_ids(uow, Role, Role.person_id, b.id, a.id),
        "aliases": alias_ids,
        "targets": _moved_links(uow, DemandTarget, b.id, a.id),
        "candidates": _moved_links(uow, DemandCandidate, b.id, a.id),
        "merged_before": _moved_ids(uow, Person, Person.merged_into_id, b.id, a.id),
    }
    b.merged_into_id = a.id
    decision = _record(uow, "merge", a, b, why, source.id, detail)
    audit.record(
        uow=uow,
        action="merge",
        entity="person",
        entity_id=a.id,
        person_id=a.id,
        summary=f"{b.name} (#{b.id}) merged into {a.name} (#{a.id}): {why} (decision #{decision})",
        source_id=source.id,
        before={"person": b.id, "name": b.name},
        after={"person": a.id, "decision": decision, **detail},
    )
    return decision


def not_same(*, uow: UnitOfWork, first: str, second: str, reason: str | None) -> int | None:
    """Judge two people not one; they are never proposed as a pair again. None if already
    judged."""
    a, b = _two_people(uow, first, second)
    if _standing(uow, "not-same", a.id, b.id) is not None:
        return None
    decision = _record(uow, "not-same", a, b, reason, None, {})
    audit.record(
        uow=uow,
        action="not-same",
        entity="person",
        entity_id=a.id,
        person_id=a.id,
        summary=f"{a.name} (#{a.id}) and {b.name} (#{b.id}) are not the same person"
        + (f": {reason}" if reason else "")
        + f" (decision #{decision})",
        source_id=None,
        after={"first": a.id, "second": b.id, "decision": decision},
    )
    return decision


def move(
    *,
    uow: UnitOfWork,
    name: str,
    slug: str,
    to: str,
    source_key: str,
    signature_id: int | None = None,
) -> tuple[int, Person, Person]:
    """Move a signature on a letter from the person NAME names to another person; returns the
    decision's id, the person it left and the person it went to."""
    source = get_source(uow=uow, key=source_key)
    letter = get_letter(uow=uow, slug=slug)
    person = resolve_existing(uow=uow, name=name)
    target = resolve_existing(uow=uow, name=to)
    if person.id == target.id:
        raise BadInput(f"the signature is {target.name}'s already; nothing to move")
    query = select(Signature).where(
        Signature.letter_id == letter.id, Signature.person_id == person.id
    )
    if signature_id is not None:
        query = query.where(Signature.id == signature_id)
    signatures = list(uow.session.scalars(query.order_by(Signature.id)))
    if not signatures:
        raise NotFound(f"{person.name} has no signature on {slug} to move")
    if len(signatures) > 1:
        listed = ", ".join(f"{s.id} ({s.as_written!r})" for s in signatures)
        raise Conflict(
            f"{person.name} has {len(signatures)} entries on {slug}: {listed}; "
            "choose one with --signature ID"
        )
    signature = signatures[0]
    already = uow.session.scalar(
        select(Signature.id)
        .where(Signature.letter_id == letter.id, Signature.person_id == target.id)
        .limit(1)
    )
    if already is not None:
        raise Conflict(
            f"{target.name} (#{target.id}) has signed {slug} already; if the two are one person, "
            f"merge them: `tracker person merge '#{target.id}' '#{person.id}'`"
        )
    signature.person_id = target.id
    decision = _record(uow, "move", target, person, None, source.id, {}, signature.id)
    audit.record(
        uow=uow,
        action="move",
        entity="signature",
        entity_id=signature.id,
        letter_id=letter.id,
        person_id=target.id,
        summary=f"the signature {signature.as_written!r} on {slug} moved from {person.name} "
        f"(#{person.id}) to {target.name} (#{target.id}) (decision #{decision})",
        source_id=source.id,
        before={"person": person.id},
        after={"person": target.id, "decision": decision},
    )
    return decision, person, target


def undo(*, uow: UnitOfWork, decision_id: int, reason: str | None = None) -> IdentityDecision:
    """Undo a decision: put back exactly what it moved."""
    decision = uow.session.get(IdentityDecision, decision_id)
    if decision is None:
        raise NotFound(f"there is no decision #{decision_id}; see `tracker person decisions`")
    if decision.undone_at is not None:
        raise InvalidTransition(f"decision #{decision_id} was undone already")
    kept, other = decision.person_id, decision.other_id
    if decision.kind == "merge":
        detail = json.loads(decision.detail or "{}")
        session = uow.session
        # What the merge moved, by its ids (demand links by their demand's id), if still there.
        moved: tuple[tuple[Any, Any, str], ...] = (
            (Signature, Signature.id, "signatures"),
            (Role, Role.id, "roles"),
            (Alias, Alias.id, "aliases"),
            (DemandTarget, DemandTarget.demand_id, "targets"),
            (DemandCandidate, DemandCandidate.demand_id, "candidates"),
        )
        for model, column, key in moved:
            ids = detail.get(key, [])
            if ids:
                session.execute(
                    update(model)
                    .where(column.in_(ids), model.person_id == kept)
                    .values(person_id=other)
                )
        merged_before = detail.get("merged_before", [])
        if merged_before:
            session.execute(
                update(Person).where(Person.id.in_(merged_before)).values(merged_into_id=other)
            )
        session.execute(update(Person).where(Person.id == other).values(merged_into_id=None))
    elif decision.kind == "move" and decision.signature_id is not None:
        uow.session.execute(
            update(Signature)
            .where(Signature.id == decision.signature_id, Signature.person_id == kept)
            .values(person_id=other)
        )
    decision.undone_at = utcnow()
    uow.flush()
    audit.record(
        uow=uow,
        action="undo",
        entity="person",
        entity_id=kept,
        person_id=kept,
        summary=f"decision #{decision.id} ({decision.kind} of #{kept} and #{other}) undone"
        + (f": {reason}" if reason else ""),
        source_id=None,
        before={"decision": decision.id, "kind": decision.kind},
        after={"undone": True, "reason": reason},
    )
    return decision


def list_decisions(*, uow: UnitOfWork, private: bool = False) -> list[DecisionRow]:
    """Every decision, newest first; a person whose name no output may show
    (`withheld.Withheld`) as `(withheld)`, unless `private`."""
    first = Person.__table__.alias("first_person")
    second = Person.__table__.alias("second_person")
    rows = uow.session.execute(
        select(
            IdentityDecision.id,
            IdentityDecision.kind,
            IdentityDecision.person_id,
            first.c.name,
            IdentityDecision.other_id,
            second.c.name,
            IdentityDecision.signature_id,
            IdentityDecision.reason,
            IdentityDecision.created_at,
            IdentityDecision.undone_at,
        )
        .join(first, first.c.id == IdentityDecision.person_id)
        .join(second, second.c.id == IdentityDecision.other_id)
        .order_by(IdentityDecision.id.desc())
    )
    hidden = set() if private else Withheld(uow).people
    return [
        DecisionRow(
            i,
            k,
            p,
            WITHHELD_NAME if p in hidden else pn,
            o,
            WITHHELD_NAME if o in hidden else on,
            s,
            r,
            iso(at),
            iso(undone),
        )
        for i, k, p, pn, o, on, s, r, at, undone in rows
    ]


def _record(
    uow: UnitOfWork,
    kind: str,
    person: Person,
    other: Person,
    reason: str | None,
    source_id: int | None,
    detail: dict[str, Any],
    signature_id: int | None = None,
) -> int:
    decision = IdentityDecision(
        kind=kind,
        person_id=person.id,
        other_id=other.id,
        signature_id=signature_id,
        reason=reason,
        detail=json.dumps(detail, sort_keys=True) if detail else None,
        source_id=source_id,
        created_at=utcnow(),
    )
    uow.session.add(decision)
    uow.flush()
    return decision.id
