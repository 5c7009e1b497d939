"""Checking and keying records, a batch at a time: in the importing process for a small list,
and, once a list has shown itself large, in worker processes (one per core) while the importing
process reads the file and loads the database. The rules are the same either way (`rules`,
`keys`: pure functions of a record); only where they run differs, and the batches come back in
the list's order, so an import's result does not depend on where its rows were checked.

The workers come from a fork server (`multiprocessing`'s "forkserver"; "spawn" where there is
none) that has imported the rules once: forking the importing process itself would copy its
database connection and its threads. `TRACKER_IMPORT_WORKERS` sets how many (0: none).
"""

from __future__ import annotations

import errno
import multiprocessing
import os
import pickle
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from tracker.errors import NO_SPACE, BadInput, DatabaseUnavailable, WorkerStopped
from tracker.importing.keys import RowKeyer
from tracker.importing.reader import Read
from tracker.importing.rules import Columns, ImportRow, RowError, RowValidator

BATCH_RECORDS = 5_000
PARALLEL_FROM = 40_000  # records checked in-process before workers start (a small list: all)
MAX_WORKERS = 8
MAX_SAMPLES = 5
WORKERS_ENV = "TRACKER_IMPORT_WORKERS"
SCRATCH_PREFIX = "tracker-import-checked-"  # then the importing process's number


@dataclass(frozen=True, slots=True)
class Options:
    """How records are checked: `--strict`, `--dayfirst`, the database's timestamps, and a CSV
    file's columns (known once its header is read)."""

    strict: bool
    dayfirst: bool
    postgres: bool
    columns: Columns


