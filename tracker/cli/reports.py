"""`report`: the tally, roles, demands, signatories and counts as CSV, JSON or a table; `report all`
writes every one of them, a Frictionless `datapackage.json` and a chart into a folder."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from tracker.cli.common import (
    OutputFormat,
    check_output,
    emit,
    handle_errors,
    say,
    state,
    unit_of_work,
)
from tracker.domain.dates import parse_date

if TYPE_CHECKING:
    from tracker.reports.model import Report

report_app = typer.Typer(
    help="Reports: CSV, JSON, a data package and a chart.", no_args_is_help=True
)

SLUG = typer.Argument(None, help="The letter (optional when there is only one).")
AS_OF = typer.Option(None, "--as-of", metavar="D", help="Read the facts as of this date.")
EXCEL = typer.Option(False, "--excel", help="Start CSV files with the BOM Excel needs.")


def _as_of(text: str | None) -> dt.date | None:
    return parse_date(text, what="--as-of date") if text else None


def _single_report(name: str) -> Callable[..., None]:
    def command(
        slug: str | None = SLUG,
        as_of: str | None = AS_OF,
        out: Path | None = typer.Option(None, "--out", metavar="FILE", help="Write to FILE."),
        fmt: OutputFormat = typer.Option(OutputFormat.csv, "--format", "-f"),
        excel: bool = EXCEL,
        series: bool = typer.Option(False, "--series", help="tally: one row per reported count."),
    ) -> None:
        from tracker.reports import output, summaries
        from tracker.reports.catalog import BUILDERS
        from tracker.reports.model import combined
        from tracker.services.letters import letters_named

        day = _as_of(as_of)
        check_output(out)
        # One read transaction: the report is one consistent snapshot, streamed while it is open.
        with unit_of_work(readonly=True) as uow:
            parts = []
            for letter in letters_named(uow=uow, slug=slug):  # every letter when none is named
                if name == "tally":
                    parts.append(summaries.tally(uow=uow, letter=letter, as_of=day, series=series))
                else:
                    parts.append(BUILDERS[name](uow=uow, letter=letter, as_of=day))
            report = combined(parts)
            # Through Arrow into a file or a pipe; a terminal gets the rows escaped (`terminal`).
            through_arrow = (
                fmt is OutputFormat.csv
                and report.arrow is not None
                and (out is not None or not sys.stdout.isatty())
            )
            if fmt is OutputFormat.json:
                if out:
                    with output.atomic_file(out) as handle:
                        output.write_json_rows(report, handle)
                else:
                    output.write_json_rows(report, sys.stdout)
            elif fmt is OutputFormat.table:
                several = slug is None and len(parts) > 1
                columns = [c for c in report.columns if c != "letter" or several]
                emit(list(output.records(report)), columns, fmt)
            elif not through_arrow:
                _write_csv(report, out, excel)
        if through_arrow:
            # Arrow reads with its own snapshot after this process's sqlite3 connections close.
            state.close_connections()
            _write_csv(report, out, excel)
        if out:
            say(f"wrote {out}")

    command.__doc__ = f"The {name} report of a letter (of every letter, when none is named)."
    return handle_errors(command)


def _write_csv(report: Report, out: Path | None, excel: bool) -> None:
    from tracker.reports import output

    if out:
        output.write_csv_file(report, out, excel=excel)
    else:
        if excel:
            sys.stdout.write("\ufeff")
        output.write_csv(report, sys.stdout)


def write_letter_reports(
    slug: str, folder: Path, *, as_of: dt.date | None = None, excel: bool = False
) -> list[Path]:
    """Every report of one letter as CSV, the data package that describes them, and the chart.

    Every file comes from one read transaction, so they agree with each other whatever is
    written meanwhile. The files are written into a hidden folder inside their place and moved
    in at the end, so that a failure or a kill never leaves old and new files mixed.
    """
    from tracker.reports import output
    from tracker.reports.bundle import write_reports
    from tracker.services.letters import get_letter

    with output.staging_folder(folder) as staging, unit_of_work(readonly=True) as uow:
        letter = get_letter(uow=uow, slug=slug)
        written = write_reports(uow=uow, letter=letter, folder=staging, as_of=as_of, excel=excel)
    return [folder / name for name in written.files]


def write_all_reports(
    folder: Path, *, as_of: dt.date | None = None, excel: bool = False
) -> list[tuple[str, list[Path]]]:
    """Every letter's reports: in FOLDER for a single letter, else in FOLDER/SLUG."""
    from tracker.services.letters import list_letters

    with unit_of_work(readonly=True) as uow:
        slugs = [info.slug for info in list_letters(uow=uow)]
    return [
        (
            slug,
            write_letter_reports(
                slug, folder if len(slugs) == 1 else folder / slug, as_of=as_of, excel=excel
            ),
        )
        for slug in slugs
    ]


