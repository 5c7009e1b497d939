"""Alembic environment: the engine comes from the tracker (config.attributes["engine"]) or,
when Alembic is run by hand, from the same settings as the CLI (TRACKER_DATABASE_URL)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine

from tracker.db.engine import make_engine
from tracker.db.models import Base
from tracker.settings import database_url

config = context.config
target_metadata = Base.metadata


def _engine() -> Engine:
    engine = config.attributes.get("engine")
    if engine is not None:
        return engine  # type: ignore[no-any-return]
    return make_engine(database_url(context.get_x_argument(as_dictionary=True).get("db")))


def run_migrations_offline() -> None:
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    handed = config.attributes.get("connection")  # pytest-alembic hands a connection or engine
    if isinstance(handed, Connection):
        _run(handed)
        return
    engine = handed if isinstance(handed, Engine) else _engine()
    with engine.connect() as connection:
        _run(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
