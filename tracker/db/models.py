"""The schema, as SQLAlchemy 2 typed models.

Every fact table names the source it rests on (`source_id NOT NULL`). Enumerations are text with
named CHECK constraints so that the schema reads the same on SQLite and PostgreSQL. Dates of
roles and outcomes are calendar dates; reported counts and history carry timestamps (UTC).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# The conditions of SQLite's partial indexes (a query uses one only if its own condition implies
# the index's, written alike: "withheld = 1" is how SQLAlchemy writes `Signature.withheld`).
_WITHHELD = text("withheld = 1")
_MERGED = text("merged_into_id IS NOT NULL")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

NAME_LENGTH = 300

SIGNATURE_STATUSES = ("reported", "confirmed", "disputed", "retracted")
COUNT_QUALIFIERS = ("exact", "approximate", "at-least", "up-to")
ALIAS_KINDS = ("spelling", "translation", "ocr", "transliteration", "nickname")
DEMAND_KINDS = ("resign", "appoint", "reinstate", "other")
DEMAND_OUTCOMES = ("met", "partially-met", "rejected", "withdrawn")
IDENTITY_DECISIONS = ("merge", "not-same", "move")
IDENTIFIER_LENGTH = 500


def _one_of(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _source_fk(nullable: bool = False) -> Mapped[int]:
    # Not indexed: nothing looks facts up by source, and every index slows bulk imports.
    return mapped_column(ForeignKey("sources.id"), nullable=nullable)


class Source(Base):
    """A document a fact rests on: an article, a letter, a public record."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(Text)
    publisher: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    published_on: Mapped[dt.date | None] = mapped_column(Date)
    language: Mapped[str | None] = mapped_column(String(35))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (CheckConstraint("length(key) > 0", name="key_not_empty"),)


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    name_key: Mapped[str] = mapped_column(String(NAME_LENGTH), unique=True)
    source_id: Mapped[int] = _source_fk()


