from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from tests.conftest import Tracker
from tracker.cli.app import app
from tracker.db.migrations import SCHEMA_HEAD


def test_init_on_a_new_file_then_again(tmp_path: Path) -> None:
    tracker = Tracker(f"sqlite:///{tmp_path / 'new.db'}")
    assert f"revision {SCHEMA_HEAD} (was empty)" in tracker.ok("init")
    assert "up to date" in tracker.ok("init")
    assert tracker.ok("db", "current").startswith(f"{SCHEMA_HEAD} (head)")
    history = tracker.ok("db", "history")
    assert f"{SCHEMA_HEAD} (head)" in history
    assert "0001" in history


def test_db_downgrade_and_upgrade(tmp_path: Path) -> None:
    tracker = Tracker(f"sqlite:///{tmp_path / 'new.db'}")
    tracker.ok("init")
    tracker.ok("seed")
    refused = tracker("db", "downgrade", "base")  # it would drop every table: ask first
    assert refused.exit_code == 2
    assert "would drop" in refused.stderr
    assert "every table and all its data" in refused.stderr
    assert "--yes" in refused.stderr
    assert f"{SCHEMA_HEAD} (head)" in tracker.ok("db", "current")
    assert tracker.scalar("SELECT count(*) FROM letters") == 1
    assert "at revision 0003" in tracker.ok("db", "downgrade", "0003")  # drops triggers only
    assert "at revision base" in tracker.ok("db", "downgrade", "base", "--yes")
    assert "empty" in tracker.ok("db", "current")
    assert f"at revision {SCHEMA_HEAD}" in tracker.ok("db", "upgrade")
    for args in (("downgrade", "nonsense"), ("upgrade", "head+5"), ("upgrade", "0004+1")):
        result = tracker("db", *args)
        assert result.exit_code == 2, args
        assert result.stderr.startswith("error: unknown schema revision"), args


def test_a_database_from_a_newer_tracker_says_so(tmp_path: Path) -> None:
    tracker = Tracker(f"sqlite:///{tmp_path / 'new.db'}")
    tracker.ok("init")
    engine = tracker.engine()
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    finally:
        engine.dispose()
    for args in (("letter", "list"), ("init",), ("db", "upgrade")):
        result = tracker(*args)
        assert result.exit_code == 2, args
        assert "made by a newer tracker" in result.stderr, args
        assert "run `tracker init`" not in result.stderr, args


def test_commands_refuse_an_uninitialised_database(tmp_path: Path) -> None:
    result = Tracker(f"sqlite:///{tmp_path / 'none.db'}")("letter", "list")
    assert result.exit_code == 2
    assert "not initialised; run `tracker init`" in result.stderr


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite:////nonexistent/dir/x.db", "cannot use the database"),
        ("postgresql://nobody@127.0.0.1:1/none", "cannot use the database"),
        ("not a url", "is not a database URL"),
        ("mysql://x@localhost/db", "unsupported database"),
    ],
)
def test_unreachable_or_bad_database_url(url: str, message: str) -> None:
    result = CliRunner().invoke(app, ["--db", url, "init"])
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr + result.stdout


def test_quickstart_in_an_empty_folder_twice(db_url: str, tmp_path: Path) -> None:
    tracker = Tracker(db_url)
    reports = tmp_path / "reports"
    for _ in range(2):
        out = tracker.ok("quickstart", "--reports", str(reports))
        assert "population         770" in out
        assert "latest count       up to 500" in out
        assert "named signatories  12" in out
    assert (reports / "tally.csv").read_text().count("\n") == 2
    assert tracker.scalar("SELECT count(*) FROM signatures") == 12
    assert tracker.scalar("SELECT count(*) FROM reported_counts") == 1


def test_database_url_from_the_environment(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'env.db'}"
    result = CliRunner(env={"TRACKER_DATABASE_URL": url}).invoke(app, ["init"])
    assert result.exit_code == 0
    assert (tmp_path / "env.db").exists()


def test_version_and_help() -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["--version"]).stdout.startswith("tracker ")
    assert "Track open letters" in runner.invoke(app, ["--help"]).stdout


def _commands(group, prefix=()):  # type: ignore[no-untyped-def]
    import typer.main

    command = typer.main.get_command(group) if not prefix else group
    for name, sub in getattr(command, "commands", {}).items():
        yield (*prefix, name)
        yield from _commands(sub, (*prefix, name))


def test_every_command_has_help() -> None:
    runner = CliRunner()
    commands = list(_commands(app))
    assert len(commands) > 30
    for path in commands:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, path
        assert "Usage" in result.stdout


def test_python_dash_m_tracker_works(tmp_path: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "tracker", "--version"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env={**os.environ},
    )
    assert done.stdout.startswith("tracker ")


def test_json_of_letter_list(seeded: Tracker) -> None:
    (letter,) = json.loads(seeded.ok("letter", "list", "--format", "json"))
    assert letter["slug"] == "openai-board-2023"
    assert letter["population"] == 770
    assert letter["named_signatories"] == 12


def test_everyday_commands_import_no_heavy_library(tmp_path: Path) -> None:
    """`signatory add` and `signatory list` start without pandas, matplotlib or pyarrow (only
    reports and bulk imports load them), pydantic (typer 0.29 would), or SQLAlchemy's PostgreSQL
    dialect on SQLite (an index declared with `postgresql_where` would): a real process, its
    imports listed by Python."""
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'light.db'}"
    tracker = Tracker(url)
    tracker.ok("init")
    tracker.ok("seed")
    for command in (
        ["signatory", "add", "Ana Lima", "--letter", "openai-board-2023", "--source", "seed-003"],
        ["signatory", "list", "openai-board-2023"],
    ):
        imports = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "tracker", "--db", url, *command],
            capture_output=True,
            text=True,
            check=True,
        ).stderr
        loaded = {line.rsplit("|", 1)[-1].strip() for line in imports.splitlines()}
        assert loaded, "no import list"
        heavy = {"pandas", "matplotlib", "pyarrow", "pydantic", "sqlalchemy.dialects.postgresql"}
        assert not heavy & loaded, command
