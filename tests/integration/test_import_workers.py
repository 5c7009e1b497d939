"""An import's result does not depend on where its records were checked: in the importing
process, or in worker processes, a few records a batch (`tracker.importing.checking`)."""

from __future__ import annotations

import csv
import io
import random
import re
import shutil
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Tracker, _pg_reset
from tracker.db.models import Base
from tracker.importing import checking, workers
from tracker.importing.reader import Read, read_records
from tracker.importing.rules import Columns
from tracker.importing.source import InputFile

GIVEN = (
    "Ana",
    "Ivan",
    "Олег",
    "Мария",
    "Γιώργος",
    "李",
    "أحمد",
    "राहुल",
    "José",
    "Zoë",
    "Bob",
    "Robert",
)
FAMILY = ("Lima", "Petrov", "Иванова", "Παπαδόπουλος", "王伟", "حسن", "शर्मा", "Müller", "Smith")
ORGS = ("Acme Labs", "ACME LABS", "Universität Wien", "Институт", "大学", "")


def _messy_list(path: Path, rows: int = 400, seed: int = 7) -> Path:
    """Names in many scripts, repeats (the same link: one person; another link: a namesake),
    mononyms, organizations spelt two ways, unreadable dates and statuses, links that are no
    links, rows refused (no name, a bad position), and another column."""
    rng = random.Random(seed)
    written: list[list[str]] = []
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["name", "title", "org", "url", "email", "date", "status", "#", "note"])
        for n in range(rows):
            roll = rng.random()
            if written and roll < 0.08:
                row = list(rng.choice(written))
                if rng.random() < 0.5:
                    row[3] = f"https://github.com/other{n}"
            else:
                name = (
                    rng.choice(GIVEN)
                    if roll < 0.15
                    else f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"
                )
                row = [
                    name,
                    rng.choice(("", "Engineer", "Professor")),
                    rng.choice(ORGS),
                    rng.choice(
                        ("", f"https://github.com/u{n}", "not a link /#", f"example.org/{n}")
                    ),
                    rng.choice(("", "", f"p{n}@example.org", "nobody@")),
                    rng.choice(("2024-02-01", "", "01/02/2024", "someday")),
                    rng.choice(("", "", "confirmed", "retracted")),
                    "",
                    rng.choice(("", "first wave")),
                ]
                written.append(row)
            if rng.random() < 0.03:
                row = ["", *row[1:]] if rng.random() < 0.5 else [*row[:7], "zero", row[8]]
            writer.writerow(row)
    return path


def _contents(tracker: Tracker) -> dict[str, list[tuple[object, ...]]]:
    """Every table but the history (which records when), in a fixed order."""
    found = {}
    for table in Base.metadata.sorted_tables:
        if table.name in ("history", "alembic_version"):
            continue
        columns = [c.name for c in table.columns if c.name not in ("created_at", "updated_at")]
        order = ", ".join(str(i + 1) for i in range(len(columns)))
        found[table.name] = tracker.rows(
            f"SELECT {', '.join(columns)} FROM {table.name} ORDER BY {order}"
        )
    return found


Imported = tuple[list[str], str, str, dict[str, list[tuple[object, ...]]]]


