"""`publish`: the letters as a static website with a public database."""

from __future__ import annotations

from pathlib import Path

import typer

from tracker.cli.common import handle_errors, say, unit_of_work
from tracker.domain.dates import parse_date


@handle_errors
def publish(
    slug: str | None = typer.Argument(None, help="The letter (every letter when left out)."),
    folder: Path = typer.Option(..., "--dir", metavar="DIR", help="Where to write the site."),
    retracted: str = typer.Option(
        "show",
        "--retracted",
        metavar="show|hide",
        help="Show retracted entries as retracted, "
        "or leave them out of the list (they never count).",
    ),
    as_of: str | None = typer.Option(None, "--as-of", metavar="D", help="Facts as of this date."),
    license_name: str | None = typer.Option(
        None, "--license", metavar="NAME", help="The data's licence, for the public database."
    ),
    license_url: str | None = typer.Option(None, "--license-url", metavar="URL"),
) -> None:
    """Write a static website of the letters into DIR: each letter's tally, chart, demands,
    signatories (searchable and paged), sources and changes, with the CSV reports, the data
    package and a public SQLite database to download. Opens from the disk or any static host;
    withheld names and e-mails are never written. DIR must be new, empty or a previous publish;
    it is replaced whole, never left half-written."""
    from tracker.errors import BadInput
    from tracker.publishing import publish as write_site
    from tracker.publishing.folder import check_target
    from tracker.services.letters import get_letter, list_letters

    if retracted not in ("show", "hide"):
        raise BadInput(f"--retracted is show or hide, not '{retracted}'")
    day = parse_date(as_of, what="--as-of date") if as_of else None
    check_target(folder)
    with unit_of_work(readonly=True) as uow:
        if slug:
            slugs = [get_letter(uow=uow, slug=slug).slug]
        else:  # in the order of `letter list`: by date, undated last
            slugs = [info.slug for info in list_letters(uow=uow)]
        if not slugs:
            raise BadInput("there are no letters to publish; run `tracker seed` or `letter load`")
    result = write_site(
        open_uow=lambda: unit_of_work(readonly=True),
        slugs=slugs,
        folder=folder,
        retracted=retracted == "show",
        as_of=day,
        license_name=license_name,
        license_url=license_url,
    )
    say(f"published {', '.join(result.letters)} into {folder} ({result.files} files); "
        f"open {folder / 'index.html'}")  # fmt: skip


def register(app: typer.Typer) -> None:
    app.command()(publish)
