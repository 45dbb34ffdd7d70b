"""Donor-safe tables: aggregates only, never a case record.

A donor sees counts aggregated to border segments, corridors, districts and months.  Enforced here,
not only in the UI:

* tables are built from whitelisted columns only: no record id, no free text (notes, place names,
  nationality), no point finer than the aggregate (a segment's line, a corridor's line, a district
  seat, or none);
* every count cell is either 0, at least ``min_count`` (default 5), or suppressed: rows with
  a count in (0, min_count) are pooled into one "other (suppressed)" row per table (per key group in
  the split tables); while the pooled row itself is small, the next-smallest visible row joins it,
  so no suppressed value can be recovered by subtraction within a table and totals are conserved;
  if everything pooled is still small, its counts are blanked (NaN).
* tables of intercept records are suppressed by the number of *records* in a cell, not persons: a
  single 33-person record is as identifying as a 1-person one, so a cell showing persons must hold
  at least ``min_count`` records.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.crs import METRIC_CRS, STORAGE_CRS
from geodata.schema import RECORD_LEVEL_FIELDS

MIN_COUNT = 5
SUPPRESSED = "other (suppressed)"

# Per coverage table: the columns a donor may see (geometry is the aggregate's own shape).
DONOR_COLUMNS = {
    "segments": ["segment_id", "border", "neighbour", "km_from", "km_to", "length_km", "flow", "intercepted",
                 "uncovered", "share_intercepted", "distance_to_checkpoint_km", "gap", "label", "why"],
    "corridors": ["corridor", "mode", "length_km", "flow", "intercepted", "uncovered", "share_intercepted",
                  "distance_to_checkpoint_km", "gap", "label", "why"],
    "crossings": ["id", "name", "flow", "intercepted", "uncovered", "share_intercepted",
                  "distance_to_checkpoint_km", "gap", "label", "why"],
    "launch_points": ["id", "name", "flow", "intercepted", "uncovered", "share_intercepted",
                      "distance_to_checkpoint_km", "gap", "label", "why"],
    "districts": ["district_id", "name", "province", "flow", "met", "share_met", "intercepted", "uncovered",
                  "share_intercepted"],
    "by_case_mode": ["case_type", "mode", "flow", "intercepted", "uncovered", "share_intercepted"],
}
SPLIT_KEYS = {"segments": "segment_id", "corridors": "corridor", "crossings": "id", "launch_points": "id",
              "districts": "district_id"}
# "id" is a record-level field name: a place's layer id is renamed so no donor column is called "id"
RENAME = {"crossings": {"id": "crossing_id"}, "launch_points": {"id": "launch_point_id"}}
COUNTS = ("flow", "intercepted", "uncovered", "met", "persons")
RECORD_COUNTS = ("records", "persons")  # what a donor table of intercept records shows per cell


def _small(frame: pd.DataFrame, counts: list[str], min_count: float) -> np.ndarray:
    vals = frame[counts].to_numpy(float)
    return ((vals > 1e-9) & (vals < min_count - 1e-9)).any(axis=1)


def suppress(frame: pd.DataFrame, counts: list[str], *, min_count: float = MIN_COUNT, label_col: str,
             group: str | None = None, order_by: str | None = None, by: list[str] | None = None) -> pd.DataFrame:
    """Pool rows with a count in (0, min_count) into "other (suppressed)" rows (per ``group``); see module doc.

    `counts` are the columns summed into the pooled rows; `by` (default `counts`) the columns whose
    smallness decides suppression (the record count for tables of intercept records).
    """
    if frame.empty:
        return frame.copy()
    by = list(by or counts)
    order_by = order_by or by[0]
    small_all = _small(frame, by, min_count)
    if not small_all.any():
        out = frame.copy()
        out["pooled_rows"] = 1
        return out
    if group is None:
        groups = [(None, frame)]
        parts = []
    else:  # only groups holding a small cell need work
        touched = frame[group].isin(set(frame.loc[small_all, group]))
        parts = [frame[~touched].assign(pooled_rows=1)]
        groups = list(frame[touched].groupby(group, sort=False))
    for key, sub in groups:
        parts.append(_pool_group(sub.copy(), key, counts, by, min_count, label_col, group, order_by))
    return _with_shares(pd.concat(parts, ignore_index=True))


def _pool_group(sub: pd.DataFrame, key, counts: list[str], by: list[str], min_count: float, label_col: str,
                group: str | None, order_by: str) -> pd.DataFrame:
    """One group's small rows pooled into a "suppressed" row, topped up from the smallest visible rows
    until the pool itself is not small (blank when even everything together is)."""
    small = _small(sub, by, min_count)
    if not small.any():
        return sub
    pooled_idx = list(sub.index[small])
    visible = sub[~small].sort_values(order_by, kind="stable")
    pooled = sub.loc[pooled_idx, counts].sum()
    while _small(pooled.to_frame().T, by, min_count)[0]:
        helpful = visible.index[(visible[by].to_numpy(float) > 0).any(axis=1)]  # an all-zero row adds nothing
        if not len(helpful):
            break
        pooled_idx.append(helpful[0])
        visible = visible.drop(index=helpful[0])
        pooled = sub.loc[pooled_idx, counts].sum()
    row = {c: np.nan for c in sub.columns}
    row.update({c: pooled[c] for c in counts})
    if _small(pooled.to_frame().T, by, min_count)[0]:
        row.update({c: np.nan for c in counts})  # too small even all together: blank
    for c in sub.columns:
        if sub[c].dtype == bool:
            row[c] = False
    if group is not None:
        row[group] = key
    row[label_col] = SUPPRESSED
    row["pooled_rows"] = len(pooled_idx)
    return pd.concat([visible.assign(pooled_rows=1), pd.DataFrame([row])], ignore_index=True)


def _with_shares(out: pd.DataFrame) -> pd.DataFrame:
    """Row counts filled and shares recomputed from the (pooled) numerators and flows."""
    if "pooled_rows" not in out.columns:
        out["pooled_rows"] = 1
    out["pooled_rows"] = out["pooled_rows"].fillna(1).astype(int)
    for c in ("share_intercepted", "share_met"):
        num = "intercepted" if c == "share_intercepted" else "met"
        if c in out.columns and num in out.columns:
            out[c] = np.where(out["flow"] > 0, out[num] / out["flow"].where(out["flow"] > 0), np.nan)
    return out


def _geo(frame: pd.DataFrame, geometry, crs=STORAGE_CRS) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(frame.reset_index(drop=True), geometry=list(geometry), crs=crs)


def donor_tables(coverage, *, min_count: float = MIN_COUNT) -> dict[str, pd.DataFrame]:
    """The coverage report's tables as a donor may see them (whitelisted columns, small cells pooled)."""
    out = {}
    for name, cols in DONOR_COLUMNS.items():
        src = coverage.by_case_mode if name == "by_case_mode" else getattr(coverage, name)
        src = src.copy()
        if "distance_to_checkpoint_m" in src.columns:
            src["distance_to_checkpoint_km"] = src["distance_to_checkpoint_m"] / 1000.0
        frame = pd.DataFrame({c: src[c].to_numpy() for c in cols if c in src.columns})
        counts = [c for c in COUNTS if c in frame.columns]
        label = cols[0]
        if isinstance(src, gpd.GeoDataFrame):
            frame["geometry"] = src.geometry.to_numpy()
        safe = suppress(frame, counts, min_count=min_count, label_col=label).rename(columns=RENAME.get(name, {}))
        if "geometry" in safe.columns:
            geom = safe.pop("geometry")
            geom = [None if g is None or isinstance(g, float) else g for g in geom]
            safe = _geo(safe, geom)
        out[name] = safe
    for name, key in SPLIT_KEYS.items():
        split = coverage.splits[name]
        cols = [key, "case_type", "mode", "flow", "intercepted", "uncovered"]
        if name == "corridors":
            cols.insert(1, "corridor_mode")
        frame = pd.DataFrame({c: split[c].to_numpy() for c in cols})
        frame["combination"] = frame["case_type"].astype(str) + " / " + frame["mode"].astype(str)
        safe = suppress(frame, ["flow", "intercepted", "uncovered"], min_count=min_count, label_col="combination",
                        group=key)
        safe.loc[safe["combination"] == SUPPRESSED, ["case_type", "mode"]] = SUPPRESSED
        out[f"{name}_by_case_mode"] = safe.drop(columns=["combination"]).rename(columns=RENAME.get(name, {}))
    return out


