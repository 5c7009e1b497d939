"""Letters as files: the letter file format (`format`), loading one (`loading`) and writing one
out (`writing`). `tracker seed` is the bundled case of `tracker letter load`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from tracker.db.models import HistoryEntry
from tracker.db.uow import UnitOfWork
from tracker.letterfiles.format import LetterFile, read_letter_file
from tracker.letterfiles.loading import load_letter

__all__ = ["LetterFile", "LoadResult", "load_letter_files", "read_letter_file"]


@dataclass(frozen=True)
class LoadResult:
    letters: list[str]
    changes: int  # history entries written: 0 when everything was there already


def load_letter_files(*, uow: UnitOfWork, paths: list[Path]) -> LoadResult:
    """Check every file first, then load them in order, in the caller's transaction."""
    checked = [read_letter_file(path) for path in paths]
    before = uow.session.scalar(select(func.count()).select_from(HistoryEntry)) or 0
    slugs = [load_letter(uow=uow, letter_file=letter_file) for letter_file in checked]
    uow.flush()
    after = uow.session.scalar(select(func.count()).select_from(HistoryEntry)) or 0
    return LoadResult(slugs, after - before)
