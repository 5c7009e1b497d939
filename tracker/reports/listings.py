"""The per-signature listings (signatories, roles), streamed.

Rows are formatted in SQL (ISO dates, booleans as true/false) and made safe for spreadsheets in
SQL too (a text cell that starts with =, +, -, @, tab or carriage return gets a leading '), then
read from the database in chunks and written as they come: as CSV through Arrow where the
database is a SQLite file (`arrow_csv`), otherwise from a DBAPI cursor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import String, and_, case, cast, func, literal, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from tracker.csvsafe import FORMULA_TRIGGERS
from tracker.db.engine import read_only_file, sqlite_file
from tracker.db.models import (
    Alias,
    Demand,
    DemandTarget,
    Letter,
    Organization,
    Person,
    Role,
    Signature,
    Source,
)
from tracker.db.stored import sqlite_text
from tracker.db.uow import UnitOfWork
from tracker.domain.dates import end_of_day
from tracker.reports.arrow_csv import ArrowListing
from tracker.reports.model import Field, Report, check_as_of

CHUNK_ROWS = 50_000


_TRIGGER_CODES = [ord(trigger) for trigger in FORMULA_TRIGGERS]


def safe_text(column: Any, dialect: str) -> ColumnElement[Any]:
    """The OWASP neutralisation, in SQL: the same rule as `tracker.csvsafe.neutralise`.

    The code point of the first character is the cheapest test each database offers:
    `unicode()` on SQLite, `ascii()` on PostgreSQL (the code point, for UTF-8 text). On SQLite a
    plain comparison goes first: every trigger sorts before "A" in SQLite's byte order, and most
    names start with a letter, so the code-point test runs for few cells. (PostgreSQL compares by
    the database's collation, where that shortcut would not hold.)
    """
    if dialect == "postgresql":
        return case((func.ascii(column).in_(_TRIGGER_CODES), literal("'") + column), else_=column)
    risky = and_(column < literal("A"), func.unicode(column).in_(_TRIGGER_CODES))
    return case((risky, literal("'") + column), else_=column)


def iso_stamp(column: Any, dialect: str) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return func.to_char(column, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
    # SQLAlchemy stores SQLite times as "YYYY-MM-DD HH:MM:SS.ffffff"; slicing beats strftime.
    return func.substr(column, 1, 10) + literal("T") + func.substr(column, 12, 8) + literal("Z")


def _true_false(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return case((condition, literal("true")), else_=literal("false"))


def _arrow_listing(uow: UnitOfWork, parts: list[Any], fields: list[Field]) -> ArrowListing | None:
    """The queries for `arrow_csv`, where the database is a SQLite file: every column labelled
    with its field name, and every column that is not an integer never NULL (see there why)."""
    connection = uow.session.connection()
    database = sqlite_file(connection.engine)
    if database is None or read_only_file(str(database)) is not None:
        return None  # not a file, or one opened immutable (Arrow's reader would need to write)
    statements = []
    for query in parts:
        columns = [
            (column if kind == "integer" else func.coalesce(column, literal(""))).label(name)
            for column, (name, kind, _) in zip(query.selected_columns, fields, strict=True)
        ]
        # Values are written into the SQL (SQLAlchemy renders them as SQLite literals): the
        # statements then need no parameters bound through Arrow.
        compiled = query.with_only_columns(*columns).compile(
            dialect=connection.dialect, compile_kwargs={"literal_binds": True}
        )
        statements.append(str(compiled))
    return ArrowListing(database, [name for name, _, _ in fields], statements)


def stream_rows(uow: UnitOfWork, parts: list[Any]) -> Iterator[Sequence[Sequence[Any]]]:
    """Rows straight from a DBAPI cursor, in chunks, query after query.

    Every column is formatted in SQL, so the driver's tuples are the rows as written: reading
    them from the cursor skips building a Row per signature. PostgreSQL gets a server-side
    (named) cursor so the rows arrive as they are read; SQLite steps through them lazily anyway.
    """
    connection = uow.session.connection()
    raw = connection.connection.driver_connection
    assert raw is not None
    for query in parts:
        compiled = query.compile(
            dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
        )
        if connection.dialect.name == "postgresql":
            cursor = raw.cursor(name="tracker_listing")
            cursor.execute(str(compiled), compiled.params)
        else:
            cursor = raw.cursor()
            names = compiled.positiontup or []
            cursor.execute(str(compiled), [sqlite_text(compiled.params[n]) for n in names])
        try:
            while chunk := cursor.fetchmany(CHUNK_ROWS):
                yield chunk
        finally:
            cursor.close()


def in_listing_order(query: Any, *then: Any) -> list[Any]:
    """A listing's order: the published positions first, then the signatures without one in
    the order they were recorded. As two queries, each of which reads the letter's signatures
    in the order of `ix_signatures_letter_id_position`, so the database sorts nothing big."""
    return [
        query.where(Signature.position.is_not(None)).order_by(
            Signature.position, Signature.id, *then
        ),
        query.where(Signature.position.is_(None)).order_by(Signature.id, *then),
    ]


TextColumn = Callable[[Any], Any]


def _listing(
    uow: UnitOfWork,
    name: str,
    title: str,
    fields: list[Field],
    build: Callable[[TextColumn], list[Any]],
) -> Report:
    """A streamed report. `build` receives how to select a text column (made spreadsheet-safe
    for CSV, or as it is for JSON and tables) and returns the queries to read in turn."""

    def text_for(safe: bool) -> TextColumn:
        return (lambda column: safe_text(column, uow.dialect)) if safe else (lambda column: column)

    return Report(
        name,
        title,
        fields,
        chunks=lambda safe: stream_rows(uow, build(text_for(safe))),
        arrow=_arrow_listing(uow, build(text_for(True)), fields),
    )


SIGNATORY_FIELDS: list[Field] = [
    ("letter", "string", "The letter's slug."),
    ("position", "integer", "Position in the published list."),
    ("name", "string", "The person's display name ('(withheld)' if they asked not to be named)."),
    ("aliases", "string", "Other spellings of the name, separated by ' | '."),
    ("as_written", "string", "The name as the source wrote it on this letter."),
    ("status", "string", "reported, confirmed, disputed or retracted."),
    ("signed_at", "datetime", "When the person signed, if known (UTC)."),
    ("source", "string", "Source of the signature."),
    ("person_id", "integer", "The person's id in the tracker."),
    ("entry", "integer", "The entry's place in its source's list (the row of the file)."),
    ("title", "string", "The title the list gives, as written."),
    ("affiliation", "string", "The affiliation the list gives, as written."),
    ("link", "string", "The signer's link, as published."),
    ("handle", "string", "The signer's handle, as published."),
    ("location", "string", "Where the signer is, as published."),
    ("withheld", "boolean", "The signer asked not to be named: counted, never named here."),
]
# Kept by the tracker, used to tell people apart, never written to a report.
PRIVATE_FIELDS: dict[str, str] = {
    "email": "The signer's e-mail address, as published: personal data.",
}
WITHHELD = "(withheld)"


def not_email(column: Any, raw: Any) -> ColumnElement[Any]:
    """A link that is an e-mail address is private (`domain.identifiers.is_email_link`)."""
    return case((func.lower(func.trim(raw)).like("mailto:%"), literal(None)), else_=column)


def public(column: Any) -> ColumnElement[Any]:
    """A column that could name a signer who asked not to be named: empty for a withheld
    entry (the reports and the published site alike)."""
    return case((Signature.withheld, literal(None)), else_=column)


def signatories(*, uow: UnitOfWork, letter: Letter, as_of: dt.date | None = None) -> Report:
    until = end_of_day(check_as_of(letter, as_of))
    # Aggregated from rows in the order they were recorded, so both databases list them alike
    # (SQLite before 3.44 has no ORDER BY inside an aggregate).
    ordered = select(Alias.person_id, Alias.alias).order_by(Alias.person_id, Alias.id).subquery()
    aliases = (
        select(ordered.c.person_id, func.aggregate_strings(ordered.c.alias, " | ").label("aliases"))
        .group_by(ordered.c.person_id)
        .subquery()
    )

    def query(text: TextColumn) -> list[Any]:
        rows = (
            select(
                literal(letter.slug),
                Signature.position,
                case((Signature.withheld, literal(WITHHELD)), else_=text(Person.name)),
                public(text(aliases.c.aliases)),
                public(text(Signature.as_written)),
                Signature.status,
                iso_stamp(Signature.signed_at, uow.dialect),
                text(Source.key),
                public(Person.id),
                Signature.entry,
                public(text(Signature.title)),
                public(text(Signature.affiliation)),
                public(not_email(text(Signature.link), Signature.link)),
                public(text(Signature.handle)),
                public(text(Signature.location)),
                _true_false(Signature.withheld == true()),
            )
            .join(Person, Person.id == Signature.person_id)
            .join(Source, Source.id == Signature.source_id)
            .outerjoin(aliases, aliases.c.person_id == Person.id)
            .where(
                Signature.letter_id == letter.id,
                or_(Signature.signed_at.is_(None), Signature.signed_at <= until),
            )
        )
        return in_listing_order(rows)

    return _listing(
        uow,
        "signatories",
        "Signatories as their lists published them, with their aliases, status and source",
        SIGNATORY_FIELDS,
        query,
    )


ROLE_FIELDS: list[Field] = [
    ("letter", "string", "The letter's slug."),
    ("name", "string", "The signatory's display name."),
    ("title", "string", "The role's title."),
    ("organization", "string", "Where the role is held."),
    ("start", "date", "When the role began, if known."),
    ("end", "date", "When the role ended, if it did."),
    ("held_on_letter_date", "boolean", "Whether the role was held on the letter's date."),
    ("held_as_of", "boolean", "Whether the role was held on the report's as-of date."),
    ("flags", "string", "What a reader should notice, e.g. a target of one of the demands."),
    ("source", "string", "Source of the role."),
]


def roles(*, uow: UnitOfWork, letter: Letter, as_of: dt.date | None = None) -> Report:
    day = check_as_of(letter, as_of)
    letter_day = letter.dated or day

    def held(on: dt.date) -> ColumnElement[bool]:
        return and_(
            or_(Role.starts_on.is_(None), Role.starts_on <= on),
            or_(Role.ends_on.is_(None), Role.ends_on > on),
        )

    targets = (
        select(DemandTarget.person_id, func.aggregate_strings(Demand.key, ", ").label("demands"))
        .join(Demand, Demand.id == DemandTarget.demand_id)
        .where(Demand.letter_id == letter.id)
        .group_by(DemandTarget.person_id)
        .subquery()
    )
    flags = case(
        (targets.c.demands.is_not(None), literal("target of demand: ") + targets.c.demands),
        else_=None,
    )

    def query(text: TextColumn) -> list[Any]:
        rows = (
            select(
                literal(letter.slug),
                text(Person.name),
                text(Role.title),
                text(Organization.name),
                cast(Role.starts_on, String),
                cast(Role.ends_on, String),
                _true_false(held(letter_day)),
                _true_false(held(day)),
                flags,
                text(Source.key),
            )
            .select_from(Signature)
            .join(Person, Person.id == Signature.person_id)
            .join(Role, Role.person_id == Person.id)
            .join(Organization, Organization.id == Role.organization_id)
            .join(Source, Source.id == Role.source_id)
            .outerjoin(targets, targets.c.person_id == Person.id)
            .where(Signature.letter_id == letter.id, Signature.status != "retracted")
        )
        return in_listing_order(rows, Role.starts_on.nulls_first(), Role.id)

    return _listing(
        uow, "roles", "Roles of the signatories, with what to notice", ROLE_FIELDS, query
    )
