"""Plans in and out of Checkpost: GeoJSON, CSV and KML export, import back, and plan comparison.

    text = to_geojson(stored_plan)            # also to_csv, to_kml (bytes for KML)
    sites = read_sites(data, "plan.geojson")  # validated sites DataFrame, ready for store.plans.save_plan
    diff = compare(plan_a.sites, plan_b.sites)

Every format carries the same fields per site: ``site_id``, ``detection``, ``node`` (graph node
id, empty for a link site), ``edge`` (``"u,v,key"``, empty for a node site), ``capacity``,
``lon``/``lat`` (EPSG:4326) and the plan's ``plan``, ``version``, ``author``.  KML goes through
GDAL's KML driver (pyogrio), so Google Earth and QGIS open it.
"""
from __future__ import annotations

import io
import json
import math
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geodata.safe_export import csv_text

EXPORT_COLUMNS = ["site_id", "detection", "node", "edge", "capacity", "lon", "lat"]
FORMATS = {"geojson": "application/geo+json", "csv": "text/csv", "kml": "application/vnd.google-earth.kml+xml"}


def _edge_text(edge) -> str:
    if edge is None or (isinstance(edge, float) and math.isnan(edge)):
        return ""
    return ",".join(str(int(part)) for part in edge)


def export_frame(sites: pd.DataFrame, *, plan: str = "", version: int | None = None,
                 author: str = "") -> gpd.GeoDataFrame:
    """Sites as a flat GeoDataFrame (text edge, plan metadata) for writing."""
    frame = pd.DataFrame({
        "site_id": sites["site_id"].astype(str),
        "detection": sites["detection"].astype(float),
        "node": [("" if n is None or pd.isna(n) else str(int(n))) for n in sites.get("node", [None] * len(sites))],
        "edge": [_edge_text(e) for e in sites.get("edge", [None] * len(sites))],
        "capacity": pd.to_numeric(sites.get("capacity", pd.Series([None] * len(sites))), errors="coerce").to_numpy(),
        "lon": sites["lon"].astype(float).to_numpy(),
        "lat": sites["lat"].astype(float).to_numpy(),
    })
    frame["plan"], frame["version"], frame["author"] = plan, version or 0, author
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326")


def to_geojson(stored) -> str:
    return export_frame(stored.sites, plan=stored.name, version=stored.version, author=stored.author).to_json(
        drop_id=True)


def to_csv(stored) -> str:
    frame = export_frame(stored.sites, plan=stored.name, version=stored.version, author=stored.author)
    return csv_text(pd.DataFrame(frame.drop(columns="geometry")))  # site_id, plan, author: neutralised


def to_kml(stored) -> bytes:
    frame = export_frame(stored.sites, plan=stored.name, version=stored.version, author=stored.author)
    frame = frame.assign(Name=frame["site_id"])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.kml"
        frame.to_file(path, driver="KML", engine="pyogrio", layer=_xml_name(stored.name))
        return path.read_bytes()


def _xml_name(name: str) -> str:
    """A KML folder/schema name that is a valid XML name (GDAL would rename it with a warning)."""
    cleaned = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in str(name or "plan"))
    return cleaned if cleaned[:1].isalpha() or cleaned[:1] == "_" else f"plan_{cleaned}"


# ------------------------------------------------------------------------------------ import
def _read_any(data: bytes, file_name: str) -> pd.DataFrame:
    suffix = Path(file_name).suffix.lower()
    if suffix == ".csv":
        return pd.read_csv(io.BytesIO(data), dtype={"node": "string", "edge": "string", "site_id": "string"},
                           keep_default_na=False, na_values={"detection": [""], "capacity": [""], "lon": [""],
                                                            "lat": [""]})
    if suffix in (".geojson", ".json", ".kml"):
        try:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / f"plan{suffix}"
                path.write_bytes(data)
                gdf = gpd.read_file(path, engine="pyogrio")
        except Exception as error:  # noqa: BLE001 - GDAL raises many types; report them by file name
            raise ValueError(f"{file_name}: not a readable {suffix[1:].upper()} file ({error})") from error
        if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
            gdf = gdf.to_crs("EPSG:4326")
        frame = pd.DataFrame(gdf.drop(columns="geometry"))
        points = gdf.geometry
        if "lon" not in frame or frame["lon"].isna().all():
            frame["lon"] = points.x
        if "lat" not in frame or frame["lat"].isna().all():
            frame["lat"] = points.y
        return frame
    raise ValueError(f"{file_name}: plans are imported from .geojson, .json, .csv or .kml, not '{suffix or 'no suffix'}'")


