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
        ("Margaret Hamilton", "M. Hamilton", "names alike: initials"),
        ("Katherine Johnson", "Katherine Jonson", "names alike: similar spelling"),
        ("Robert Noyce", "Bob Noyce", "names alike: nickname"),
        ("Андрей Конарев", "Andrey Konarev", "transliteration"),
    ]
    for first, second, _ in pairs:
        tracker.ok("person", "add", first, "--source", "s", "--new-person")
        tracker.ok("person", "add", second, "--source", "s", "--new-person")
    tracker.ok("person", "add", "Unrelated Person", "--source", "s")
    found = json.loads(tracker.ok("person", "duplicates", "-f", "json"))
    by_pair = {frozenset((p["first"], p["second"])): p for p in found}
    for first, second, reason in pairs:
        pair = by_pair[frozenset((first, second))]
        assert reason in pair["reason"], (first, second, pair)
        assert 50 <= pair["score"] <= 100
    assert not any("Unrelated Person" in (p["first"], p["second"]) for p in found)


def test_limited_to_pairs_with_a_signer_of_the_letter(seeded: Tracker) -> None:
    """`--letter`: at least one of the two signed it."""
    seeded.ok("person", "add", "Mira Muratti", "--source", "seed-003", "--new-person")
    seeded.ok("person", "add", "Sam Altmann", "--source", "seed-003", "--new-person")
    everywhere = json.loads(seeded.ok("person", "duplicates", "-f", "json"))
    pairs = {(p["first"], p["second"]) for p in everywhere}
    assert {("Mira Murati", "Mira Muratti"), ("Sam Altman", "Sam Altmann")} <= pairs
    on_letter = json.loads(
        seeded.ok("person", "duplicates", "--letter", "openai-board-2023", "-f", "json")
    )
    assert {(p["first"], p["second"]) for p in on_letter} == {("Mira Murati", "Mira Muratti")}


def test_a_pair_judged_apart_is_never_proposed_again(seeded: Tracker) -> None:
    seeded.ok("person", "add", "Mira Muratti", "--source", "seed-003", "--new-person")
    seeded.ok("person", "not-same", "Mira Murati", "Mira Muratti", "--reason", "checked")
    assert json.loads(seeded.ok("person", "duplicates", "-f", "json")) == []
