"""`letter`, `source` and `count`: the letters, the sources behind every fact, and the counts
that outlets reported."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from tracker.cli.common import (
    MAX_NUMBER,
    FormatOption,
    OutputFormat,
    check_output,
    emit,
    emit_json,
    handle_errors,
    note,
    say,
    unit_of_work,
)
from tracker.domain.dates import parse_date, parse_datetime
from tracker.errors import BadInput

letter_app = typer.Typer(help="Open letters.", no_args_is_help=True)
source_app = typer.Typer(help="Sources: the documents every fact rests on.", no_args_is_help=True)
count_app = typer.Typer(help="Counts of signers that outlets reported.", no_args_is_help=True)

QUALIFIERS = "exact, approximate, at-least or up-to"


LIST_COLUMNS = ["slug", "date", "title", "population", "reported", "named", "unnamed", "share"]


@letter_app.command("list")
@handle_errors
def letter_list(fmt: OutputFormat = FormatOption) -> None:
    """List the letters, each with its tally at a glance: the latest reported count, the named
    signatures, the unnamed rest and the reported share of the population."""
    from tracker.services.letters import list_letters

    with unit_of_work(readonly=True) as uow:
        infos = list_letters(uow=uow)
    if fmt is OutputFormat.table:
        emit([info.glance() for info in infos], LIST_COLUMNS, fmt)
    else:
        emit([info.as_dict() for info in infos], list(infos[0].as_dict()) if infos else [], fmt)


@letter_app.command("load")
@handle_errors
def letter_load(
    files: list[Path] = typer.Argument(..., metavar="FILE...", help="Letter files (TOML)."),
) -> None:
    """Load letters described in files (the format is in the README). Every file is checked
    first; loading a file again changes nothing."""
    from tracker.letterfiles import load_letter_files

    with unit_of_work() as uow:
        result = load_letter_files(uow=uow, paths=files)
        uow.commit()
    letters = ", ".join(result.letters)
    if result.changes:
        say(f"loaded {letters}: {result.changes} changes")
    else:
        say(f"{letters} already loaded; nothing changed")


@letter_app.command("export")
@handle_errors
def letter_export(
    slug: str,
    out: Path | None = typer.Option(None, "--out", metavar="FILE", help="Write to FILE."),
    private: bool = typer.Option(
        False, "--private", help="Include e-mails and withheld names (left out by default)."
    ),
) -> None:
    """Write a letter's facts as a letter file, which `tracker letter load` reads back."""
    from tracker.letterfiles.writing import export_letter
    from tracker.reports.output import atomic_file

    check_output(out)
    with unit_of_work(readonly=True) as uow:
        exported = export_letter(uow=uow, slug=slug, private=private)
    if out is None:
        sys.stdout.write(exported.text)
    else:
        with atomic_file(out) as handle:
            handle.write(exported.text)
        say(f"wrote {out}")
    if exported.withheld_left_out:
        note(
            f"left out {exported.withheld_left_out} withheld signatures (their signers asked not "
            "to be named); --private writes them"
        )


@letter_app.command("show")
@handle_errors
def letter_show(slug: str, fmt: OutputFormat = FormatOption) -> None:
    """Show one letter."""
    from tracker.services.letters import get_letter, letter_info

    with unit_of_work(readonly=True) as uow:
        info = letter_info(uow=uow, letter=get_letter(uow=uow, slug=slug)).as_dict()
    if fmt is OutputFormat.json:
        emit_json(info)
    elif fmt is OutputFormat.csv:
        emit([info], list(info), fmt)
    else:
        width = max(len(k) for k in info)
        for key, value in info.items():
            say(f"{key.ljust(width)}  {'' if value is None else value}")


