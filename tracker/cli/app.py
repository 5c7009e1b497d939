"""`tracker`: the entry point. Global options, then one sub-app per command group."""

from __future__ import annotations

import os
import sys

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


def _drop_stdout() -> None:
    """Point standard output at /dev/null, so that the interpreter's last flush of what could
    not be written fails no more (it would print a traceback of its own)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _bad_argument() -> str | None:
    """An argument that is not valid UTF-8 (the shell passed bytes that are not text)."""
    for index, argument in enumerate(sys.argv[1:], start=1):
        try:
            argument.encode("utf-8")
        except UnicodeEncodeError:
            return f"error: argument {index} is not valid UTF-8 text"
    return None


def main() -> None:
    """The edge: what the environment does wrong (no space left, a closed pipe, bytes that are
    not text) becomes one line on stderr, never a traceback."""
    from tracker.cli.terminal import guard_terminal
    from tracker.runtime import keep_ctrl_c

    guard_terminal()
    keep_ctrl_c()
    problem = _bad_argument()
    if problem:
        print(problem, file=sys.stderr)
        sys.exit(2)
    try:
        app()
    except BrokenPipeError:  # the reader went away (`tracker ... | head`): nothing to say
        _drop_stdout()
        sys.exit(1)
    except OSError as exc:
        _drop_stdout()
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"error: {exc.strerror or exc}{where}", file=sys.stderr)
        sys.exit(2)
