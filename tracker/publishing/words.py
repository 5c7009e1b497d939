"""Numbers and dates written for readers of the published site."""

from __future__ import annotations

import datetime as dt
from typing import Any


def number_text(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{int(value):,}"


def share_text(value: Any) -> str:
    if value is None or value == "":
        return "–"
    return f"{float(value):.1%}"


def day_text(value: Any) -> str:
    """`20 November 2023` from a date, a datetime or their ISO text."""
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        value = value.date()
    return f"{value.day} {value:%B %Y}"


QUALIFIER_WORDS = {"exact": "", "approximate": "about ", "at-least": "at least ", "up-to": "up to "}


def count_text(value: Any, qualifier: str | None) -> str:
    return f"{QUALIFIER_WORDS.get(qualifier or 'exact', '')}{number_text(value)}"