# ----------------------------------------------------------------------------- intercept records
def _month(records: pd.DataFrame) -> pd.Series:
    """YYYY-MM of each record; "YYYY (month unknown)" for a year-only date; "unknown" without a date."""
    from models.hotspots._input import record_date_ranges

    lo, hi = record_date_ranges(records)
    month = lo.dt.strftime("%Y-%m")
    other_month = lo.dt.to_period("M") != hi.dt.to_period("M")
    same_year = lo.dt.year == hi.dt.year
    month = month.where(~other_month, lo.dt.strftime("%Y").where(same_year) + " (month unknown)")
    return month.fillna("unknown")


def _category(records, col, allowed) -> pd.Series:
    if col not in records.columns:
        return pd.Series("unknown", index=records.index)
    val = records[col].astype("string").str.strip().str.lower()
    return val.where(val.isin(allowed), "unknown").fillna("unknown").astype(str)


def district_seats() -> gpd.GeoDataFrame:
    """Source districts and Pakistani transit towns: the seats records are aggregated to."""
    import geodata

    src = geodata.layer("sources")[["id", "name", "geometry"]]
    hubs = geodata.layer("hubs")
    hubs = hubs[hubs.get("country", pd.Series("PK", index=hubs.index)).fillna("PK") == "PK"][["id", "name", "geometry"]]
    seats = pd.concat([src, hubs], ignore_index=True).drop_duplicates("name")
    return gpd.GeoDataFrame(seats.rename(columns={"id": "district_id"}), geometry="geometry", crs=STORAGE_CRS)


