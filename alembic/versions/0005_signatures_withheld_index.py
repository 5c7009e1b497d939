"""signatures: the withheld entries indexed

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30

Every output that names people first asks who is withheld (`services.withheld`). Without an
index that meant reading every signature (0.6 s at a million); with (withheld, person_id) it
reads the withheld entries alone, so the question costs what their number does. (A partial
index would be smaller, but declaring one per dialect loads SQLAlchemy's PostgreSQL dialect at
every start of the tracker.)
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        'ix_signatures_withheld', 'signatures', ['withheld', 'person_id'], unique=False
    )


def downgrade() -> None:
    op.drop_index('ix_signatures_withheld', table_name='signatures')
