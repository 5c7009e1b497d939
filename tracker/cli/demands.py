"""`demand`: what a letter asks for, and which demands have been met as of a date."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from tracker.cli.common import (
    FormatOption,
    OutputFormat,
    emit,
    emit_json,
    handle_errors,
    say,
    unit_of_work,
)
from tracker.domain.dates import parse_date
from tracker.errors import BadInput, CheckFailed

if TYPE_CHECKING:
    from tracker.services.demand_status import StatusReport

demand_app = typer.Typer(help="Demands and whether they were met.", no_args_is_help=True)

AS_OF = typer.Option(None, "--as-of", metavar="D", help="Judge as of this date (default: today).")
STATUS_COLUMNS = ["key", "kind", "status", "reason", "sources"]


@demand_app.command("list")
@handle_errors
def demand_list(slug: str, fmt: OutputFormat = FormatOption) -> None:
    """List a letter's demands."""
    from tracker.services.demands import list_demands

    with unit_of_work(readonly=True) as uow:
        rows = [
            {
                "key": d.key,
                "kind": d.kind,
                "summary": d.summary,
                "role": d.role_title,
                "required": d.required_count,
            }
            for d in list_demands(uow=uow, slug=slug)
        ]
    emit(rows, ["key", "kind", "summary", "role", "required"], fmt)


SOURCE = typer.Option(..., "--source", metavar="KEY", help="The source of this fact.")
target_app = typer.Typer(help="People a demand is about.", no_args_is_help=True)
candidate_app = typer.Typer(help='Examples a demand gives ("such as ...").', no_args_is_help=True)


@demand_app.command("add")
@handle_errors
def demand_add(
    slug: str,
    key: str,
    kind: str = typer.Option(..., "--kind", help="resign, appoint, reinstate or other."),
    summary: str = typer.Option(..., "--summary", metavar="TEXT", help="What the letter asks."),
    source: str = SOURCE,
    title: str | None = typer.Option(None, "--title", help="The role (resign/appoint/reinstate)."),
    org: str | None = typer.Option(None, "--org", metavar="ORG", help="Where the role is held."),
    required: int | None = typer.Option(
        None, "--required", metavar="N", min=1, max=2**31 - 1, help="How many must be appointed."
    ),
) -> None:
    """Add a demand to a letter. Role demands (resign, appoint, reinstate) are decided by the
    roles recorded; a demand of kind `other` by the outcomes recorded (`demand record`)."""
    from tracker.domain.names import clean_text
    from tracker.services.demands import DemandSpec, add_demand

    spec = DemandSpec(
        key=clean_text(key, what="demand key", limit=100),
        kind=kind,
        summary=clean_text(summary, what="summary", limit=2_000),
        role_title=title,
        organization=org,
        required_count=required,
    )
    with unit_of_work() as uow:
        _, created = add_demand(uow=uow, slug=slug, spec=spec, source_key=source)
        uow.commit()
    say(f"added demand {key} to {slug}" if created else f"{slug} has a demand {key} already")


def _target_or_candidate(
    slug: str, key: str, person: str, source: str, title: str | None, *, candidate: bool
) -> None:
    from tracker.services.demands import add_target

    with unit_of_work() as uow:
        name, created = add_target(
            uow=uow, slug=slug, key=key, person=person, source_key=source, title=title,
            candidate=candidate,
        )  # fmt: skip
        uow.commit()
    what = "an example" if candidate else "a target"
    say(f"{name} is {what} of {key}" if created else f"{name} is {what} of {key} already")


@target_app.command("add")
@handle_errors
def demand_target_add(
    slug: str,
    key: str,
    person: str,
    source: str = SOURCE,
    title: str | None = typer.Option(None, "--title", help="Their title, if not the demand's."),
) -> None:
    """Record that demand KEY is about PERSON (who must resign, or be reinstated)."""
    _target_or_candidate(slug, key, person, source, title, candidate=False)


