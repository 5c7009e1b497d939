"""history: refuse INSERT OR REPLACE (SQLite) and TRUNCATE (PostgreSQL)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

The history was append-only for UPDATE and DELETE, but SQLite's `INSERT OR REPLACE` deletes the
row it replaces without firing delete triggers (unless recursive triggers are on), and
PostgreSQL's `TRUNCATE` fires no row trigger. A trigger before each insert refuses an id that is
taken (SQLite), and a statement trigger refuses TRUNCATE (PostgreSQL).
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER history_no_truncate BEFORE TRUNCATE ON history "
            "FOR EACH STATEMENT EXECUTE FUNCTION history_refuse_change()"
        )
    else:
        op.execute(
            "CREATE TRIGGER history_no_replace BEFORE INSERT ON history "
            "WHEN EXISTS (SELECT 1 FROM history WHERE id = NEW.id) "
            "BEGIN SELECT RAISE(ABORT, 'history is append-only: rows cannot be replaced'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS history_no_truncate ON history")
    else:
        op.execute("DROP TRIGGER IF EXISTS history_no_replace")
