"""`report all` agrees with itself while others write, and a kill leaves no mixed folder and no
process behind."""

from __future__ import annotations

import csv
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import Tracker

SLUG = "openai-board-2023"
WRITER = """
import sys
from typer.testing import CliRunner
from tracker.cli.app import app
url, count = sys.argv[1], int(sys.argv[2])
runner = CliRunner()
for i in range(count):
    runner.invoke(app, ["--db", url, "signatory", "add", f"Writer Person{i:04d} Concurrent",
                        "--letter", "openai-board-2023", "--source", "seed-003"])
"""


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_file_of_a_run_reads_one_snapshot(seeded: Tracker, tmp_path: Path) -> None:
    writer = subprocess.Popen([sys.executable, "-c", WRITER, seeded.url, "200"])
    try:
        folders = []
        while writer.poll() is None and len(folders) < 8:
            folder = tmp_path / f"run{len(folders)}"
            seeded.ok("report", "all", SLUG, "--dir", str(folder))
            folders.append(folder)
    finally:
        writer.wait(timeout=300)
    assert len(folders) >= 2
    for folder in folders:
        tally = _rows(folder / "tally.csv")[0]
        listed = [r for r in _rows(folder / "signatories.csv") if r["status"] != "retracted"]
        assert int(tally["named"]) == len(listed), folder.name
        series = _rows(folder / "signing.csv")
        assert not series or int(series[-1]["named_so_far"]) <= len(listed)


def test_a_killed_report_leaves_the_previous_files_and_no_process(
    sqlite_tracker: Tracker, tmp_path: Path
) -> None:
    tracker = sqlite_tracker
    tracker.ok("seed")
    listing = tmp_path / "list.csv"
    listing.write_text(
        "name\n" + "\n".join(f"Member Number{i:05d} Import" for i in range(5_000)) + "\n",
        encoding="utf-8",
    )
    tracker.ok("signatory", "import", str(listing), "--letter", SLUG, "--source", "seed-003")
    folder = tmp_path / "reports"
    tracker.ok("report", "all", SLUG, "--dir", str(folder))
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    tracker.ok("count", "add", SLUG, "600", "--as-of", "2023-11-21", "--source", "seed-003")
    for delay in (0.3, 0.8, 1.6):
        process = subprocess.Popen(
            [sys.executable, "-m", "tracker", "--db", tracker.url, "report", "all", SLUG,
             "--dir", str(folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(delay)
        process.send_signal(signal.SIGKILL if delay < 1 else signal.SIGTERM)
        process.wait(timeout=60)
        time.sleep(0.5)  # a child that outlived its parent would still be listed now
        left = subprocess.run(
            ["pgrep", "-f", "tracker.reports.arrow_csv"], capture_output=True, text=True,
            check=False,
        ).stdout.split()  # fmt: skip
        assert not left, "a listing writer outlived report all"
        now = {p.name: p.read_bytes() for p in folder.iterdir() if not p.name.startswith(".")}
        counts = _rows(folder / "counts.csv")
        tally = _rows(folder / "tally.csv")[0]
        # old files or new ones, never a mix: the tally's count is the last count listed
        assert tally["reported"] == counts[-1]["value"], delay
        assert set(now) == set(before)
