"""mapping profiles table; intercepts.date_precision and position_precision; mode may be unknown

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 22:40:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

OLD_MODES = "mode IN ('land', 'sea', 'air')"
NEW_MODES = "mode IN ('land', 'sea', 'air', 'unknown')"


def upgrade() -> None:
    op.create_table('mapping_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('columns_json', sa.Text(), nullable=False),
    sa.Column('headers_json', sa.Text(), nullable=False),
    sa.Column('signature', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mapping_profiles')),
    sa.UniqueConstraint('name', name=op.f('uq_mapping_profiles_name'))
    )
    with op.batch_alter_table('mapping_profiles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mapping_profiles_signature'), ['signature'], unique=False)

    with op.batch_alter_table('intercepts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('date_precision', sa.String(length=8), server_default='day', nullable=False))
        batch_op.add_column(sa.Column('position_precision', sa.String(length=8), server_default='point',
                                      nullable=False))
        batch_op.drop_constraint(batch_op.f('ck_intercepts_mode_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_intercepts_mode_known'), NEW_MODES)
        batch_op.create_check_constraint(batch_op.f('ck_intercepts_date_precision_known'),
                                         "date_precision IN ('day', 'month', 'year')")
        batch_op.create_check_constraint(batch_op.f('ck_intercepts_position_precision_known'),
                                         "position_precision IN ('point', 'place')")
    _set_precision_of_stored_periods()


def _set_precision_of_stored_periods() -> None:
    """Records stored before this revision: a period within one calendar month is month, longer is year."""
    from alembic import context

    if context.is_offline_mode():   # --sql for a DBA: the data step needs the rows, so it runs online only
        return
    connection = op.get_bind()
    table = sa.table('intercepts', sa.column('id', sa.Integer), sa.column('date_from', sa.Date),
                     sa.column('date_to', sa.Date), sa.column('span_days', sa.Integer),
                     sa.column('date_precision', sa.String))
    rows = connection.execute(sa.select(table.c.id, table.c.date_from, table.c.date_to)
                              .where(table.c.span_days > 0)).fetchall()
    for precision in ('month', 'year'):
        ids = [row.id for row in rows if (precision == 'month') == (
            (row.date_from.year, row.date_from.month) == (row.date_to.year, row.date_to.month))]
        for start in range(0, len(ids), 500):
            connection.execute(table.update().where(table.c.id.in_(ids[start:start + 500]))
                               .values(date_precision=precision))


def downgrade() -> None:
    with op.batch_alter_table('intercepts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_intercepts_position_precision_known'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_intercepts_date_precision_known'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_intercepts_mode_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_intercepts_mode_known'), OLD_MODES)
        batch_op.drop_column('position_precision')
        batch_op.drop_column('date_precision')
    with op.batch_alter_table('mapping_profiles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mapping_profiles_signature'))
    op.drop_table('mapping_profiles')
