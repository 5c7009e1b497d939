"""Cold start of `tracker --help` and `tracker signatory add` against a bare Typer app.

Machines are shared and noisy, so the figure is a ratio of medians measured in the same run.
Run: python benchmarks/cold_start.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE = (
    "import typer\napp = typer.Typer()\n@app.command()\n"
    "def hello(name: str) -> None:\n    print(name)\napp()\n"
)


def _median_seconds(command: list[str], runs: int, cwd: Path) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        cwd = Path(folder)
        (cwd / "bare.py").write_text(BARE)
        tracker = [sys.executable, "-m", "tracker", "--db", f"sqlite:///{cwd / 't.db'}"]
        subprocess.run([*tracker, "init"], cwd=cwd, check=True, capture_output=True)
        subprocess.run([*tracker, "seed"], cwd=cwd, check=True, capture_output=True)
        bare = _median_seconds([sys.executable, "bare.py", "--help"], runs, cwd)
        helped = _median_seconds([*tracker, "--help"], runs, cwd)
        add = [
            "signatory",
            "add",
            "Mira Murati",
            "--letter",
            "openai-board-2023",
            "--source",
            "seed-003",
        ]
        added = _median_seconds([*tracker, *add], runs, cwd)
        imports = subprocess.run(
            [sys.executable, "-X", "importtime", *tracker[1:], *add],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=True,
        ).stderr
    heavy = [name for name in ("pandas", "matplotlib", "pyarrow") if f" {name}\n" in imports]
    print(f"bare typer --help        {bare * 1000:7.1f} ms (median of {runs})")
    print(f"tracker --help           {helped * 1000:7.1f} ms  ratio {helped / bare:.2f}x")
    print(f"tracker signatory add    {added * 1000:7.1f} ms  ratio {added / bare:.2f}x")
    print(f"heavy imports on signatory add: {', '.join(heavy) or 'none'}")


if __name__ == "__main__":
    main()
