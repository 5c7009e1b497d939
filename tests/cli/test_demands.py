"""Invented scenarios after the letter's date, entered through the CLI."""

from __future__ import annotations

import json

import pytest

from tests.conftest import Tracker

SLUG = "openai-board-2023"


def _status(t: Tracker, as_of: str) -> dict[str, str]:
    report = json.loads(t.ok("demand", "status", SLUG, "--as-of", as_of, "-f", "json"))
    return {d["key"]: d["status"] for d in report["demands"]}


def test_right_after_seeding_all_pending(seeded: Tracker) -> None:
    assert set(_status(seeded, "2023-11-20").values()) == {"pending"}
    result = seeded("demand", "check", SLUG, "--as-of", "2023-11-20")
    assert result.exit_code == 1
    assert "board-resigns: pending" in result.stdout


def _starts(t: Tracker, name: str, title: str, day: str) -> None:
    t.ok(
        "person",
        "role",
        "add",
        name,
        "--title",
        title,
        "--org",
        "OpenAI",
        "--start",
        day,
        "--source",
        "public-record",
    )


def _ends(t: Tracker, name: str, title: str, day: str) -> None:
    t.ok(
        "person",
        "role",
        "end",
        name,
        "--title",
        title,
        "--org",
        "OpenAI",
        "--end",
        day,
        "--source",
        "public-record",
    )


def test_a_sequence_of_role_changes(seeded: Tracker) -> None:
    # Two of four board members leave: partially met.
    for name in ("Helen Toner", "Tasha McCauley"):
        _ends(seeded, name, "Board member", "2023-11-29")
    assert _status(seeded, "2023-11-28")["board-resigns"] == "pending"
    assert _status(seeded, "2023-11-29")["board-resigns"] == "partially-met"
    # An insider joins the board: not independent.
    _starts(seeded, "Brad Lightcap", "Board member", "2023-11-25")
    assert _status(seeded, "2023-11-30")["independent-directors"] == "pending"
    # Someone who is not an example candidate is appointed: counts.
    seeded.ok("person", "add", "Larry Summers", "--source", "public-record")
    _starts(seeded, "Larry Summers", "Board member", "2023-11-29")
    assert _status(seeded, "2023-11-30")["independent-directors"] == "partially-met"
    # A role that starts after D does not count yet.
    _starts(seeded, "Bret Taylor", "Board member", "2023-12-05")
    assert _status(seeded, "2023-11-30")["independent-directors"] == "partially-met"
    assert _status(seeded, "2023-12-05")["independent-directors"] == "met"
    # Reinstatement into a different role does not count.
    _starts(seeded, "Greg Brockman", "Chairman of the board", "2023-11-29")
    _starts(seeded, "Sam Altman", "Chief Executive Officer", "2023-11-29")
    assert _status(seeded, "2023-11-30")["reinstate"] == "partially-met"
    _starts(seeded, "Greg Brockman", "President", "2023-11-30")
    assert _status(seeded, "2023-11-30")["reinstate"] == "met"
    report = json.loads(seeded.ok("demand", "status", SLUG, "--as-of", "2023-12-05", "-f", "json"))
    resign = report["demands"][0]
    assert "left: Helen Toner, Tasha McCauley" in resign["reason"]
    assert report["ultimatum"]["state"] == "active"
    assert {"key": "public-record", "title": resign["sources"][0]["title"]} in resign["sources"]


def test_recorded_outcome_overrides_the_derived_status(seeded: Tracker) -> None:
    seeded.ok(
        "demand",
        "record",
        SLUG,
        "board-resigns",
        "--outcome",
        "met",
        "--as-of",
        "2023-11-22",
        "--source",
        "public-record",
        "--note",
        "New board announced",
    )
    before = json.loads(seeded.ok("demand", "status", SLUG, "--as-of", "2023-11-21", "-f", "json"))
    after = json.loads(seeded.ok("demand", "status", SLUG, "--as-of", "2023-11-22", "-f", "json"))
    assert before["demands"][0]["status"] == "pending"
    assert not before["demands"][0]["overridden_by_outcome"]
    demand = after["demands"][0]
    assert demand["status"] == "met"
    assert demand["overridden_by_outcome"]
    assert demand["derived_status"] == "pending"
    assert "the facts alone say pending" in demand["reason"]


