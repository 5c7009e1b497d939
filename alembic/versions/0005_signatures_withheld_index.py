"""signatures: a partial index of the withheld entries

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30

Every output that names people first asks who is withheld (`services.withheld`). Without an
index that meant reading every signature (0.6 s at a million); the partial index holds only the
withheld entries, so the question costs what their number does.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        'ix_signatures_withheld',
        'signatures',
        ['person_id'],
        unique=False,
        sqlite_where=sa.text('withheld = 1'),
        postgresql_where=sa.text('withheld'),
    )


def downgrade() -> None:
    op.drop_index('ix_signatures_withheld', table_name='signatures')
