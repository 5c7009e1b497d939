"""Several real processes writing to one database at once."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Tracker

SLUG = "openai-board-2023"

# Each worker is a real process running the CLI in a loop, as a script would.
WORKER = textwrap.dedent(
    """
    import sys
    from typer.testing import CliRunner
    from tracker.cli.app import app

    url, prefix, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    runner = CliRunner()
    failures = 0
    for i in range(count):
        result = runner.invoke(app, ["--db", url, "signatory", "add", f"{prefix} Worker{i:03d}",
                                     "--letter", "openai-board-2023", "--source", "seed-003",
                                     "--new-person"])
        if result.exit_code != 0:
            failures += 1
            print(result.stderr.strip(), file=sys.stderr)
    print(failures)
    """
)


def _spawn(url: str, prefix: str, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, url, prefix, str(count)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_two_writers_150_adds_each_all_accounted_for(seeded: Tracker) -> None:
    workers = [_spawn(seeded.url, prefix, 150) for prefix in ("Alpha", "Beta")]
    outputs = [worker.communicate(timeout=600) for worker in workers]
    failures = [int(out.strip().splitlines()[-1]) for out, _ in outputs]
    for (_, err), failed in zip(outputs, failures, strict=True):
        # A writer may only fail with the documented one-line "busy" message.
        for line in err.strip().splitlines():
            assert "database is busy, try again" in line
        assert failed == len(err.strip().splitlines()) if err.strip() else failed == 0
    added = seeded.scalar("SELECT count(*) FROM signatures") - 12
    assert added == 300 - sum(failures)
    assert sum(failures) == 0


@pytest.mark.slow
def test_an_import_and_adds_at_the_same_time(seeded: Tracker, tmp_path: Path) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text("".join(f"Imported Person{i:05d}\n" for i in range(20_000)))
    adder = _spawn(seeded.url, "Gamma", 50)
    importer = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tracker",
            "--db",
            seeded.url,
            "signatory",
            "import",
            str(listing),
            "--letter",
            SLUG,
            "--source",
            "seed-003",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = importer.communicate(timeout=600)
    added_out, _ = adder.communicate(timeout=600)
    assert importer.returncode == 0, err
    assert "20000 rows read, 20000 added" in out
    assert int(added_out.strip().splitlines()[-1]) == 0
    assert seeded.scalar("SELECT count(*) FROM signatures") == 12 + 20_000 + 50


@pytest.mark.postgres
def test_same_new_person_at_the_same_moment_is_one_person(pg_engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import PG_URL, _pg_reset

    _pg_reset(pg_engine)
    tracker = Tracker(PG_URL)  # type: ignore[arg-type]
    tracker.ok("seed")
    tracker.ok("letter", "add", "second", "--title", "Second", "--addressed-to", "Board")
    script = textwrap.dedent(
        """
        import sys
        from typer.testing import CliRunner
        from tracker.cli.app import app
        url, letter = sys.argv[1], sys.argv[2]
        result = CliRunner().invoke(app, ["--db", url, "signatory", "add", "Quinn Newcomer",
                                          "--letter", letter, "--source", "seed-003"])
        print(result.exit_code, result.stdout.strip(), result.stderr.strip())
        """
    )
    rounds = []
    for name in (
        "Quinn Newcomer",
        "Rosa Arrival",
        "Tomas Latecomer",
        "Uma Firsttime",
        "Vik Entrant",
    ):
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", script.replace("Quinn Newcomer", name), PG_URL, letter],
                stdout=subprocess.PIPE,
                text=True,
            )
            for letter in ("openai-board-2023", "second")
        ]
        rounds.append([p.communicate(timeout=120)[0] for p in procs])
        count = tracker.scalar("SELECT count(*) FROM people WHERE name = :n", n=name)
        assert count == 1, rounds[-1]
    assert all(out.startswith("0 ") for pair in rounds for out in pair)
    rows = json.loads(tracker.ok("signatory", "list", "second", "-f", "json"))
    assert len(rows) == 5


def test_a_busy_database_is_waited_for_where_the_transaction_begins(
    tracker: Tracker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer holds the write lock past the busy timeout: the import asks for it again
    where its transaction begins, and runs once (one import, one reading of standard input)."""
    import threading
    from types import SimpleNamespace

    import tracker.db.engine as engine_module
    import tracker.importing as importing
    from tracker.cli.importing import _standard_input

    tracker.ok("seed")
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 50)
    _standard_input.cache_clear()
    locked, release = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        if tracker.url.startswith("sqlite"):
            import sqlite3

            held = sqlite3.connect(tracker.url.removeprefix("sqlite:///"), isolation_level=None)
            held.execute("BEGIN IMMEDIATE")
        else:
            import psycopg

            held = psycopg.connect(tracker.url.replace("+psycopg", ""))  # type: ignore[assignment]
            held.execute(f"SELECT pg_advisory_xact_lock({engine_module.WRITER_LOCK})")
        locked.set()
        release.wait(timeout=10)
        held.commit()
        held.close()

    waits: list[float] = []

    def sleep(seconds: float) -> None:  # the first wait: the other writer lets go meanwhile
        waits.append(seconds)
        release.set()
        holder.join()

    monkeypatch.setattr(engine_module, "time", SimpleNamespace(sleep=sleep))
    imports: list[str] = []
    real_import = importing.import_signatories

    def counted(**kwargs: Any) -> Any:
        imports.append(kwargs["label"])
        return real_import(**kwargs)

    monkeypatch.setattr(importing, "import_signatories", counted)
    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    locked.wait(timeout=10)
    try:
        result = tracker(
            "signatory", "import", "-", "--letter", SLUG, "--source", "seed-003",
            "--format", "text", input="Ana Waited\nBen Waited\n",
        )  # fmt: skip
    finally:
        release.set()
        holder.join()
        _standard_input.cache_clear()
    assert result.exit_code == 0, result.stderr
    assert len(waits) == 1  # the lock was asked for twice
    assert imports == ["<stdin>"]  # the command ran once
    assert "2 rows read, 2 added" in result.stdout
    assert tracker.scalar("SELECT count(*) FROM people WHERE name LIKE '% Waited'") == 2


