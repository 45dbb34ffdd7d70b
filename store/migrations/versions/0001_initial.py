"""initial schema: intercepts, import batches, plans, users, audit log

Revision ID: 0001
Revises: 
Create Date: 2026-11-28 21:32:14.029451
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)

    op.create_table('import_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=True),
    sa.Column('imported_by', sa.String(length=64), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('n_accepted', sa.Integer(), nullable=False),
    sa.Column('n_inserted', sa.Integer(), nullable=False),
    sa.Column('n_already_present', sa.Integer(), nullable=False),
    sa.Column('n_rejected', sa.Integer(), nullable=False),
    sa.Column('n_duplicates', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batches'))
    )
    op.create_table('plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.CheckConstraint('version >= 1', name=op.f('ck_plans_version_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plans')),
    sa.UniqueConstraint('name', 'version', name='uq_plans_name_version')
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=128), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('region', sa.String(length=120), nullable=True),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint("role IN ('planner', 'commander', 'donor', 'admin')", name=op.f('ck_users_role_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('intercepts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('date', sa.Date(), nullable=True),
    sa.Column('date_from', sa.Date(), nullable=False),
    sa.Column('date_to', sa.Date(), nullable=False),
    sa.Column('span_days', sa.Integer(), nullable=False),
    sa.Column('persons', sa.Integer(), nullable=False),
    sa.Column('case_type', sa.String(length=16), nullable=False),
    sa.Column('mode', sa.String(length=8), nullable=False),
    sa.Column('agency', sa.String(length=120), nullable=True),
    sa.Column('place_name', sa.String(length=255), nullable=True),
    sa.Column('nationality', sa.String(length=120), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('synthetic', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=255), nullable=True),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.CheckConstraint("case_type IN ('smuggling', 'trafficking', 'unknown')", name=op.f('ck_intercepts_case_type_known')),
    sa.CheckConstraint("mode IN ('land', 'sea', 'air')", name=op.f('ck_intercepts_mode_known')),
    sa.CheckConstraint('date_to >= date_from', name=op.f('ck_intercepts_period_ordered')),
    sa.CheckConstraint('lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180', name=op.f('ck_intercepts_lonlat_range')),
    sa.CheckConstraint('persons >= 1', name=op.f('ck_intercepts_persons_positive')),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batches.id'], name=op.f('fk_intercepts_batch_id_import_batches')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intercepts')),
    sa.UniqueConstraint('content_hash', name=op.f('uq_intercepts_content_hash'))
    )
    with op.batch_alter_table('intercepts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intercepts_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index('ix_intercepts_date_from_lon_lat', ['date_from', 'lon', 'lat', 'date_to'], unique=False)
        batch_op.create_index(batch_op.f('ix_intercepts_span_days'), ['span_days'], unique=False)

    op.create_table('plan_sites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.String(length=64), nullable=False),
    sa.Column('node', sa.BigInteger(), nullable=True),
    sa.Column('edge', sa.String(length=120), nullable=True),
    sa.Column('detection', sa.Float(), nullable=False),
    sa.Column('capacity', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.CheckConstraint('detection >= 0 AND detection <= 1', name=op.f('ck_plan_sites_detection_probability')),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_sites_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_sites'))
    )
    with op.batch_alter_table('plan_sites', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_sites_plan_id'), ['plan_id'], unique=False)

    _audit_append_only()


# The audit log is append-only in the database too, not just in the ORM.  Each dialect gets
# its own trigger syntax; other databases rely on the ORM guard in store.audit.
def _audit_append_only() -> None:
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log
                BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END
            """)
    elif dialect == "postgresql":
        op.execute("""
            CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$ LANGUAGE plpgsql
        """)
        op.execute("""
            CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
            FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()
        """)


def _drop_audit_triggers() -> None:
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")


def downgrade() -> None:
    _drop_audit_triggers()
    with op.batch_alter_table('plan_sites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_sites_plan_id'))

    op.drop_table('plan_sites')
    with op.batch_alter_table('intercepts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intercepts_span_days'))
        batch_op.drop_index('ix_intercepts_date_from_lon_lat')
        batch_op.drop_index(batch_op.f('ix_intercepts_batch_id'))

    op.drop_table('intercepts')
    op.drop_table('users')
    op.drop_table('plans')
    op.drop_table('import_batches')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))

    op.drop_table('audit_log')
