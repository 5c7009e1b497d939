"""Signers as letters print them (`importing.printed`)."""

from __future__ import annotations

import pytest

from tracker.importing.printed import split_printed


@pytest.mark.parametrize(
    ("line", "pattern", "fields"),
    [
        ("Ana Lima (Acme Labs)", "paren", {"name": "Ana Lima", "affiliation": "Acme Labs"}),
        ("Ana Lima (Acme (Lisbon) Labs)", "paren",
         {"name": "Ana Lima", "affiliation": "Acme (Lisbon) Labs"}),
        ("Ana Lima (@analima)", "paren", {"name": "Ana Lima", "handle": "@analima"}),
        ("Ana Lima https://github.com/ana", "paren",
         {"name": "Ana Lima", "link": "https://github.com/ana"}),
        ("Ana Lima @ana@example.social", "paren",
         {"name": "Ana Lima", "handle": "@ana@example.social"}),
        ("Smith, John", "paren", {"name": "Smith, John"}),  # a comma splits only when asked
        ("Ana Lima, Professor, University of Lisbon", "comma",
         {"name": "Ana Lima", "title": "Professor", "affiliation": "University of Lisbon"}),
        ("Ana Lima, Acme", "comma", {"name": "Ana Lima", "affiliation": "Acme"}),
        ("Ana Lima - Professor, University of Lisbon", "dash",
         {"name": "Ana Lima", "title": "Professor", "affiliation": "University of Lisbon"}),
        ("Ana Lima – Acme", "dash", {"name": "Ana Lima", "affiliation": "Acme"}),
        ("Jean-Luc Picard", "dash", {"name": "Jean-Luc Picard"}),
        ("Ana Lima (Acme)", "none", {"name": "Ana Lima (Acme)"}),
        ("Confined-", "paren", {"name": "Confined-"}),
        ("(Acme)", "paren", {"name": "(Acme)"}),
    ],
)  # fmt: skip
def test_printed_lines(line: str, pattern: str, fields: dict[str, str]) -> None:
    assert split_printed(line, pattern) == fields
