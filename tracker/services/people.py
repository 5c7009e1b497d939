"""People and their names: finding the right person for a spelling, and never a duplicate by
accident.

Who a newly seen signer is goes by `domain.identity`, the rules the import follows too: the
candidates are the people who share an identifier key, a name or alias key, or an indexed
blocking key with the signer (last token; or first token plus last initial; either way round,
in Latin letters whatever the script), so the search stays fast with millions of people.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from tracker.db.models import ALIAS_KINDS, Alias, Person, Signature
from tracker.db.uow import UnitOfWork
from tracker.domain.dates import utcnow
from tracker.domain.identifiers import Identifier
from tracker.domain.identity import (
    REVIEW_SCORE,
    Candidate,
    Comparison,
    Decision,
    Signer,
    decide,
)
from tracker.domain.matching import is_near_miss, likeness
from tracker.domain.names import blocking_keys, clean_display_name, name_key
from tracker.errors import BadInput, Conflict, NotFound
from tracker.services import audit
from tracker.services.evidence import NameStatistics, signers
from tracker.services.withheld import WITHHELD_NAME, Withheld

MAX_SUGGESTIONS = 5
MAX_CANDIDATES = 200


@dataclass(frozen=True, slots=True)
class NearMiss:
    person_id: int
    name: str
    score: float
    reason: str

    def describe(self) -> str:
        return f"{self.name} (#{self.person_id}): {self.reason}, score {self.score:g}"


def _person_by_id_text(uow: UnitOfWork, text: str) -> Person | None:
    if text.startswith("#") and text[1:].isdigit():
        if len(text) > 19:
            raise NotFound(f"there is no person {text}")
        person = uow.session.get(Person, int(text[1:]))
        if person is None or person.merged_into_id is not None:
            merged = f" (merged into #{person.merged_into_id})" if person is not None else ""
            raise NotFound(f"there is no person {text}{merged}")
        return person
    return None


# A person merged into another is found as that other (merges point straight to the person kept).
CANONICAL = func.coalesce(Person.merged_into_id, Person.id)


def exact_matches(*, uow: UnitOfWork, key: str) -> list[Person]:
    """People whose name or an alias has exactly this key (a merged name: the person kept)."""
    session = uow.session
    by_name = select(CANONICAL).where(Person.name_key == key)
    by_alias = select(Alias.person_id).where(Alias.alias_key == key)
    people = session.scalars(
        select(Person)
        .where(or_(Person.id.in_(by_name), Person.id.in_(by_alias)))
        .where(Person.merged_into_id.is_(None))
        .order_by(Person.id)
    ).all()
    return list(people)


def _blocking_filter(
    name: str, last_col: InstrumentedAttribute[str], first_col: InstrumentedAttribute[str]
) -> ColumnElement[bool]:
    from tracker.domain.matching import tokens

    blocks = blocking_keys(name)
    words = tokens(name)
    lasts = {blocks.last}
    firsts = {blocks.first}
    if len(words) > 1:  # the same name written surname first
        lasts.add(words[0])
        firsts.add(f"{words[-1]} {words[0][:1]}")
    return or_(last_col.in_(lasts), first_col.in_(firsts))


def _blocked(uow: UnitOfWork, name: str) -> set[int]:
    """People who share a blocking key with this name (by their name or an alias)."""
    session = uow.session
    found = set(
        session.scalars(
            select(CANONICAL)
            .where(_blocking_filter(name, Person.last_key, Person.first_key))
            .limit(MAX_CANDIDATES)
        )
    )
    found.update(
        session.scalars(
            select(Alias.person_id)
            .where(_blocking_filter(name, Alias.last_key, Alias.first_key))
            .limit(MAX_CANDIDATES)
        )
    )
    return found


def near_misses(
    *, uow: UnitOfWork, name: str, key: str, exclude: Iterable[int] = ()
) -> list[NearMiss]:
    """People whose name or alias is probably this name misspelt, best first."""
    skip = set(exclude)
    ids = [pid for pid in _blocked(uow, name) if pid not in skip]
    aliases: dict[int, list[tuple[str, str]]] = {}
    for pid, alias, alias_key in uow.session.execute(
        select(Alias.person_id, Alias.alias, Alias.alias_key).where(Alias.person_id.in_(ids))
    ):
        aliases.setdefault(pid, []).append((alias, alias_key))
    found = []
    for pid, signer in signers(uow.session.connection(), ids).items():
        spellings = [(signer.name, signer.key), *aliases.get(pid, [])]
        best = max(
            (likeness(name, other, a_key=key, b_key=other_key) for other, other_key in spellings),
            key=lambda found: found.score,
        )
        if best.score < 100.0 and is_near_miss(best):
            found.append(NearMiss(pid, signer.name, best.score, best.reason))
    return sorted(found, key=lambda miss: (-miss.score, miss.name))


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
    suggestions = near_misses(uow=uow, name=display, key=key)[:MAX_SUGGESTIONS]
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
    via: str = ""


def _by_identifier(uow: UnitOfWork, found: Iterable[Identifier]) -> set[int]:
    ids: set[int] = set()
    columns = {
        "link": Signature.link_key,
        "email": Signature.email_key,
        "handle": Signature.handle_key,
    }
    for identifier in found:
        ids.update(
            uow.session.scalars(
                select(Signature.person_id)
                .where(columns[identifier.kind] == identifier.key)
                .limit(MAX_CANDIDATES)
            )
        )
    return ids


def judge(*, uow: UnitOfWork, signer: Signer) -> tuple[Decision, dict[int, Signer]]:
    """`domain.identity.decide` for a signer seen anew, against the people known: the same
    identifier, name or alias key, or a blocking key."""
    ids = _by_identifier(uow, signer.identifiers)
    ids.update(p.id for p in exact_matches(uow=uow, key=signer.key))
    ids.update(_blocked(uow, signer.name))
    connection = uow.session.connection()
    people = signers(connection, ids)
    stats = NameStatistics(connection).of(signer.name, signer.key)
    candidates = [Candidate(pid, known, stats) for pid, known in people.items()]
    return decide(signer, candidates), people


def resolve_for_new_fact(
    *,
    uow: UnitOfWork,
    name: str,
    source_id: int,
    same_as: str | None = None,
    new_person: bool = False,
    note: str | None = None,
    identifiers: tuple[Identifier, ...] = (),
    affiliations: frozenset[str] = frozenset(),
    letters: frozenset[int] = frozenset(),
) -> Resolution:
    """Find the person a newly seen signer is, or create one when it is safe.

    The evidence decides (`domain.identity`). Where it does not, and a known person is likely
    enough (a near miss, the same name that cannot carry it alone, a shared identifier with
    another name): Conflict ("did you mean ...?", with the evidence) unless `same_as` (attach,
    and keep the spelling as an alias) or `new_person` decides.
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
        return Resolution(person, False, added, "decision")
    if not new_person:
        signer = Signer(display, key, frozenset(identifiers), affiliations, letters)
        decision, people = judge(uow=uow, signer=signer)
        if decision.person_id is not None:
            found = uow.session.get(Person, decision.person_id)
            assert found is not None
            return Resolution(found, False, False, decision.via)
        likely = sorted(
            (
                (pid, comparison)
                for pid, comparison in decision.review
                if comparison.score >= REVIEW_SCORE or comparison.names_agree
            ),
            key=lambda pair: (-pair[1].score, people[pair[0]].name),
        )[:MAX_SUGGESTIONS]
        if likely:
            hidden = Withheld(uow).people
            shown = [(_candidate(pid, people[pid].name, hidden), c) for pid, c in likely]
            raise _did_you_mean(display, shown)
    return Resolution(
        create_person(uow=uow, name=display, source_id=source_id, note=note), True, False
    )


def _candidate(person_id: int, name: str, hidden: set[int]) -> tuple[str, str]:
    """A candidate as the question shows it, and as `--same-as` takes it: a person known only
    as a withheld signer by their #ID, never by name."""
    if person_id in hidden:
        return f"#{person_id} {WITHHELD_NAME}", f"#{person_id}"
    return f"'{name}'", name


def _did_you_mean(display: str, likely: list[tuple[tuple[str, str], Comparison]]) -> Conflict:
    names = " or ".join(shown for (shown, _), _ in likely)
    details = "; ".join(
        f"{same_as}: {comparison.reason()}, score {comparison.score:g}"
        for (_, same_as), comparison in likely
    )
    return Conflict(
        f"'{display}' is new, but did you mean {names}? ({details}). "
        "Re-run with --same-as NAME to attach it, or --new-person if it is someone else",
        [same_as for (_, same_as), _ in likely],
    )


def create_person(*, uow: UnitOfWork, name: str, source_id: int, note: str | None = None) -> Person:
    key = name_key(name)
    blocks = blocking_keys(name, key)
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
    blocks = blocking_keys(alias, key)
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
