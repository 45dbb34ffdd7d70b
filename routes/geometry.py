"""Positions on network edges: the line an edge is drawn as, and points by distance along it.

* ``edge_line(G, u, v, k)``: the edge's ``geometry``, or the straight line between its nodes;
* ``locate(line, lon, lat)``: the point of the line nearest to (lon, lat), its distance along the
  line from the start and the distance off it (geodesic metres);
* ``point_at(line, along_m)``: the point ``along_m`` geodesic metres from the line's start;
* ``edge_position(G, edge, lon, lat)``: ``locate`` on an edge, with the distance along scaled to the
  edge's ``length`` (the same thing on a real road; on a schematic edge the chord's share of it).
"""
from __future__ import annotations

import math

import networkx as nx
import numpy as np
from shapely.geometry import LineString, Point

from geodata.crs import geodesic_m

M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON_EQUATOR = 111_320.0


def edge_line(G: nx.MultiDiGraph, u, v, k) -> LineString:
    """The line an edge is drawn as (its geometry, else straight from u to v)."""
    geom = G.edges[u, v, k].get("geometry")
    if geom is not None:
        return geom
    return LineString([(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])])


def _cumulative_m(coords: np.ndarray) -> np.ndarray:
    """Geodesic distance from the first vertex to each vertex."""
    steps = geodesic_m(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
    return np.concatenate([[0.0], np.cumsum(np.atleast_1d(steps))])


def locate(line: LineString, lon: float, lat: float) -> tuple[Point, float, float]:
    """The nearest point of ``line`` to (lon, lat), its distance along the line and off it (m).

    Parameters
    ----------
    line : shapely LineString (lon/lat)
    lon, lat : float

    Returns
    -------
    (Point, float, float)
        The point on the line, metres along the line from its start, metres from (lon, lat).
    """
    coords = np.asarray(line.coords, dtype=float)[:, :2]
    kx = M_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat))
    xy = np.column_stack([(coords[:, 0] - lon) * kx, (coords[:, 1] - lat) * M_PER_DEG_LAT])
    a, b = xy[:-1], xy[1:]
    ab = b - a
    seg2 = np.maximum((ab ** 2).sum(axis=1), 1e-12)
    t = np.clip(-(a * ab).sum(axis=1) / seg2, 0.0, 1.0)  # the click is the origin
    near = a + t[:, None] * ab
    i = int(np.argmin((near ** 2).sum(axis=1)))
    on = coords[i] + t[i] * (coords[i + 1] - coords[i])
    cum = _cumulative_m(coords)
    along = cum[i] + t[i] * (cum[i + 1] - cum[i])
    return Point(on[0], on[1]), float(along), float(geodesic_m(lon, lat, on[0], on[1]))


def point_at(line: LineString, along_m: float) -> Point:
    """The point ``along_m`` geodesic metres from the start of ``line`` (clamped to its ends)."""
    coords = np.asarray(line.coords, dtype=float)[:, :2]
    cum = _cumulative_m(coords)
    along = min(max(float(along_m), 0.0), float(cum[-1]))
    i = int(np.clip(np.searchsorted(cum, along, side="right") - 1, 0, len(coords) - 2))
    span = cum[i + 1] - cum[i]
    t = (along - cum[i]) / span if span > 0 else 0.0
    on = coords[i] + t * (coords[i + 1] - coords[i])
    return Point(on[0], on[1])


def line_length_m(line: LineString) -> float:
    """Geodesic length of a lon/lat line (m)."""
    return float(_cumulative_m(np.asarray(line.coords, dtype=float)[:, :2])[-1])


def edge_position(G: nx.MultiDiGraph, edge: tuple, lon: float, lat: float) -> tuple[Point, float, float]:
    """Where (lon, lat) falls on an edge: point, metres along the edge from u, metres off it.

    The distance along is in the edge's ``length``: on a real road the distance on the road; on a
    schematic edge (drawn straight) the chord's share times the edge's length.
    """
    u, v, k = edge
    line = edge_line(G, u, v, k)
    point, along, off = locate(line, lon, lat)
    drawn = line_length_m(line)
    length = float(G.edges[u, v, k].get("length", drawn))
    return point, (along * length / drawn if drawn > 0 else 0.0), off


def edge_point_at(G: nx.MultiDiGraph, edge: tuple, along_m: float) -> Point:
    """The point ``along_m`` (in the edge's ``length``) from the edge's start u."""
    u, v, k = edge
    line = edge_line(G, u, v, k)
    drawn = line_length_m(line)
    length = float(G.edges[u, v, k].get("length", drawn))
    return point_at(line, along_m * drawn / length if length > 0 else 0.0)
