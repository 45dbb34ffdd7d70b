"""intercepts get country, province, district (point-in-polygon, back-filled); PostGIS point with GiST index

Also widens users.region to text (a commander's region may be a list of districts).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 22:45:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

BACKFILL_CHUNK = 50_000
_ADMIN_COLUMNS = (("country", 2), ("province", 64), ("district", 64), ("admin_note", 255))


def upgrade() -> None:
    with op.batch_alter_table('intercepts', schema=None) as batch_op:
        for name, length in _ADMIN_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=True))
        for name in ("country", "district"):
            batch_op.create_index(batch_op.f(f'ix_intercepts_{name}'), [name], unique=False)
        batch_op.create_index('ix_intercepts_province_date_from', ['province', 'date_from', 'date_to'], unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('region', existing_type=sa.String(length=120), type_=sa.Text(), existing_nullable=True)
    if op.get_context().as_sql:
        return  # offline SQL script: no rows to back-fill, no server to ask about PostGIS
    backfill(op.get_bind())
    if postgis_available(op.get_bind()):
        _add_postgis_point()


def backfill(connection) -> int:
    """Tag every stored record with geodata.admin.locate, in chunks; returns how many were tagged."""
    from geodata.admin import locate

    table = sa.table('intercepts', sa.column('id'), sa.column('lon'), sa.column('lat'),
                     *(sa.column(name) for name, _ in _ADMIN_COLUMNS))
    update = (table.update().where(table.c.id == sa.bindparam('row_id'))
              .values({name: sa.bindparam(f'new_{name}') for name, _ in _ADMIN_COLUMNS}))
    tagged, last_id = 0, 0
    while True:
        rows = connection.execute(sa.select(table.c.id, table.c.lon, table.c.lat).where(table.c.id > last_id)
                                  .order_by(table.c.id).limit(BACKFILL_CHUNK)).fetchall()
        if not rows:
            return tagged
        located = locate([r.lon for r in rows], [r.lat for r in rows])
        params = [{'row_id': r.id, **{f'new_{name}': _clip(located.at[i, name], length)
                                      for name, length in _ADMIN_COLUMNS}} for i, r in enumerate(rows)]
        connection.execute(update, params)
        tagged += len(rows)
        last_id = rows[-1].id


def _clip(value, length: int):
    return None if value is None or value != value else str(value)[:length]


def postgis_available(connection) -> bool:
    """True on PostgreSQL when the PostGIS extension is installed or can be created here."""
    if connection.dialect.name != "postgresql":
        return False
    if connection.scalar(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")):
        return True
    if not connection.scalar(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")):
        return False
    savepoint = connection.begin_nested()
    try:
        connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
    except sa.exc.DBAPIError:  # no privilege to create it: the portable lon/lat schema still works
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


def _add_postgis_point() -> None:
    op.execute("ALTER TABLE intercepts ADD COLUMN geom geometry(Point, 4326)")
    op.execute("UPDATE intercepts SET geom = ST_SetSRID(ST_MakePoint(lon, lat), 4326)")
    op.execute("CREATE INDEX ix_intercepts_geom ON intercepts USING GIST (geom)")
    # The ORM writes lon/lat only (one schema everywhere); the database keeps geom in step.
    op.execute("""
        CREATE FUNCTION intercepts_set_geom() RETURNS trigger AS $$
        BEGIN NEW.geom := ST_SetSRID(ST_MakePoint(NEW.lon, NEW.lat), 4326); RETURN NEW; END;
        $$ LANGUAGE plpgsql""")
    op.execute("""
        CREATE TRIGGER intercepts_set_geom BEFORE INSERT OR UPDATE OF lon, lat ON intercepts
        FOR EACH ROW EXECUTE FUNCTION intercepts_set_geom()""")


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS intercepts_set_geom ON intercepts")
        op.execute("DROP FUNCTION IF EXISTS intercepts_set_geom()")
        op.execute("DROP INDEX IF EXISTS ix_intercepts_geom")
        op.execute("ALTER TABLE intercepts DROP COLUMN IF EXISTS geom")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('region', existing_type=sa.Text(), type_=sa.String(length=120), existing_nullable=True)
    with op.batch_alter_table('intercepts', schema=None) as batch_op:
        batch_op.drop_index('ix_intercepts_province_date_from')
        for name in ("country", "district"):
            batch_op.drop_index(batch_op.f(f'ix_intercepts_{name}'))
        for name, _ in reversed(_ADMIN_COLUMNS):
            batch_op.drop_column(name)
