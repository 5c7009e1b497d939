"""Worker processes for a large import: one per core, from a fork server (`multiprocessing`'s
"forkserver"; "spawn" where there is none) that has imported the task's module once (forking the
importing process itself would copy its database connection and its threads).
`TRACKER_IMPORT_WORKERS` sets how many (0: none).

What makes them safe to kill and to interrupt:
- batches go both ways as files in the import's private scratch folder, and the pool carries
  only their paths: a message too small to be cut short, so a worker killed while reading or
  handing back a batch (the out-of-memory killer) cannot leave the pool waiting on a
  half-written message; the pool sees it die, and the import stops with `WorkerStopped`;
- Ctrl-C is held back while the pool starts its threads and processes, so it always reaches the
  importing process's main thread;
- each worker stops when the importing process is gone, killed; the scratch folder it leaves
  behind (named for its process) is removed by the next large import.
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
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

from tracker.errors import NO_SPACE, BadInput, DatabaseUnavailable, WorkerStopped

MAX_WORKERS = 8
WORKERS_ENV = "TRACKER_IMPORT_WORKERS"
SCRATCH_PREFIX = "tracker-import-checked-"  # then the importing process's number

Task = Callable[[Any, Any], Any]  # (options, batch) -> result, a module-level function


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


class Workers:
    """A pool of `count` worker processes running `task(options, batch)`, and its scratch
    folder. `submit` a batch, take its `result` later; `close` at the end, whatever happened."""

    def __init__(self, count: int, task: Task, options: Any) -> None:
        self.task, self.options = task, options
        _sweep_abandoned()
        self.scratch = tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-")
        try:
            self.pool = _pool(count, task.__module__)
        except BaseException:
            shutil.rmtree(self.scratch, ignore_errors=True)
            raise

    def submit(self, batch: Any) -> Future[str]:
        with _ctrl_c_held():  # submitting starts the pool's threads and processes
            path = _written(batch, self.scratch)  # a full disk says so, as anywhere else
            try:
                return self.pool.submit(_run, self.task, self.options, path)
            except (ValueError, OSError, BrokenProcessPool):  # the pool broke as it went in
                raise _stopped() from None

    @staticmethod
    def result(future: Future[str]) -> Any:
        try:
            path = future.result()
        except BrokenProcessPool:
            raise _stopped() from None
        return _read_and_remove(path)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(self.scratch, ignore_errors=True)


def in_order(
    batches: Iterable[Any],
    task: Task,
    options: Any,
    *,
    large: Callable[[Any], bool],
    here: Callable[[Any], Any] | None = None,
) -> Iterator[Any]:
    """`task(options, batch)` of each batch, in the batches' order: in this process (by
    `here(batch)`, if given) until `large(batch)` first says the work is large enough (it is
    asked of each batch until then), then in `worker_count()` workers (none: on in this
    process), a few batches ahead of what is taken."""
    count: int | None = None
    workers: Workers | None = None
    pending: deque[Future[str]] = deque()
    try:
        for batch in batches:
            if count is None and large(batch):
                count = worker_count()
                if count:
                    workers = Workers(count, task, options)
            if workers is None:
                yield task(options, batch) if here is None else here(batch)
                continue
            pending.append(workers.submit(batch))
            while len(pending) > 2 * (count or 1):
                yield workers.result(pending.popleft())
        while pending:
            assert workers is not None
            yield workers.result(pending.popleft())
    finally:
        if workers is not None:
            workers.close()


def _stopped() -> WorkerStopped:
    return WorkerStopped(
        "an import worker process stopped before its work was done (killed, or out of "
        f"memory); nothing was written; try again, or with {WORKERS_ENV}=0"
    )


def _run(task: Task, options: Any, batch: str) -> str:
    """In a worker: a batch read from its file, the task's result written to another."""
    return _written(task(options, _read_and_remove(batch)), os.path.dirname(batch))


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


def _pool(workers: int, preload: str) -> ProcessPoolExecutor:
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if context.get_start_method() == "forkserver":
        from multiprocessing import forkserver, resource_tracker

        context.set_forkserver_preload([preload])
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


def _sweep_abandoned() -> None:
    """Removes the scratch folders of imports that were killed (SIGKILL leaves no time to clean
    up): each folder is named for its import's process, and a folder whose process is gone is
    abandoned. Their batches may hold e-mail addresses; they are not left lying around. Only
    the user's own folders are touched, and a folder whose process number is in use by another
    user's process is left alone."""
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
            os.kill(int(number), 0)
        except ProcessLookupError:
            if mine:
                shutil.rmtree(path, ignore_errors=True)
        except (OSError, OverflowError):
            continue
