"""Values as the database stores them, for raw DBAPI statements (bulk import, streamed
reports) that bypass SQLAlchemy's type system. No SQLAlchemy import: the import's workers use
it."""

from __future__ import annotations

import datetime as dt
from typing import Any


def sqlite_text(value: Any) -> Any:
    """A value as SQLAlchemy's SQLite Date/DateTime types store it."""
    if isinstance(value, dt.datetime):
        return value.isoformat(" ", "microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
