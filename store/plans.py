"""Checkpoint plans with versions and an optimistic concurrency check.

    >>> from store.plans import save_plan, load_plan, list_plans
    >>> v1 = save_plan("Makran coast", sites, author="amina")                   # version 1
    >>> v2 = save_plan("Makran coast", sites2, author="bilal", expected_version=1)
    >>> save_plan("Makran coast", sites3, author="amina", expected_version=1)    # StaleVersionError

``sites`` is the placement contract (docs/CONTRACTS.md): a (Geo)DataFrame or
list of dicts with ``site_id``, ``detection`` and ``node`` or ``edge``
(``(u, v, key)``), optional ``capacity``, ``lon``/``lat`` (or a point geometry).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from store.audit import log as audit_log
from store.db import session_scope
from store.locks import retry_when_locked
from store.models import Plan, PlanSite, as_utc


class StaleVersionError(RuntimeError):
    """Someone saved the plan since you loaded it; reload, merge, and save again."""


@dataclass
class StoredPlan:
    name: str
    version: int
    author: str
    created: object
    note: str | None
    sites: gpd.GeoDataFrame


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _site_rows(sites) -> list[dict]:
    if isinstance(sites, pd.DataFrame):
        frame = sites
        if isinstance(sites, gpd.GeoDataFrame) and sites.geometry is not None and len(sites):
            points = sites.to_crs("EPSG:4326").geometry if sites.crs else sites.geometry
            frame = sites.assign(lon=points.x, lat=points.y)
        records = frame.to_dict("records")
    else:
        records = [dict(site) for site in sites]
    rows = []
    for number, site in enumerate(records, 1):
        site_id = site.get("site_id")
        if _missing(site_id) or str(site_id) == "":
            raise ValueError(f"save_plan: site {number} has no site_id")
        detection = site.get("detection")
        if _missing(detection) or not 0 <= float(detection) <= 1:
            raise ValueError(f"save_plan: site {site_id} detection {detection!r} must be a probability 0..1")
        node, edge = site.get("node"), site.get("edge")
        if _missing(node) and _missing(edge):
            raise ValueError(f"save_plan: site {site_id} needs a node or an edge")
        if not _missing(edge):
            edge = json.dumps([int(part) if isinstance(part, (int,)) or str(part).lstrip("-").isdigit()
                               else part for part in edge])
        rows.append({"site_id": str(site_id), "node": None if _missing(node) else int(node),
                     "edge": None if _missing(edge) else edge, "detection": float(detection),
                     "capacity": None if _missing(site.get("capacity")) else float(site["capacity"]),
                     "lon": None if _missing(site.get("lon")) else float(site["lon"]),
                     "lat": None if _missing(site.get("lat")) else float(site["lat"])})
    return rows


def latest_version(name: str, *, session: Session | None = None, engine: Engine | None = None) -> int:
    """The newest saved version of ``name`` (0 when none)."""
    with session_scope(session, engine) as active:
        return active.scalar(select(func.max(Plan.version)).where(Plan.name == name)) or 0


def save_plan(name: str, sites, author: str, note: str | None = None, *, expected_version: int | None = None,
              session: Session | None = None, engine: Engine | None = None) -> int:
    """Save a new version of plan ``name``; returns the new version number.

    ``expected_version`` is the version the author loaded (None or 0 for a new
    plan).  If the stored latest version differs, nothing is saved and
    StaleVersionError says who saved what in between.  On SQLite a save that
    meets another process's write is retried, and then sees the newer version
    (StaleVersionError), so the check holds across app processes.
    """
    if not str(name).strip():
        raise ValueError("save_plan: plan name is empty")
    if not author:
        raise ValueError("save_plan: author is required")
    rows = _site_rows(sites)
    def attempt() -> int:
        return _save_version(name, rows, str(author), note, expected_version or 0, session, engine)

    # In the caller's session a retry cannot start a fresh transaction: one attempt only.
    return attempt() if session is not None else retry_when_locked(attempt)


def _save_version(name: str, rows: list[dict], author: str, note: str | None, expected: int,
                  session: Session | None, engine: Engine | None) -> int:
    """One attempt: check the latest version and insert the next one in one transaction."""
    try:
        with session_scope(session, engine) as active:
            latest = active.scalar(select(Plan).where(Plan.name == name).order_by(Plan.version.desc()).limit(1))
            current = latest.version if latest else 0
            if current != expected:
                by = f" by {latest.author} at {latest.created:%Y-%m-%d %H:%M}" if latest else ""
                raise StaleVersionError(
                    f"plan '{name}' is at version {current}{by}, not version {expected} you started from; "
                    "reload it, merge your changes and save again")
            plan = Plan(name=name, version=current + 1, author=author, note=note,
                        sites=[PlanSite(**row) for row in rows])
            active.add(plan)
            active.flush()
            audit_log(author, "save_plan", {"name": name, "version": plan.version, "sites": len(rows)},
                      session=active)
            return plan.version
    except IntegrityError as error:
        # Two saves raced past the check; the unique (name, version) constraint let one win.
        raise StaleVersionError(f"plan '{name}' was saved by someone else at the same moment; "
                                "reload it and save again") from error


def _sites_frame(plan: Plan) -> gpd.GeoDataFrame:
    rows = [{"site_id": s.site_id, "node": s.node,
             "edge": tuple(json.loads(s.edge)) if s.edge else None, "detection": s.detection,
             "capacity": s.capacity, "lon": s.lon, "lat": s.lat} for s in plan.sites]
    frame = pd.DataFrame(rows, columns=["site_id", "node", "edge", "detection", "capacity", "lon", "lat"])
    frame["node"] = frame["node"].astype("Int64")
    frame[["capacity", "lon", "lat"]] = frame[["capacity", "lon", "lat"]].astype(float)
    geometry = gpd.GeoSeries(gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326")
    geometry[frame["lon"].isna() | frame["lat"].isna()] = None   # a site known only by its edge
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


def load_plan(name: str, version: int | None = None, *, session: Session | None = None,
              engine: Engine | None = None) -> StoredPlan:
    """A saved plan (the latest version unless ``version`` is given); LookupError when absent."""
    with session_scope(session, engine) as active:
        statement = select(Plan).options(selectinload(Plan.sites)).where(Plan.name == name)
        statement = statement.where(Plan.version == version) if version else \
            statement.order_by(Plan.version.desc()).limit(1)
        plan = active.scalar(statement)
        if plan is None:
            which = f" version {version}" if version else ""
            raise LookupError(f"no plan named '{name}'{which}")
        return StoredPlan(plan.name, plan.version, plan.author, as_utc(plan.created), plan.note, _sites_frame(plan))


def list_plans(all_versions: bool = False, *, session: Session | None = None,
               engine: Engine | None = None) -> pd.DataFrame:
    """Plans (latest version of each unless ``all_versions``) with their site counts."""
    with session_scope(session, engine) as active:
        counts = (select(PlanSite.plan_id, func.count().label("sites")).group_by(PlanSite.plan_id).subquery())
        statement = (select(Plan.name, Plan.version, Plan.author, Plan.created, Plan.note,
                            func.coalesce(counts.c.sites, 0).label("sites"))
                     .outerjoin(counts, counts.c.plan_id == Plan.id).order_by(Plan.name, Plan.version))
        frame = pd.DataFrame(active.execute(statement).fetchall(),
                             columns=["name", "version", "author", "created", "note", "sites"])
    frame["created"] = pd.to_datetime(frame["created"].map(as_utc), utc=True)
    if not all_versions and len(frame):
        frame = frame.groupby("name", as_index=False).tail(1).reset_index(drop=True)
    return frame
