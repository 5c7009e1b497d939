"""A process killed part-way through an import leaves nothing of it behind."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import Tracker

ROWS = 300_000


def _write_list(path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("name,title,organization,signed_at\n")
        for i in range(ROWS):
            out.write(f"Person {i:06d} Crashtest,Engineer,Org {i % 97},2024-03-01\n")


@pytest.mark.slow
def test_sigkill_during_an_import(sqlite_tracker: Tracker, tmp_path: Path) -> None:
    tracker = sqlite_tracker
    tracker.ok("seed")
    listing = tmp_path / "big.csv"
    _write_list(listing)
    before = tracker.scalar("SELECT count(*) FROM signatures")
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
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(4.0)  # well inside the import: reading, staging or resolving
    assert process.poll() is None, "the import finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    database = tracker.url.removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert tracker.scalar("SELECT count(*) FROM signatures") == before
    assert tracker.scalar("SELECT count(*) FROM people WHERE name LIKE 'Person %'") == 0
    assert tracker.scalar("SELECT count(*) FROM history WHERE action = 'import'") == 0
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert f"{ROWS} rows read, {ROWS} added" in done.stdout
    assert tracker.scalar("SELECT count(*) FROM signatures") == before + ROWS
