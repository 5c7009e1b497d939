"""Sources: the documents every fact rests on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from tracker.db.models import Source
from tracker.db.uow import UnitOfWork
from tracker.domain.dates import iso, utcnow
from tracker.errors import BadInput, NotFound
from tracker.services import audit


@dataclass(frozen=True)
class SourceInfo:
    key: str
    title: str
    publisher: str | None
    url: str | None
    published_on: dt.date | None
    language: str | None
    note: str | None

    @classmethod
    def of(cls, source: Source) -> SourceInfo:
        return cls(
            source.key,
            source.title,
            source.publisher,
            source.url,
            source.published_on,
            source.language,
            source.note,
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "title": self.title,
            "publisher": self.publisher,
            "url": self.url,
            "date": iso(self.published_on),
            "language": self.language,
            "note": self.note,
        }


def get_source(*, uow: UnitOfWork, key: str) -> Source:
    source = uow.session.scalar(select(Source).where(Source.key == key))
    if source is None:
        raise NotFound(
            f"unknown source '{key}'; add it with `tracker source add {key} --title ...`"
        )
    return source


def add_source(
    *,
    uow: UnitOfWork,
    key: str,
    title: str,
    publisher: str | None = None,
    url: str | None = None,
    published_on: dt.date | None = None,
    language: str | None = None,
    note: str | None = None,
    exist_ok: bool = False,
) -> tuple[SourceInfo, bool]:
    """Add a source; returns it and whether it was created."""
    key = key.strip()
    if not key or any(ch.isspace() for ch in key):
        raise BadInput(f"invalid source key '{key}'; use a short key without spaces")
    if not title.strip():
        raise BadInput("the source title is empty")
    existing = uow.session.scalar(select(Source).where(Source.key == key))
    if existing is not None:
        if exist_ok:
            return SourceInfo.of(existing), False
        raise BadInput(f"source '{key}' already exists; see `tracker source list`")
    source = Source(
        key=key,
        title=title.strip(),
        publisher=publisher,
        url=url,
        published_on=published_on,
        language=language,
        note=note,
        created_at=utcnow(),
    )
    uow.session.add(source)
    uow.flush()
    info = SourceInfo.of(source)
    audit.record(
        uow=uow,
        action="add",
        entity="source",
        entity_id=source.id,
        summary=f"source {key} added",
        source_id=source.id,
        after=info.as_dict(),
    )
    return info, True


def list_sources(*, uow: UnitOfWork) -> list[SourceInfo]:
    return [SourceInfo.of(s) for s in uow.session.scalars(select(Source).order_by(Source.key))]