def test_every_demand_met_averts_the_ultimatum(seeded: Tracker) -> None:
    for key in ("board-resigns", "independent-directors", "reinstate"):
        seeded.ok(
            "demand",
            "record",
            SLUG,
            key,
            "--outcome",
            "met",
            "--as-of",
            "2023-11-22",
            "--source",
            "public-record",
        )
    assert seeded("demand", "check", SLUG, "--as-of", "2023-11-22").exit_code == 0
    report = json.loads(seeded.ok("demand", "status", "--as-of", "2023-11-22", "-f", "json"))
    assert report["ultimatum"]["state"] == "averted"


def test_bad_demand_input(seeded: Tracker) -> None:
    for args, message in [
        (
            [
                "demand",
                "record",
                SLUG,
                "nope",
                "--outcome",
                "met",
                "--as-of",
                "2023-11-22",
                "--source",
                "public-record",
            ],
            "unknown demand 'nope'",
        ),
        (
            [
                "demand",
                "record",
                SLUG,
                "reinstate",
                "--outcome",
                "done",
                "--as-of",
                "2023-11-22",
                "--source",
                "public-record",
            ],
            "unknown outcome 'done'",
        ),
        (["demand", "status", "nope"], "unknown letter"),
        (["demand", "status", SLUG, "--as-of", "2023-11-01"], "before the letter's date"),
    ]:
        result = seeded(*args)
        assert result.exit_code == 2, args
        assert message in result.stderr


def test_ultimatum_recorded_as_carried_out(seeded: Tracker) -> None:
    seeded.ok(
        "demand", "ultimatum", SLUG, "--carried-out", "2023-11-25", "--source", "public-record"
    )
    before = json.loads(seeded.ok("demand", "status", SLUG, "--as-of", "2023-11-24", "-f", "json"))
    after = json.loads(seeded.ok("demand", "status", SLUG, "--as-of", "2023-11-25", "-f", "json"))
    assert before["ultimatum"]["state"] == "active"
    assert after["ultimatum"]["state"] == "carried-out"


def test_unknown_organization_and_person(seeded: Tracker) -> None:
    result = seeded(
        "person",
        "role",
        "end",
        "Sam Altman",
        "--title",
        "CEO",
        "--org",
        "Nowhere Inc",
        "--end",
        "2023-12-01",
        "--source",
        "public-record",
    )
    assert result.exit_code == 2
    assert "unknown organization 'Nowhere Inc'" in result.stderr
    result = seeded(
        "person",
        "role",
        "add",
        "Nobody Here",
        "--title",
        "CEO",
        "--org",
        "OpenAI",
        "--source",
        "public-record",
    )
    assert result.exit_code == 2
    assert "tracker person add" in result.stderr


def test_a_letter_without_demands(tracker: Tracker) -> None:
    tracker.ok("source", "add", "s", "--title", "S")
    tracker.ok("letter", "add", "bare", "--title", "Bare", "--addressed-to", "Nobody")
    result = tracker("demand", "check", "bare")
    assert result.exit_code == 1
    assert "no demands recorded" in result.stderr
    report = json.loads(tracker.ok("demand", "status", "bare", "-f", "json"))
    assert report["demands"] == []
    assert report["ultimatum"] == {"state": "active", "reason": "no demands are recorded"}


