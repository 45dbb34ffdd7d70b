"""Geometry for the coverage analysis: border segments, which links cross them, corridors, site points.

Everything is measured in ``geodata.crs.METRIC_CRS`` (metres) and returned in EPSG:4326.
"""
from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from shapely import STRtree
from shapely.geometry import LineString, MultiLineString, Point
from shapely.ops import linemerge, substring

from geodata.crs import METRIC_CRS, STORAGE_CRS

LAND_MODES = ("road", "track", "crossing")   # a sea or air leg drawn as a straight line crosses no border
CORRIDOR_MODES = ("road", "track", "sea", "air")


def border_segments(borders: gpd.GeoDataFrame | None = None, *, length_km: float = 25.0) -> gpd.GeoDataFrame:
    """Cut every land border into pieces of ``length_km`` (the last piece of a line is shorter).

    Columns: ``segment_id`` (``<border id>:<n>``), ``border_id``, ``border`` (name), ``neighbour``,
    ``km_from``, ``km_to``, ``length_km``, geometry (LineString, EPSG:4326).
    """
    if not length_km or length_km <= 0:
        raise ValueError(f"segment length_km must be > 0, got {length_km!r}")
    if borders is None:
        import geodata
        borders = geodata.layer("borders")
    if not isinstance(borders, gpd.GeoDataFrame) or "id" not in borders.columns:
        raise ValueError("borders: expected a GeoDataFrame with an 'id' column (like geodata.layer('borders'))")
    if borders.crs is None:
        raise ValueError("borders: GeoDataFrame has no CRS (expected EPSG:4326)")
    step = float(length_km) * 1000.0
    metric = borders.to_crs(METRIC_CRS)
    rows = []
    for (_, b), geom in zip(borders.iterrows(), metric.geometry):
        # a border drawn in several pieces (gaps at rivers, disputed stretches) is measured along its
        # pieces in order; a segment spanning a gap is a MultiLineString of the pieces it covers
        parts = [p for p in (geom.geoms if isinstance(geom, MultiLineString) else [geom])
                 if p is not None and not p.is_empty and p.length > 0]
        starts = np.cumsum([0.0] + [p.length for p in parts])
        total = starts[-1]
        n_seg = int(np.ceil(total / step - 1e-9))
        for n in range(n_seg):
            lo, hi = n * step, min((n + 1) * step, total)
            pieces = [substring(p, max(lo - a, 0.0), min(hi - a, p.length))
                      for p, a in zip(parts, starts[:-1]) if a < hi and a + p.length > lo]
            pieces = [q for q in pieces if q.geom_type == "LineString" and q.length > 0]
            rows.append({"segment_id": f"{b['id']}:{n:03d}", "border_id": b["id"],
                         "border": b.get("name", b["id"]), "neighbour": b.get("neighbour", ""),
                         "km_from": lo / 1000.0, "km_to": hi / 1000.0, "length_km": (hi - lo) / 1000.0,
                         "geometry": pieces[0] if len(pieces) == 1 else MultiLineString(pieces)})
    cols = ["segment_id", "border_id", "border", "neighbour", "km_from", "km_to", "length_km", "geometry"]
    out = gpd.GeoDataFrame(pd.DataFrame(rows, columns=cols), geometry="geometry", crs=METRIC_CRS)
    return out.to_crs(STORAGE_CRS)


def edge_line(G: nx.MultiDiGraph, u, v, k) -> LineString:
    geom = G.edges[u, v, k].get("geometry")
    if geom is not None:
        return geom
    return LineString([(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])])


