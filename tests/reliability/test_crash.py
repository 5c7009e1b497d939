"""A process killed part-way through an import leaves nothing of it behind."""

from __future__ import annotations

import functools
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Tracker

ROWS = 300_000


def _write_list(path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("name,title,organization,signed_at\n")
        for i in range(ROWS):
            out.write(f"Person {i:06d} Crashtest,Engineer,Org {i % 97},2024-03-01\n")


def _kill_when(
    process: subprocess.Popen[bytes],
    ready: Callable[[], bool],
    what: str,
    sig: signal.Signals = signal.SIGKILL,
) -> list[int]:
    """Signal the process as soon as `ready()` holds (polled), failing if it ends first; the
    processes it had started (its import's workers, their fork server)."""
    deadline = time.monotonic() + 120
    while not ready():
        assert process.poll() is None, f"the import finished before {what}"
        assert time.monotonic() < deadline, f"never saw {what}"
        time.sleep(0.01)
    started = _descendants(process.pid)
    process.send_signal(sig)
    process.wait(timeout=60)
    return started


def _descendants(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [p for child in children for p in (int(child), *_descendants(int(child)))]


def _all_gone(pids: list[int], seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(Path(f"/proc/{pid}").exists() for pid in pids):
            return True
        time.sleep(0.1)
    return False


def _size(pattern: str, folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.glob(pattern) if path.is_file())


def _temporary_store(pid: int) -> int:
    """The size of SQLite's temporary files held open by a process (the staging table). SQLite
    unlinks them as it opens them, so they are found through the process's descriptors."""
    total = 0
    for descriptor in Path(f"/proc/{pid}/fd").glob("*"):
        try:
            if "etilqs_" in os.readlink(descriptor):
                total += descriptor.stat().st_size
        except OSError:
            continue
    return total


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["kill", "ctrl-c"])
def test_sigkill_during_an_import(
    sqlite_tracker: Tracker, tmp_path: Path, sig: signal.Signals
) -> None:
    """Killed (or stopped with Ctrl-C) while it stages the file (the staging table's temporary
    file grows; its workers check records), then while it writes (the database's write-ahead
    log grows): nothing of any of these imports remains, no process it started outlives it, and
    the next import succeeds. Ctrl-C says so in one line, exit 130."""
    tracker = sqlite_tracker
    tracker.ok("seed")
    listing = tmp_path / "big.csv"
    _write_list(listing)
    before = tracker.scalar("SELECT count(*) FROM signatures")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    environment = {**os.environ, "TMPDIR": str(scratch)}
    command = [
        sys.executable,
        "-m",
        "tracker",
        "--db",
        tracker.url,
        "signatory",
        "import",
        str(listing),
        "--letter",
        "openai-board-2023",
        "--source",
        "seed-003",
    ]
    database = Path(tracker.url.removeprefix("sqlite:///"))
    moments: dict[str, Callable[[int], bool]] = {
        "the staging table grew": lambda pid: _temporary_store(pid) > 2**20,
        "its workers checked records": lambda pid: bool(_grandchildren(pid)),
        "the write-ahead log grew": lambda pid: (
            _size(database.name + "-wal", database.parent) > 4 * 2**20
        ),
    }
    for what, ready in moments.items():
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment
        )
        started = _kill_when(process, functools.partial(ready, process.pid), what, sig)
        assert _all_gone(started), f"{what}: processes the import started outlived it"
        if sig is signal.SIGINT:
            assert process.returncode == 130, what
            assert process.stderr is not None
            assert process.stderr.read() == b"error: interrupted; nothing was written\n", what
        with sqlite3.connect(database) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        connection.close()
        assert tracker.scalar("SELECT count(*) FROM signatures") == before
        assert tracker.scalar("SELECT count(*) FROM people WHERE name LIKE 'Person %'") == 0
        assert tracker.scalar("SELECT count(*) FROM history WHERE action = 'import'") == 0
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, env=environment)
    assert done.returncode == 0, done.stderr
    assert f"{ROWS} rows read, {ROWS} added" in done.stdout
    assert tracker.scalar("SELECT count(*) FROM signatures") == before + ROWS
    # the batches of the killed imports (names, e-mails) were swept by the next one
    assert not list(scratch.glob("tracker-import-checked-*"))


def _grandchildren(pid: int) -> list[int]:
    """The processes the import's fork server started: its workers."""
    found = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        path = Path(f"/proc/{child}/task/{child}/children")
        found += [int(p) for p in path.read_text().split()] if path.exists() else []
    return found


@pytest.mark.slow
def test_a_worker_killed_during_an_import(sqlite_tracker: Tracker, tmp_path: Path) -> None:
    """A worker that checks records is killed (as the out-of-memory killer would): the import
    stops with one line, exit 2, and nothing of it remains."""
    tracker = sqlite_tracker
    tracker.ok("seed")
    listing = tmp_path / "big.csv"
    _write_list(listing)
    before = tracker.scalar("SELECT count(*) FROM signatures")
    command = [sys.executable, "-m", "tracker", "--db", tracker.url, "signatory", "import"]
    command += [str(listing), "--letter", "openai-board-2023", "--source", "seed-003"]
    environment = {**os.environ, "TRACKER_IMPORT_WORKERS": "2"}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment
    )
    deadline = time.monotonic() + 120
    while not (workers := _grandchildren(process.pid)):
        assert process.poll() is None, "the import finished before its workers started"
        assert time.monotonic() < deadline, "never saw a worker"
        time.sleep(0.01)
    os.kill(workers[0], signal.SIGKILL)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 2, stderr.decode()
    assert stderr.decode().splitlines() == [
        "error: an import worker process stopped before its work was done (killed, or out of "
        "memory); nothing was written; try again, or with TRACKER_IMPORT_WORKERS=0"
    ]
    assert tracker.scalar("SELECT count(*) FROM signatures") == before
    assert tracker.scalar("SELECT count(*) FROM history WHERE action = 'import'") == 0
