"""Where the database is: one place, shared by the CLI and Alembic's env.py."""

from __future__ import annotations

import os

DATABASE_URL_ENV = "TRACKER_DATABASE_URL"
DEFAULT_DATABASE_URL = "sqlite:///tracker.db"


def database_url(explicit: str | None = None) -> str:
    """`--db`, else `TRACKER_DATABASE_URL`, else `tracker.db` in the current directory."""
    if explicit:
        return explicit
    return os.environ.get(DATABASE_URL_ENV) or DEFAULT_DATABASE_URL
