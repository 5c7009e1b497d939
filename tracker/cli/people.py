"""`person` (names, aliases, roles, probable duplicates) and `history` (the audit trail)."""

from __future__ import annotations

import typer

from tracker.cli.common import (
    MAX_NUMBER,
    FormatOption,
    OutputFormat,
    emit,
    emit_json,
    handle_errors,
    say,
    unit_of_work,
)
from tracker.domain.dates import parse_date

person_app = typer.Typer(help="People, their names, aliases and roles.", no_args_is_help=True)
role_app = typer.Typer(
    help="Roles a person held: title, organization, dates.", no_args_is_help=True
)

SOURCE = typer.Option(..., "--source", metavar="KEY", help="The source of this fact.")


@person_app.command("add")
@handle_errors
def person_add(
    name: str,
    source: str = SOURCE,
    note: str | None = typer.Option(None, "--note"),
    new_person: bool = typer.Option(
        False, "--new-person", help="Add even if NAME resembles someone."
    ),
) -> None:
    """Add a person who has signed nothing (yet). A near miss stops with exit 3."""
    from tracker.services.people import resolve_for_new_fact
    from tracker.services.sources import get_source

    with unit_of_work() as uow:
        source_id = get_source(uow=uow, key=source).id
        found = resolve_for_new_fact(
            uow=uow, name=name, source_id=source_id, new_person=new_person, note=note
        )
        uow.commit()
    if found.created:
        say(f"added {found.person.name} (#{found.person.id})")
    else:
        say(f"{found.person.name} (#{found.person.id}) is already known; nothing changed")


@person_app.command("show")
@handle_errors
def person_show(
    name: str,
    private: bool = typer.Option(
        False, "--private", help="Show entries whose signer asked not to be named (personal data)."
    ),
    fmt: OutputFormat = FormatOption,
) -> None:
    """Show a person: display name, aliases, roles, signatures and history."""
    from tracker.services.people import resolve_existing
    from tracker.services.profiles import person_profile

    with unit_of_work(readonly=True) as uow:
        person = resolve_existing(uow=uow, name=name)
        profile = person_profile(uow=uow, person=person, private=private)
    if fmt is OutputFormat.json:
        emit_json(profile)
        return
    if fmt is OutputFormat.csv:
        emit(profile["roles"], ["title", "organization", "start", "end", "source"], fmt)
        return
    say(f"{profile['name']} (#{profile['person_id']}, source {profile['source']})")
    if profile["note"]:
        say(f"  note: {profile['note']}")
    for alias in profile["aliases"]:
        say(f"  alias: {alias['alias']} ({alias['kind']}, {alias['source']})")
    for role in profile["roles"]:
        span = f"{role['start'] or '?'} to {role['end'] or 'now'}"
        say(f"  role: {role['title']}, {role['organization']} ({span}; {role['source']})")
    for sig in profile["signatures"]:
        say(
            f"  signed: {sig['letter']} as {sig['as_written']!r}, {sig['status']} ({sig['source']})"
            + (" (withheld)" if sig["withheld"] else "")
        )
        for change in sig["changes"]:
            why = f": {change['reason']}" if change["reason"] else ""
            say(f"    {change['at']} {change['from']} -> {change['to']} ({change['source']}){why}")
    if profile["withheld_signatures"]:
        count = profile["withheld_signatures"]
        entries = "1 entry" if count == 1 else f"{count} entries"
        say(f"  withheld: {entries} whose signer asked not to be named (--private shows them)")
    for entry in profile["history"]:
        say(f"  {entry['at']}  {entry['summary']} ({entry['source'] or '-'})")


@person_app.command("alias")
@handle_errors
def person_alias(
    name: str,
    alias: str,
    source: str = SOURCE,
    kind: str = typer.Option(
        "spelling", "--kind", help="spelling, translation, ocr, transliteration or nickname."
    ),
) -> None:
    """Record ALIAS as another spelling of NAME."""
    from tracker.services.people import add_alias, resolve_existing
    from tracker.services.sources import get_source

    with unit_of_work() as uow:
        source_id = get_source(uow=uow, key=source).id
        person = resolve_existing(uow=uow, name=name)
        added = add_alias(uow=uow, person=person, alias=alias, kind=kind, source_id=source_id)
        uow.commit()
    if added:
        say(f"{alias.strip()!r} is now a {kind} of {person.name}")
    else:
        say(f"{alias.strip()!r} is already known for {person.name}; nothing changed")


@role_app.command("add")
@handle_errors
def role_add(
    name: str,
    title: str = typer.Option(..., "--title"),
    org: str = typer.Option(..., "--org", metavar="ORG"),
    source: str = SOURCE,
    start: str | None = typer.Option(None, "--start", metavar="D"),
    end: str | None = typer.Option(None, "--end", metavar="D"),
) -> None:
    """Record that NAME holds (or held) TITLE at ORG."""
    from tracker.services.roles import add_role

    starts = parse_date(start, what="--start date") if start else None
    ends = parse_date(end, what="--end date") if end else None
    with unit_of_work() as uow:
        info, created = add_role(
            uow=uow,
            person_name=name,
            title=title,
            organization=org,
            source_key=source,
            starts_on=starts,
            ends_on=ends,
        )
        uow.commit()
    what = f"{info.person}: {info.title} at {info.organization}"
    say(f"added {what}" if created else f"already recorded: {what}")