@letter_app.command("add")
@handle_errors
def letter_add(
    slug: str,
    title: str = typer.Option(..., "--title"),
    addressed_to: str = typer.Option(..., "--addressed-to", metavar="WHO"),
    date: str | None = typer.Option(None, "--date", metavar="D"),
    population: int | None = typer.Option(None, "--population", metavar="N", min=0, max=MAX_NUMBER),
    population_source: str | None = typer.Option(None, "--population-source", metavar="KEY"),
    source: str | None = typer.Option(
        None, "--source", metavar="KEY", help="Where it was published."
    ),
    first_published_by: str | None = typer.Option(None, "--first-published-by", metavar="OUTLET"),
    ultimatum: str | None = typer.Option(None, "--ultimatum", metavar="TEXT"),
) -> None:
    """Add a letter."""
    from tracker.services.letters import add_letter

    dated = parse_date(date) if date else None
    with unit_of_work() as uow:
        add_letter(
            uow=uow,
            slug=slug,
            title=title,
            addressed_to=addressed_to,
            dated=dated,
            population=population,
            population_source_key=population_source,
            source_key=source,
            first_published_by=first_published_by,
            ultimatum=ultimatum,
            ultimatum_source_key=source if ultimatum else None,
        )
        uow.commit()
    say(f"added letter {slug}")


@source_app.command("add")
@handle_errors
def source_add(
    key: str,
    title: str = typer.Option(..., "--title"),
    publisher: str | None = typer.Option(None, "--publisher"),
    url: str | None = typer.Option(None, "--url"),
    date: str | None = typer.Option(None, "--date", metavar="D"),
    language: str | None = typer.Option(None, "--language", metavar="CODE"),
    note: str | None = typer.Option(None, "--note"),
) -> None:
    """Add a source."""
    from tracker.services.sources import add_source

    published = parse_date(date) if date else None
    with unit_of_work() as uow:
        add_source(
            uow=uow,
            key=key,
            title=title,
            publisher=publisher,
            url=url,
            published_on=published,
            language=language,
            note=note,
        )
        uow.commit()
    say(f"added source {key}")


@source_app.command("list")
@handle_errors
def source_list(fmt: OutputFormat = FormatOption) -> None:
    """List the sources."""
    from tracker.services.sources import list_sources

    with unit_of_work(readonly=True) as uow:
        rows = [s.as_dict() for s in list_sources(uow=uow)]
    emit(rows, ["key", "title", "publisher", "date", "language", "url", "note"], fmt)


@count_app.command("add")
@handle_errors
def count_add(
    slug: str,
    value: int = typer.Argument(..., max=MAX_NUMBER),
    as_of: str = typer.Option(..., "--as-of", metavar="D"),
    source: str = typer.Option(..., "--source", metavar="KEY"),
    of: int | None = typer.Option(None, "--of", metavar="POPULATION", min=0, max=MAX_NUMBER),
    qualifier: str = typer.Option("exact", "--qualifier", help=QUALIFIERS),
    note: str | None = typer.Option(None, "--note"),
) -> None:
    """Record a count of signers reported by SOURCE."""
    from tracker.services.counts import add_count

    if value < 0:
        raise BadInput(f"a count cannot be negative ({value})")
    moment = parse_datetime(as_of, what="--as-of date")
    with unit_of_work() as uow:
        info, created = add_count(
            uow=uow,
            slug=slug,
            value=value,
            as_of=moment,
            source_key=source,
            population=of,
            qualifier=qualifier,
            note=note,
        )
        uow.commit()
    of_text = f" of {info.population}" if info.population is not None else ""
    if created:
        say(f"recorded {qualifier} {value}{of_text} for {slug} as of {as_of} ({source})")
    else:
        say(f"already recorded: {qualifier} {value}{of_text} for {slug} as of {as_of} ({source})")


@count_app.command("list")
@handle_errors
def count_list(slug: str, fmt: OutputFormat = FormatOption) -> None:
    """List the reported counts of a letter, oldest first."""
    from tracker.services.counts import list_counts

    with unit_of_work(readonly=True) as uow:
        rows = [c.as_dict() for c in list_counts(uow=uow, slug=slug)]
    emit(rows, ["value", "qualifier", "population", "as_of", "source", "note"], fmt)


def register(app: typer.Typer) -> None:
    app.add_typer(letter_app, name="letter")
    app.add_typer(source_app, name="source")
    app.add_typer(count_app, name="count")
