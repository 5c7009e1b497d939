"""Letters: who wrote to whom, when, to how many people it could speak for."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import func, select

from tracker.db.models import Letter, ReportedCount, Signature, Source
from tracker.db.uow import UnitOfWork
from tracker.domain.dates import end_of_day, iso, utcnow
from tracker.domain.tally import TallyFigures
from tracker.errors import BadInput, NotFound
from tracker.services import audit
from tracker.services.sources import get_source

_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")


@dataclass(frozen=True)
class LetterInfo:
    slug: str
    title: str
    addressed_to: str
    dated: dt.date | None
    first_published_by: str | None
    population: int | None
    population_label: str | None
    population_source: str | None
    ultimatum: str | None
    named: int
    counts: int
    reported: int | None = None  # the latest reported count
    qualifier: str | None = None
    reported_population: int | None = None

    @property
    def figures(self) -> TallyFigures:
        population = self.reported_population or self.population
        return TallyFigures(population=population, reported=self.reported, named=self.named)

    def glance(self) -> dict[str, object]:
        """The tally at a glance, for a table of letters."""
        qualifier = "" if self.qualifier in (None, "exact") else f"{self.qualifier} "
        share = self.figures.reported_share_of_population
        return {
            "slug": self.slug,
            "date": iso(self.dated),
            "title": self.title,
            "population": self.figures.population,
            "reported": f"{qualifier}{self.reported}" if self.reported is not None else "",
            "named": self.named,
            "unnamed": self.figures.unnamed,
            "share": f"{share:.1%}" if share is not None else "",
        }

    def as_dict(self) -> dict[str, object]:
        return {
            "slug": self.slug,
            "title": self.title,
            "addressed_to": self.addressed_to,
            "date": iso(self.dated),
            "first_published_by": self.first_published_by,
            "population": self.population,
            "population_label": self.population_label,
            "population_source": self.population_source,
            "ultimatum": self.ultimatum,
            "named_signatories": self.named,
            "reported_counts": self.counts,
            "latest_reported": self.reported,
            "latest_qualifier": self.qualifier,
            "unnamed": self.figures.unnamed,
            "reported_share_of_population": self.figures.reported_share_of_population,
        }


def get_letter(*, uow: UnitOfWork, slug: str) -> Letter:
    letter = uow.session.scalar(select(Letter).where(Letter.slug == slug))
    if letter is None:
        raise NotFound(f"unknown letter '{slug}'; see `tracker letter list`")
    return letter


def add_letter(
    *,
    uow: UnitOfWork,
    slug: str,
    title: str,
    addressed_to: str,
    dated: dt.date | None = None,
    first_published_by: str | None = None,
    source_key: str | None = None,
    population: int | None = None,
    population_label: str | None = None,
    population_source_key: str | None = None,
    ultimatum: str | None = None,
    ultimatum_source_key: str | None = None,
    exist_ok: bool = False,
) -> tuple[Letter, bool]:
    if not _SLUG.fullmatch(slug):
        raise BadInput(f"invalid letter slug '{slug}'; use lower-case letters, digits and hyphens")
    if not title.strip() or not addressed_to.strip():
        raise BadInput("a letter needs a title and whom it is addressed to")
    if population is not None and population < 0:
        raise BadInput(f"the population cannot be negative ({population})")
    if population is not None and not population_source_key:
        raise BadInput("a population needs its source: pass --population-source KEY")
    existing = uow.session.scalar(select(Letter).where(Letter.slug == slug))
    if existing is not None:
        if exist_ok:
            return existing, False
        raise BadInput(f"letter '{slug}' already exists; see `tracker letter show {slug}`")

    def source_id(key: str | None) -> int | None:
        return get_source(uow=uow, key=key).id if key else None

    letter = Letter(
        slug=slug,
        title=title.strip(),
        addressed_to=addressed_to.strip(),
        dated=dated,
        first_published_by=first_published_by,
        source_id=source_id(source_key),
        population=population,
        population_label=population_label,
        population_source_id=source_id(population_source_key),
        ultimatum=ultimatum,
        ultimatum_source_id=source_id(ultimatum_source_key),
        created_at=utcnow(),
    )
    uow.session.add(letter)
    uow.flush()
    audit.record(
        uow=uow,
        action="add",
        entity="letter",
        entity_id=letter.id,
        letter_id=letter.id,
        summary=f"letter {slug} added",
        source_id=letter.source_id,
        after={
            "slug": slug,
            "title": letter.title,
            "addressed_to": letter.addressed_to,
            "date": iso(dated),
            "population": population,
        },
    )
    return letter, True


def letter_info(*, uow: UnitOfWork, letter: Letter) -> LetterInfo:
    session = uow.session
    named = session.scalar(
        select(func.count())
        .select_from(Signature)
        .where(Signature.letter_id == letter.id, Signature.status != "retracted")
    )
    counts = session.scalar(
        select(func.count()).select_from(ReportedCount).where(ReportedCount.letter_id == letter.id)
    )
    latest = session.execute(
        select(ReportedCount.value, ReportedCount.qualifier, ReportedCount.population)
        .where(
            ReportedCount.letter_id == letter.id, ReportedCount.as_of <= end_of_day(dt.date.today())
        )
        .order_by(ReportedCount.as_of.desc(), ReportedCount.id.desc())
        .limit(1)
    ).first()
    population_source = (
        session.scalar(select(Source.key).where(Source.id == letter.population_source_id))
        if letter.population_source_id
        else None
    )
    return LetterInfo(
        slug=letter.slug,
        title=letter.title,
        addressed_to=letter.addressed_to,
        dated=letter.dated,
        first_published_by=letter.first_published_by,
        population=letter.population,
        population_label=letter.population_label,
        population_source=population_source,
        ultimatum=letter.ultimatum,
        named=named or 0,
        counts=counts or 0,
        reported=latest.value if latest else None,
        qualifier=latest.qualifier if latest else None,
        reported_population=latest.population if latest else None,
    )


def list_letters(*, uow: UnitOfWork) -> list[LetterInfo]:
    letters = uow.session.scalars(
        select(Letter).order_by(Letter.dated.is_(None), Letter.dated, Letter.slug)
    ).all()
    return [letter_info(uow=uow, letter=letter) for letter in letters]


def letters_named(*, uow: UnitOfWork, slug: str | None) -> list[Letter]:
    """The named letter, or every letter when none is named."""
    if slug:
        return [get_letter(uow=uow, slug=slug)]
    letters = list(uow.session.scalars(select(Letter).order_by(Letter.slug)))
    if not letters:
        raise NotFound("there are no letters yet; run `tracker seed` or `tracker letter add`")
    return letters


def resolve_letter_slug(*, uow: UnitOfWork, slug: str | None) -> Letter:
    """The named letter, or the only one when none is named."""
    if slug:
        return get_letter(uow=uow, slug=slug)
    letters = uow.session.scalars(select(Letter).order_by(Letter.slug).limit(2)).all()
    if len(letters) == 1:
        return letters[0]
    if not letters:
        raise NotFound("there are no letters yet; run `tracker seed` or `tracker letter add`")
    raise BadInput("there are several letters; name one (see `tracker letter list`)")