def _nearest(points: gpd.GeoDataFrame, targets: gpd.GeoDataFrame, key: str, max_km: float | None) -> pd.Series:
    """Key of the nearest target to each point (NaN beyond max_km), measured in METRIC_CRS."""
    if targets.empty or points.empty:
        return pd.Series(np.nan, index=points.index, dtype=object)
    pm = points[["geometry"]].to_crs(METRIC_CRS)
    tm = targets[[key, "geometry"]].to_crs(METRIC_CRS).reset_index(drop=True)
    joined = gpd.sjoin_nearest(pm, tm, how="left", max_distance=None if max_km is None else max_km * 1000.0)
    joined = joined[~joined.index.duplicated(keep="first")]
    return joined[key].reindex(points.index)


def donor_record_tables(records: gpd.GeoDataFrame, *, min_count: float = MIN_COUNT, segments=None,
                        network=None, border_km: float = 25.0, corridor_km: float = 10.0,
                        seats: gpd.GeoDataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Intercept records (geodata/schema.py) as donor-safe counts of records and persons.

    A cell shows its counts only when it holds at least ``min_count`` records; smaller cells are
    pooled (see the module doc), so no single record can be read off or recovered by subtraction.

    Tables: ``by_month`` (month x case_type x mode), ``by_segment`` (border segment within
    ``border_km``), ``by_district`` (nearest district seat), and with ``network`` ``by_corridor``
    (nearest road/track/sea corridor within ``corridor_km``); each x case_type.
    """
    from geodata.schema import CASE_TYPES, MODES
    from models.coverage._geometry import border_segments, corridor_lines

    if not isinstance(records, pd.DataFrame):
        raise TypeError(f"records: expected a GeoDataFrame of intercept records, got {type(records).__name__}")
    if "persons" not in records.columns:
        raise ValueError("records: missing column 'persons'")
    persons = pd.to_numeric(records["persons"], errors="coerce")
    if persons.isna().any() or (persons < 0).any():
        i = int(np.flatnonzero((persons.isna() | (persons < 0)).to_numpy())[0])
        raise ValueError(f"records row {i}: persons must be a whole number >= 0, got {records['persons'].iloc[i]!r}")
    # only these derived columns ever leave this function
    base = pd.DataFrame({"persons": persons.to_numpy(float), "records": 1.0, "case_type": _category(records, "case_type", CASE_TYPES),
                         "mode": _category(records, "mode", MODES), "month": _month(records)}, index=records.index)
    out = {}
    by_month = base.groupby(["month", "case_type", "mode"], as_index=False)[list(RECORD_COUNTS)].sum()
    out["by_month"] = suppress(by_month, list(RECORD_COUNTS), min_count=min_count, label_col="month", by=["records"])
    has_geom = isinstance(records, gpd.GeoDataFrame) and records.geometry.notna().any()
    if has_geom:
        pts = gpd.GeoDataFrame(geometry=records.geometry.to_numpy(), index=records.index,
                               crs=records.crs or STORAGE_CRS)
        pts = pts[pts.geometry.notna() & ~pts.geometry.is_empty]
        segs = border_segments() if segments is None else segments
        seats = district_seats() if seats is None else seats
        units = [("by_segment", "segment_id", segs, border_km, ["segment_id", "border", "km_from", "km_to"]),
                 ("by_district", "district_id", seats, None, ["district_id", "name"])]
        if network is not None:
            cor = corridor_lines(network)
            cor = cor[cor["mode"].isin(["road", "track", "sea"])].copy()
            cor["corridor_id"] = cor["corridor"] + " (" + cor["mode"] + ")"
            units.append(("by_corridor", "corridor_id", cor, corridor_km, ["corridor_id", "corridor", "mode"]))
        for name, key, targets, max_km, cols in units:
            targets = targets.reset_index(drop=True)
            hit = base.loc[pts.index].assign(**{key: _nearest(pts, targets, key, max_km)}).dropna(subset=[key])
            agg = hit.groupby([key, "case_type"], as_index=False)[list(RECORD_COUNTS)].sum()
            info = targets[cols + ["geometry"]].drop_duplicates(key).set_index(key)
            agg = agg.merge(info.drop(columns="geometry"), left_on=key, right_index=True, how="left")
            if "mode" in agg.columns and name == "by_corridor":
                agg = agg.rename(columns={"mode": "corridor_mode"})
            agg["geometry"] = agg[key].map(info["geometry"])
            safe = suppress(agg, list(RECORD_COUNTS), min_count=min_count, label_col=key, by=["records"])
            geom = safe.pop("geometry")
            out[name] = _geo(safe, [g if g is not None and not isinstance(g, float) else None for g in geom])
    for name, frame in out.items():
        leaked = [c for c in frame.columns if c in RECORD_LEVEL_FIELDS and c != "geometry"]
        if leaked:  # defence in depth: the whitelist above should make this impossible
            raise AssertionError(f"donor table {name} would expose record-level column(s) {leaked}")
    return out