@role_app.command("end")
@handle_errors
def role_end(
    name: str,
    title: str = typer.Option(..., "--title"),
    org: str = typer.Option(..., "--org", metavar="ORG"),
    end: str = typer.Option(..., "--end", metavar="D"),
    source: str = SOURCE,
) -> None:
    """Record that NAME's TITLE at ORG ended on D."""
    from tracker.services.roles import end_role

    ends = parse_date(end, what="--end date")
    with unit_of_work() as uow:
        info = end_role(
            uow=uow,
            person_name=name,
            title=title,
            organization=org,
            ends_on=ends,
            source_key=source,
        )
        uow.commit()
    say(f"ended {info.person}: {info.title} at {info.organization} on {end}")


@person_app.command("duplicates")
@handle_errors
def person_duplicates(
    letter: str | None = typer.Option(
        None, "--letter", metavar="SLUG", help="Pairs where at least one of the two signed it."
    ),
    min_score: float = typer.Option(
        50.0, "--min-score", metavar="S", min=0.0, max=100.0, help="Leave out pairs below S."
    ),
    private: bool = typer.Option(
        False, "--private", help="Name people known only as withheld signers (personal data)."
    ),
    fmt: OutputFormat = FormatOption,
) -> None:
    """The review queue: pairs of people who are probably one person, best first, with a score
    (0-100) and the evidence for and against. Decide with `person merge` or `person not-same`."""
    from tracker.services.duplicates import find_duplicates

    with unit_of_work(readonly=True) as uow:
        pairs = find_duplicates(uow=uow, slug=letter, min_score=min_score, private=private)
    emit(
        [p.as_dict() for p in pairs],
        ["score", "first_id", "first", "second_id", "second", "reason"],
        fmt,
    )


@person_app.command("merge")
@handle_errors
def person_merge(
    first: str = typer.Argument(..., metavar="A", help="The person kept (a name or #ID)."),
    second: str = typer.Argument(..., metavar="B", help="The person merged into A."),
    source: str = SOURCE,
    reason: str = typer.Option(..., "--reason", metavar="TEXT", help="Why they are one."),
) -> None:
    """Decide that A and B are one person: B's signatures, roles and names go to A. Undo with
    `person undo ID`; what the lists published stays as written."""
    from tracker.services.decisions import merge

    with unit_of_work() as uow:
        decision = merge(uow=uow, keep=first, merge_in=second, source_key=source, reason=reason)
        uow.commit()
    say(f"merged {second.strip()} into {first.strip()} (decision #{decision})")


@person_app.command("not-same")
@handle_errors
def person_not_same(
    first: str = typer.Argument(..., metavar="A"),
    second: str = typer.Argument(..., metavar="B"),
    reason: str | None = typer.Option(None, "--reason", metavar="TEXT"),
) -> None:
    """Decide that A and B are two people: the pair is never proposed again."""
    from tracker.services.decisions import not_same

    with unit_of_work() as uow:
        decision = not_same(uow=uow, first=first, second=second, reason=reason)
        uow.commit()
    if decision is None:
        say(f"{first.strip()} and {second.strip()} were judged apart already; nothing changed")
    else:
        say(f"{first.strip()} and {second.strip()} are not the same person (decision #{decision})")


@person_app.command("decisions")
@handle_errors
def person_decisions(
    private: bool = typer.Option(
        False, "--private", help="Name people known only as withheld signers (personal data)."
    ),
    fmt: OutputFormat = FormatOption,
) -> None:
    """Every decision on who is who (merge, not-same, move), newest first, undone ones too."""
    from tracker.services.decisions import list_decisions

    with unit_of_work(readonly=True) as uow:
        rows = [row.as_dict() for row in list_decisions(uow=uow, private=private)]
    emit(
        rows,
        ["id", "kind", "person_id", "person", "other_id", "other", "reason", "at", "undone_at"],
        fmt,
    )


@person_app.command("undo")
@handle_errors
def person_undo(
    decision: int = typer.Argument(..., metavar="ID", min=1, max=2**31 - 1),
    reason: str | None = typer.Option(None, "--reason", metavar="TEXT"),
) -> None:
    """Undo decision ID (see `person decisions`): what it moved goes back."""
    from tracker.services.decisions import undo

    with unit_of_work() as uow:
        done = undo(uow=uow, decision_id=decision, reason=reason)
        uow.commit()
    say(f"decision #{done.id} ({done.kind}) undone")


@handle_errors
def history(
    person: str | None = typer.Option(None, "--person", metavar="NAME"),
    letter: str | None = typer.Option(None, "--letter", metavar="SLUG"),
    limit: int = typer.Option(50, "--limit", metavar="N", min=1, max=MAX_NUMBER),
    private: bool = typer.Option(
        False, "--private", help="Show entries about withheld signers in full (personal data)."
    ),
    fmt: OutputFormat = FormatOption,
) -> None:
    """The audit trail, newest first: when, what, before and after, source. An entry about a
    signature withheld at its signer's request shows no text unless --private."""
    from tracker.errors import BadInput
    from tracker.services.history import read_history
    from tracker.services.letters import get_letter
    from tracker.services.people import resolve_existing

    if person and letter:
        raise BadInput("use --person or --letter, not both")
    with unit_of_work(readonly=True) as uow:
        person_id = resolve_existing(uow=uow, name=person).id if person else None
        letter_id = get_letter(uow=uow, slug=letter).id if letter else None
        rows = read_history(
            uow=uow, person_id=person_id, letter_id=letter_id, limit=limit, private=private
        )
    emit(rows, ["at", "action", "entity", "summary", "source"], fmt)


def register(app: typer.Typer) -> None:
    person_app.add_typer(role_app, name="role")
    app.add_typer(person_app, name="person")
    app.command("history")(history)