def test_a_database_busy_past_every_wait_says_so_once(
    sqlite_tracker: Tracker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer that never lets go: the import asks BUSY_RETRIES more times, then one line."""
    import sqlite3
    from types import SimpleNamespace

    import tracker.db.engine as engine_module

    tracker = sqlite_tracker
    tracker.ok("seed")
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 20)
    waits: list[float] = []
    monkeypatch.setattr(engine_module, "time", SimpleNamespace(sleep=waits.append))
    held = sqlite3.connect(tracker.url.removeprefix("sqlite:///"), isolation_level=None)
    held.execute("BEGIN IMMEDIATE")
    try:
        result = tracker("signatory", "add", "Cleo Blocked", "--letter", SLUG, "--source",
                         "seed-003", "--new-person")  # fmt: skip
    finally:
        held.execute("ROLLBACK")
        held.close()
    assert result.exit_code != 0
    assert result.stderr.strip().splitlines() == ["error: the database is busy, try again"]
    assert len(waits) == engine_module.BUSY_RETRIES
    assert tracker.scalar("SELECT count(*) FROM people WHERE name = 'Cleo Blocked'") == 0


def _together(commands: list[list[str]]) -> list[subprocess.CompletedProcess[str]]:
    """Start every command at once, as separate processes, and wait for them all."""
    procs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for command in commands
    ]
    results = []
    for command, proc in zip(commands, procs, strict=True):
        out, err = proc.communicate(timeout=300)
        results.append(subprocess.CompletedProcess(command, proc.returncode, out, err))
    return results


@pytest.mark.postgres
def test_postgres_writers_give_the_result_of_running_in_turn(pg_engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import PG_URL, _pg_reset

    _pg_reset(pg_engine)
    tracker = Tracker(PG_URL)  # type: ignore[arg-type]
    tracker.ok("seed")
    base = [sys.executable, "-m", "tracker", "--db", str(PG_URL)]
    role = ["person", "role", "add", "Mira Murati", "--title", "Adviser", "--org", "OpenAI",
            "--source", "seed-003"]  # fmt: skip
    results = _together([[*base, *role] for _ in range(4)])
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
    held = tracker.scalar("SELECT count(*) FROM roles WHERE title = 'Adviser'")
    assert held == 1
    # an import and an add of the same new name, at once: one person, one signature
    listing = tmp_path / "list.csv"
    names = [f"Member Number{i:04d} Import" for i in range(3000)] + ["Quinn Overlap"]
    listing.write_text("name\n" + "\n".join(names) + "\n", encoding="utf-8")
    where = ["--letter", "openai-board-2023", "--source", "seed-003"]
    results = _together([
        [*base, "signatory", "import", str(listing), *where],
        [*base, "signatory", "add", "Quinn Overlap", *where],
    ])  # fmt: skip
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
    assert tracker.scalar("SELECT count(*) FROM people WHERE name = 'Quinn Overlap'") == 1
    assert (
        tracker.scalar(
            "SELECT count(*) FROM signatures s JOIN people p ON p.id = s.person_id "
            "WHERE p.name = 'Quinn Overlap'"
        )
        == 1
    )


@pytest.mark.postgres
def test_concurrent_quickstart_on_an_empty_postgres_database(pg_engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import PG_URL, fresh_pg_schema

    fresh_pg_schema(pg_engine)
    try:
        commands = [
            [sys.executable, "-m", "tracker", "--db", str(PG_URL), "quickstart", "--reports",
             str(tmp_path / f"reports{i}")]
            for i in range(4)
        ]  # fmt: skip
        results = _together(commands)
        assert all(r.returncode == 0 for r in results), [r.stderr[-500:] for r in results]
        tracker = Tracker(PG_URL)  # type: ignore[arg-type]
        assert tracker.scalar("SELECT count(*) FROM letters") == 1
        assert tracker.scalar("SELECT count(*) FROM signatures") == 12
    finally:
        fresh_pg_schema(pg_engine)
        from tracker.db import migrations

        migrations.upgrade(pg_engine)