@candidate_app.command("add")
@handle_errors
def demand_candidate_add(slug: str, key: str, person: str, source: str = SOURCE) -> None:
    """Record PERSON as an example the demand gives ("such as ..."): reported, never deciding."""
    _target_or_candidate(slug, key, person, source, None, candidate=True)


@demand_app.command("correct")
@handle_errors
def demand_correct(
    slug: str,
    key: str,
    source: str = SOURCE,
    summary: str | None = typer.Option(None, "--summary", metavar="TEXT"),
    title: str | None = typer.Option(None, "--title", help="The role it is about."),
    org: str | None = typer.Option(None, "--org", metavar="ORG"),
    required: int | None = typer.Option(None, "--required", metavar="N", min=1, max=2**31 - 1),
) -> None:
    """Correct what a demand says; the history keeps what it said before."""
    from tracker.domain.names import clean_text
    from tracker.services.demands import correct_demand

    changes = {
        "summary": clean_text(summary, what="summary", limit=2_000) if summary else None,
        "role_title": clean_text(title, what="title", limit=300) if title else None,
        "organization": org,
        "required_count": required,
    }
    if not any(value is not None for value in changes.values()):
        raise BadInput("nothing to correct: pass --summary, --title, --org or --required")
    with unit_of_work() as uow:
        changed = correct_demand(uow=uow, slug=slug, key=key, source_key=source, changes=changes)
        uow.commit()
    if not changed:
        say(f"demand {key} of {slug} says that already; nothing changed")
    for name, (before, after) in changed.items():
        say(f"demand {key} of {slug}: {name} {before!r} -> {after!r}")


@demand_app.command("remove")
@handle_errors
def demand_remove(
    slug: str,
    key: str,
    source: str = SOURCE,
    reason: str = typer.Option(..., "--reason", metavar="TEXT", help="Why it was wrong."),
) -> None:
    """Take back a demand recorded in error, with its targets, examples and outcomes (the
    history keeps them). A demand its authors dropped: `demand record --outcome withdrawn`."""
    from tracker.services.demands import remove_demand

    with unit_of_work() as uow:
        remove_demand(uow=uow, slug=slug, key=key, source_key=source, reason=reason)
        uow.commit()
    say(f"removed demand {key} of {slug}")


def _remove_link(slug: str, key: str, person: str, source: str, *, candidate: bool) -> None:
    from tracker.services.demands import remove_target

    with unit_of_work() as uow:
        name = remove_target(
            uow=uow, slug=slug, key=key, person=person, source_key=source, candidate=candidate
        )
        uow.commit()
    say(f"{name} is no longer {'an example' if candidate else 'a target'} of {key}")


@target_app.command("remove")
@handle_errors
def demand_target_remove(slug: str, key: str, person: str, source: str = SOURCE) -> None:
    """Take PERSON off demand KEY's targets (the history keeps it)."""
    _remove_link(slug, key, person, source, candidate=False)


@candidate_app.command("remove")
@handle_errors
def demand_candidate_remove(slug: str, key: str, person: str, source: str = SOURCE) -> None:
    """Take PERSON off demand KEY's examples (the history keeps it)."""
    _remove_link(slug, key, person, source, candidate=True)


def _status_reports(slug: str | None, as_of: str | None) -> list[StatusReport]:
    """The named letter's demand status, or every letter's when none is named."""
    from tracker.services.demand_status import demand_status
    from tracker.services.letters import letters_named

    day = parse_date(as_of, what="--as-of date") if as_of else None
    with unit_of_work(readonly=True) as uow:
        return [
            demand_status(uow=uow, slug=letter.slug, as_of=day)
            for letter in letters_named(uow=uow, slug=slug)
        ]


