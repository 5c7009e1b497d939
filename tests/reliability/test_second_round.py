"""What an adversarial tester broke, second round: outputs that replace what they must not, text
that reaches a terminal raw, inputs that end in a traceback. Each case runs the real command."""

from __future__ import annotations

import os
import pty
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Tracker

SLUG = "openai-board-2023"


def _cli(url: str, *args: str, stdout: int | None = subprocess.PIPE) -> subprocess.CompletedProcess:
    """The tracker as a user runs it: a process of its own (the edge where the environment's
    failures are translated is its `main`)."""
    return subprocess.run(
        [sys.executable, "-m", "tracker", "--db", url, *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        timeout=120,
        check=False,
    )


@pytest.fixture
def seeded_file(tmp_path: Path, sqlite_template: Path) -> tuple[Tracker, Path]:
    path = tmp_path / "tracker.db"
    shutil.copy(sqlite_template, path)
    tracker = Tracker(f"sqlite:///{path}")
    tracker.ok("seed")
    return tracker, path


def _listing(tmp_path: Path) -> Path:
    listing = tmp_path / "list.csv"
    listing.write_text("name,position\nAna Lima,20\nBad Row,x\n", encoding="utf-8")
    return listing


def test_outputs_that_must_not_be_replaced_are_refused_before_the_import(
    seeded_file: tuple[Tracker, Path], tmp_path: Path
) -> None:
    tracker, database = seeded_file
    listing = _listing(tmp_path)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    link = tmp_path / "to-null"
    link.symlink_to(os.devnull)
    before = tracker.scalar("SELECT count(*) FROM signatures")
    cases = {
        str(tmp_path): "is a folder",
        str(fifo): "not a regular file",
        str(link): "not a regular file",
        "/dev/stdout": "not a regular file",
        str(listing): "is the input",
        str(database): "is the database",
    }
    for target, message in cases.items():
        result = tracker(
            "signatory", "import", str(listing), "--letter", SLUG, "--source", "seed-003",
            "--on-error", "skip", "--rejects", target,
        )  # fmt: skip
        assert result.exit_code == 2, target
        assert message in result.stderr, (target, result.stderr)
        assert tracker.scalar("SELECT count(*) FROM signatures") == before, target
    assert listing.read_text(encoding="utf-8").startswith("name,position")
    for args in (("report", "tally", "--out", str(database)),
                 ("letter", "export", SLUG, "--out", str(fifo)),
                 ("report", "chart", "--out", str(link))):  # fmt: skip
        result = tracker(*args)
        assert result.exit_code == 2, args
    tracker.ok("letter", "list")  # the database is whole


def _in_a_terminal(command: list[str]) -> bytes:
    """What a command prints when its output is a terminal (a pseudo-terminal)."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(command, stdout=follower, stderr=follower, close_fds=True)
    os.close(follower)
    output = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    process.wait(timeout=60)
    os.close(leader)
    return output


def test_a_terminal_never_gets_control_characters_raw(seeded_file: tuple[Tracker, Path]) -> None:
    tracker, database = seeded_file
    title = "Evil \x1b]0;owned\x07 title \x1b[2J \u202egnp.exe"
    tracker.ok("source", "add", "evil", "--title", title, "--note", "x\x1b[31mred")
    url = f"sqlite:///{database}"
    for args in (["source", "list", "-f", "csv"], ["source", "list", "-f", "json"],
                 ["source", "list"]):  # fmt: skip
        shown = _in_a_terminal([sys.executable, "-m", "tracker", "--db", url, *args])
        assert b"evil" in shown, args
        assert b"\x1b" not in shown, args
        assert "\u202e".encode() not in shown, args
        assert b"\\u001b" in shown, args
    piped = _cli(url, "source", "list", "-f", "csv")  # a pipe keeps the exact text
    assert title.encode() in piped.stdout


def test_a_header_of_half_a_million_columns_is_refused_at_once(
    seeded_file: tuple[Tracker, Path], tmp_path: Path
) -> None:
    tracker, _ = seeded_file
    wide = tmp_path / "wide.csv"
    header = ",".join(["name", *(f"c{i}" for i in range(490_000))])
    wide.write_text(header + "\nAna" + ",x" * 490_000 + "\n", encoding="utf-8")
    result = tracker("signatory", "import", str(wide), "--letter", SLUG, "--source", "seed-003")
    assert result.exit_code == 2
    assert "the header has 490,001 columns; the limit is" in result.stderr
    assert len(result.stderr) < 300


BAD_ARGUMENTS = [
    ["count", "add", SLUG, "5", "--as-of", "2024-01-01", "--source", "seed-003",
     "--of", "100000000000000000000"],
    ["count", "add", SLUG, "100000000000000000000", "--as-of", "2024-01-01",
     "--source", "seed-003"],
    ["signatory", "add", "Zed Q", "--letter", SLUG, "--source", "seed-003",
     "--position", "9223372036854775808"],
    ["person", "duplicates", "--limit", "100000000000000000000"],
    ["person", "show", "#99999999999999999999999"],
    ["count", "add", SLUG, "5", "--as-of", "0001-01-01T00:00:00+14:00", "--source", "seed-003"],
    ["count", "add", SLUG, "5", "--as-of", "9999-12-31", "--source", "seed-003"],
    ["db", "upgrade", "head+5"],
    ["letter", "add", "slug\n", "--title", "T", "--addressed-to", "A"],
]  # fmt: skip


def test_bad_arguments_are_one_line_never_a_traceback(
    seeded_file: tuple[Tracker, Path], tmp_path: Path
) -> None:
    _, database = seeded_file
    url = f"sqlite:///{database}"
    for args in BAD_ARGUMENTS:
        result = _cli(url, *args)
        assert result.returncode == 2, (args, result.stderr)
        assert b"Traceback" not in result.stderr, args
    for bad_url in ("postgresql+psycopg2://u:p@localhost/x", f"{url}?timeout=abc",
                    "postgresql://u:p@[::1:5432/x"):  # fmt: skip
        result = _cli(bad_url, "letter", "list")
        assert result.returncode == 2, bad_url
        assert result.stderr.count(b"\n") == 1, (bad_url, result.stderr)
    result = subprocess.run(
        [sys.executable.encode(), b"-m", b"tracker", b"--db", url.encode(), b"letter", b"show",
         b"a\xff"],
        capture_output=True, check=False, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert b"not valid UTF-8" in result.stderr
    lists = {
        "position,name\n\u00b2,Sup Pos\n": "csv",
        '{"name": "A", "position": ' + "9" * 5000 + "}\n": "jsonl",
        '{"name": ' + "[" * 100_000 + "]" * 100_000 + "}\n": "jsonl",
    }
    for index, (content, suffix) in enumerate(lists.items()):
        path = tmp_path / f"list{index}.{suffix}"
        path.write_text(content, encoding="utf-8")
        result = _cli(url, "signatory", "import", str(path), "--letter", SLUG,
                      "--source", "seed-003")  # fmt: skip
        assert result.returncode == 2, suffix
        assert b"Traceback" not in result.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_a_full_output_device_is_one_line(seeded_file: tuple[Tracker, Path]) -> None:
    _, database = seeded_file
    url = f"sqlite:///{database}"
    with open("/dev/full", "w") as full:
        for args in (["signatory", "list", SLUG], ["--help"], ["report", "tally"]):
            result = _cli(url, *args, stdout=full.fileno())
            assert result.returncode == 2, args
            assert result.stderr == b"error: No space left on device\n", args


WORDS = st.sampled_from([
    "letter", "list", "show", "add", "source", "count", "signatory", "person", "demand", "status",
    "check", "report", "tally", "signatories", "history", "--as-of", "--format", "json", "csv",
    "--position", "--of", "--letter", "--source", "--limit", "#1", "#99999999999999999999",
    SLUG, "seed-003", "2023-11-20", "9999-12-31", "-1", "0", "1e20", "", "\x00", "\u202e",
])  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(st.lists(st.one_of(WORDS, st.text(max_size=12), st.integers().map(str)), max_size=7))
def test_no_argument_vector_ends_in_a_traceback(
    seeded_file: tuple[Tracker, Path], args: list[str]
) -> None:
    """Whatever the arguments, the answer is an exit code of the contract, never an exception
    that escaped (writes included: the database is a copy)."""
    tracker, _ = seeded_file
    result = tracker(*args)
    assert result.exit_code in (0, 1, 2, 3), (args, result.exit_code)
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), (args, repr(result.exception))


def test_length_limits_are_the_same_on_both_databases(tracker: Tracker) -> None:
    for args, message in (
        (["source", "add", "k" * 101, "--title", "T"], "the key is 101 characters long"),
        (["source", "add", "k2", "--title", "T", "--language", "l" * 36],
         "the language is 36 characters long; the limit is 35"),
    ):  # fmt: skip
        result = tracker(*args)
        assert result.exit_code == 2, args
        assert message in result.stderr, result.stderr
    assert tracker.scalar("SELECT count(*) FROM sources") == 0


@pytest.fixture
def read_only_copy(seeded_file: tuple[Tracker, Path], tmp_path: Path) -> Path:
    """The database on a read-only medium (a tmpfs mounted again read-only; the tests run as
    root, which no folder permission stops, so a medium is the honest test)."""
    _, database = seeded_file
    import sqlite3

    with sqlite3.connect(database) as connection:  # the write-ahead log into the file
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    medium = tmp_path / "medium"
    medium.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "none", str(medium)], check=False,
                             capture_output=True)  # fmt: skip
    if mounted.returncode != 0:
        if os.geteuid() == 0:
            pytest.fail(f"cannot mount a tmpfs: {mounted.stderr.decode()}")
        medium.chmod(0o755)
        shutil.copy(database, medium / "tracker.db")
        medium.chmod(0o555)  # not root: a read-only folder stops writes
        return medium / "tracker.db"
    shutil.copy(database, medium / "tracker.db")
    subprocess.run(["mount", "-o", "remount,ro", str(medium)], check=True)
    yield medium / "tracker.db"  # type: ignore[misc]
    subprocess.run(["umount", str(medium)], check=False)


def test_reading_needs_no_write_access(read_only_copy: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{read_only_copy}"
    for args in (["letter", "list"], ["report", "tally"], ["report", "signatories", SLUG],
                 ["demand", "status"], ["report", "all", "--dir", str(tmp_path / "reports")],
                 ["publish", "--dir", str(tmp_path / "site")]):  # fmt: skip
        result = _cli(url, *args)
        assert result.returncode == 0, (args, result.stderr)
    assert (tmp_path / "reports" / "signatories.csv").stat().st_size > 100
    result = _cli(url, "source", "add", "new", "--title", "T")
    assert result.returncode == 2
    assert b"the database is read-only here" in result.stderr


def test_a_full_temporary_folder_is_named_and_nothing_is_written(
    seeded_file: tuple[Tracker, Path], tmp_path: Path
) -> None:
    tracker, database = seeded_file
    tiny = tmp_path / "tiny"
    tiny.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "none", str(tiny)],
                             check=False, capture_output=True)  # fmt: skip
    if mounted.returncode != 0:
        pytest.fail(f"cannot mount a small tmpfs for TMPDIR: {mounted.stderr.decode()}")
    try:
        listing = tmp_path / "list.csv"
        rows = (f"Member Number{i:05d} Import,Org {i % 50}" for i in range(60_000))
        listing.write_text("name,affiliation\n" + "\n".join(rows) + "\n", encoding="utf-8")
        before = tracker.scalar("SELECT count(*) FROM signatures")
        result = subprocess.run(
            [sys.executable, "-m", "tracker", "--db", f"sqlite:///{database}", "signatory",
             "import", str(listing), "--letter", SLUG, "--source", "seed-003"],
            capture_output=True, check=False, timeout=300, env={**os.environ, "TMPDIR": str(tiny)},
        )  # fmt: skip
        assert result.returncode == 2
        assert b"no space left" in result.stderr
        assert b"TMPDIR" in result.stderr
        assert b"rollback" not in result.stderr
        assert tracker.scalar("SELECT count(*) FROM signatures") == before
    finally:
        subprocess.run(["umount", str(tiny)], check=False)
