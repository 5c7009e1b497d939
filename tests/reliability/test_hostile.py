"""The hostile input corpus (tests/hostile): each file gives its documented error, or its exact
text is kept, and no output carries a formula or a raw control character."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from pathlib import Path

import pytest

from tests.conftest import Tracker

CORPUS = Path(__file__).resolve().parent.parent / "hostile"
KEPT = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))["kept"]


@pytest.fixture
def petition(tracker: Tracker) -> Tracker:
    tracker.ok("source", "add", "list", "--title", "A list")
    tracker.ok("letter", "add", "petition", "--title", "A petition", "--addressed-to", "Council")
    return tracker


def _import(t: Tracker, name: str):  # type: ignore[no-untyped-def]
    return t(
        "signatory",
        "import",
        str(CORPUS / name),
        "--letter",
        "petition",
        "--source",
        "list",
        "--format",
        "csv",
    )


def _unsafe(text: str) -> list[str]:
    return [ch for ch in text if unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\n\r"]


def test_hostile_names_are_kept_exactly_and_output_safely(petition: Tracker) -> None:
    result = _import(petition, "kept.csv")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(petition.ok("signatory", "list", "petition", "-f", "json"))
    assert sorted(r["as_written"] for r in rows) == sorted(n.strip() for n in KEPT)
    table = petition.ok("signatory", "list", "petition")
    assert _unsafe(table) == []
    for report in ("signatories", "roles", "tally", "counts", "demands"):
        text = petition.ok("report", report, "petition")
        for record in csv.reader(io.StringIO(text)):
            for cell in record:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (report, cell)
    exported = list(csv.DictReader(io.StringIO(petition.ok("report", "signatories", "petition"))))
    assert len(exported) == len(KEPT)
    history = petition.ok("history", "--letter", "petition")
    assert _unsafe(history) == []


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("nul.csv", "binary"),
        ("too_long.csv", "limit is 300"),
        ("control.csv", "U+0007"),
        ("empty.csv", "is empty"),
        ("header_only.csv", "has no rows"),
        ("binary.bin", "binary"),
    ],
)
def test_hostile_files_give_their_documented_error(
    petition: Tracker, name: str, message: str
) -> None:
    result = _import(petition, name)
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert petition.scalar("SELECT count(*) FROM signatures") == 0


def test_sql_looking_names_are_just_names(petition: Tracker) -> None:
    name = "Robert'); DROP TABLE people;--"
    petition.ok(
        "signatory", "add", name, "--letter", "petition", "--source", "list", "--new-person"
    )
    assert petition.ok("person", "show", name, "-f", "json")
    assert petition.scalar("SELECT count(*) FROM people") == 1
