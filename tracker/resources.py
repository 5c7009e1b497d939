"""Files that ship with the package: the Alembic scripts and the seed data.

In a wheel they live under `tracker/_bundled/`; in a source checkout (or an editable install)
they are the repository's top-level `alembic/` and `seeds/` folders.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def bundled_path(name: str) -> Path:
    for candidate in (_PACKAGE / "_bundled" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the installation is missing its '{name}' folder; reinstall it")
