"""Alembic, driven from the tracker: upgrade, downgrade, current revision, history.

The scripts live in `alembic/` (shipped inside the package). The connection is handed to env.py
through `config.attributes`, so migrations run on exactly the engine the CLI built.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from tracker.errors import BadInput, DatabaseUnavailable
from tracker.resources import bundled_path

if TYPE_CHECKING:  # Alembic is imported only by the commands that migrate
    from alembic.config import Config

# The revision this code expects; tests check that it is Alembic's single head.
SCHEMA_HEAD = "0005"


def alembic_config(engine: Engine | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(bundled_path("alembic")))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


@functools.cache
def _known() -> frozenset[str]:
    """The revisions this tracker ships (read from the scripts once per process)."""
    return frozenset(info.revision for info in history())


def _known_revision(revision: str, *, ends: tuple[str, ...]) -> None:
    known = _known()
    if revision not in known and revision not in ends:
        listed = ", ".join([*ends, *sorted(known)])
        raise BadInput(f"unknown schema revision '{revision}'; use one of {listed}")


def _not_newer(engine: Engine) -> None:
    current = current_revision(engine)
    if current is not None and current not in _known():
        raise BadInput(
            f"the database was made by a newer tracker (schema revision {current}; this "
            f"tracker knows revisions up to {SCHEMA_HEAD}); upgrade the tracker to use it"
        )


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic.util.exc import CommandError

    from alembic import command

    _known_revision(revision, ends=("head",))
    _not_newer(engine)
    try:
        command.upgrade(alembic_config(engine), revision)
    except CommandError as exc:
        raise BadInput(f"cannot upgrade to '{revision}': {exc}") from None


# What undoing a revision drops, for the revisions whose downgrade loses data.
DROPS_DATA = {
    "0001": "every table and all its data",
    "0003": "what each list published about its signers (titles, affiliations, links, e-mails, "
    "handles, locations, other columns, withheld marks) and every identity decision",
}


def data_dropped(engine: Engine, revision: str) -> list[str]:
    """What a downgrade from the current revision to `revision` would drop (empty: nothing)."""
    from alembic.script import ScriptDirectory

    _known_revision(revision, ends=("base",))
    _not_newer(engine)
    current = current_revision(engine)
    if current is None:
        return []
    scripts = ScriptDirectory.from_config(alembic_config())
    try:
        undone = [
            script.revision
            for script in scripts.iterate_revisions(current, revision)
            if script.revision != revision
        ]
    except Exception as exc:  # alembic raises several kinds for a revision it cannot resolve
        raise BadInput(f"cannot downgrade to '{revision}': {exc}") from None
    return [DROPS_DATA[r] for r in undone if r in DROPS_DATA]


def downgrade(engine: Engine, revision: str) -> None:
    from alembic.util.exc import CommandError

    from alembic import command

    try:
        command.downgrade(alembic_config(engine), revision)
    except CommandError as exc:
        raise BadInput(f"cannot downgrade to '{revision}': {exc}") from None


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database. Read without taking
    the write lock (a command that only reads must not wait for writers)."""
    from tracker.db.engine import READONLY

    try:
        with engine.connect().execution_options(**{READONLY: True}) as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (OperationalError, ProgrammingError) as exc:
        if "alembic_version" in str(exc):
            return None
        raise


@dataclass(frozen=True)
class RevisionInfo:
    revision: str
    down_revision: str | None
    message: str
    is_head: bool


def history() -> list[RevisionInfo]:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config())
    heads = set(scripts.get_heads())
    return [
        RevisionInfo(
            revision=script.revision,
            down_revision=script.down_revision if isinstance(script.down_revision, str) else None,
            message=script.doc or "",
            is_head=script.revision in heads,
        )
        for script in scripts.walk_revisions()
    ]


def require_current_schema(engine: Engine) -> None:
    """Refuse to work on a database that is missing or behind: point to `tracker init`."""
    revision = current_revision(engine)
    if revision is None:
        raise DatabaseUnavailable(
            f"the database at {engine.url.render_as_string(hide_password=True)} "
            "is not initialised; run `tracker init` first"
        )
    if revision != SCHEMA_HEAD:
        try:
            _not_newer(engine)
        except BadInput as newer:
            raise DatabaseUnavailable(newer.message) from None
        raise DatabaseUnavailable(
            f"the database schema is at revision {revision}, this tracker needs {SCHEMA_HEAD}; "
            "run `tracker init` to upgrade it"
        )
