"""The tracker's own errors. Raised deep, turned into one line and an exit code at the CLI edge.

Exit codes follow the command contract: 1 a requested check did not hold, 2 bad usage or bad
input, 3 a conflict the user must decide.
"""

from __future__ import annotations


class TrackerError(Exception):
    """Base class: a message for the user and the exit code that goes with it."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadInput(TrackerError):
    """Malformed or out-of-range input: a date, a count, a name, a file."""


class NotFound(TrackerError):
    """A letter, source, person, demand or organization that is not in the database."""


class InvalidTransition(TrackerError):
    """A change that makes no sense in the current state (retracting twice, ending a role twice)."""


class DatabaseUnavailable(TrackerError):
    """The database cannot be reached, is not initialised, or is busy."""


BUSY = "the database is busy, try again"


def reads_as_busy(message: str) -> bool:
    """Whether a database's error says another writer holds the lock: SQLite's "database is
    locked" (or busy) after its busy timeout, PostgreSQL's lock timeout."""
    return any(word in message for word in ("locked", "busy", "lock timeout"))


NO_SPACE = (
    "no space left: the disk that holds the database or the temporary folder (TMPDIR) is full; "
    "nothing was written"
)


class Conflict(TrackerError):
    """An ambiguity the user must decide: a probable duplicate, a name matching several people."""

    exit_code = 3

    def __init__(self, message: str, candidates: list[str] | None = None) -> None:
        super().__init__(message)
        self.candidates = candidates or []


class CheckFailed(TrackerError):
    """A check that was asked for did not hold (`demand check`)."""

    exit_code = 1


class WorkerStopped(TrackerError):
    """A worker process of the command stopped before its work was done (killed, out of
    memory); the command's transaction is rolled back."""
