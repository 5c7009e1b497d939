"""Speed at scale: `signatory add` against 1,000,000 people, `report all` on a letter with
1,000,000 signatures, and `person duplicates` over 100,000 people.

Each command runs as a fresh process, as a user would run it; the figures are medians. Baselines
measured in the same run: the tracker's own start-up (`tracker --version`), and the `sqlite3`
shell exporting the same signatures as CSV (the floor for writing a report).

Run: python benchmarks/scale.py [--people 1000000] [--duplicates 100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import measured, measured_tree
from synthetic import write_realistic, write_signatories

TRACKER = [sys.executable, "-m", "tracker"]


def run(command: list[str], *, expect: int = 0) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MiB, exit status of one child process (`measure.measured`),
    which must exit with `expect` (a command that failed early would be timed as fast)."""
    seconds, peak, code = measured(command, quiet_stderr=True)
    if code != expect:
        raise SystemExit(f"{' '.join(command)} exited {code}, not {expect}")
    return seconds, peak, code


def median(command: list[str], runs: int, *, expect: int = 0) -> tuple[float, float]:
    results = [run(command, expect=expect) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def build(folder: Path, people: int, *, realistic: bool = False) -> str:
    kind = "realistic" if realistic else "ascii"
    url = f"sqlite:///{folder / f'scale-{kind}-{people}.db'}"
    if (folder / f"scale-{kind}-{people}.db").exists():  # kept from an earlier run: upgraded
        subprocess.run([*TRACKER, "--db", url, "init"], check=True, capture_output=True)
        return url
    write = write_realistic if realistic else write_signatories
    csv_path = write(folder / f"people-{kind}-{people}.csv", people)
    for args in (
        ["init"],
        ["seed"],
        ["source", "add", "bench", "--title", "Benchmark source"],
        [
            "letter",
            "add",
            "bench",
            "--title",
            "Benchmark",
            "--addressed-to",
            "Nobody",
            "--date",
            "2024-02-01",
            "--population",
            str(people * 2),
            "--population-source",
            "bench",
        ],
        [
            "count",
            "add",
            "bench",
            str(people),
            "--as-of",
            "2024-02-20",
            "--source",
            "bench",
            "--qualifier",
            "approximate",
        ],
        ["signatory", "import", str(csv_path), "--letter", "bench", "--source", "bench"],
    ):
        subprocess.run([*TRACKER, "--db", url, *args], check=True, capture_output=True)
    return url


def _first_signer(url: str) -> str:
    return subprocess.run(
        [
            "sqlite3",
            url.removeprefix("sqlite:///"),
            "SELECT p.name FROM signatures s JOIN people p ON p.id = s.person_id "
            "JOIN letters l ON l.id = s.letter_id WHERE l.slug = 'bench' ORDER BY s.id LIMIT 1",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def _near_miss(name: str) -> str:
    return name[:-1] + "x" + name[-1]


def _unheard_of() -> str:
    letters = "bcdfghjklmnpqrstvwxz"
    given, family = ("".join(random.choices(letters, k=n)) for n in (7, 9))
    return f"{given.title()} {family.title()}"


def _add(url: str, name: str, where: list[str]) -> list[str]:
    return [*TRACKER, "--db", url, "signatory", "add", name, *where]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--duplicates", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--work", type=Path, help="keep the databases here between runs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.work or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        big = build(folder, args.people)
        start, _ = median([*TRACKER, "--version"], args.runs)
        print(f"tracker --version (start-up)          {start * 1000:7.0f} ms")
        where = ["--letter", "bench", "--source", "bench"]
        db_file = big.removeprefix("sqlite:///")
        # Against a list of a thousand, the same near miss: what a million people add to it.
        tiny = build(folder, 1_000)
        near_tiny = _add(tiny, _near_miss(_first_signer(tiny)), where)
        small, _ = median(near_tiny, args.runs, expect=3)
        print(f"signatory add, near miss, 1000 people  {small * 1000:7.0f} ms")
        first = _first_signer(big)
        cases = {  # label: the command, and the exit status it must end with
            "same name (exit 3, asks)": (lambda: _add(big, first, where), 3),
            "near miss (exit 3)": (lambda: _add(big, _near_miss(first), where), 3),
            # A name never seen, new at every run (the person is added).
            "new person, no near miss": (lambda: _add(big, _unheard_of(), where), 0),
        }
        for label, (command, expect) in cases.items():
            results = [run(command(), expect=expect) for _ in range(args.runs)]
            seconds = statistics.median(r[0] for r in results)
            print(
                f"signatory add, {label:26s} {seconds * 1000:7.0f} ms  "
                f"({args.people} people; {seconds / start:.1f}x start-up, "
                f"{(seconds - small) * 1000:+.0f} ms on 1000 people)"
            )
        with tempfile.TemporaryDirectory() as out:
            floor, _ = median(
                [
                    "sqlite3",
                    db_file,
                    "-cmd",
                    ".mode csv",
                    f".output {out}/floor.csv",
                    "SELECT p.name, s.position, s.status, s.signed_at FROM signatures s "
                    "JOIN people p ON p.id = s.person_id",
                ],
                args.runs,
            )
            report = [*TRACKER, "--db", big, "report", "all", "bench", "--dir", f"{out}/reports"]
            runs = [run(report) for _ in range(args.runs)]
            pss = measured_tree(report, quiet_stderr=True)[3]
        seconds = statistics.median(r[0] for r in runs)
        fastest, slowest = min(r[0] for r in runs), max(r[0] for r in runs)
        rss = max(r[1] for r in runs)
        print(f"sqlite3 CSV export of the signatures  {floor:7.2f} s")
        print(
            f"report all ({args.people} signatures)  {seconds:7.2f} s  "
            f"({fastest:.2f}-{slowest:.2f} s over {args.runs} runs)  "
            f"{seconds / floor:.1f}x the export; peak {rss:.0f} MiB (largest process)"
            + f", {pss:.0f} MiB PSS (all processes together)"
        )
        for realistic in (False, True):
            small = build(folder, args.duplicates, realistic=realistic)
            seconds, rss = median(
                [*TRACKER, "--db", small, "person", "duplicates", "--format", "csv"],
                max(1, args.runs // 2),
            )
            kind = "realistic" if realistic else "ASCII"
            print(
                f"person duplicates ({args.duplicates} people, {kind} list) {seconds:7.2f} s  "
                f"peak {rss:.0f} MiB"
            )


if __name__ == "__main__":
    main()