class OrganizationAlias(Base):
    __tablename__ = "organization_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    alias: Mapped[str] = mapped_column(String(NAME_LENGTH))
    alias_key: Mapped[str] = mapped_column(String(NAME_LENGTH), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[int] = _source_fk()

    __table_args__ = (CheckConstraint(_one_of("kind", ALIAS_KINDS), name="kind"),)


class Person(Base):
    """A person, under one display name. Other spellings are aliases.

    `name_key` is not unique: two different people may share a name, and `--new-person` says so.
    `last_key` and `first_key` are blocking keys for near-miss search (see `domain.names`).
    """

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    name_key: Mapped[str] = mapped_column(String(NAME_LENGTH), index=True)
    last_key: Mapped[str] = mapped_column(String(NAME_LENGTH), index=True)
    first_key: Mapped[str] = mapped_column(String(NAME_LENGTH), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    source_id: Mapped[int] = _source_fk()
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # Set when a person's decision merged this person into another (`person merge`); undone by
    # clearing it. A merged person is kept, with nothing attached, so the merge can be undone.
    # No foreign key: adding one on SQLite would rebuild `people` (see migration 0003); the
    # decisions service is its only writer. Indexed (`ix_people_merged_into_id`): a merge
    # repoints the people merged into the person it merges away, and `services.withheld` looks
    # up who was merged into whom.
    merged_into_id: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        # Partial on SQLite, which would otherwise read every person through it for "IS NULL".
        Index("ix_people_merged_into_id", "merged_into_id", sqlite_where=_MERGED),
    )


class Alias(Base):
    """Another spelling of a person's name, seen in a source."""

    __tablename__ = "aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    alias: Mapped[str] = mapped_column(String(NAME_LENGTH))
    alias_key: Mapped[str] = mapped_column(String(NAME_LENGTH), index=True)
    last_key: Mapped[str] = mapped_column(String(NAME_LENGTH), index=True)
    first_key: Mapped[str] = mapped_column(String(NAME_LENGTH), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[int] = _source_fk()
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (
        UniqueConstraint("person_id", "alias_key"),
        CheckConstraint(_one_of("kind", ALIAS_KINDS), name="kind"),
    )


class Role(Base):
    """A title a person held at an organization, from `starts_on` to `ends_on` (open if null)."""

    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    title: Mapped[str] = mapped_column(String(NAME_LENGTH))
    starts_on: Mapped[dt.date | None] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
    source_id: Mapped[int] = _source_fk()
    end_source_id: Mapped[int | None] = _source_fk(nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (
        CheckConstraint(
            "ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on", name="ends_after_start"
        ),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
        # A person's roles in the order the listings give them (SQLite sorts NULL first).
        Index("ix_roles_person_id_starts_on", "person_id", "starts_on"),
    )


class Letter(Base):
    __tablename__ = "letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(Text)
    addressed_to: Mapped[str] = mapped_column(Text)
    dated: Mapped[dt.date | None] = mapped_column(Date)
    first_published_by: Mapped[str | None] = mapped_column(Text)
    source_id: Mapped[int | None] = _source_fk(nullable=True)
    population: Mapped[int | None] = mapped_column(Integer)
    population_label: Mapped[str | None] = mapped_column(Text)
    population_source_id: Mapped[int | None] = _source_fk(nullable=True)
    ultimatum: Mapped[str | None] = mapped_column(Text)
    ultimatum_source_id: Mapped[int | None] = _source_fk(nullable=True)
    ultimatum_carried_out_on: Mapped[dt.date | None] = mapped_column(Date)
    ultimatum_carried_out_source_id: Mapped[int | None] = _source_fk(nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (
        CheckConstraint("population IS NULL OR population >= 0", name="population_not_negative"),
        CheckConstraint(
            "population IS NULL OR population_source_id IS NOT NULL", name="population_has_source"
        ),
        CheckConstraint(
            "ultimatum_carried_out_on IS NULL OR ultimatum_carried_out_source_id IS NOT NULL",
            name="carried_out_has_source",
        ),
        CheckConstraint("length(slug) > 0", name="slug_not_empty"),
    )


class Demand(Base):
    """What a letter asks for. Role demands name a title at an organization; see DEMAND_KINDS."""

    __tablename__ = "demands"

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text)
    role_title: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    required_count: Mapped[int | None] = mapped_column(Integer)
    source_id: Mapped[int] = _source_fk()

    __table_args__ = (
        UniqueConstraint("letter_id", "key"),
        CheckConstraint(_one_of("kind", DEMAND_KINDS), name="kind"),
        CheckConstraint("required_count IS NULL OR required_count > 0", name="required_positive"),
        CheckConstraint(
            "kind = 'other' OR (role_title IS NOT NULL AND organization_id IS NOT NULL)",
            name="role_demand_has_role",
        ),
    )


class DemandTarget(Base):
    """A person a demand is about: who must resign, who must be reinstated."""

    __tablename__ = "demand_targets"

    demand_id: Mapped[int] = mapped_column(
        ForeignKey("demands.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    title: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    source_id: Mapped[int] = _source_fk()


class DemandCandidate(Base):
    """An example a demand gives ("such as ..."): reported, never deciding."""

    __tablename__ = "demand_candidates"

    demand_id: Mapped[int] = mapped_column(
        ForeignKey("demands.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    source_id: Mapped[int] = _source_fk()


class DemandOutcome(Base):
    """A recorded outcome: overrides the derived status from `as_of` on."""

    __tablename__ = "demand_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demands.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    as_of: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    source_id: Mapped[int] = _source_fk()
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (CheckConstraint(_one_of("outcome", DEMAND_OUTCOMES), name="outcome"),)


class Signature(Base):
    """One entry of a letter's list: what the list published about its signer, as written, and
    the person it was decided to be (`person_id`, which decisions on identity may change).

    `entry` is the entry's place in its source's list (the row of an imported file): the same
    file imported again is recognised by it. `link_key`, `email_key` and `handle_key` are the
    identifiers' keys (see `domain.identifiers`); `email` is private.
    """

    __tablename__ = "signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    position: Mapped[int | None] = mapped_column(Integer)
    as_written: Mapped[str] = mapped_column(String(NAME_LENGTH))
    status: Mapped[str] = mapped_column(String(20))
    signed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    source_id: Mapped[int] = _source_fk()
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    entry: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    affiliation: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    link: Mapped[str | None] = mapped_column(String(IDENTIFIER_LENGTH))
    email: Mapped[str | None] = mapped_column(String(IDENTIFIER_LENGTH))
    handle: Mapped[str | None] = mapped_column(String(IDENTIFIER_LENGTH))
    location: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    extra: Mapped[str | None] = mapped_column(Text)  # other columns, a JSON object
    link_key: Mapped[str | None] = mapped_column(String(IDENTIFIER_LENGTH), index=True)
    email_key: Mapped[str | None] = mapped_column(String(IDENTIFIER_LENGTH), index=True)
    handle_key: Mapped[str | None] = mapped_column(String(IDENTIFIER_LENGTH), index=True)
    withheld: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    __table_args__ = (
        UniqueConstraint("letter_id", "source_id", "entry"),
        Index("ix_signatures_letter_id_position", "letter_id", "position"),
        # The few withheld entries, found without reading the list (`services.withheld`).
        # Partial on SQLite, whose planner has no statistics and would otherwise read a letter's
        # named entries through it ("withheld IS 0") rather than by letter; whole on PostgreSQL
        # (its planner knows better, and `postgresql_where` would load SQLAlchemy's PostgreSQL
        # dialect, with all its drivers, at every start of every command: 55 ms).
        Index("ix_signatures_withheld", "withheld", "person_id", sqlite_where=_WITHHELD),
        CheckConstraint(_one_of("status", SIGNATURE_STATUSES), name="status"),
        CheckConstraint("position IS NULL OR position > 0", name="position_positive"),
        CheckConstraint("entry IS NULL OR entry > 0", name="entry_positive"),
    )


class SignatureEvent(Base):
    """A change of a signature's status, with its reason and source."""

    __tablename__ = "signature_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    signature_id: Mapped[int] = mapped_column(
        ForeignKey("signatures.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    source_id: Mapped[int] = _source_fk()

    __table_args__ = (
        CheckConstraint(_one_of("from_status", SIGNATURE_STATUSES), name="from_status"),
        CheckConstraint(_one_of("to_status", SIGNATURE_STATUSES), name="to_status"),
    )


class ReportedCount(Base):
    """A number of signers an outlet reported, with its qualifier, as of a time."""

    __tablename__ = "reported_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id", ondelete="CASCADE"))
    value: Mapped[int] = mapped_column(Integer)
    qualifier: Mapped[str] = mapped_column(String(20))
    population: Mapped[int | None] = mapped_column(Integer)
    as_of: Mapped[dt.datetime] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(Text)
    source_id: Mapped[int] = _source_fk()
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (
        UniqueConstraint("letter_id", "as_of", "source_id", "value", "qualifier"),
        Index("ix_reported_counts_letter_id_as_of", "letter_id", "as_of"),
        CheckConstraint("value >= 0", name="value_not_negative"),
        CheckConstraint(
            "population IS NULL OR population >= value", name="value_within_population"
        ),
        CheckConstraint(_one_of("qualifier", COUNT_QUALIFIERS), name="qualifier"),
    )


class HistoryEntry(Base):
    """The append-only audit trail. Triggers refuse UPDATE and DELETE (see the migration)."""

    __tablename__ = "history"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letters.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    summary: Mapped[str] = mapped_column(Text)
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    source_id: Mapped[int | None] = _source_fk(nullable=True)


class IdentityDecision(Base):
    """A person's decision on who is who: two people are one (`merge`: `other_id` into
    `person_id`), are not one (`not-same`), or a signature belongs to another person (`move`:
    `signature_id` from `other_id` to `person_id`). `detail` says what the decision moved (a
    JSON object), so that undoing it (`undone_at`) puts exactly that back. Nothing a list
    published is changed by a decision."""

    __tablename__ = "identity_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    other_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    signature_id: Mapped[int | None] = mapped_column(ForeignKey("signatures.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)
    source_id: Mapped[int | None] = _source_fk(nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    undone_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        CheckConstraint(_one_of("kind", IDENTITY_DECISIONS), name="kind"),
        CheckConstraint("person_id <> other_id", name="two_people"),
        Index("ix_identity_decisions_pair", "person_id", "other_id"),
    )
