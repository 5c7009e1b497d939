"""signatures keep what their list published; identity decisions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

A signature is one entry of a list, as published: its place in its source (`entry`), title,
affiliation, link, e-mail, handle, location, other columns (`extra`, JSON), the identifiers'
keys, and whether its signer asked not to be named (`withheld`). Two entries of one list may be
one person, so `(letter_id, person_id)` is no longer unique; `(letter_id, source_id, entry)` is.
People merged by a decision point to the person they were merged into (a plain column: a
foreign key on SQLite would need `people` rebuilt, which fails once anything refers to a
person, or worse, cascades to the aliases); `identity_decisions`
records merges, not-same judgements and moves, each of which can be undone.

On SQLite the signatures table is rebuilt (a unique constraint cannot be dropped in place). The
rebuild drops the old table, which with foreign keys on deletes `signature_events` through its
cascade, so those rows are kept aside and put back.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT_COLUMNS = (
    ('title', 300), ('affiliation', 300), ('link', 500), ('email', 500), ('handle', 500),
    ('location', 300),
)
_KEYS = ('link_key', 'email_key', 'handle_key')


def _keep_events_aside() -> bool:
    if op.get_bind().dialect.name != 'sqlite':
        return False
    op.execute('CREATE TEMPORARY TABLE keep_signature_events AS SELECT * FROM signature_events')
    return True


def _put_events_back() -> None:
    op.execute(
        'INSERT INTO signature_events SELECT * FROM keep_signature_events '
        'WHERE id NOT IN (SELECT id FROM signature_events)'
    )
    op.execute('DROP TABLE temp.keep_signature_events')


def _recompute_blocking_keys() -> None:
    """Blocking keys now come from a name's tokens in Latin letters (one name written in two
    scripts shares them): recompute them for every person and alias."""
    from tracker.domain.names import blocking_keys

    bind = op.get_bind()
    for table, name_column, key_column in (
        ('people', 'name', 'name_key'),
        ('aliases', 'alias', 'alias_key'),
    ):
        rows = bind.execute(sa.text(f'SELECT id, {name_column}, {key_column} FROM {table}')).all()
        changed = []
        for row_id, name, key in rows:
            blocks = blocking_keys(name, key)
            changed.append({'id': row_id, 'last': blocks.last, 'first': blocks.first})
        if changed:
            bind.execute(
                sa.text(f'UPDATE {table} SET last_key = :last, first_key = :first WHERE id = :id'),
                changed,
            )


def upgrade() -> None:
    _recompute_blocking_keys()
    kept = _keep_events_aside()
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.drop_constraint('uq_signatures_letter_id_person_id', type_='unique')
        batch_op.add_column(sa.Column('entry', sa.Integer(), nullable=True))
        for name, length in _TEXT_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=True))
        batch_op.add_column(sa.Column('extra', sa.Text(), nullable=True))
        for name in _KEYS:
            batch_op.add_column(sa.Column(name, sa.String(length=500), nullable=True))
        batch_op.add_column(
            sa.Column('withheld', sa.Boolean(), server_default='0', nullable=False)
        )
        batch_op.create_unique_constraint(
            'uq_signatures_letter_id_source_id_entry', ['letter_id', 'source_id', 'entry']
        )
        batch_op.create_check_constraint('entry_positive', 'entry IS NULL OR entry > 0')
    if kept:
        _put_events_back()
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        for name in _KEYS:
            batch_op.create_index(f'ix_signatures_{name}', [name], unique=False)
    # Added in place, without a foreign key: on SQLite a constraint would need the table
    # rebuilt, and dropping `people` to rebuild it fails (or cascades) once anything refers to it.
    op.add_column('people', sa.Column('merged_into_id', sa.Integer(), nullable=True))
    op.create_table(
        'identity_decisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('other_id', sa.Integer(), nullable=False),
        sa.Column('signature_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('detail', sa.Text(), nullable=True),
        sa.Column('source_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('undone_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('merge', 'not-same', 'move')", name=op.f('ck_identity_decisions_kind')
        ),
        sa.CheckConstraint(
            'person_id <> other_id', name=op.f('ck_identity_decisions_two_people')
        ),
        sa.ForeignKeyConstraint(
            ['person_id'], ['people.id'], name=op.f('fk_identity_decisions_person_id_people')
        ),
        sa.ForeignKeyConstraint(
            ['other_id'], ['people.id'], name=op.f('fk_identity_decisions_other_id_people')
        ),
        sa.ForeignKeyConstraint(
            ['signature_id'], ['signatures.id'],
            name=op.f('fk_identity_decisions_signature_id_signatures'),
        ),
        sa.ForeignKeyConstraint(
            ['source_id'], ['sources.id'], name=op.f('fk_identity_decisions_source_id_sources')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_decisions')),
    )
    op.create_index(
        'ix_identity_decisions_pair', 'identity_decisions', ['person_id', 'other_id'],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index('ix_identity_decisions_pair', table_name='identity_decisions')
    op.drop_table('identity_decisions')
    op.drop_column('people', 'merged_into_id')
    kept = _keep_events_aside()
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        for name in _KEYS:
            batch_op.drop_index(f'ix_signatures_{name}')
        batch_op.drop_constraint('entry_positive', type_='check')
        batch_op.drop_constraint('uq_signatures_letter_id_source_id_entry', type_='unique')
        for name in ('withheld', *_KEYS, 'extra', *(n for n, _ in _TEXT_COLUMNS), 'entry'):
            batch_op.drop_column(name)
        batch_op.create_unique_constraint(
            'uq_signatures_letter_id_person_id', ['letter_id', 'person_id']
        )
    if kept:
        _put_events_back()
