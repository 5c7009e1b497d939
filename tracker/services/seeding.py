"""Loading the bundled letters (`seeds/*.toml`): the bundled case of `tracker letter load`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tracker.db.uow import UnitOfWork
from tracker.letterfiles import load_letter_files
from tracker.resources import bundled_path


@dataclass(frozen=True)
class SeedResult:
    letters: list[str]
    changes: int


def seed_files() -> list[Path]:
    return sorted(bundled_path("seeds").glob("*.toml"))


def seed_all(*, uow: UnitOfWork, files: list[Path] | None = None) -> SeedResult:
    loaded = load_letter_files(uow=uow, paths=files or seed_files())
    return SeedResult(loaded.letters, loaded.changes)