def edges_crossing_segments(G: nx.MultiDiGraph, segments: gpd.GeoDataFrame) -> dict[tuple, list[str]]:
    """Land edge (u, v, key) -> ids of the border segments its line crosses or touches."""
    edges = [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if d.get("mode") in LAND_MODES]
    if not edges or segments.empty:
        return {}
    lines = gpd.GeoSeries([edge_line(G, *e) for e in edges], crs=G.graph.get("crs", STORAGE_CRS)).to_crs(METRIC_CRS)
    seg_metric = segments.to_crs(METRIC_CRS).geometry.to_numpy()
    tree = STRtree(seg_metric)
    line_idx, seg_idx = tree.query(lines.to_numpy(), predicate="intersects")
    ids = segments["segment_id"].to_numpy()
    out: dict[tuple, list[str]] = {}
    for i, j in zip(line_idx, seg_idx):
        out.setdefault(edges[i], []).append(ids[j])
    return out


def corridor_of(data: dict) -> str | None:
    """Corridor label of an edge: road/track ``ref`` (else its name), sea lane or air leg name; None for crossings."""
    mode = data.get("mode")
    if mode not in CORRIDOR_MODES:
        return None
    ref = str(data.get("ref") or "").strip()
    name = str(data.get("name") or "").strip()
    if mode in ("road", "track"):
        return ref or name or f"unnamed {mode}"
    return name or f"{mode} leg"


def corridor_lines(G: nx.MultiDiGraph) -> gpd.GeoDataFrame:
    """One row per corridor: ``corridor``, ``mode``, ``length_km`` (each two-way link once), geometry."""
    parts: dict[tuple, list] = {}
    length: dict[tuple, float] = {}
    seen = set()
    for u, v, k, d in G.edges(keys=True, data=True):
        label = corridor_of(d)
        if label is None:
            continue
        link = (min(u, v, key=str), max(u, v, key=str), k, label)
        if link in seen:
            continue
        seen.add(link)
        key = (label, d.get("mode"))
        parts.setdefault(key, []).append(edge_line(G, u, v, k))
        length[key] = length.get(key, 0.0) + float(d.get("length", 0.0))
    rows = []
    for (label, mode), lines in parts.items():
        merged = linemerge(lines)
        rows.append({"corridor": label, "mode": mode, "length_km": length[(label, mode)] / 1000.0,
                     "geometry": merged})
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=["corridor", "mode", "length_km", "geometry"]),
                            geometry="geometry", crs=G.graph.get("crs", STORAGE_CRS))


def site_points(sites: pd.DataFrame, G: nx.MultiDiGraph) -> gpd.GeoSeries:
    """A point per checkpoint site: its geometry when given, else its node or the midpoint of its link."""
    pts = []
    has_geom = isinstance(sites, gpd.GeoDataFrame) and sites.geometry.name in sites.columns
    for i, row in enumerate(sites.itertuples(index=False)):
        geom = sites.geometry.iloc[i] if has_geom else None
        if geom is None or geom.is_empty:
            node = getattr(row, "node", None)
            edge = getattr(row, "edge", None)
            if isinstance(edge, (tuple, list)) and len(edge) == 3:
                geom = edge_line(G, *edge).interpolate(0.5, normalized=True)
            elif node is not None and node in G:
                geom = Point(G.nodes[node]["x"], G.nodes[node]["y"])
            else:
                raise ValueError(f"checkpoint {row.site_id!r}: no geometry, node or edge to place it")
        pts.append(geom)
    crs = sites.crs if has_geom and sites.crs is not None else STORAGE_CRS
    return gpd.GeoSeries(pts, crs=crs).to_crs(STORAGE_CRS)


def nearest_distance_m(targets: gpd.GeoDataFrame, points: gpd.GeoSeries) -> np.ndarray:
    """Metres from each target geometry to the nearest of ``points`` (inf when there are none)."""
    if len(points) == 0:
        return np.full(len(targets), np.inf)
    tm = targets.to_crs(METRIC_CRS).geometry
    pm = points.to_crs(METRIC_CRS)
    best = np.full(len(targets), np.inf)
    for p in pm:
        best = np.minimum(best, tm.distance(p).to_numpy())
    return best
