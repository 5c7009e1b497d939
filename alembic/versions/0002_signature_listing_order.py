"""signatures and roles indexed in listing order

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

`ix_signatures_letter_id_status` becomes `ix_signatures_letter_id_position`: the listings read a
letter's signatures by published position, then the unpositioned ones in the order they were
recorded, and this index hands them over in that order (no sort of a million rows). It still
finds a letter's signatures for the tally, which is all the status index was used for.
Likewise `ix_roles_person_id` becomes `ix_roles_person_id_starts_on`, the order in which the roles
listing gives each signatory's roles.
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index('ix_signatures_letter_id_status', table_name='signatures')
    op.create_index(
        'ix_signatures_letter_id_position', 'signatures', ['letter_id', 'position'], unique=False
    )
    op.drop_index('ix_roles_person_id', table_name='roles')
    op.create_index(
        'ix_roles_person_id_starts_on', 'roles', ['person_id', 'starts_on'], unique=False
    )


def downgrade() -> None:
    op.drop_index('ix_roles_person_id_starts_on', table_name='roles')
    op.create_index('ix_roles_person_id', 'roles', ['person_id'], unique=False)
    op.drop_index('ix_signatures_letter_id_position', table_name='signatures')
    op.create_index(
        'ix_signatures_letter_id_status', 'signatures', ['letter_id', 'status'], unique=False
    )
