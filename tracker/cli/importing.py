"""The terminal side of `signatory import`: the file, the progress bar, the rejects file."""

from __future__ import annotations

import csv
import functools
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any

from tracker.cli.common import check_output, note, say, unit_of_work
from tracker.csvsafe import neutralise
from tracker.errors import BadInput
from tracker.importing.reader import COLUMNS, FORMATS
from tracker.importing.rules import RowError


@functools.cache
def _standard_input() -> IO[bytes]:
    """Standard input, read once into a spooled file, which can be read twice (the file's
    checksum, then its rows) and sniffed for its format."""
    spool = tempfile.SpooledTemporaryFile(max_size=64 * 2**20)  # noqa: SIM115 (kept for the process)
    shutil.copyfileobj(sys.stdin.buffer, spool)
    return spool


@contextmanager
def _open_input(file: str) -> Iterator[tuple[IO[bytes], str, int | None]]:
    if file == "-":
        spool = _standard_input()
        spool.seek(0)
        yield spool, "<stdin>", None
        return
    path = Path(file)
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise BadInput(f"cannot read {file}: {exc.strerror}") from None
    with handle:
        yield handle, path.name, path.stat().st_size


@contextmanager
def _progress(total: int | None) -> Iterator[Any]:
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[rows]} rows"),
        TimeElapsedColumn(),
        transient=True,
        console=Console(stderr=True),  # stdout stays for the summary line and for scripts
    ) as bar:
        task = bar.add_task("reading", total=total, rows=0)

        def update(rows: int, done: int, phase: str = "reading") -> None:
            # Once every row is read, the database resolves them: the bar pulses meanwhile.
            finished = phase == "reading"
            bar.update(
                task,
                completed=done,
                rows=rows,
                description=phase,
                total=total if finished else None,
            )

        yield update


def run_import(
    *,
    file: str,
    letter: str,
    source: str,
    on_error: str,
    rejects: Path | None,
    merges: Path | None = None,
    strict: bool = False,
    dayfirst: bool = False,
    pattern: str = "paren",
    section: str | None = None,
    dry_run: bool,
    encoding: str | None,
    fmt: str,
) -> None:
    from tracker.importing import Link, import_signatories
    from tracker.reports.output import atomic_file

    if fmt not in FORMATS:
        raise BadInput(f"--format is one of {', '.join(FORMATS)}, not '{fmt}'")
    if on_error not in ("abort", "skip"):
        raise BadInput(f"--on-error is abort or skip, not '{on_error}'")
    if rejects is not None and on_error != "skip":
        raise BadInput("--rejects needs --on-error skip")
    source_path = None if file == "-" else Path(file)
    for output in (rejects, merges):
        check_output(output, source=source_path)
    if rejects is not None and merges is not None and rejects.absolute() == merges.absolute():
        raise BadInput("--rejects and --merges name the same file")
    with ExitStack() as stack:
        handle, label, size = stack.enter_context(_open_input(file))
        writer = None
        if rejects is not None:
            out = stack.enter_context(atomic_file(rejects))
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow(["line", "reason", *COLUMNS])

        def reject(error: RowError) -> None:
            if writer is not None:
                cells = [error.raw.get(column, "") for column in COLUMNS]
                writer.writerow([error.line, error.reason, *(neutralise(c) for c in cells)])

        linked = None
        if merges is not None:
            linked = csv.writer(stack.enter_context(atomic_file(merges)), lineterminator="\r\n")
            linked.writerow(["line", "name", "person_id", "person", "via", "reason"])

        def link(found: Link) -> None:
            assert linked is not None
            row = [found.line, found.name, found.person_id, found.person, found.via]
            linked.writerow([neutralise(cell) for cell in (*row, found.reason)])

        progress = stack.enter_context(_progress(size))
        with unit_of_work() as uow:
            summary = import_signatories(
                uow=uow,
                slug=letter,
                source_key=source,
                stream=handle,
                label=label,
                fmt=fmt,
                encoding=encoding,
                on_error=on_error,
                reject=reject,
                progress=progress,
                on_link=link if linked is not None else None,
                strict=strict,
                dayfirst=dayfirst,
                pattern=pattern,
                section=section,
            )
            if not dry_run:
                uow.commit()
    prefix = "dry run, nothing written: " if dry_run else ""
    if dry_run:
        for row in summary.samples:  # what was read from what, for the user to check
            parts = [f"{field} {value!r}" for field, value in (
                ("title", row.title), ("affiliation", row.affiliation), ("link", row.link),
                ("handle", row.handle),
            ) if value]  # fmt: skip
            say(f"line {row.line}: name {row.name!r}" + (f"; {'; '.join(parts)}" if parts else ""))
    say(f"{prefix}{summary.line()}")
    if summary.imported_before:
        note(f"the same file went into {letter} from {source} on {summary.imported_before}")
        return
    for error in summary.errors:
        note(f"rejected line {error.line}: {error.reason}")
    say(f"{prefix}{summary.identity_line()}")
    if summary.mojibake:
        garbled, meant = summary.mojibake
        note(
            f"the names look garbled: {garbled!r} is {meant!r} in UTF-8, read in another encoding "
            "(in the file, or by --encoding); check them with --dry-run"
        )
    page = summary.page
    if page is not None and page.left_out:
        note(
            f"{page.left_out} lines of the page are no list item (of a section read) and were "
            "not imported, e.g. " + "; ".join(f"line {line}: {text!r}" for line, text in page.noted)
        )
    if summary.cells_left_out:
        note(
            f"{summary.cells_left_out} cells could not be read and were left out (the entries "
            "are kept; --strict rejects such rows instead)"
        )
        for cell in summary.cell_notes:
            note(f"line {cell.line}: {cell.reason}")
    if summary.unusable_identifiers:
        note(
            f"{summary.unusable_identifiers} links, e-mail addresses or handles could not be read "
            "as one; they are kept as written and not used to tell people apart"
        )
    if summary.queued:
        note(f"review the pairs with `tracker person duplicates --letter {letter}`")
