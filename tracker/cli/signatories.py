"""`signatory`: add, list, retract and re-status the signatures on a letter."""

from __future__ import annotations

from pathlib import Path

import typer

from tracker.cli.common import (
    MAX_NUMBER,
    FormatOption,
    OutputFormat,
    emit,
    handle_errors,
    say,
    unit_of_work,
)
from tracker.domain.dates import parse_datetime
from tracker.errors import BadInput

signatory_app = typer.Typer(help="Signatures on letters.", no_args_is_help=True)

LETTER = typer.Option(..., "--letter", metavar="SLUG", help="The letter.")
SOURCE = typer.Option(..., "--source", metavar="KEY", help="The source of this fact.")
LIST_COLUMNS = [
    "position",
    "name",
    "title",
    "affiliation",
    "status",
    "signed_at",
    "source",
    "person_id",
]


@signatory_app.command("add")
@handle_errors
def signatory_add(
    name: str,
    letter: str = LETTER,
    source: str = SOURCE,
    position: int | None = typer.Option(None, "--position", metavar="N", min=1, max=MAX_NUMBER),
    status: str = typer.Option("reported", "--status", help="reported or confirmed."),
    signed_at: str | None = typer.Option(None, "--signed-at", metavar="D"),
    same_as: str | None = typer.Option(
        None, "--same-as", metavar="PERSON", help="Attach to this person; keep NAME as an alias."
    ),
    new_person: bool = typer.Option(
        False, "--new-person", help="NAME is someone new, whatever it resembles."
    ),
    title: str | None = typer.Option(None, "--title", help="The title the list gives."),
    affiliation: str | None = typer.Option(
        None, "--affiliation", "--org", help="The affiliation the list gives (free text)."
    ),
    link: str | None = typer.Option(None, "--link", "--url", help="The signer's link."),
    email: str | None = typer.Option(None, "--email", help="The signer's e-mail (private)."),
    handle: str | None = typer.Option(None, "--handle", help="The signer's handle (@name)."),
    location: str | None = typer.Option(None, "--location", help="Where the signer is."),
    withheld: bool = typer.Option(
        False, "--withheld", help="The signer asked not to be named: counted, never published."
    ),
) -> None:
    """Add NAME's signature to a letter, with what the list published about the signer.

    NAME goes to the person the evidence shows (the same link, e-mail or handle; or a name only
    one person holds). A near miss stops with exit 3: "did you mean ...?"."""
    from tracker.services.signatories import Published, add_signatory

    when = parse_datetime(signed_at, what="--signed-at date") if signed_at else None
    published = Published(
        title=title,
        affiliation=affiliation,
        link=link,
        email=email,
        handle=handle,
        location=location,
        withheld=withheld,
    )
    with unit_of_work() as uow:
        result = add_signatory(
            uow=uow,
            slug=letter,
            name=name,
            source_key=source,
            position=position,
            status=status,
            signed_at=when,
            same_as=same_as,
            new_person=new_person,
            published=published,
        )
        uow.commit()
    if not result.signed:
        say(f"{result.person} already signed {letter} ({result.status}); nothing changed")
        return
    new = " (new person)" if result.created_person else ""
    via = f" (the same {result.via})" if result.via in ("link", "email", "handle") else ""
    alias = f"; kept {name.strip()!r} as an alias" if result.alias_added else ""
    say(f"{result.person}{new}{via} signed {letter}{alias}")


@signatory_app.command("list")
@handle_errors
def signatory_list(
    slug: str,
    status: str | None = typer.Option(None, "--status", help="Only this status."),
    include_all: bool = typer.Option(False, "--all", help="Include retracted signatures."),
    private: bool = typer.Option(
        False, "--private", help="Include e-mail addresses and withheld names (personal data)."
    ),
    fmt: OutputFormat = FormatOption,
) -> None:
    """List a letter's signatories in published order (retracted ones left out)."""
    from tracker.db.models import SIGNATURE_STATUSES
    from tracker.services.signatories import iter_signatories

    if status is not None and status not in SIGNATURE_STATUSES:
        raise BadInput(f"unknown status '{status}'; use one of {', '.join(SIGNATURE_STATUSES)}")
    columns = LIST_COLUMNS + (["email"] if private else [])
    with unit_of_work(readonly=True) as uow:
        rows = iter_signatories(
            uow=uow, slug=slug, status=status, include_all=include_all, private=private
        )
        emit((row.as_dict(private=private) for row in rows), columns, fmt)


@signatory_app.command("retract")
@handle_errors
def signatory_retract(
    name: str,
    letter: str = LETTER,
    source: str = SOURCE,
    reason: str = typer.Option(..., "--reason", metavar="TEXT"),
) -> None:
    """Mark a signature retracted. It stays on record, out of lists and counts."""
    from tracker.services.signatories import change_status

    with unit_of_work() as uow:
        before, _ = change_status(
            uow=uow, slug=letter, name=name, to="retracted", source_key=source, reason=reason
        )
        uow.commit()
    say(f"retracted {name.strip()} on {letter} (was {before})")


