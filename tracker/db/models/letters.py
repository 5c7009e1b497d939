"""Letters and what is recorded about them: their demands and outcomes, their signatures (each
entry as its list published it) with their status changes, and the counts outlets reported."""

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
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from tracker.db.models.base import (
    COUNT_QUALIFIERS,
    DEMAND_KINDS,
    DEMAND_OUTCOMES,
    IDENTIFIER_LENGTH,
    NAME_LENGTH,
    SIGNATURE_STATUSES,
    Base,
    one_of,
    source_fk,
)

# The condition of SQLite's partial index of withheld entries: a query uses it only if its own
# condition implies it, written alike ("withheld = 1": how SQLAlchemy writes `Signature.withheld`).
_WITHHELD = text("withheld = 1")


class Letter(Base):
    __tablename__ = "letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(Text)
    addressed_to: Mapped[str] = mapped_column(Text)
    dated: Mapped[dt.date | None] = mapped_column(Date)
    first_published_by: Mapped[str | None] = mapped_column(Text)
    source_id: Mapped[int | None] = source_fk(nullable=True)
    population: Mapped[int | None] = mapped_column(Integer)
    population_label: Mapped[str | None] = mapped_column(Text)
    population_source_id: Mapped[int | None] = source_fk(nullable=True)
    ultimatum: Mapped[str | None] = mapped_column(Text)
    ultimatum_source_id: Mapped[int | None] = source_fk(nullable=True)
    ultimatum_carried_out_on: Mapped[dt.date | None] = mapped_column(Date)
    ultimatum_carried_out_source_id: Mapped[int | None] = source_fk(nullable=True)
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
    source_id: Mapped[int] = source_fk()

    __table_args__ = (
        UniqueConstraint("letter_id", "key"),
        CheckConstraint(one_of("kind", DEMAND_KINDS), name="kind"),
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
    source_id: Mapped[int] = source_fk()


class DemandCandidate(Base):
    """An example a demand gives ("such as ..."): reported, never deciding."""

    __tablename__ = "demand_candidates"

    demand_id: Mapped[int] = mapped_column(
        ForeignKey("demands.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    source_id: Mapped[int] = source_fk()


class DemandOutcome(Base):
    """A recorded outcome: overrides the derived status from `as_of` on."""

    __tablename__ = "demand_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demands.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    as_of: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    source_id: Mapped[int] = source_fk()
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (CheckConstraint(one_of("outcome", DEMAND_OUTCOMES), name="outcome"),)


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
    source_id: Mapped[int] = source_fk()
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
        CheckConstraint(one_of("status", SIGNATURE_STATUSES), name="status"),
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
    source_id: Mapped[int] = source_fk()

    __table_args__ = (
        CheckConstraint(one_of("from_status", SIGNATURE_STATUSES), name="from_status"),
        CheckConstraint(one_of("to_status", SIGNATURE_STATUSES), name="to_status"),
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
    source_id: Mapped[int] = source_fk()
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (
        UniqueConstraint("letter_id", "as_of", "source_id", "value", "qualifier"),
        Index("ix_reported_counts_letter_id_as_of", "letter_id", "as_of"),
        CheckConstraint("value >= 0", name="value_not_negative"),
        CheckConstraint(
            "population IS NULL OR population >= value", name="value_within_population"
        ),
        CheckConstraint(one_of("qualifier", COUNT_QUALIFIERS), name="qualifier"),
    )
