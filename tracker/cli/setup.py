"""Setting up: `init`, `seed`, `quickstart`, and the schema's migrations under `db`."""

from __future__ import annotations

from pathlib import Path

import typer

from tracker.cli.common import handle_errors, note, say, state, unit_of_work

db_app = typer.Typer(help="The database schema's migrations (Alembic).", no_args_is_help=True)


@handle_errors
def init() -> None:
    """Create the database, or upgrade it to the newest schema."""
    from tracker.db import migrations

    engine = state.engine()
    before = migrations.current_revision(engine)
    migrations.upgrade(engine)
    after = migrations.current_revision(engine)
    url = engine.url.render_as_string(hide_password=True)
    if before == after:
        say(f"database {url} is up to date (revision {after})")
    else:
        say(f"database {url} is at revision {after} (was {before or 'empty'})")


def _seed() -> None:
    from tracker.services.seeding import seed_all

    with unit_of_work() as uow:
        result = seed_all(uow=uow)
        uow.commit()
    letters = ", ".join(result.letters)
    if result.changes:
        say(f"seeded {letters}: {result.changes} changes")
    else:
        say(f"seed data already loaded ({letters}); nothing changed")


@handle_errors
def seed() -> None:
    """Load the bundled letters. Running it again changes nothing."""
    _seed()


@handle_errors
def quickstart(
    reports_dir: Path = typer.Option(
        Path("reports"), "--reports", metavar="DIR", help="Where to write the reports."
    ),
) -> None:
    """init + seed + every report of every letter in DIR + a short summary."""
    from tracker.cli.reports import print_summary, write_all_reports

    init()
    _seed()
    for slug, written in write_all_reports(reports_dir):
        note(f"{slug}: wrote {len(written)} files to {reports_dir}")
    print_summary()


@db_app.command("current")
@handle_errors
def db_current() -> None:
    """Print the schema revision the database is at."""
    from tracker.db import migrations

    revision = migrations.current_revision(state.engine())
    head = migrations.SCHEMA_HEAD
    if revision is None:
        say("empty (no schema); run `tracker init`")
    else:
        say(f"{revision}{' (head)' if revision == head else f' (head is {head})'}")


@db_app.command("history")
@handle_errors
def db_history() -> None:
    """List the schema's revisions, newest first."""
    from tracker.db import migrations

    for rev in migrations.history():
        head = " (head)" if rev.is_head else ""
        say(f"{rev.down_revision or '<base>'} -> {rev.revision}{head}, {rev.message}")


@db_app.command("upgrade")
@handle_errors
def db_upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Upgrade the schema to REVISION (default: head)."""
    from tracker.db import migrations

    migrations.upgrade(state.engine(), revision)
    say(f"at revision {migrations.current_revision(state.engine()) or 'base'}")


@db_app.command("downgrade")
@handle_errors
def db_downgrade(
    revision: str = typer.Argument(..., help="Target revision, or 'base'."),
    yes: bool = typer.Option(False, "--yes", help="Drop the data the downgrade drops."),
) -> None:
    """Downgrade the schema to REVISION. A downgrade that drops data (to base: every table)
    says what it would drop and needs --yes."""
    from tracker.db import migrations
    from tracker.errors import BadInput

    dropped = migrations.data_dropped(state.engine(), revision)
    if dropped and not yes:
        raise BadInput(
            f"downgrading to {revision} would drop {'; and '.join(dropped)}; pass --yes to do it"
        )
    migrations.downgrade(state.engine(), revision)
    say(f"at revision {migrations.current_revision(state.engine()) or 'base'}")


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(seed)
    app.command()(quickstart)
    app.add_typer(db_app, name="db")
