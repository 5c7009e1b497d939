"""People and their names: finding the right person for a spelling, and never a duplicate by
accident.

A spelling whose key equals a person's name key or alias key is that person. Otherwise the
near-miss search looks only at people who share an indexed blocking key with it (last token; or
first token plus last initial; either way round), so it stays fast with millions of people, and
scores those few with `domain.matching`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select, text
from sqlalchemy.orm import InstrumentedAttribute

from tracker.db.models import ALIAS_KINDS, Alias, Person
from tracker.db.uow import UnitOfWork
from tracker.domain.dates import utcnow
from tracker.domain.matching import likeness
from tracker.domain.names import blocking_keys, clean_display_name, name_key
from tracker.errors import BadInput, Conflict, NotFound
from tracker.services import audit

MAX_SUGGESTIONS = 5


@dataclass(frozen=True, slots=True)
class NearMiss:
    person_id: int
    name: str
    matched: str
    score: float
    reason: str

    def describe(self) -> str:
        via = f" (as {self.matched!r})" if self.matched != self.name else ""
        return f"{self.name}{via}: {self.reason}, score {self.score:g}"


def _person_by_id_text(uow: UnitOfWork, text: str) -> Person | None:
    if text.startswith("#") and text[1:].isdigit():
        person = uow.session.get(Person, int(text[1:]))
        if person is None:
            raise NotFound(f"there is no person {text}")
        return person
    return None


def exact_matches(*, uow: UnitOfWork, key: str) -> list[Person]:
    """People whose name or an alias has exactly this key."""
    session = uow.session
    by_alias = select(Alias.person_id).where(Alias.alias_key == key)
    people = session.scalars(
        select(Person)
        .where(or_(Person.name_key == key, Person.id.in_(by_alias)))
        .order_by(Person.id)
    ).all()
    return list(people)


def _blocking_filter(
    key: str, last_col: InstrumentedAttribute[str], first_col: InstrumentedAttribute[str]
) -> ColumnElement[bool]:
    blocks = blocking_keys(key)
    tokens = key.split(" ")
    lasts = {blocks.last}
    firsts = {blocks.first}
    if len(tokens) > 1:  # the same name written surname first
        lasts.add(tokens[0])
        firsts.add(f"{tokens[-1]} {tokens[0][:1]}")
    return or_(last_col.in_(lasts), first_col.in_(firsts))


def near_misses(*, uow: UnitOfWork, key: str, exclude: Iterable[int] = ()) -> list[NearMiss]:
    """People whose name or alias is probably this key misspelt, best first."""
    session = uow.session
    candidates: list[tuple[int, str, str, str]] = []
    rows = session.execute(
        select(Person.id, Person.name, Person.name, Person.name_key).where(
            _blocking_filter(key, Person.last_key, Person.first_key)
        )
    )
    candidates.extend((row[0], row[1], row[2], row[3]) for row in rows)
    rows = session.execute(
        select(Alias.person_id, Person.name, Alias.alias, Alias.alias_key)
        .join(Person, Person.id == Alias.person_id)
        .where(_blocking_filter(key, Alias.last_key, Alias.first_key))
    )
    candidates.extend((row[0], row[1], row[2], row[3]) for row in rows)
    skip = set(exclude)
    best: dict[int, NearMiss] = {}
    for person_id, name, matched, other_key in candidates:
        if person_id in skip or other_key == key:
            continue
        found = likeness(key, other_key)
        if found is None:
            continue
        current = best.get(person_id)
        if current is None or found.score > current.score:
            best[person_id] = NearMiss(person_id, name, matched, found.score, found.reason)
    return sorted(best.values(), key=lambda miss: (-miss.score, miss.name))


def resolve_existing(*, uow: UnitOfWork, name: str, hint: str = "") -> Person:
    """The one person this name (or `#ID`) means; NotFound or Conflict otherwise."""
    by_id = _person_by_id_text(uow, name.strip())
    if by_id is not None:
        return by_id
    display = clean_display_name(name)
    key = name_key(display)
    matches = exact_matches(uow=uow, key=key)
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise _several(display, matches, "name one as #ID")
    suggestions = near_misses(uow=uow, key=key)[:MAX_SUGGESTIONS]
    maybe = f"; did you mean {_quoted(suggestions)}?" if suggestions else ""
    raise NotFound(f"unknown person '{display}'{maybe}{hint}")


def _several(display: str, matches: list[Person], what_to_do: str) -> Conflict:
    listed = ", ".join(f"{p.name} (#{p.id})" for p in matches)
    return Conflict(
        f"'{display}' matches several people: {listed}; {what_to_do}",
        [f"#{p.id}" for p in matches],
    )


def _quoted(misses: list[NearMiss]) -> str:
    return " or ".join(f"'{miss.name}'" for miss in misses)


@dataclass(frozen=True, slots=True)
class Resolution:
    person: Person
    created: bool
    alias_added: bool


def resolve_for_new_fact(
    *,
    uow: UnitOfWork,
    name: str,
    source_id: int,
    same_as: str | None = None,
    new_person: bool = False,
    note: str | None = None,
) -> Resolution:
    """Find the person a newly seen spelling refers to, or create one when it is safe.

    Exact key: that person. A near miss: Conflict ("did you mean ...?") unless `same_as`
    (attach, and keep the spelling as an alias) or `new_person` decides.
    """
    display = clean_display_name(name)
    key = name_key(display)
    if same_as and new_person:
        raise BadInput("--same-as and --new-person contradict each other; choose one")
    if same_as:
        person = resolve_existing(uow=uow, name=same_as)
        added = add_alias(
            uow=uow, person=person, alias=display, kind="spelling", source_id=source_id
        )
        return Resolution(person, False, added)
    _lock_key(uow, key)
    if not new_person:
        matches = exact_matches(uow=uow, key=key)
        if len(matches) == 1:
            return Resolution(matches[0], False, False)
        if len(matches) > 1:
            raise _several(display, matches, "choose with --same-as '#ID'")
        misses = near_misses(uow=uow, key=key)[:MAX_SUGGESTIONS]
        if misses:
            details = "; ".join(miss.describe() for miss in misses)
            raise Conflict(
                f"'{display}' is new, but did you mean {_quoted(misses)}? ({details}). "
                "Re-run with --same-as NAME to attach it, or --new-person if it is someone else",
                [miss.name for miss in misses],
            )
    return Resolution(
        create_person(uow=uow, name=display, source_id=source_id, note=note), True, False
    )


def _lock_key(uow: UnitOfWork, key: str) -> None:
    """Serialise the creation of one name across concurrent writers.

    On PostgreSQL two transactions could both find no one by this key and both create a person;
    a transaction-scoped advisory lock on the key makes the second wait and then find the first.
    SQLite needs nothing: its write transactions already begin one at a time (BEGIN IMMEDIATE).
    """
    if uow.dialect == "postgresql":
        uow.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


def create_person(*, uow: UnitOfWork, name: str, source_id: int, note: str | None = None) -> Person:
    key = name_key(name)
    blocks = blocking_keys(key)
    person = Person(
        name=name,
        name_key=key,
        last_key=blocks.last,
        first_key=blocks.first,
        note=note,
        source_id=source_id,
        created_at=utcnow(),
    )
    uow.session.add(person)
    uow.flush()
    audit.record(
        uow=uow,
        action="add",
        entity="person",
        entity_id=person.id,
        person_id=person.id,
        summary=f"person {name} added",
        source_id=source_id,
        after={"name": name, "note": note},
    )
    return person


def add_alias(*, uow: UnitOfWork, person: Person, alias: str, kind: str, source_id: int) -> bool:
    """Record another spelling of a person's name; False when it is already known."""
    if kind not in ALIAS_KINDS:
        raise BadInput(f"unknown alias kind '{kind}'; use one of {', '.join(ALIAS_KINDS)}")
    alias = clean_display_name(alias, what="alias")
    key = name_key(alias)
    session = uow.session
    known = session.scalar(
        select(Alias.id).where(Alias.person_id == person.id, Alias.alias_key == key)
    )
    if known is not None or (key == person.name_key and alias == person.name):
        return False
    others = [p for p in exact_matches(uow=uow, key=key) if p.id != person.id]
    if others:
        listed = ", ".join(f"{p.name} (#{p.id})" for p in others)
        raise Conflict(f"'{alias}' already names {listed}; an alias must not name two people")
    blocks = blocking_keys(key)
    row = Alias(
        person_id=person.id,
        alias=alias,
        alias_key=key,
        last_key=blocks.last,
        first_key=blocks.first,
        kind=kind,
        source_id=source_id,
        created_at=utcnow(),
    )
    session.add(row)
    uow.flush()
    audit.record(
        uow=uow,
        action="alias",
        entity="person",
        entity_id=person.id,
        person_id=person.id,
        summary=f"{alias!r} recorded as a {kind} of {person.name}",
        source_id=source_id,
        after={"alias": alias, "kind": kind},
    )
    return True
