"""`person duplicates`: every kind of probable duplicate is found, with its reason."""

from __future__ import annotations

import json

from tests.conftest import Tracker


def test_each_reason_is_found(tracker: Tracker) -> None:
    tracker.ok("source", "add", "s", "--title", "S")
    pairs = [
        ("Dana Whitfield", "Dаna Whitfield", "same key"),  # Cyrillic а
        ("Ilya Sutskever", "llya Sutskever", "l/I confusion"),
        ("Grace Hopper", "Hopper Grace", "token order"),
        ("Margaret Hamilton", "M. Hamilton", "initials"),
        ("Katherine Johnson", "Katherine Jonson", "edit distance 1"),
    ]
    for first, second, _ in pairs:
        tracker.ok("person", "add", first, "--source", "s", "--new-person")
        tracker.ok("person", "add", second, "--source", "s", "--new-person")
    tracker.ok("person", "add", "Unrelated Person", "--source", "s")
    found = json.loads(tracker.ok("person", "duplicates", "-f", "json"))
    by_pair = {frozenset((p["first"], p["second"])): p for p in found}
    for first, second, reason in pairs:
        pair = by_pair[frozenset((first, second))]
        assert pair["reason"].startswith(reason), (first, second, pair)
        assert 85 <= pair["score"] <= 100
    assert not any("Unrelated Person" in (p["first"], p["second"]) for p in found)


def test_limited_to_a_letter(seeded: Tracker) -> None:
    seeded.ok("person", "add", "Mira Muratti", "--source", "seed-003", "--new-person")
    everywhere = json.loads(seeded.ok("person", "duplicates", "-f", "json"))
    assert any("Mira Muratti" in (p["first"], p["second"]) for p in everywhere)
    on_letter = json.loads(
        seeded.ok("person", "duplicates", "--letter", "openai-board-2023", "-f", "json")
    )
    assert not any("Mira Muratti" in (p["first"], p["second"]) for p in on_letter)
