"""ISO 8601 dates and times, as the command line accepts them.

Times are stored as naive UTC: an offset in the input is applied, then dropped.
"""

from __future__ import annotations

import datetime as dt

from tracker.errors import BadInput

_HINT = "use ISO 8601, e.g. 2023-11-20 or 2023-11-20T18:30:00Z"


EARLIEST_YEAR, LATEST_YEAR = 1000, 2999  # every date the tracker stores lies between


def _in_range(moment: dt.datetime, text: str, what: str) -> dt.datetime:
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise BadInput(
            f"the {what} '{text.strip()}' is out of range (years {EARLIEST_YEAR}-{LATEST_YEAR})"
        )
    return moment


def parse_date(text: str, *, what: str = "date") -> dt.date:
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        pass
    else:
        return _in_range(dt.datetime(day.year, day.month, day.day), text, what).date()
    try:
        return parse_datetime(text, what=what).date()
    except BadInput as error:
        if "out of range" in error.message:
            raise
        raise BadInput(f"invalid {what} '{text}'; {_HINT}") from None


def parse_datetime(text: str, *, what: str = "date") -> dt.datetime:
    """A date or a date and time; a bare date is midnight UTC of that day. Years outside
    EARLIEST_YEAR-LATEST_YEAR are refused (an offset cannot push a time off the calendar)."""
    value = text.strip()
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            return _in_range(dt.datetime(day.year, day.month, day.day), text, what)
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise BadInput(f"invalid {what} '{text}'; {_HINT}") from None
    _in_range(moment, text, what)
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return _in_range(moment, text, what)


def parse_cell_datetime(text: str, *, dayfirst: bool = False, what: str = "date") -> dt.datetime:
    """A date as lists write them: ISO 8601 first; else what dateutil reads (RFC 2822 as e-mail
    and git write it, `Sun Apr 21 15:43:56 2024 -0700`, `2024-04-21 10:07:16 -0700`, `21/04/2024`
    with `dayfirst`). Naive UTC, as every stored time; years outside 1000-2999 are refused."""
    try:
        moment = parse_datetime(text, what=what)
    except BadInput:
        from dateutil import parser

        try:
            moment = parser.parse(text.strip(), dayfirst=dayfirst, fuzzy=False)
        except (ValueError, OverflowError, parser.ParserError):
            raise BadInput(f"'{text.strip()}' is not a {what} the tracker can read") from None
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    _in_range(moment, text, what)
    return moment


def end_of_day(day: dt.date) -> dt.datetime:
    """The last instant of a day: `--as-of 2023-11-20` includes everything on the 20th."""
    return dt.datetime.combine(day, dt.time.max)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def iso(value: dt.date | dt.datetime | None) -> str | None:
    """Dates as YYYY-MM-DD; times as YYYY-MM-DDTHH:MM:SSZ (midnight times as bare dates)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.replace(microsecond=0).isoformat() + "Z"
    return value.isoformat()