def test_a_new_letter_gets_demands_targets_and_examples(tracker: Tracker) -> None:
    """Any letter's demands, from the command line: a role demand decided by the roles, and a
    demand of kind `other` decided by its recorded outcome."""
    tracker.ok("source", "add", "s", "--title", "S")
    tracker.ok("letter", "add", "climate", "--title", "Climate", "--addressed-to", "Council",
               "--date", "2024-03-01")  # fmt: skip
    tracker.ok("demand", "add", "climate", "ceo-resigns", "--kind", "resign", "--summary",
               "The CEO resigns", "--title", "Chief Executive Officer", "--org", "Acme",
               "--source", "s")  # fmt: skip
    tracker.ok("demand", "add", "climate", "board", "--kind", "appoint", "--summary",
               "Two new directors", "--title", "Director", "--org", "Acme", "--required", "2",
               "--source", "s")  # fmt: skip
    tracker.ok("demand", "add", "climate", "divest", "--kind", "other", "--summary",
               "Divest from fossil fuels", "--source", "s")  # fmt: skip
    assert "already" in tracker.ok(
        "demand", "add", "climate", "divest", "--kind", "other", "--summary", "x", "--source", "s"
    )
    tracker.ok("person", "add", "Jo Boss", "--source", "s")
    tracker.ok("person", "add", "Ann Example", "--source", "s")
    tracker.ok("person", "role", "add", "Jo Boss", "--title", "Chief Executive Officer",
               "--org", "Acme", "--start", "2020-01-01", "--source", "s")  # fmt: skip
    tracker.ok("demand", "target", "add", "climate", "ceo-resigns", "Jo Boss", "--source", "s")
    tracker.ok("demand", "candidate", "add", "climate", "board", "Ann Example", "--source", "s")
    assert "already" in tracker.ok(
        "demand", "target", "add", "climate", "ceo-resigns", "Jo Boss", "--source", "s"
    )
    tracker.ok("demand", "record", "climate", "divest", "--outcome", "rejected", "--as-of",
               "2024-04-01", "--source", "s")  # fmt: skip
    tracker.ok("person", "role", "end", "Jo Boss", "--title", "Chief Executive Officer",
               "--org", "Acme", "--end", "2024-05-01", "--source", "s")  # fmt: skip
    report = json.loads(
        tracker.ok("demand", "status", "climate", "--as-of", "2024-06-01", "-f", "json")
    )
    status = {d["key"]: d["status"] for d in report["demands"]}
    assert status == {"ceo-resigns": "met", "board": "pending", "divest": "rejected"}
    assert "Ann Example" in next(d for d in report["demands"] if d["key"] == "board")["reason"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("demand", "add", "climate", "k", "--kind", "resign", "--summary", "x", "--source", "s"),
         "needs a role title and an organization"),
        (("demand", "add", "climate", "k", "--kind", "vote", "--summary", "x", "--source", "s"),
         "unknown demand kind"),
        (("demand", "add", "nowhere", "k", "--kind", "other", "--summary", "x", "--source", "s"),
         "nowhere"),
        (("demand", "target", "add", "climate", "nope", "Jo Boss", "--source", "s"), "nope"),
        (("demand", "target", "add", "climate", "divest", "Nobody Known", "--source", "s"),
         "person add"),
    ],
)  # fmt: skip
def test_bad_demands_change_nothing(tracker: Tracker, args: tuple[str, ...], message: str) -> None:
    tracker.ok("source", "add", "s", "--title", "S")
    tracker.ok("letter", "add", "climate", "--title", "Climate", "--addressed-to", "Council")
    tracker.ok("demand", "add", "climate", "divest", "--kind", "other", "--summary", "Divest",
               "--source", "s")  # fmt: skip
    before = tracker.scalar("SELECT count(*) FROM history")
    result = tracker(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert tracker.scalar("SELECT count(*) FROM history") == before


def test_status_and_check_of_every_letter_without_naming_one(seeded: Tracker) -> None:
    seeded.ok("letter", "add", "climate", "--title", "Climate", "--addressed-to", "Council")
    seeded.ok("demand", "add", "climate", "divest", "--kind", "other", "--summary", "Divest",
              "--source", "seed-003")  # fmt: skip
    seeded.ok("demand", "record", "climate", "divest", "--outcome", "met", "--as-of",
              "2024-01-01", "--source", "seed-003")  # fmt: skip
    reports = json.loads(seeded.ok("demand", "status", "-f", "json"))
    assert [r["letter"] for r in reports] == ["climate", "openai-board-2023"]
    assert reports[0]["demands"][0]["status"] == "met"
    checked = seeded("demand", "check")
    assert checked.exit_code == 1
    assert "climate divest: met" in checked.stdout
    assert "3 of 4 demands not met" in checked.stderr
    assert seeded("demand", "check", "climate").exit_code == 0
