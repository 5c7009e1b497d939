"""Letters as files: `letter load`, `letter export`, the second letter end to end, and many letters
in one database."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import Tracker

LETTERS = Path(__file__).parent.parent / "data" / "letters"
HARBOUR = LETTERS / "harbour-library-2024.toml"
SLUG = "harbour-library-2024"


@pytest.fixture
def fresh(tmp_path: Path, sqlite_template: Path) -> Tracker:
    """A second, empty SQLite database (the round trip loads into it)."""
    path = tmp_path / "fresh.db"
    shutil.copy(sqlite_template, path)
    return Tracker(f"sqlite:///{path}")


@pytest.fixture
def harbour(tracker: Tracker) -> Tracker:
    tracker.ok("letter", "load", str(HARBOUR))
    return tracker


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_load_is_idempotent(harbour: Tracker) -> None:
    history = harbour.scalar("SELECT count(*) FROM history")
    again = harbour.ok("letter", "load", str(HARBOUR))
    assert "nothing changed" in again
    assert harbour.scalar("SELECT count(*) FROM history") == history
    assert harbour.scalar("SELECT count(*) FROM signatures") == 8


def test_the_second_letter_end_to_end(harbour: Tracker) -> None:
    status = json.loads(harbour.ok("demand", "status", SLUG, "--as-of", "2024-04-01", "-f", "json"))
    assert [(d["key"], d["kind"], d["status"]) for d in status["demands"]] == [
        ("keep-branch", "other", "rejected")
    ]
    assert status["demands"][0]["reason"].startswith("recorded as rejected on 2024-03-20")
    before = json.loads(harbour.ok("demand", "status", SLUG, "--as-of", "2024-03-10", "-f", "json"))
    assert before["demands"][0]["status"] == "pending"

    tally = _csv(harbour.ok("report", "tally", SLUG, "--as-of", "2024-04-01"))
    assert {k: tally[0][k] for k in ("reported", "qualifier", "named", "unnamed")} == {
        "reported": "1150", "qualifier": "exact", "named": "7", "unnamed": "1143",
    }  # fmt: skip
    series = _csv(harbour.ok("report", "tally", SLUG, "--as-of", "2024-04-01", "--series"))
    # Named by signing time: five by the end of 5 March, seven by the 7th (one retracted).
    assert [(r["as_of"], r["reported"], r["qualifier"], r["named"]) for r in series] == [
        ("2024-03-05", "300", "at-least", "5"),
        ("2024-03-07", "1000", "approximate", "7"),
        ("2024-03-12", "1150", "exact", "7"),
    ]
    signing = _csv(harbour.ok("report", "signing", SLUG, "--as-of", "2024-04-01"))
    assert [(r["day"], r["named_so_far"]) for r in signing] == [
        ("2024-03-04", "3"), ("2024-03-05", "5"), ("2024-03-06", "6"), ("2024-03-07", "7"),
    ]  # fmt: skip


def _round_trip(source: Tracker, fresh: Tracker, slug: str, tmp_path: Path) -> None:
    first, second = tmp_path / "first.toml", tmp_path / "second.toml"
    source.ok("letter", "export", slug, "--out", str(first), "--private")
    fresh.ok("letter", "load", str(first))
    fresh.ok("letter", "export", slug, "--out", str(second), "--private")
    assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")
    for report in ("tally", "counts", "demands", "signatories"):
        args = ("report", report, slug, "--as-of", "2025-01-01")
        assert _csv(fresh.ok(*args)) == _csv(source.ok(*args)), report


def test_round_trip_of_the_second_letter(harbour: Tracker, fresh: Tracker, tmp_path: Path) -> None:
    _round_trip(harbour, fresh, SLUG, tmp_path)


def test_round_trip_of_the_bundled_letter(seeded: Tracker, fresh: Tracker, tmp_path: Path) -> None:
    _round_trip(seeded, fresh, "openai-board-2023", tmp_path)


def test_export_leaves_private_data_out_unless_asked(harbour: Tracker) -> None:
    result = harbour("letter", "export", SLUG)
    assert result.exit_code == 0
    assert "priya@example.org" not in result.stdout
    assert "Kept Private" not in result.stdout
    assert "left out 1 withheld signature" in result.stderr
    private = harbour.ok("letter", "export", SLUG, "--private")
    assert "priya@example.org" in private
    assert "Kept Private" in private


def test_corrections_keep_the_history(harbour: Tracker) -> None:
    harbour.ok("demand", "correct", SLUG, "keep-branch", "--summary", "Keep it open",
               "--source", "hl-letter")  # fmt: skip
    listed = _csv(harbour.ok("demand", "list", SLUG, "-f", "csv"))
    assert listed[0]["summary"] == "Keep it open"
    refused = harbour("demand", "correct", SLUG, "keep-branch", "--title", "Mayor",
                      "--source", "hl-letter")  # fmt: skip
    assert refused.exit_code == 2
    assert "names no role" in refused.stderr
    harbour.ok("demand", "remove", SLUG, "keep-branch", "--source", "hl-letter",
               "--reason", "recorded in error")  # fmt: skip
    assert harbour.scalar("SELECT count(*) FROM demands") == 0
    assert harbour.scalar("SELECT count(*) FROM demand_outcomes") == 0
    kept = harbour.rows("SELECT action, before FROM history WHERE entity = 'demand' ORDER BY id")
    assert [action for action, _ in kept] == ["add", "outcome", "correct", "remove"]
    assert "The council keeps the harbour branch open" in str(kept[2][1])
    assert "Keep it open" in str(kept[3][1])


def test_target_and_candidate_remove(seeded: Tracker) -> None:
    slug = "openai-board-2023"
    seeded.ok("demand", "target", "remove", slug, "board-resigns", "Helen Toner",
              "--source", "public-record")  # fmt: skip
    seeded.ok("demand", "candidate", "remove", slug, "independent-directors", "Will Hurd",
              "--source", "public-record")  # fmt: skip
    again = seeded("demand", "target", "remove", slug, "board-resigns", "Helen Toner",
                   "--source", "public-record")  # fmt: skip
    assert again.exit_code == 2
    assert "is not a target" in again.stderr
    assert seeded.scalar("SELECT count(*) FROM demand_targets") == 5
    assert seeded.scalar("SELECT count(*) FROM demand_candidates") == 1


def test_three_letters_give_every_report_without_naming_one(
    seeded: Tracker, tmp_path: Path
) -> None:
    seeded.ok("letter", "load", str(HARBOUR))
    seeded.ok("letter", "add", "third-letter", "--title", "A third letter", "--addressed-to", "X")
    listed = _csv(seeded.ok("letter", "list", "-f", "csv"))
    assert [r["slug"] for r in listed] == ["openai-board-2023", SLUG, "third-letter"]
    glance = seeded.ok("letter", "list")
    assert "up-to 500" in glance
    assert "64.9%" in glance
    assert "1143" in glance
    for report in ("tally", "counts", "demands", "signatories", "roles", "signing"):
        rows = _csv(seeded.ok("report", report, "--as-of", "2025-01-01"))
        assert "letter" in (rows[0] if rows else {"letter": ""}), report
    tally = _csv(seeded.ok("report", "tally", "--as-of", "2025-01-01"))
    assert {r["letter"] for r in tally} == {"openai-board-2023", SLUG, "third-letter"}
    out = tmp_path / "reports"
    seeded.ok("report", "all", "--dir", str(out), "--as-of", "2025-01-01")
    for slug in ("openai-board-2023", SLUG, "third-letter"):
        package = json.loads((out / slug / "datapackage.json").read_text())
        written = {p.name for p in (out / slug).iterdir()} - {"datapackage.json"}
        described = {resource["path"] for resource in package["resources"]}
        assert described <= written, slug
        assert "tally.csv" in described, slug


BAD_FILES = [
    ("[letter\nslug = 'x'\n", ":1: not valid TOML"),
    ("[letter]\nslug = 'x'\ntitle = 'T'\naddressed_to = 'A'\ncolour = 'red'\n",
     ":5: unknown key 'colour' in [letter]"),
    ("[letter]\nslug = 'x'\ntitle = 'T'\naddressed_to = 'A'\n\n[[counts]]\nvalue = 3\n"
     "qualifier = 'exact'\nas_of = '2024-01-01'\n", ":6: counts #1 has no 'source' (a fact"),
    ("[letter]\nslug = 'x'\ntitle = 'T'\naddressed_to = 'A'\ndate = '2024-13-01'\n",
     ":5: 'date' is not a date"),
    ("[letter]\nslug = 'x'\ntitle = 'T'\naddressed_to = 'A'\n[[sources]]\nkey = 's'\n"
     "title = 'S'\n[[demands]]\nkey = 'd'\nkind = 'resign'\nsummary = 'S'\nsource = 's'\n",
     ":8: demand 'd' of kind 'resign' needs a role_title and an organization"),
    ("[letter]\nslug = 'x'\ntitle = 'T'\naddressed_to = 'A'\n[[sources]]\nkey = 's'\n"
     "title = 'S'\n[[demands]]\nkey = 'd'\nkind = 'other'\nsummary = 'S'\nsource = 's'\n"
     "[[demands]]\nkey = 'd'\nkind = 'other'\nsummary = 'S'\nsource = 's'\n",
     ":14: demand key 'd' is given twice"),
    ("[letter]\nslug = 'x'\ntitle = 'T'\naddressed_to = 'A'\n[[sources]]\nkey = 's'\n"
     "title = 'S'\n[[demands]]\nkey = 'd'\nkind = 'resign'\nsummary = 'S'\nsource = 's'\n"
     "role_title = 'Mayor'\norganization = 'City'\ntargets = ['Nobody Known']\n",
     ":8: unknown person 'Nobody Known'"),
    ("[letter]\nslug = 'x'\ntitle = 'T'\naddressed_to = 'A'\nsource = 'nowhere'\n",
     ":1: unknown source 'nowhere'"),
]  # fmt: skip


@pytest.mark.parametrize(("content", "message"), BAD_FILES)
def test_a_bad_letter_file_is_one_line_each_and_writes_nothing(
    tracker: Tracker, tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    result = tracker("letter", "load", str(path))
    assert result.exit_code == 2, result.stdout
    assert f"{path}{message}" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert tracker.scalar("SELECT count(*) FROM letters") == 0
    assert tracker.scalar("SELECT count(*) FROM sources") == 0


def test_export_refuses_an_output_that_is_not_a_file(harbour: Tracker, tmp_path: Path) -> None:
    result = harbour("letter", "export", SLUG, "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "is a folder" in result.stderr


def test_the_readme_example_loads(tracker: Tracker, tmp_path: Path) -> None:
    readme = (Path(__file__).parent.parent.parent / "README.md").read_text(encoding="utf-8")
    example = tmp_path / "example.toml"
    example.write_text(readme.split("```toml\n")[1].split("```")[0], encoding="utf-8")
    tracker.ok("letter", "load", str(example))
    assert tracker.scalar("SELECT count(*) FROM signatures WHERE status = 'retracted'") == 1
    assert tracker.scalar("SELECT count(*) FROM demand_outcomes") == 1
