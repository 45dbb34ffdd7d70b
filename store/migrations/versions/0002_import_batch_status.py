"""import batches get a status (importing / complete) and a progress time, for chunked imports

An import now writes its records in short transactions, chunk by chunk; the
batch stays 'importing' (its records invisible to queries) until the last chunk
is in, then becomes 'complete'.  Batches that existed before were complete.

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16), nullable=False,
                                      server_default='complete'))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_import_batches_file_sha256'), ['file_sha256'], unique=False)
        batch_op.create_check_constraint('status_known', "status IN ('importing', 'complete')")


def downgrade() -> None:
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_import_batches_status_known'), type_='check')
        batch_op.drop_index(batch_op.f('ix_import_batches_file_sha256'))
        batch_op.drop_column('updated_at')
        batch_op.drop_column('status')