def _withhold(name: str, letter: str, source: str, *, withheld: bool) -> None:
    from tracker.services.signatories import set_withheld

    with unit_of_work() as uow:
        changed = set_withheld(uow=uow, slug=letter, name=name, withheld=withheld,
                               source_key=source)  # fmt: skip
        uow.commit()
    entries = f"{changed} entr{'y' if changed == 1 else 'ies'}"
    if withheld:
        say(f"withheld {entries} on {letter}: counted, and named in no public output")
    else:
        say(f"named {entries} on {letter} again")


@signatory_app.command("withhold")
@handle_errors
def signatory_withhold(name: str, letter: str = LETTER, source: str = SOURCE) -> None:
    """The signer asked not to be named: the signature still counts, and no report, export or
    published page names them (unless asked for explicitly, e.g. `signatory list --private`)."""
    _withhold(name, letter, source, withheld=True)


@signatory_app.command("unwithhold")
@handle_errors
def signatory_unwithhold(name: str, letter: str = LETTER, source: str = SOURCE) -> None:
    """The signer may be named again."""
    _withhold(name, letter, source, withheld=False)


@signatory_app.command("status")
@handle_errors
def signatory_status(
    name: str,
    letter: str = LETTER,
    to: str = typer.Option(..., "--to", help="reported, confirmed or disputed."),
    source: str = SOURCE,
    reason: str | None = typer.Option(None, "--reason", metavar="TEXT"),
) -> None:
    """Change a signature's status."""
    from tracker.services.signatories import CHANGE_STATUSES, change_status

    if to not in CHANGE_STATUSES:
        raise BadInput(
            f"--to must be one of {', '.join(CHANGE_STATUSES)}; to retract, use `signatory retract`"
        )
    with unit_of_work() as uow:
        before, after = change_status(
            uow=uow, slug=letter, name=name, to=to, source_key=source, reason=reason
        )
        uow.commit()
    say(f"{name.strip()} on {letter}: {before} -> {after}")


@signatory_app.command("move")
@handle_errors
def signatory_move(
    name: str,
    letter: str = LETTER,
    to: str = typer.Option(..., "--to", metavar="PERSON", help="The person it belongs to."),
    source: str = SOURCE,
    signature: int | None = typer.Option(
        None,
        "--signature",
        metavar="ID",
        min=1,
        max=2**31 - 1,
        help="Which entry, when NAME's person has several on the letter.",
    ),
) -> None:
    """Decide that NAME's signature on a letter is another person's. Undo with `person undo`."""
    from tracker.services.decisions import move

    with unit_of_work() as uow:
        decision, left, went = move(
            uow=uow, name=name, slug=letter, to=to, source_key=source, signature_id=signature
        )
        uow.commit()
    say(f"moved the signature on {letter} from {left.name} to {went.name} (decision #{decision})")


@signatory_app.command("import")
@handle_errors
def signatory_import(
    file: str = typer.Argument(
        ..., metavar="FILE", help="CSV, JSON lines or a text list; - for stdin."
    ),
    letter: str = LETTER,
    source: str = SOURCE,
    on_error: str = typer.Option("abort", "--on-error", help="abort (default) or skip."),
    rejects: Path | None = typer.Option(
        None, "--rejects", metavar="FILE", help="With --on-error skip: write bad rows here."
    ),
    merges: Path | None = typer.Option(
        None, "--merges", metavar="FILE", help="Write which rows were linked to whom, and why."
    ),
    strict: bool = typer.Option(
        False, "--strict", help="Reject a row with an unreadable date or status (else kept)."
    ),
    dayfirst: bool = typer.Option(
        False, "--dayfirst", help="Read a date such as 03/04/2024 as 3 April."
    ),
    pattern: str = typer.Option(
        "paren",
        "--pattern",
        help="Text lists: how a line prints a signer. paren: 'Name (Affiliation)'; comma: "
        "'Name, Title, Organisation'; dash: 'Name - Title, Organisation'; none: the name alone.",
    ),
    section: str | None = typer.Option(
        None,
        "--section",
        metavar="TEXT",
        help="Markdown and HTML pages: read the sections whose heading holds TEXT (by default "
        "every section but one of organizations).",
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check everything, write nothing."),
    encoding: str | None = typer.Option(
        None,
        "--encoding",
        metavar="E",
        help="The file's encoding (default UTF-8), or auto to detect it.",
    ),
    fmt: str = typer.Option("auto", "--format", help="auto, csv, jsonl, text, markdown or html."),
) -> None:
    """Import a signatory list: all or nothing, and running it again changes nothing."""
    from tracker.cli.importing import run_import

    run_import(
        file=file,
        letter=letter,
        source=source,
        on_error=on_error,
        rejects=rejects,
        merges=merges,
        strict=strict,
        dayfirst=dayfirst,
        pattern=pattern,
        section=section,
        dry_run=dry_run,
        encoding=encoding,
        fmt=fmt,
    )


def register(app: typer.Typer) -> None:
    app.add_typer(signatory_app, name="signatory")