@dataclass(slots=True)
class Checked:
    """A batch of records, checked and keyed, in the list's order: the staging values of its
    entries, the rows refused, its first entries as read, and what checking and keying noted."""

    rows: list[tuple[Any, ...]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    samples: list[ImportRow] = field(default_factory=list)
    cells_left_out: int = 0
    cell_notes: list[RowError] = field(default_factory=list)
    unusable_identifiers: int = 0
    organizations: dict[str, str] | None = None


class Checker:
    """Checks and keys batches of records, keeping what repeats across a list's rows (dates,
    affiliations, keys) between batches."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.validate = RowValidator(strict=options.strict, dayfirst=options.dayfirst)
        self.keyer = RowKeyer(postgres=options.postgres)

    def batch(self, records: list[Read], columns: Columns) -> Checked:
        validate, keyer = self.validate, self.keyer
        validate.cells_left_out, validate.cell_notes = 0, []
        keyer.unusable_identifiers = 0
        keyer.spellings.found = {}
        checked = Checked()
        rows, errors, samples = checked.rows, checked.errors, checked.samples
        for record in records:
            result = record if isinstance(record, RowError) else validate.check(record, columns)
            if isinstance(result, RowError):
                errors.append(result)
                continue
            rows.append(keyer.values(result))
            if len(samples) < MAX_SAMPLES:
                samples.append(result)
        checked.cells_left_out, checked.cell_notes = validate.cells_left_out, validate.cell_notes
        checked.unusable_identifiers = keyer.unusable_identifiers
        checked.organizations = keyer.spellings.found
        return checked


_checker: Checker | None = None  # a worker's, for the import it serves


def _check_in_worker(options: Options, batch: str) -> str:
    """A batch checked in a worker. Batches go both ways as files in the import's private
    scratch folder, and the pool carries only their paths: a message too small to be cut short,
    so a worker killed while reading or handing back (the out-of-memory killer) cannot leave
    the pool waiting on a half-written message; the pool sees it die."""
    global _checker
    if _checker is None or _checker.options != options:
        _checker = Checker(options)
    records: list[Read] = _read_and_remove(batch)
    return _written(_checker.batch(records, options.columns), os.path.dirname(batch))


def _written(value: Any, scratch: str) -> str:
    try:
        handle, path = tempfile.mkstemp(dir=scratch, suffix=".pickle")
        with open(handle, "wb") as out:
            pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise DatabaseUnavailable(NO_SPACE) from None
        raise
    return path


def _read_and_remove(path: str) -> Any:
    with open(path, "rb") as handle:  # written by this import, in a folder only it can read
        value = pickle.load(handle)
    os.unlink(path)
    return value


def _collected(future: Future[str]) -> Checked:
    checked: Checked = _read_and_remove(future.result())
    return checked


def worker_count() -> int:
    """`TRACKER_IMPORT_WORKERS`, else one per core this process may use (none on one core)."""
    setting = os.environ.get(WORKERS_ENV)
    if setting is not None:
        if not setting.strip().isdigit():
            raise BadInput(f"{WORKERS_ENV} is a whole number of worker processes, not {setting!r}")
        return min(int(setting), MAX_WORKERS)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return 0 if cores < 2 else min(cores, MAX_WORKERS)


def _pool(workers: int) -> ProcessPoolExecutor:
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if context.get_start_method() == "forkserver":
        from multiprocessing import forkserver, resource_tracker

        context.set_forkserver_preload([__name__])
        # Started here, before Ctrl-C is held back (they would keep the mask they start with).
        forkserver.ensure_running()
        resource_tracker.ensure_running()
    with _ctrl_c_held():  # the pool's queues and threads, started now
        return ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_worker_started,
            initargs=(os.getpid(),),
        )


def _worker_started(importer: int) -> None:
    """A worker writes nothing to the terminal (its errors come back to the importing process
    with its batch; when the pool breaks, the others stop without a word), and stops when the
    importing process is gone, killed (a pool's workers would otherwise wait for work forever)."""
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115 (the worker's, for its life)
    threading.Thread(target=_stop_with, args=(importer,), daemon=True).start()


def _stop_with(importer: int) -> None:
    while True:
        time.sleep(0.5)
        try:
            os.kill(importer, 0)
        except (ProcessLookupError, PermissionError):  # gone (or its number reused by another)
            os._exit(1)


@contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """Ctrl-C held back while the pool starts its threads and processes: the threads keep the
    signal mask they start with, so Ctrl-C then always reaches the importing process's main
    thread (one that reached a pool thread would leave the main thread waiting, and could be
    raised inside a finalizer, where Python drops it); held, it is raised on release."""
    if not hasattr(signal, "pthread_sigmask"):  # not on POSIX
        yield
        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _submitted(
    pool: ProcessPoolExecutor, options: Options, scratch: str, batch: list[Read]
) -> Future[str]:
    with _ctrl_c_held():  # submitting starts the pool's threads and processes
        path = _written(batch, scratch)  # a full disk says so, as anywhere else
        try:
            return pool.submit(_check_in_worker, options, path)
        except (ValueError, OSError) as exc:  # the pool broke as the batch went in
            raise BrokenProcessPool(str(exc)) from exc


def _sweep_abandoned() -> None:
    """Removes the scratch folders of imports that were killed (SIGKILL leaves no time to clean
    up): each folder is named for its import's process, and a folder whose process is gone is
    abandoned. Their batches may hold e-mail addresses; they are not left lying around."""
    root = tempfile.gettempdir()
    try:
        names = os.listdir(root)
    except OSError:
        return
    for name in names:
        number = name.removeprefix(SCRATCH_PREFIX).split("-", 1)[0]
        if not name.startswith(SCRATCH_PREFIX) or not number.isdigit():
            continue
        path = os.path.join(root, name)
        try:
            mine = os.lstat(path).st_uid == os.getuid()
        except OSError:
            continue
        if mine and not _alive(int(number)):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):  # another user's process (or no process number)
        return True
    return True


def _batches(records: Iterable[Read]) -> Iterator[list[Read]]:
    iterator = iter(records)
    while batch := list(islice(iterator, BATCH_RECORDS)):
        yield batch


def checked_batches(records: Iterable[Read], options: Options) -> Iterator[Checked]:
    """The records checked and keyed, a batch at a time, in order (see the module's doc)."""
    checker = Checker(options)
    workers: int | None = None  # decided once the list has shown itself large
    pool: ProcessPoolExecutor | None = None
    scratch = ""
    pending: deque[Future[str]] = deque()
    read = 0
    try:
        for batch in _batches(records):
            read += len(batch)
            if workers is None and read > PARALLEL_FROM:
                workers = worker_count()
                if workers:
                    _sweep_abandoned()
                    scratch = tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-")
                    pool = _pool(workers)
            if pool is None:
                yield checker.batch(batch, options.columns)
                continue
            pending.append(_submitted(pool, options, scratch, batch))
            while len(pending) > 2 * (workers or 1):
                yield _collected(pending.popleft())
        while pending:
            yield _collected(pending.popleft())
    except BrokenProcessPool:
        raise WorkerStopped(
            "an import worker process stopped before its work was done (killed, or out of "
            f"memory); nothing was written; try again, or with {WORKERS_ENV}=0"
        ) from None
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
            shutil.rmtree(scratch, ignore_errors=True)
