"""People and organizations: who signs, under which names, in which roles, and the decisions on
who is who."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from tracker.db.models.base import (
    ALIAS_KINDS,
    IDENTITY_DECISIONS,
    NAME_LENGTH,
    Base,
    one_of,
    source_fk,
)

# The condition of SQLite's partial index of merged people (see migration 0005).
_MERGED = text("merged_into_id IS NOT NULL")


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    name_key: Mapped[str] = mapped_column(String(NAME_LENGTH), unique=True)
    source_id: Mapped[int] = source_fk()


class OrganizationAlias(Base):
    __tablename__ = "organization_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    alias: Mapped[str] = mapped_column(String(NAME_LENGTH))
    alias_key: Mapped[str] = mapped_column(String(NAME_LENGTH), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[int] = source_fk()

    __table_args__ = (CheckConstraint(one_of("kind", ALIAS_KINDS), name="kind"),)


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
    source_id: Mapped[int] = source_fk()
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
    source_id: Mapped[int] = source_fk()
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (
        UniqueConstraint("person_id", "alias_key"),
        CheckConstraint(one_of("kind", ALIAS_KINDS), name="kind"),
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
    source_id: Mapped[int] = source_fk()
    end_source_id: Mapped[int | None] = source_fk(nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (
        CheckConstraint(
            "ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on", name="ends_after_start"
        ),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
        # A person's roles in the order the listings give them (SQLite sorts NULL first).
        Index("ix_roles_person_id_starts_on", "person_id", "starts_on"),
    )


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
    source_id: Mapped[int | None] = source_fk(nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    undone_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        CheckConstraint(one_of("kind", IDENTITY_DECISIONS), name="kind"),
        CheckConstraint("person_id <> other_id", name="two_people"),
        Index("ix_identity_decisions_pair", "person_id", "other_id"),
    )