def _imported(tracker: Tracker, listing: Path, folder: Path) -> Imported:
    tracker.ok("source", "add", "s", "--title", "S")
    tracker.ok("letter", "add", "l", "--title", "L", "--addressed-to", "Board")
    folder.mkdir()
    result = tracker(
        "signatory", "import", str(listing), "--letter", "l", "--source", "s",
        "--on-error", "skip", "--rejects", str(folder / "rejects.csv"),
        "--merges", str(folder / "merges.csv"),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    said = (result.stdout + result.stderr).splitlines()
    summary = [re.sub(r", [0-9.]+ s$", "", line) for line in said]  # all but the time
    return (
        summary,
        (folder / "rejects.csv").read_text(encoding="utf-8"),
        (folder / "merges.csv").read_text(encoding="utf-8"),
        _contents(tracker),
    )


def _empty_again(
    tracker: Tracker, folder: Path, template: Path, request: pytest.FixtureRequest
) -> Tracker:
    """An empty database like the tracker's: another SQLite file, or the same server emptied."""
    if tracker.url.startswith("sqlite:///"):
        path = folder / "again.db"
        shutil.copy(template, path)
        return Tracker(f"sqlite:///{path}")
    _pg_reset(request.getfixturevalue("pg_engine"))
    return tracker


def test_workers_import_what_the_importing_process_imports(
    tracker: Tracker,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    sqlite_template: Path,
    request: pytest.FixtureRequest,
) -> None:
    listing = _messy_list(tmp_path / "messy.csv")
    monkeypatch.setenv(workers.WORKERS_ENV, "0")
    alone = _imported(tracker, listing, tmp_path / "alone")
    again = _empty_again(tracker, tmp_path, sqlite_template, request)
    monkeypatch.setenv(workers.WORKERS_ENV, "2")
    monkeypatch.setattr(checking, "PARALLEL_FROM", 10)
    monkeypatch.setattr(checking, "BATCH_RECORDS", 7)
    parallel = _imported(again, listing, tmp_path / "parallel")
    summary, rejects, merges, contents = alone
    assert "rejected" in summary[0]
    assert "0 rejected" not in summary[0]
    assert rejects.count("\n") > 5
    assert merges.count("\n") > 5
    assert any("could not be read" in line for line in summary)
    assert len(contents["signatures"]) > 300
    assert contents["roles"]
    assert contents["organizations"]
    assert parallel == alone


def test_the_number_of_workers_must_be_a_number(
    seeded: Tracker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listing = _messy_list(tmp_path / "messy.csv", rows=30)
    monkeypatch.setenv(workers.WORKERS_ENV, "many")
    monkeypatch.setattr(checking, "PARALLEL_FROM", 0)
    result = seeded(
        "signatory", "import", str(listing), "--letter", "openai-board-2023",
        "--source", "seed-003", "--on-error", "skip",
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {workers.WORKERS_ENV} is a whole number of worker processes, not 'many'"
    ]
    assert seeded.scalar("SELECT count(*) FROM signatures") == 12


def test_the_workers_rules_need_no_database_layer() -> None:
    """A worker imports the rules alone: no SQLAlchemy, no models (light and quick to start)."""
    import subprocess
    import sys

    heavy = ("sqlalchemy", "tracker.db.models", "tracker.services")
    probe = (
        "import sys, tracker.importing.checking; "
        f"print(sorted(m for m in sys.modules if m.startswith({heavy!r})))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == "[]"


def _input(path: Path) -> tuple[InputFile, Iterator[Read], Columns]:
    columns = Columns()
    reader = InputFile(path.open("rb"), encoding=None, label=path.name)
    return reader, read_records(reader, "csv", columns, "paren", None), columns


def test_a_large_file_gets_its_workers_from_its_first_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A list that will be large, judged from the share of the file its first records took,
    is checked by workers from its first batches; the same records with nothing to judge from
    (standard input) wait for PARALLEL_FROM records."""
    listing = _messy_list(tmp_path / "messy.csv", rows=2_000)
    monkeypatch.setenv(workers.WORKERS_ENV, "2")
    monkeypatch.setattr(checking, "BATCH_RECORDS", 100)
    started: list[int] = []

    class Counted(workers.Workers):  # the real pool, its start noted
        def __init__(self, *args: Any) -> None:
            started.append(1)
            super().__init__(*args)

    monkeypatch.setattr(workers, "Workers", Counted)
    _, read, columns = _input(listing)
    records = list(read)
    options = checking.Options(strict=False, dayfirst=False, postgres=False, columns=columns)
    alone = list(checking.checked_batches(records, options))
    assert started == []  # 2,000 records: fewer than PARALLEL_FROM
    monkeypatch.setattr(checking, "PARALLEL_FROM", 1_000)
    judged = list(checking.checked_batches(records, options, lambda count: count * 20))
    assert started == [1]
    assert [b.rows for b in judged] == [b.rows for b in alone]
    assert [b.errors for b in judged] == [b.errors for b in alone]


def test_how_many_records_a_file_holds_is_judged_low_rather_than_high(tmp_path: Path) -> None:
    listing = _messy_list(tmp_path / "messy.csv", rows=60_000)
    reader, read, _ = _input(listing)
    first = sum(1 for _ in islice(read, 5_000))
    early = reader.records_expected(first)
    assert early is not None
    assert first < early <= 60_000  # read ahead a chunk at a time: too few, not too many
    rest = sum(1 for _ in read)
    late = reader.records_expected(first + rest)
    assert late is not None
    assert 0.95 * (first + rest) <= late <= 1.05 * (first + rest)
    piped = InputFile(io.BytesIO(listing.read_bytes()), encoding=None, label="-")
    assert piped.records_expected(100) is None