@handle_errors
def report_all(
    slug: str | None = SLUG,
    folder: Path = typer.Option(Path("reports"), "--dir", metavar="DIR"),
    as_of: str | None = AS_OF,
    excel: bool = EXCEL,
) -> None:
    """Every report as CSV, a datapackage.json describing them, and a chart PNG, in DIR; with
    several letters and none named, every letter's in DIR/SLUG."""
    from tracker.services.letters import get_letter

    day = _as_of(as_of)
    if slug:
        with unit_of_work(readonly=True) as uow:
            get_letter(uow=uow, slug=slug)
        written = write_letter_reports(slug, folder, as_of=day, excel=excel)
    else:
        written = [path for _, paths in write_all_reports(folder, as_of=day, excel=excel)
                   for path in paths]  # fmt: skip
    for path in written:
        say(f"wrote {path}")


@handle_errors
def report_chart(
    slug: str | None = SLUG,
    out: Path = typer.Option(..., "--out", metavar="FILE.png"),
    as_of: str | None = AS_OF,
) -> None:
    """A PNG of the reported counts over time against the named list and the population."""
    from tracker.reports import chart, summaries
    from tracker.services.letters import resolve_letter_slug

    day = _as_of(as_of)
    check_output(out)
    with unit_of_work(readonly=True) as uow:
        letter = resolve_letter_slug(uow=uow, slug=slug)
        counts = summaries.counts(uow=uow, letter=letter, as_of=day)
        tally, _, signing = summaries.tally_and_series(uow=uow, letter=letter, as_of=day)
        title = letter.title
    chart.draw_chart(
        title=f"{title}: reported signers", counts=counts, tally=tally, signing=signing, path=out
    )
    say(f"wrote {out}")


def _share(value: Any) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def print_summary() -> None:
    """The quickstart's summary: the tally and the demands of every letter."""
    from tracker.reports import output, summaries
    from tracker.services.demand_status import demand_status
    from tracker.services.letters import list_letters

    with unit_of_work(readonly=True) as uow:
        from tracker.services.letters import get_letter

        for info in list_letters(uow=uow):
            letter = get_letter(uow=uow, slug=info.slug)
            (row,) = output.records(summaries.tally(uow=uow, letter=letter))
            status = demand_status(uow=uow, slug=info.slug)
            say(f"{info.slug}: {info.title} ({info.dated})")
            say(f"  population         {row['population']} ({row['population_source']})")
            if row["reported"] is not None:
                words = {"up-to": "up to ", "at-least": "at least ", "approximate": "about "}
                say(
                    f"  latest count       {words.get(row['qualifier'], '')}{row['reported']} "
                    f"as of {row['reported_as_of'][:10]} ({row['reported_source']})"
                )
            say(f"  named signatories  {row['named']} ({row['named_sources']})")
            if row["people"] != row["named"] or row["same_name_pairs"]:
                say(
                    f"  distinct people    {row['people']}; {row['same_name_pairs']} pairs of "
                    "one name to review (`tracker person duplicates`)"
                )
            if row["unnamed"] is not None:
                say(f"  unnamed            {row['unnamed']}")
            say(
                f"  shares             reported/population "
                f"{_share(row['reported_share_of_population'])}, named/reported "
                f"{_share(row['named_share_of_reported'])}, named/population "
                f"{_share(row['named_share_of_population'])}"
            )
            for demand in status.demands:
                say(f"  demand {demand.key}: {demand.status}")
            say(f"  ultimatum: {status.ultimatum_state} ({status.ultimatum_reason})")


def register(app: typer.Typer) -> None:
    for name in ("tally", "roles", "demands", "signatories", "counts", "signing"):
        report_app.command(name)(_single_report(name))
    report_app.command("all")(report_all)
    report_app.command("chart")(report_chart)
    app.add_typer(report_app, name="report")
