"""What a signed-in user may fetch: the one place the user's region is applied (issue 16, S2/S3).

    >>> from store import access
    >>> records = access.records(user, start="2024-01-01")      # a commander: their region only
    >>> counts = access.record_counts(user)                     # aggregates; donors too
    >>> plan = access.plan(user, "Makran coast")                # a commander sees only sites in their region
    >>> ok, message = access.check_position(user, 68.86, 27.70) # (False, "... Sindh, Sukkur district ...")

Pages and ui modules fetch records, hotspots and plans through these functions only (a test checks
that no page imports the unscoped store functions).  Every function takes the user dict the sign-in
put in the session (``username``, ``role``, ``region``):

- planners see everything;
- commanders see their region (one province, or a list of districts), matched on the country,
  province and district every record got by point-in-polygon at import; a commander with no region
  or an unknown one gets :class:`AccessDenied`, never all records;
- donors get aggregates only (counts), never case records or plan sites;
- admins get no records.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.admin import Region, describe_location, locate, parse_region
from store.plans import StoredPlan, load_plan
from store.records import count_intercepts, query_intercepts, query_positions

RECORD_ROLES = ("planner", "commander")
AGGREGATE_ROLES = ("planner", "commander", "donor")


class AccessDenied(PermissionError):
    """The user may not fetch this; the message is fit to show them."""


def region_of(user: dict | None) -> Region | None:
    """The region a user's fetches are limited to: None for planners (everything).

    Raises
    ------
    AccessDenied
        For a missing user, a commander without a valid region, or a role with no record access.
    """
    if not user or not user.get("role"):
        raise AccessDenied("Sign in first.")
    role = user["role"]
    if role == "planner":
        return None
    if role == "commander":
        try:
            return parse_region(user.get("region"))
        except ValueError as error:
            raise AccessDenied(f"This commander account has no valid region ({error}); "
                               "ask an administrator to set one.") from error
    if role == "donor":
        return None
    raise AccessDenied(f"The {role} role has no access to intercept records.")


def _require(user: dict | None, roles: tuple[str, ...], what: str) -> Region | None:
    region = region_of(user)
    if user["role"] not in roles:
        raise AccessDenied(f"The {user['role']} role may not see {what}.")
    return region


def records(user: dict, **filters) -> gpd.GeoDataFrame:
    """Case records the user may see (store.records.query_intercepts filters, region always applied)."""
    region = _require(user, RECORD_ROLES, "case records")
    return query_intercepts(**filters, region=region)


def record_positions(user: dict, case_types=None, batches=None) -> pd.DataFrame:
    """lon, lat, case_type, persons, synthetic of the records the user may see (the map's lean query)."""
    region = _require(user, RECORD_ROLES, "case records")
    return query_positions(None if case_types is None else list(case_types), region=region, batches=batches)


def records_to_aggregate(user: dict, **filters) -> gpd.GeoDataFrame:
    """Records for a page that shows aggregates only (donor tables with small cells suppressed).

    Donors may call this; the caller must never show a row of the result (models.coverage's
    donor tables and the hexagon totals do the aggregating).  A commander's region still applies.
    """
    region = _require(user, AGGREGATE_ROLES, "record aggregates")
    return query_intercepts(**filters, region=region)


def record_counts(user: dict, **filters) -> pd.DataFrame:
    """Counts the user may see (store.records.count_intercepts filters, region always applied)."""
    region = _require(user, AGGREGATE_ROLES, "record counts")
    return count_intercepts(**filters, region=region)


def within_region(user: dict, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Rows of a point GeoDataFrame (records handed in, hotspots) inside the user's region.

    Rows without admin columns are located first; hotspots are kept by their centroid.
    """
    region = _require(user, RECORD_ROLES, "case records")
    if region is None or frame is None or len(frame) == 0:
        return frame
    if {"country", "province", "district"} <= set(frame.columns):
        located = frame[["country", "province", "district"]]
    else:
        centre = frame.geometry.to_crs("EPSG:4326")
        centre = centre if (centre.geom_type == "Point").all() else centre.representative_point()
        located = locate(centre.x.to_numpy(), centre.y.to_numpy())
    return frame[region.contains_located(located.reset_index(drop=True))]


def check_position(user: dict, lon: float, lat: float) -> tuple[bool, str]:
    """(allowed, message) for placing something at lon/lat; refusals name where the point fell."""
    region = _require(user, RECORD_ROLES, "checkpoint proposals")
    if region is None:
        return True, ""
    if bool(region.contains(lon, lat)):
        return True, ""
    return False, (f"({lat:.3f}, {lon:.3f}) lies in {describe_location(lon, lat)}, outside your region "
                   f"{region.label}: not placed.")


def plan(user: dict, name: str, version: int | None = None) -> StoredPlan:
    """A saved plan; a commander gets only the sites inside their region (hidden_sites says how many not)."""
    region = _require(user, RECORD_ROLES, "plan sites")
    stored = load_plan(name, version)
    if region is None or stored.sites.empty:
        return stored
    sites = stored.sites
    known = sites["lon"].notna().to_numpy() & sites["lat"].notna().to_numpy()
    inside = np.zeros(len(sites), dtype=bool)
    if known.any():
        located = locate(sites.loc[known, "lon"].to_numpy(), sites.loc[known, "lat"].to_numpy())
        inside[known] = region.contains_located(located)
    kept = sites[inside].reset_index(drop=True)
    result = StoredPlan(stored.name, stored.version, stored.author, stored.created, stored.note, kept)
    result.hidden_sites = int((~inside).sum())
    return result


def sites_outside(user: dict, sites) -> list[str]:
    """Messages for each site a commander may not save (outside their region or without a position)."""
    region = _require(user, RECORD_ROLES, "checkpoint proposals")
    if region is None:
        return []
    problems = []
    for site in (sites.to_dict("records") if hasattr(sites, "to_dict") else sites):
        lon, lat = site.get("lon"), site.get("lat")
        if lon is None or lat is None or lon != lon or lat != lat:
            problems.append(f"{site.get('site_id')}: no position, so it cannot be checked against your region")
            continue
        allowed, message = check_position(user, float(lon), float(lat))
        if not allowed:
            problems.append(f"{site.get('site_id')}: {message}")
    return problems


__all__ = ["AccessDenied", "region_of", "records", "record_positions", "records_to_aggregate", "record_counts", "within_region", "check_position",
           "plan", "sites_outside"]
