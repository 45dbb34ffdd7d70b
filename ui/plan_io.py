"""Plans in and out of Checkpost: GeoJSON, CSV and KML export, import back, and plan comparison.

    details = plan_details(stored, G, demand)          # readable names, road, nearest place, catch
    text = to_geojson(stored, details)                 # also to_csv, to_kml (bytes for KML)
    sites = read_sites(data, "plan.geojson")           # validated sites DataFrame, ready for save_plan
    diff = compare(plan_a.sites, plan_b.sites)

Every format carries the same fields per site, readable ones first: ``name`` (road ref and nearest
place, or the crossing's name), ``type``, ``road``, ``near``, ``detection``, ``catch_per_year``,
``note``, ``lon``/``lat`` (EPSG:4326, 6 decimals), then what Checkpost needs to read the file back:
``site_id``, ``node`` (graph node id, empty for a link site), ``edge`` (``"u,v,key"``), ``capacity``
and the plan's ``plan``, ``version``, ``author``.  Text cells that a spreadsheet would run as a
formula are neutralised (``geodata.safe_export.safe_cell``).  GeoPackage (``to_gpkg``) holds one point layer.  KML goes through GDAL's KML driver
(pyogrio): each placemark is named by the site's readable name with a description, so Google
Earth and QGIS show them well.
"""
from __future__ import annotations

import io
import json
import math
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geodata.safe_export import safe_cell

EXPORT_COLUMNS = ["name", "type", "road", "near", "detection", "catch_per_year", "note", "lon", "lat",
                  "site_id", "node", "edge", "capacity"]
TEXT_COLUMNS = ("name", "type", "road", "near", "note", "site_id", "plan", "author")
FORMATS = {"geojson": "application/geo+json", "csv": "text/csv", "kml": "application/vnd.google-earth.kml+xml",
           "gpkg": "application/geopackage+sqlite3"}
DECIMALS = 6   # about 0.1 m: enough for a checkpoint, no false precision


def _edge_text(edge) -> str:
    if edge is None or (isinstance(edge, float) and math.isnan(edge)):
        return ""
    return ",".join(str(int(part)) for part in edge)


def plan_details(stored, G=None, demand=None) -> pd.DataFrame:
    """Readable name, type, road, nearest place (and, with ``demand``, catch per year) of each site.

    Parameters
    ----------
    stored : store.plans.StoredPlan
    G : networkx.MultiDiGraph, optional
        The network the plan stands on (names of roads and crossings).
    demand : DataFrame, optional
        With ``G``: adds ``catch_per_year``, what each site stops with flows on their usual routes.

    Returns
    -------
    DataFrame indexed like ``stored.sites``.
    """
    from ui.site_text import describe_sites

    details = describe_sites(stored.sites, G)
    details.index = stored.sites.index
    if G is not None and demand is not None and len(stored.sites):
        from ui.catch import plan_catch
        catch = plan_catch(G, demand, stored.sites).sites.set_index("site_id")["caught_static"]
        details["catch_per_year"] = stored.sites["site_id"].map(catch).round(0).to_numpy()
    return details


