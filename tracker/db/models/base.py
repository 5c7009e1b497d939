"""The base of the schema: naming conventions, shared lengths and enumerations, and the two
tables every other one refers to: the sources facts rest on, and the history of changes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

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


def one_of(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def source_fk(nullable: bool = False) -> Mapped[int]:
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
    source_id: Mapped[int | None] = source_fk(nullable=True)