def _int_or_none(value, file_name, row, field):
    if value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() in ("", "<NA>", "nan"):
        return None
    try:
        return int(float(str(value).strip()))
    except ValueError as error:
        raise ValueError(f"{file_name} row {row}, field '{field}': {value!r} is not a whole number") from error


def read_sites(data: bytes, file_name: str) -> pd.DataFrame:
    """Sites from an exported plan file, checked; errors name the file, row and field."""
    frame = _read_any(data, file_name)
    for column in ("site_id", "detection"):
        if column not in frame.columns:
            raise ValueError(f"{file_name}: column '{column}' is missing (found: {', '.join(map(str, frame.columns))})")
    if frame.empty:
        raise ValueError(f"{file_name}: the file holds no sites")
    rows = []
    for i, record in enumerate(frame.to_dict("records"), start=1):
        site_id = str(record.get("site_id") or "").strip()
        if not site_id or site_id in ("nan", "<NA>"):
            raise ValueError(f"{file_name} row {i}, field 'site_id': empty")
        try:
            detection = float(record.get("detection"))
        except (TypeError, ValueError) as error:
            raise ValueError(f"{file_name} row {i}, field 'detection': {record.get('detection')!r} is not a number") from error
        if not 0.0 <= detection <= 1.0:
            raise ValueError(f"{file_name} row {i}, field 'detection': {detection} is not a probability 0..1")
        node = _int_or_none(record.get("node"), file_name, i, "node")
        edge_text = str(record.get("edge") or "").strip()
        edge = None
        if edge_text and edge_text not in ("nan", "<NA>"):
            parts = [p.strip() for p in edge_text.strip("()[]").split(",")]
            if len(parts) != 3:
                raise ValueError(f"{file_name} row {i}, field 'edge': {edge_text!r} is not 'u,v,key'")
            edge = tuple(_int_or_none(p, file_name, i, "edge") for p in parts)
        if (node is None) == (edge is None):
            raise ValueError(f"{file_name} row {i}, site '{site_id}': give exactly one of 'node' or 'edge'")
        capacity = record.get("capacity")
        capacity = None if capacity is None or str(capacity).strip() in ("", "nan", "<NA>") else float(capacity)
        rows.append({"site_id": site_id, "detection": detection, "node": node, "edge": edge,
                     "capacity": capacity, "lon": _float(record.get("lon")), "lat": _float(record.get("lat"))})
    out = pd.DataFrame(rows)
    out["node"] = out["node"].astype("Int64")
    dup = out["site_id"][out["site_id"].duplicated()]
    if len(dup):
        raise ValueError(f"{file_name}: site_id '{dup.iloc[0]}' appears more than once")
    return out


def _float(value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


# ------------------------------------------------------------------------------------ compare
def _site_key(row) -> str:
    if row.get("node") is not None and not pd.isna(row.get("node")):
        return f"node {int(row['node'])}"
    u, v, k = row["edge"]
    # A link site catches both directions: (u, v) and (v, u) are the same checkpoint.
    a, b = sorted((int(u), int(v)))
    return f"link {a}-{b}"


def compare(sites_a: pd.DataFrame, sites_b: pd.DataFrame) -> pd.DataFrame:
    """Sites of two plans side by side: location, whether each plan has it, and each plan's detection."""
    def keyed(sites):
        out = {}
        for row in sites.to_dict("records"):
            out[_site_key(row)] = row
        return out

    a, b = keyed(sites_a), keyed(sites_b)
    rows = []
    for key in sorted(set(a) | set(b)):
        ra, rb = a.get(key), b.get(key)
        rows.append({"location": key, "in_a": ra is not None, "in_b": rb is not None,
                     "site_a": ra["site_id"] if ra else "", "site_b": rb["site_id"] if rb else "",
                     "detection_a": ra["detection"] if ra else float("nan"),
                     "detection_b": rb["detection"] if rb else float("nan")})
    frame = pd.DataFrame(rows, columns=["location", "in_a", "in_b", "site_a", "site_b", "detection_a", "detection_b"])
    frame["status"] = ["both" if x and y else ("only A" if x else "only B") for x, y in zip(frame["in_a"], frame["in_b"])]
    return frame


def sites_json(sites: pd.DataFrame) -> str:
    """Sites as JSON text (session-state friendly)."""
    return json.dumps(sites.to_dict("records"), default=str)
