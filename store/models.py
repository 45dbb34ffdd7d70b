"""Database tables (SQLAlchemy 2 declarative).  Portable: SQLite by default, PostgreSQL/PostGIS by URL.

Points are stored as ``lon``/``lat`` float columns (EPSG:4326) so the same
schema runs everywhere; on PostgreSQL with PostGIS the migration adds a ``geom`` point column kept
in step by a trigger, with a GiST index (docs/records.md).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Date, DateTime, Float, ForeignKey, Index,
                        Integer, MetaData, String, Text, UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

CASE_TYPES = ("smuggling", "trafficking", "unknown")
MODES = ("land", "sea", "air", "unknown")
DATE_PRECISIONS = ("day", "month", "year")
POSITION_PRECISIONS = ("point", "place")
ROLES = ("planner", "commander", "donor", "admin")
BATCH_STATUSES = ("importing", "complete")

NAMING = {"ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
          "ck": "ck_%(table_name)s_%(constraint_name)s",
          "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s", "pk": "pk_%(table_name)s"}


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def as_utc(value):
    """SQLite hands back naive datetimes, PostgreSQL aware ones: make both UTC-aware."""
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# PostGIS objects the migrations add outside the portable models: the point column kept by a
# trigger, its GiST index, and the extension's own table.
POSTGIS_OBJECTS = {("column", "geom"), ("index", "ix_intercepts_geom"), ("table", "spatial_ref_sys")}


def include_in_autogenerate(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic ``include_object`` hook: leave the PostGIS-only objects out of schema comparisons."""
    return not (reflected and compare_to is None and (type_, name) in POSTGIS_OBJECTS)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class ImportBatch(Base):
    """One import of one file: who, when, and what happened to its rows."""

    __tablename__ = "import_batches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    imported_by: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    n_accepted: Mapped[int] = mapped_column(Integer, default=0)        # rows that passed validation
    n_inserted: Mapped[int] = mapped_column(Integer, default=0)        # new records written
    n_already_present: Mapped[int] = mapped_column(Integer, default=0)  # identical records already stored
    n_rejected: Mapped[int] = mapped_column(Integer, default=0)
    n_duplicates: Mapped[int] = mapped_column(Integer, default=0)      # in-file duplicates (also rejected)
    # 'importing' while chunks are written (its records are hidden from queries), then 'complete'.
    status: Mapped[str] = mapped_column(String(16), default="complete", server_default="complete")
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))  # last chunk written
    __table_args__ = (CheckConstraint(_in("status", BATCH_STATUSES), name="status_known"),
                      Index("ix_import_batches_file_sha256", "file_sha256"))


class Intercept(Base):
    """One intercept record.  ``date_from``/``date_to`` always hold the first/last possible day."""

    __tablename__ = "intercepts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"), index=True)
    date: Mapped[dt.date | None] = mapped_column(Date)
    date_from: Mapped[dt.date] = mapped_column(Date)
    date_to: Mapped[dt.date] = mapped_column(Date)
    span_days: Mapped[int] = mapped_column(Integer, index=True)  # date_to - date_from; bounds date scans
    # How well the date is known (a year-precision record is not a 1 January record).
    date_precision: Mapped[str] = mapped_column(String(8), default="day", server_default="day")
    persons: Mapped[int] = mapped_column(Integer)
    case_type: Mapped[str] = mapped_column(String(16))
    mode: Mapped[str] = mapped_column(String(8))
    agency: Mapped[str | None] = mapped_column(String(120))
    place_name: Mapped[str | None] = mapped_column(String(255))
    nationality: Mapped[str | None] = mapped_column(String(120))
    notes: Mapped[str | None] = mapped_column(Text)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str | None] = mapped_column(String(255))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    # point: coordinates given; place: looked up from a place name in the gazetteer.
    position_precision: Mapped[str] = mapped_column(String(8), default="point", server_default="point")
    # Where the record lies, by point-in-polygon at import (geodata.admin.locate); ISO 3166-1 alpha-2.
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    province: Mapped[str | None] = mapped_column(String(64))  # indexed with the date below
    district: Mapped[str | None] = mapped_column(String(64), index=True)
    admin_note: Mapped[str | None] = mapped_column(String(255))  # how a point off every polygon was placed

    __table_args__ = (
        CheckConstraint("persons >= 1", name="persons_positive"),
        CheckConstraint(_in("case_type", CASE_TYPES), name="case_type_known"),
        CheckConstraint(_in("mode", MODES), name="mode_known"),
        CheckConstraint(_in("date_precision", DATE_PRECISIONS), name="date_precision_known"),
        CheckConstraint(_in("position_precision", POSITION_PRECISIONS), name="position_precision_known"),
        CheckConstraint("lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180", name="lonlat_range"),
        CheckConstraint("date_to >= date_from", name="period_ordered"),
        # Map queries: a date range scan (bounded below by max span_days) that filters lon/lat
        # inside the index before touching the table.
        Index("ix_intercepts_date_from_lon_lat", "date_from", "lon", "lat", "date_to"),
        # Region queries: a province's records by date without reading other provinces' rows.
        Index("ix_intercepts_province_date_from", "province", "date_from", "date_to"),
    )


class MappingProfile(Base):
    """A named column mapping saved by a user, offered again for files with the same columns."""

    __tablename__ = "mapping_profiles"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    columns_json: Mapped[str] = mapped_column(Text)           # {"field": "column", ...}
    headers_json: Mapped[str] = mapped_column(Text)           # the headers of the file it was made for
    signature: Mapped[str] = mapped_column(Text, index=True)  # normalised header set: same columns, same value
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)


class Plan(Base):
    """One saved version of a checkpoint plan; (name, version) is unique, saves never overwrite."""

    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(64))
    created: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    note: Mapped[str | None] = mapped_column(Text)
    sites: Mapped[list["PlanSite"]] = relationship(back_populates="plan", cascade="all, delete-orphan",
                                                   order_by="PlanSite.id")
    __table_args__ = (UniqueConstraint("name", "version", name="uq_plans_name_version"),
                      CheckConstraint("version >= 1", name="version_positive"))


class PlanSite(Base):
    """A checkpoint of a plan: at a graph node or on an edge (stored as JSON ``[u, v, key]``)."""

    __tablename__ = "plan_sites"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[str] = mapped_column(String(64))
    node: Mapped[int | None] = mapped_column(BigInteger)
    edge: Mapped[str | None] = mapped_column(String(120))
    detection: Mapped[float] = mapped_column(Float)
    capacity: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    plan: Mapped[Plan] = relationship(back_populates="sites")
    __table_args__ = (CheckConstraint("detection >= 0 AND detection <= 1", name="detection_probability"),)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))
    region: Mapped[str | None] = mapped_column(Text)  # a province, or "districts: A; B" (geodata.admin)
    created: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role_known"),)


class AuditEntry(Base):
    """Append-only: the ORM refuses updates and deletes, and database triggers do too."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)  # JSON
