"""signatures: the withheld entries indexed; people: who was merged into whom indexed

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30

Every output that names people first asks who is withheld (`services.withheld`). Without an
index that meant reading every signature (0.6 s at a million); with this one it reads the
withheld entries alone. `people.merged_into_id` is indexed too: a merge repoints the people
merged earlier into the person it merges away (`WHERE merged_into_id = ?`), and the withheld
service asks who was merged into a withheld signer's person; both read every person without it.

On SQLite both are partial (only withheld entries, only merged people): SQLite's planner has no
statistics, and given a whole index on `withheld` or `merged_into_id` it reads a letter's named
entries through it (`withheld IS 0`) or every person (`merged_into_id IS NULL`) rather than by the
letter or the key the query names. PostgreSQL's planner weighs them by their statistics.
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
        ['withheld', 'person_id'],
        unique=False,
        sqlite_where=sa.text('withheld = 1'),
    )
    op.create_index(
        'ix_people_merged_into_id',
        'people',
        ['merged_into_id'],
        unique=False,
        sqlite_where=sa.text('merged_into_id IS NOT NULL'),
    )


def downgrade() -> None:
    op.drop_index('ix_people_merged_into_id', table_name='people')
    op.drop_index('ix_signatures_withheld', table_name='signatures')
