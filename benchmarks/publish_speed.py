"""Publishing at scale: `tracker publish` of a letter with 1,000,000 signatures (time and peak
memory), and how soon its signatories page is interactive in headless Chromium.

The letter is the realistic list of `synthetic.write_realistic` (names in many scripts, repeats,
affiliations, links, e-mails that must stay out). Baselines measured in the same run: the
tracker's start-up, and `report all` of the same letter (the CSV downloads `publish` also
writes). Figures are medians over --runs runs.

Run: python benchmarks/publish_speed.py [--people 1000000] [--runs 3] [--work DIR]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import TRACKER, build, median, run


def interactive_seconds(page: Path, runs: int) -> float:
    """From the start of navigation to the first rows of the table on screen (the search field
    answers from then on), as the page itself records it (`data-ready`, performance.now() at
    the first render), in headless Chromium; the median of `runs` loads."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--no-first-run"):  # fmt: skip
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    times = []
    try:
        for _ in range(runs):
            driver.get("about:blank")
            driver.get(page.as_uri())
            ready = None
            while ready is None:
                ready = driver.execute_script(
                    "return document.getElementById('signatories').getAttribute('data-ready')"
                )
                time.sleep(0.01)
            times.append(int(ready) / 1000)
    finally:
        driver.quit()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, help="keep the database here between runs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.work or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        url = build(folder, args.people, realistic=True)
        start, _ = median([*TRACKER, "--version"], args.runs)
        print(f"tracker --version (start-up)      {start:7.2f} s")
        with tempfile.TemporaryDirectory() as out:
            report, report_rss = median(
                [*TRACKER, "--db", url, "report", "all", "bench", "--dir", f"{out}/reports"],
                args.runs,
            )
            print(f"report all (the downloads)        {report:7.2f} s  peak {report_rss:.0f} MiB")
            site = Path(out) / "site"
            runs = [run([*TRACKER, "--db", url, "publish", "bench", "--dir", str(site)])
                    for _ in range(args.runs)]  # fmt: skip
            seconds = statistics.median(r[0] for r in runs)
            rss = max(r[1] for r in runs)
            print(
                f"publish ({args.people:,} signatures) {seconds:7.2f} s  peak {rss:.0f} MiB  "
                f"({seconds / report:.2f}x report all)"
            )
            size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file()) / 2**20
            print(f"the site on disk                  {size:7.0f} MiB")
            ready = interactive_seconds(site / "bench" / "signatories.html", args.runs)
            print(f"signatories page interactive      {ready:7.2f} s  (headless Chromium)")


if __name__ == "__main__":
    main()