@demand_app.command("status")
@handle_errors
def demand_status_command(
    slug: str | None = typer.Argument(None, help="The letter (every letter when left out)."),
    as_of: str | None = AS_OF,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Every demand's status, why, and on which sources; and the ultimatum's state. JSON: one
    object for one letter, a list of them for several."""
    reports = _status_reports(slug, as_of)
    if fmt is OutputFormat.json:
        shapes = [report.as_dict() for report in reports]
        emit_json(shapes[0] if len(shapes) == 1 else shapes)
        return
    several = len(reports) > 1
    if fmt is OutputFormat.csv:
        rows = [
            {**d.as_dict(), "letter": report.letter, "sources": _keys(d.sources)}
            for report in reports
            for d in report.demands
        ]
        columns = ["key", "kind", "status", "derived_status", "overridden_by_outcome", "reason"]
        emit(rows, (["letter"] if several else []) + [*columns, "sources"], fmt)
        return
    for report in reports:
        say(f"{report.letter} as of {report.as_of.isoformat()}")
        rows = [{**d.as_dict(), "sources": _keys(d.sources)} for d in report.demands]
        emit(rows, STATUS_COLUMNS, fmt)
        say(f"ultimatum: {report.ultimatum_state} ({report.ultimatum_reason})")


def _keys(sources: list[dict[str, str]]) -> str:
    return ", ".join(source["key"] for source in sources)


@demand_app.command("check")
@handle_errors
def demand_check(
    slug: str | None = typer.Argument(None, help="The letter (every letter when left out)."),
    as_of: str | None = AS_OF,
) -> None:
    """Exit 0 if every demand is met, 1 otherwise; one line per demand."""
    reports = [report for report in _status_reports(slug, as_of) if report.demands or slug]
    if not reports or not reports[0].demands:
        letter = slug or "no letter"
        raise CheckFailed(f"{letter} has no demands recorded; nothing to check")
    several = len(reports) > 1
    unmet = []
    for report in reports:
        for demand in report.demands:
            where = f"{report.letter} " if several else ""
            say(f"{where}{demand.key}: {demand.status}")
            if demand.status != "met":
                unmet.append(f"{where}{demand.key}")
    total = sum(len(report.demands) for report in reports)
    if unmet:
        raise CheckFailed(f"{len(unmet)} of {total} demands not met: {', '.join(unmet)}")


@demand_app.command("record")
@handle_errors
def demand_record(
    slug: str,
    demand_key: str,
    outcome: str = typer.Option(
        ..., "--outcome", help="met, partially-met, rejected or withdrawn."
    ),
    as_of: str = typer.Option(..., "--as-of", metavar="D"),
    source: str = typer.Option(..., "--source", metavar="KEY"),
    note: str | None = typer.Option(None, "--note"),
) -> None:
    """Record an outcome for a demand; it overrides the derived status from D on."""
    from tracker.services.demands import record_outcome

    day = parse_date(as_of, what="--as-of date")
    with unit_of_work() as uow:
        record_outcome(
            uow=uow,
            slug=slug,
            key=demand_key,
            outcome=outcome,
            as_of=day,
            source_key=source,
            note=note,
        )
        uow.commit()
    say(f"recorded {demand_key} of {slug} as {outcome} on {as_of}")


@demand_app.command("ultimatum")
@handle_errors
def demand_ultimatum(
    slug: str,
    carried_out: str = typer.Option(
        ..., "--carried-out", metavar="D", help="The date the ultimatum was carried out."
    ),
    source: str = typer.Option(..., "--source", metavar="KEY"),
) -> None:
    """Record that the letter's ultimatum was carried out."""
    from tracker.services.demands import record_ultimatum_carried_out

    day = parse_date(carried_out, what="--carried-out date")
    with unit_of_work() as uow:
        record_ultimatum_carried_out(uow=uow, slug=slug, on=day, source_key=source)
        uow.commit()
    say(f"the ultimatum of {slug} is recorded as carried out on {carried_out}")


def register(app: typer.Typer) -> None:
    demand_app.add_typer(target_app, name="target")
    demand_app.add_typer(candidate_app, name="candidate")
    app.add_typer(demand_app, name="demand")
