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


def test_name_statistics_are_counted_alike_in_sql_and_in_the_queue(tracker: Tracker) -> None:
    """How common a name is, counted in SQL for `signatory add` and the import, and from the
    people in memory for `person duplicates`: one rule, two countings, the same figures."""
    from collections import Counter

    from sqlalchemy import select

    from tracker.db.models import Person
    from tracker.db.uow import UnitOfWork
    from tracker.domain.matching import tokens
    from tracker.domain.names import name_key
    from tracker.services.evidence import NameStatistics, expected_from_counts, first_token

    tracker.ok("source", "add", "s", "--title", "S")
    for name in ("Ivan Petrov", "Ivan Sidorov", "Ivan Petrov", "Olga Petrova", "Petrov", "Иван"):
        tracker.ok("person", "add", name, "--source", "s", "--new-person")
    engine = tracker.engine()
    try:
        with UnitOfWork(engine, readonly=True) as uow:
            rows = uow.session.execute(select(Person.name, Person.last_key, Person.first_key)).all()
            firsts = Counter(first_token(first) for _, _, first in rows)
            lasts = Counter(last for _, last, _ in rows)
            statistics = NameStatistics(uow.session.connection())
            for name in ("Ivan Petrov", "Olga Petrova", "Petrov", "Ivan Smirnov"):
                sql = statistics.of(name, name_key(name))
                held = sql.holders
                in_memory = expected_from_counts(
                    tokens(name), firsts, lasts, len(rows), holders=held
                )
                assert sql.expected_namesakes == in_memory, name
    finally:
        engine.dispose()
