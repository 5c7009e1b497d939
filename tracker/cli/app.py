"""`tracker`: the entry point. Global options, then one sub-app per command group."""

from __future__ import annotations

import typer

from tracker import __version__
from tracker.cli import demands, letters, people, publishing, reports, setup, signatories
from tracker.cli.common import state
from tracker.settings import DATABASE_URL_ENV

app = typer.Typer(
    name="tracker",
    help="Track open letters: who signed, in which roles, how many according to whom, "
    "and whether the demands were met.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tracker {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    db: str | None = typer.Option(
        None,
        "--db",
        metavar="URL",
        help=f"Database URL (default: ${DATABASE_URL_ENV}, else sqlite:///tracker.db).",
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    state.reset(db)


setup.register(app)
letters.register(app)
signatories.register(app)
people.register(app)
demands.register(app)
reports.register(app)
publishing.register(app)


def main() -> None:
    from tracker.cli.terminal import guard_terminal

    guard_terminal()
    app()
