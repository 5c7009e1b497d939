from __future__ import annotations

import json

import pytest

from tests.conftest import Tracker

SLUG = "openai-board-2023"


def test_letter_source_and_count_round_trip(tracker: Tracker) -> None:
    tracker.ok(
        "source",
        "add",
        "wire",
        "--title",
        "A wire report",
        "--date",
        "2024-05-01",
        "--language",
        "en",
    )
    tracker.ok(
        "letter",
        "add",
        "climate-2024",
        "--title",
        "Scientists' letter",
        "--addressed-to",
        "Parliament",
        "--date",
        "2024-05-01",
        "--population",
        "1000",
        "--population-source",
        "wire",
    )
    count = (
        "count",
        "add",
        "climate-2024",
        "120",
        "--as-of",
        "2024-05-02T10:00:00Z",
        "--source",
        "wire",
        "--qualifier",
        "at-least",
    )
    assert "recorded at-least 120 of 1000" in tracker.ok(*count)
    assert "already recorded" in tracker.ok(*count)
    (count,) = json.loads(tracker.ok("count", "list", "climate-2024", "-f", "json"))
    assert count["value"] == 120
    assert count["as_of"] == "2024-05-02T10:00:00Z"
    shown = json.loads(tracker.ok("letter", "show", "climate-2024", "-f", "json"))
    assert shown["population"] == 1000
    assert shown["population_source"] == "wire"
    assert [s["key"] for s in json.loads(tracker.ok("source", "list", "-f", "json"))] == ["wire"]
    csv_out = tracker.ok("source", "list", "-f", "csv")
    assert csv_out.splitlines()[0].startswith("key,title")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["count", "add", "nope", "5", "--as-of", "2023-11-21", "--source", "seed-003"],
            "unknown letter",
        ),
        (
            ["count", "add", SLUG, "5", "--as-of", "2023-11-21", "--source", "nope"],
            "unknown source",
        ),
        (
            ["count", "add", SLUG, "5", "--as-of", "21/11/2023", "--source", "seed-003"],
            "invalid --as-of date",
        ),
        (
            ["count", "add", SLUG, "900", "--as-of", "2023-11-21", "--source", "seed-003"],
            "larger than the population 770",
        ),
        (
            ["count", "add", "--as-of", "2023-11-21", "--source", "seed-003", SLUG, "--", "-5"],
            "cannot be negative",
        ),
        (
            [
                "count",
                "add",
                SLUG,
                "5",
                "--as-of",
                "2023-11-21",
                "--source",
                "seed-003",
                "--qualifier",
                "lots",
            ],
            "unknown qualifier",
        ),
        (["letter", "show", "nope"], "unknown letter 'nope'"),
        (
            ["letter", "add", "Bad Slug", "--title", "T", "--addressed-to", "W"],
            "invalid letter slug",
        ),
        (["letter", "add", SLUG, "--title", "T", "--addressed-to", "W"], "already exists"),
        (
            ["letter", "add", "x", "--title", "T", "--addressed-to", "W", "--population", "5"],
            "needs its source",
        ),
        (["source", "add", "seed-003", "--title", "again"], "already exists"),
        (["source", "add", "s", "--title", "T", "--date", "yesterday"], "invalid date"),
    ],
)
def test_bad_input(seeded: Tracker, args: list[str], message: str) -> None:
    history = seeded.scalar("SELECT count(*) FROM history")
    result = seeded(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert seeded.scalar("SELECT count(*) FROM history") == history
