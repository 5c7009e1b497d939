"""`person merge`, `person not-same`, `signatory move`, `person undo`: a person's decisions on
who is who, on SQLite and PostgreSQL. Each is in the history, each can be undone, none changes
what a list published."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Tracker


@pytest.fixture
def listed(tracker: Tracker, tmp_path: Path) -> Tracker:
    tracker.ok("source", "add", "list", "--title", "A published list")
    tracker.ok("source", "add", "check", "--title", "We asked them")
    tracker.ok("letter", "add", "petition", "--title", "A petition", "--addressed-to", "Council")
    tracker.ok("letter", "add", "second", "--title", "Another", "--addressed-to", "Council")
    path = tmp_path / "list.csv"
    path.write_text(
        "name,link,email,affiliation\n"
        "Dmitry Ershov,https://github.com/dershov,,Acme\n"
        "Dmitry Ershov,,d@example.org,\n"
        "Olle Gladso,https://codeberg.org/olle,,\n"
    )
    tracker.ok("signatory", "import", str(path), "--letter", "petition", "--source", "list")
    tracker.ok(
        "person", "role", "add", "#2", "--title", "Editor", "--org", "Zine", "--source", "list"
    )
    return tracker


def _published(t: Tracker) -> list[tuple[object, ...]]:
    return t.rows("SELECT entry, as_written, link, email, affiliation FROM signatures ORDER BY id")


def _person_of(t: Tracker, entry: int) -> object:
    return t.scalar("SELECT person_id FROM signatures WHERE entry = :entry", entry=entry)


def test_merge_then_undo(listed: Tracker) -> None:
    published = _published(listed)
    listed.ok("person", "merge", "#1", "#2", "--source", "check", "--reason", "same person, asked")
    assert _person_of(listed, 1) == _person_of(listed, 2) == 1
    profile = json.loads(listed.ok("person", "show", "#1", "-f", "json"))
    assert len(profile["signatures"]) == 2
    assert [r["title"] for r in profile["roles"]] == ["Affiliated", "Editor"]
    tally = json.loads(listed.ok("report", "tally", "petition", "-f", "json"))[0]
    assert (tally["named"], tally["people"]) == (3, 2)
    assert listed("person", "show", "#2").exit_code == 2  # merged away: "#2" is no one now
    # the merged name still finds the person kept, wherever it is written
    added = listed.ok("signatory", "add", "Dmitry Ershov", "--letter", "second", "--source", "list")
    assert "Dmitry Ershov signed second" in added
    assert listed.scalar("SELECT person_id FROM signatures WHERE letter_id = 2") == 1
    (decision,) = json.loads(listed.ok("person", "decisions", "-f", "json"))
    assert (decision["kind"], decision["person_id"], decision["other_id"]) == ("merge", 1, 2)
    listed.ok("person", "undo", str(decision["id"]), "--reason", "asked again")
    assert (_person_of(listed, 1), _person_of(listed, 2)) == (1, 2)
    assert [
        r["title"] for r in json.loads(listed.ok("person", "show", "#2", "-f", "json"))["roles"]
    ] == ["Editor"]
    assert _published(listed)[:3] == published
    actions = [e["action"] for e in json.loads(listed.ok("history", "-f", "json"))]
    assert actions[:3] == ["undo", "sign", "merge"]
    again = listed("person", "undo", str(decision["id"]))
    assert again.exit_code == 2
    assert "undone already" in again.stderr


def test_not_same_is_remembered_and_refuses_a_merge(listed: Tracker) -> None:
    pairs = json.loads(listed.ok("person", "duplicates", "-f", "json"))
    assert [(p["first_id"], p["second_id"]) for p in pairs] == [(1, 2)]
    listed.ok("person", "not-same", "#1", "#2", "--reason", "two people, asked")
    assert json.loads(listed.ok("person", "duplicates", "-f", "json")) == []
    assert "already" in listed.ok("person", "not-same", "#2", "#1")
    refused = listed("person", "merge", "#1", "#2", "--source", "check", "--reason", "x")
    assert refused.exit_code == 3
    assert "judged not the same" in refused.stderr
    assert _person_of(listed, 2) == 2
    tally = json.loads(listed.ok("report", "tally", "petition", "-f", "json"))[0]
    assert tally["same_name_pairs"] == 0


def test_move_a_signature_then_undo(listed: Tracker) -> None:
    listed.ok("person", "add", "Olle Gladsø", "--source", "check", "--new-person")
    moved = listed.ok(
        "signatory",
        "move",
        "Olle Gladso",
        "--letter",
        "petition",
        "--to",
        "#4",
        "--source",
        "check",
    )
    assert "from Olle Gladso to Olle Gladsø" in moved
    assert _person_of(listed, 3) == 4
    (decision,) = json.loads(listed.ok("person", "decisions", "-f", "json"))
    listed.ok("person", "undo", str(decision["id"]))
    assert _person_of(listed, 3) == 3


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("person", "merge", "#1", "#1", "--source", "check", "--reason", "x"), 2, "one person"),
        (("person", "merge", "#1", "#99", "--source", "check", "--reason", "x"), 2, "no person"),
        (("person", "merge", "#1", "#2", "--source", "nope", "--reason", "x"), 2, "source"),
        (("person", "merge", "#1", "#2", "--source", "check", "--reason", " "), 2, "reason"),
        (("person", "not-same", "#3", "#3"), 2, "one person"),
        (("person", "undo", "42"), 2, "no decision #42"),
        (
            ("signatory", "move", "#1", "--letter", "petition", "--to", "#2", "--source", "check"),
            3,
            "has signed petition already",
        ),
        (
            ("signatory", "move", "#3", "--letter", "second", "--to", "#1", "--source", "check"),
            2,
            "no signature on second",
        ),
    ],
)
def test_bad_decisions_change_nothing(
    listed: Tracker, args: tuple[str, ...], code: int, message: str
) -> None:
    before = listed.rows("SELECT id, person_id FROM signatures ORDER BY id")
    result = listed(*args)
    assert result.exit_code == code, result.stdout
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert listed.rows("SELECT id, person_id FROM signatures ORDER BY id") == before
    assert listed.scalar("SELECT count(*) FROM identity_decisions") == 0