def export_frame(sites: pd.DataFrame, *, plan: str = "", version: int | None = None, author: str = "",
                 note: str = "", details: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """Sites as a flat GeoDataFrame for writing: readable columns first, text cells formula-safe."""
    n = len(sites)
    if details is None:
        from ui.site_text import describe_sites
        details = describe_sites(sites)
    details = details.reset_index(drop=True)
    lon = sites["lon"].astype(float).round(DECIMALS).to_numpy()
    lat = sites["lat"].astype(float).round(DECIMALS).to_numpy()
    frame = pd.DataFrame({
        **{c: details[c].fillna("").astype(str).to_numpy() for c in ("name", "type", "road", "near")},
        "detection": sites["detection"].astype(float).to_numpy(),
        "catch_per_year": (details["catch_per_year"].to_numpy() if "catch_per_year" in details
                           else [None] * n),
        "note": [note or ""] * n, "lon": lon, "lat": lat,
        "site_id": sites["site_id"].astype(str).to_numpy(),
        "node": [("" if n_ is None or pd.isna(n_) else str(int(n_))) for n_ in sites.get("node", [None] * n)],
        "edge": [_edge_text(e) for e in sites.get("edge", [None] * n)],
        "capacity": pd.to_numeric(sites.get("capacity", pd.Series([None] * n)), errors="coerce").to_numpy(),
    })
    frame["plan"], frame["version"], frame["author"] = plan, version or 0, author
    for column in TEXT_COLUMNS:
        frame[column] = frame[column].map(safe_cell)
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


def _frame_of(stored, details) -> gpd.GeoDataFrame:
    return export_frame(stored.sites, plan=stored.name, version=stored.version, author=stored.author,
                        note=stored.note or "", details=details)


def to_geojson(stored, details: pd.DataFrame | None = None) -> str:
    """The plan as GeoJSON text (points, lon/lat, 6 decimals)."""
    return _frame_of(stored, details).to_json(drop_id=True, na="null")


def to_csv(stored, details: pd.DataFrame | None = None) -> str:
    """The plan as CSV text, one row per site, formulas neutralised."""
    return pd.DataFrame(_frame_of(stored, details).drop(columns="geometry")).to_csv(index=False)


def _description(row: dict) -> str:
    parts = [row["type"], f"road {row['road']}" if row["road"] else "", f"near {row['near']}" if row["near"] else "",
             f"detection {float(row['detection']):.0%}"]
    if row.get("catch_per_year") is not None and not pd.isna(row["catch_per_year"]):
        parts.append(f"catches about {float(row['catch_per_year']):,.0f} migrants a year (model estimate)")
    if row["note"]:
        parts.append(f"plan note: {row['note']}")
    return "; ".join(p for p in parts if p)


def to_kml(stored, details: pd.DataFrame | None = None) -> bytes:
    """The plan as KML (GDAL's KML driver): placemarks named by readable name, with a description."""
    frame = _frame_of(stored, details)
    # GDAL matches field names without case: the readable name goes to the placemark's own <name>
    frame = frame.assign(Description=[_description(r) for r in frame.to_dict("records")])
    frame = frame.rename(columns={"name": "Name"})[["Name", "Description"] + [c for c in frame.columns
                                                                               if c not in ("name", "Description")]]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.kml"
        frame.to_file(path, driver="KML", engine="pyogrio", layer=_xml_name(stored.name))
        return path.read_bytes()


def to_gpkg(stored, details: pd.DataFrame | None = None) -> bytes:
    """The plan as a GeoPackage (one point layer named after the plan) for QGIS and ArcGIS."""
    frame = _frame_of(stored, details)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.gpkg"
        frame.to_file(path, driver="GPKG", engine="pyogrio", layer=_xml_name(stored.name))
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
    if suffix in (".geojson", ".json", ".kml", ".gpkg"):
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
    raise ValueError(f"{file_name}: plans are imported from .geojson, .json, .csv, .kml or .gpkg, "
                     f"not '{suffix or 'no suffix'}'")


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
        site_id = _text(record.get("site_id"))
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
        rows.append({"site_id": site_id, "name": _text(record.get("name", record.get("Name"))),
                     "detection": detection, "node": node, "edge": edge,
                     "capacity": capacity, "lon": _float(record.get("lon")), "lat": _float(record.get("lat"))})
    out = pd.DataFrame(rows)
    out["node"] = out["node"].astype("Int64")
    dup = out["site_id"][out["site_id"].duplicated()]
    if len(dup):
        raise ValueError(f"{file_name}: site_id '{dup.iloc[0]}' appears more than once")
    return out


def _text(value) -> str:
    """A text cell as written by ``export_frame``: the apostrophe that neutralised a formula removed."""
    text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value).strip()
    if text in ("nan", "<NA>"):
        return ""
    if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@", "\t", "\r"):
        return text[1:]
    return text


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


def checkpoints_of(sites: pd.DataFrame) -> pd.DataFrame:
    """A stored plan's sites as a checkpoint table (docs/CONTRACTS.md): ``node`` None where the site is a link."""
    columns = [c for c in ("site_id", "detection", "node", "edge", "capacity") if c in sites.columns]
    out = pd.DataFrame(sites[columns]).reset_index(drop=True)
    out["node"] = [None if n is None or pd.isna(n) else int(n) for n in out["node"]]
    out["edge"] = [None if e is None or (isinstance(e, float) and math.isnan(e)) else tuple(e) for e in out["edge"]]
    return out
