from __future__ import annotations

import json

import pytest

from tests.conftest import Tracker

SLUG = "openai-board-2023"


def test_near_miss_stops_with_exit_3_and_writes_nothing(seeded: Tracker) -> None:
    people = seeded.scalar("SELECT count(*) FROM people")
    result = seeded("signatory", "add", "Ilya Stutskever", "--letter", SLUG, "--source", "seed-000")
    assert result.exit_code == 3
    assert "did you mean 'Ilya Sutskever'?" in result.stderr
    assert seeded.scalar("SELECT count(*) FROM people") == people


def test_same_as_attaches_and_keeps_the_alias(seeded: Tracker) -> None:
    seeded.ok("letter", "add", "follow-up", "--title", "A follow-up", "--addressed-to", "Board")
    out = seeded.ok(
        "signatory",
        "add",
        "Greg Brockmann",
        "--letter",
        "follow-up",
        "--source",
        "seed-000",
        "--same-as",
        "Greg Brockman",
    )
    assert "Greg Brockman signed follow-up; kept 'Greg Brockmann' as an alias" in out
    profile = json.loads(seeded.ok("person", "show", "Greg Brockmann", "--format", "json"))
    assert profile["name"] == "Greg Brockman"
    assert {"alias": "Greg Brockmann", "kind": "spelling", "source": "seed-000"} in profile[
        "aliases"
    ]


def test_new_person_decides_a_near_miss(seeded: Tracker) -> None:
    out = seeded.ok(
        "signatory",
        "add",
        "Mira Muratova",
        "--letter",
        SLUG,
        "--source",
        "seed-003",
        "--new-person",
    )
    assert "(new person)" in out
    assert seeded.scalar("SELECT count(*) FROM signatures") == 13


def test_exact_key_attaches_to_the_existing_person(seeded: Tracker) -> None:
    out = seeded.ok(
        "signatory", "add", "ＭＩＲＡ\u200b murati", "--letter", SLUG, "--source", "seed-003"
    )
    assert "Mira Murati already signed" in out


def test_retract_then_lists_and_history(seeded: Tracker) -> None:
    seeded.ok(
        "signatory",
        "retract",
        "Ilya Sutskever",
        "--letter",
        SLUG,
        "--source",
        "seed-000",
        "--reason",
        "Said he regretted taking part",
    )
    names = [r["name"] for r in json.loads(seeded.ok("signatory", "list", SLUG, "-f", "json"))]
    assert "Ilya Sutskever" not in names
    assert len(names) == 11
    retracted = json.loads(
        seeded.ok("signatory", "list", SLUG, "--status", "retracted", "-f", "json")
    )
    assert [r["name"] for r in retracted] == ["Ilya Sutskever"]
    assert len(json.loads(seeded.ok("signatory", "list", SLUG, "--all", "-f", "json"))) == 12
    profile = json.loads(seeded.ok("person", "show", "Ilya Sutskever", "-f", "json"))
    assert profile["signatures"][0]["status"] == "retracted"
    (entry, *_) = json.loads(seeded.ok("history", "--person", "Ilya Sutskever", "-f", "json"))
    assert entry["action"] == "retract"
    assert entry["source"] == "seed-000"
    assert entry["before"] == {"status": "reported"}
    second = seeded(
        "signatory",
        "retract",
        "Ilya Sutskever",
        "--letter",
        SLUG,
        "--source",
        "seed-000",
        "--reason",
        "again",
    )
    assert second.exit_code == 2
    assert "already retracted" in second.stderr


def test_status_changes(seeded: Tracker) -> None:
    assert "reported -> confirmed" in seeded.ok(
        "signatory",
        "status",
        "Mira Murati",
        "--letter",
        SLUG,
        "--to",
        "confirmed",
        "--source",
        "seed-000",
    )
    result = seeded(
        "signatory",
        "status",
        "Sam Altman",
        "--letter",
        SLUG,
        "--to",
        "confirmed",
        "--source",
        "seed-000",
    )
    assert result.exit_code == 2
    assert "has not signed" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["signatory", "add", "   ", "--letter", SLUG, "--source", "seed-003"], "empty"),
        (["signatory", "add", "x" * 301, "--letter", SLUG, "--source", "seed-003"], "limit is 300"),
        (["signatory", "add", "Bad\x00Name", "--letter", SLUG, "--source", "seed-003"], "U+0000"),
        (
            ["signatory", "add", "New Person", "--letter", "nope", "--source", "seed-003"],
            "unknown letter 'nope'",
        ),
        (
            ["signatory", "add", "New Person", "--letter", SLUG, "--source", "nope"],
            "unknown source 'nope'",
        ),
        (
            [
                "person",
                "role",
                "add",
                "Nobody Known",
                "--title",
                "CEO",
                "--org",
                "X",
                "--source",
                "seed-003",
            ],
            "person add",
        ),
        (
            [
                "person",
                "role",
                "add",
                "Sam Altman",
                "--title",
                "CEO",
                "--org",
                "OpenAI",
                "--source",
                "seed-003",
                "--start",
                "2023-12-01",
                "--end",
                "2023-11-01",
            ],
            "before the start date",
        ),
        (
            [
                "person",
                "role",
                "end",
                "Sam Altman",
                "--title",
                "Chief Executive Officer",
                "--org",
                "OpenAI",
                "--end",
                "2023-12-01",
                "--source",
                "seed-003",
            ],
            "already ended",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2_nothing_written(
    seeded: Tracker, args: list[str], message: str
) -> None:
    history = seeded.scalar("SELECT count(*) FROM history")
    result = seeded(*args)
    assert result.exit_code == 2, result.stdout
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert seeded.scalar("SELECT count(*) FROM history") == history


def test_person_add_alias_and_duplicates(seeded: Tracker) -> None:
    assert "added Bret Tailor" in seeded.ok(
        "person", "add", "Bret Tailor", "--source", "public-record", "--new-person"
    )
    pairs = json.loads(seeded.ok("person", "duplicates", "-f", "json"))
    assert any({p["first"], p["second"]} == {"Bret Taylor", "Bret Tailor"} for p in pairs)
    seeded.ok(
        "person",
        "alias",
        "Bret Taylor",
        "B. Taylor",
        "--source",
        "public-record",
        "--kind",
        "nickname",
    )
    assert seeded.ok("person", "show", "B. Taylor").startswith("Bret Taylor")
    refused = seeded("person", "add", "Bret Taylr", "--source", "public-record")
    assert refused.exit_code == 3


def test_tables_escape_control_characters_json_keeps_them(seeded: Tracker) -> None:
    name = "Eve\u202eevil"
    seeded.ok("signatory", "add", name, "--letter", SLUG, "--source", "seed-003", "--new-person")
    table = seeded.ok("signatory", "list", SLUG)
    assert "\u202e" not in table
    assert "Eve\\u202eevil" in table
    rows = json.loads(seeded.ok("signatory", "list", SLUG, "-f", "json"))
    assert name in [r["name"] for r in rows]


def test_history_rows_cannot_be_changed(seeded: Tracker) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    engine = seeded.engine()
    try:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text("DELETE FROM history"))
    finally:
        engine.dispose()
    assert seeded.scalar("SELECT count(*) FROM history") > 0
