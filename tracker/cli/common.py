"""What every command shares: the database from `--db`, the unit of work, error translation,
and output as a table, CSV or JSON."""

from __future__ import annotations

import enum
import functools
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import typer

from tracker.domain.text import terminal_safe
from tracker.errors import BUSY, NO_SPACE, DatabaseUnavailable, TrackerError, reads_as_busy
from tracker.settings import database_url

if TYPE_CHECKING:  # SQLAlchemy is imported when a command needs the database, not for --help
    from sqlalchemy import Engine
    from sqlalchemy.exc import DBAPIError

    from tracker.db.uow import UnitOfWork

MAX_NUMBER = 2**31 - 1  # the largest whole number the schema stores (INTEGER on both databases)

P = ParamSpec("P")
R = TypeVar("R")


class OutputFormat(enum.StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class _State:
    db: str | None = None
    _engine: Engine | None = None

    def engine(self) -> Engine:
        from tracker.db.engine import make_engine

        if self._engine is None:
            self._engine = make_engine(database_url(self.db))
        return self._engine

    def close_connections(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    def forget_engine(self, db: str | None) -> None:
        """In a forked worker: drop the inherited engine without touching its connections."""
        self.db, self._engine = db, None

    def reset(self, db: str | None) -> None:
        if self._engine is not None:
            self._engine.dispose()
        self.db, self._engine = db, None


state = _State()


def _database_message(exc: DBAPIError) -> TrackerError:
    from sqlalchemy.exc import IntegrityError, OperationalError

    text = str(exc.orig) if exc.orig is not None else str(exc)
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    if reads_as_busy(first):
        return DatabaseUnavailable(BUSY)
    if isinstance(exc, IntegrityError):
        return TrackerError(f"the change conflicts with what is stored: {first}")
    if "database or disk is full" in first:
        return DatabaseUnavailable(NO_SPACE)
    if "readonly database" in first:
        return DatabaseUnavailable(
            "the database is read-only here (a read-only file, folder or medium): reading "
            "works, changing it does not"
        )
    if isinstance(exc, OperationalError):
        url = state.engine().url.render_as_string(hide_password=True)
        return DatabaseUnavailable(f"cannot use the database at {url}: {first}")
    return TrackerError(f"database error: {first}")


def check_output(path: Path | None, *, source: Path | None = None) -> None:
    """Before anything is written: an output must be a regular file or a new path, and neither
    the input (`source`) nor the database file."""
    if path is None:
        return
    from tracker.db.engine import sqlite_file
    from tracker.reports.output import check_output_path

    check_output_path(path, not_these={"input": source, "database": sqlite_file(state.engine())})


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print an error (one line per problem, each made safe for a terminal)."""
    for line in message.split("\n"):
        typer.echo(f"error: {terminal_safe(line)}", err=True)
    return typer.Exit(code)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn the tracker's errors, and database errors, into one line on stderr and an exit code.

    A busy database is waited for where a transaction begins (`db.engine`), never by running
    the command again."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from sqlalchemy.exc import DBAPIError

        try:
            return func(*args, **kwargs)
        except TrackerError as exc:
            raise fail(exc.message, exc.exit_code) from None
        except KeyboardInterrupt:  # Ctrl-C: the command's transaction was rolled back
            raise fail("interrupted; nothing was written", 130) from None
        except DBAPIError as exc:
            error = _database_message(exc)
            raise fail(error.message, error.exit_code) from None

    return wrapper


@contextmanager
def unit_of_work(*, readonly: bool = False, check_schema: bool = True) -> Iterator[UnitOfWork]:
    from tracker.db.migrations import require_current_schema
    from tracker.db.uow import UnitOfWork

    engine = state.engine()
    if check_schema:
        require_current_schema(engine)
    with UnitOfWork(engine, readonly=readonly) as uow:
        yield uow


def say(message: str) -> None:
    typer.echo(terminal_safe(message))


def note(message: str) -> None:
    typer.echo(terminal_safe(message), err=True)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value)
    return terminal_safe(str(value))


MAX_CELL_WIDTH = 60  # terminal columns; longer cells are cut (CSV and JSON keep every character)


def render_table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """A plain table whose columns line up on a terminal: text is measured by the columns it
    takes there (an East Asian wide character takes two), and an over-long cell is cut with an
    ellipsis."""
    from rich.cells import cell_len, set_cell_size

    def fit(text: str) -> str:
        if cell_len(text) <= MAX_CELL_WIDTH:
            return text
        return set_cell_size(text, MAX_CELL_WIDTH - 1).rstrip() + "\u2026"

    def pad(text: str, width: int) -> str:
        return text + " " * (width - cell_len(text))

    cells = [[fit(_cell(row.get(column))) for column in columns] for row in rows]
    widths = [
        max([cell_len(column)] + [cell_len(line[i]) for line in cells])
        for i, column in enumerate(columns)
    ]
    lines = ["  ".join(pad(c, w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend(
        "  ".join(pad(c, w) for c, w in zip(line, widths, strict=True)).rstrip() for line in cells
    )
    return "\n".join(lines)


def emit(rows: Iterable[dict[str, Any]], columns: Sequence[str], fmt: OutputFormat) -> None:
    """Print rows: JSON keeps every key and the exact text; tables escape control characters.

    CSV and JSON are written as the rows come, so a long listing never sits in memory whole.
    """
    if fmt is OutputFormat.json:
        out = sys.stdout
        out.write("[")
        for index, row in enumerate(rows):
            out.write(",\n  " if index else "\n  ")
            out.write(json.dumps(row, ensure_ascii=False, default=str))
        out.write("\n]\n")
    elif fmt is OutputFormat.csv:
        from tracker.csvsafe import write_rows

        write_rows(sys.stdout, columns, ([row.get(c) for c in columns] for row in rows))
    else:
        table = list(rows)
        if table:
            typer.echo(render_table(table, columns))
        else:
            typer.echo("(none)", err=True)


def emit_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


FormatOption = typer.Option(OutputFormat.table, "--format", "-f", help="table, csv or json.")
