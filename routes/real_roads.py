"""The shipped real road alignments as a routable graph, with places attached to it.

``RoadGraph`` reads the Natural Earth 1:10m road lines (``routes/data/roads_naturalearth*.geojson``),
joins line ends closer than ``JOIN_M``, and gives every piece its geodesic length.  ``attach`` cuts
the roads at the point nearest to each given place (within a distance), so ``path(a, b)`` returns the
real road between two places: a line from the first place to its road point, along the roads, and
from the last road point to the second place, with its geodesic length.

The network builder (``routes.build_network``) uses it to lay corridor links on real roads; see
``routes.conflate`` for the rules that decide when a real path counts as the corridor's road.
"""
from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree
from shapely.geometry import LineString, Point
from shapely.ops import substring

from geodata.crs import geodesic_length_m

JOIN_M = 50.0  # line ends closer than this are one junction (the files are noded; this only heals rounding)
END_SNAP_M = 200.0  # a place whose road point is this close to a junction uses the junction
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON_EQUATOR = 111_320.0
SKIPPED_CLASSES = ("ferry",)


def road_files() -> list[Path]:
    """The shipped road files (see ``routes.import_roads``)."""
    from routes.import_roads import road_paths

    return road_paths()


def load_roads(paths: Iterable[Path] | None = None) -> gpd.GeoDataFrame:
    """The shipped road lines (lon/lat) with their ``class``, ferries left out.

    Parameters
    ----------
    paths : iterable of Path, optional
        GeoJSON files of LineStrings; default the shipped Natural Earth files.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per line, columns ``class``, ``source``, ``geometry``.
    """
    frames = [gpd.read_file(p) for p in (paths or road_files())]
    roads = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs="EPSG:4326")
    roads = roads[~roads["class"].isin(SKIPPED_CLASSES) & (roads.geom_type == "LineString")]
    return roads[["class", "source", "geometry"]].reset_index(drop=True)


def _local_xy(coords: np.ndarray, lon0: float, lat0: float) -> np.ndarray:
    """Coordinates in metres on a plane tangent at (lon0, lat0) (equirectangular; fine within ~50 km)."""
    kx = M_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat0))
    return np.column_stack([(coords[:, 0] - lon0) * kx, (coords[:, 1] - lat0) * M_PER_DEG_LAT])


def _end_clusters(lines: list[LineString]) -> tuple[np.ndarray, np.ndarray]:
    """Junction id of each line's start and end: ends closer than JOIN_M share an id."""
    ends = np.array([[ln.coords[0], ln.coords[-1]] for ln in lines], dtype=float).reshape(-1, 2)
    lat = np.radians(ends[:, 1])
    xy = np.column_stack([ends[:, 0] * M_PER_DEG_LON_EQUATOR * np.cos(lat), ends[:, 1] * M_PER_DEG_LAT])
    parent = np.arange(len(ends))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in cKDTree(xy).query_pairs(JOIN_M):
        parent[root(i)] = root(j)
    roots = np.array([root(i) for i in range(len(ends))])
    _, ids = np.unique(roots, return_inverse=True)
    return ids[0::2], ids[1::2]


@dataclass(frozen=True)
class RoadPoint:
    """Where a place meets the roads: the road node, the road point and the place's distance to it."""

    node: int
    lon: float
    lat: float
    distance_m: float


@dataclass(frozen=True)
class RealPath:
    """The real road between two attached places."""

    line: LineString      # place a -> road point -> along the roads -> road point -> place b (lon/lat)
    length_m: float       # geodesic length of ``line``
    road_m: float         # of which on the roads (the rest: the two connectors)
    snap_m: tuple[float, float]


class RoadGraph:
    """Real road lines as an undirected graph of junctions, cut where places attach.

    Parameters
    ----------
    roads : geopandas.GeoDataFrame, optional
        Road lines in lon/lat (default: ``load_roads()``).
    """

    def __init__(self, roads: gpd.GeoDataFrame | None = None):
        roads = load_roads() if roads is None else roads
        self.lines = [LineString(np.asarray(g.coords)[:, :2]) for g in roads.geometry]
        self.classes = list(roads["class"]) if "class" in roads else ["road"] * len(self.lines)
        self.start, self.end = _end_clusters(self.lines)
        self.tree = shapely.STRtree(self.lines)
        self.points: dict[Hashable, RoadPoint] = {}
        self.graph: nx.Graph | None = None
        self._next_node = int(max(self.start.max(initial=-1), self.end.max(initial=-1))) + 1

    # -- attaching places ------------------------------------------------------------------

    def _nearest(self, lon: float, lat: float, max_m: float) -> tuple[int, Point, float] | None:
        """(line index, road point, distance m) of the road nearest to (lon, lat) within max_m."""
        dlat = max_m / M_PER_DEG_LAT
        dlon = max_m / (M_PER_DEG_LON_EQUATOR * max(math.cos(math.radians(lat)), 0.1))
        best = None
        for i in self.tree.query(shapely.box(lon - dlon, lat - dlat, lon + dlon, lat + dlat)):
            local = LineString(_local_xy(np.asarray(self.lines[i].coords), lon, lat))
            dist = local.distance(Point(0.0, 0.0))
            if dist <= max_m and (best is None or dist < best[2]):
                on = local.interpolate(local.project(Point(0.0, 0.0)))
                kx = M_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat))
                best = (int(i), Point(lon + on.x / kx, lat + on.y / M_PER_DEG_LAT), float(dist))
        return best

    def attach(self, places: Mapping[Hashable, tuple[float, float]], max_m: float) -> dict[Hashable, RoadPoint]:
        """Attach places to their nearest road point (within ``max_m``) and rebuild the graph.

        Parameters
        ----------
        places : mapping of key to (lon, lat)
        max_m : float
            A place farther than this from every road stays unattached.

        Returns
        -------
        dict
            Key to ``RoadPoint`` for every attached place (also kept in ``self.points``).
        """
        cuts: dict[int, list[tuple[float, Hashable, Point, float]]] = {}
        for key, (lon, lat) in places.items():
            hit = self._nearest(float(lon), float(lat), max_m)
            if hit is None:
                continue
            i, point, dist = hit
            cuts.setdefault(i, []).append((self.lines[i].project(point), key, point, dist))
        self.graph = nx.Graph()
        for i, line in enumerate(self.lines):
            self._add_line(i, line, sorted(cuts.get(i, []), key=lambda c: c[0]))
        return {k: self.points[k] for k in places if k in self.points}

    def _add_line(self, i: int, line: LineString, cuts: list) -> None:
        """Add line ``i`` to the graph, split at its cuts; record each cut's RoadPoint."""
        total = line.length
        stops = [(0.0, int(self.start[i]))]
        for along, key, point, dist in cuts:
            ends = ((0.0, stops[0][1]), (total, int(self.end[i])))
            near_end = [n for a, n in ends if _geodesic_gap(line, along, a) <= END_SNAP_M]
            prev_along, prev_node = stops[-1]
            if near_end:
                node = near_end[0]
            elif prev_along > 0 and _geodesic_gap(line, along, prev_along) <= END_SNAP_M:
                node = prev_node  # two places on one road point share it
            else:
                node = self._next_node
                self._next_node += 1
                stops.append((along, node))
            self.points[key] = RoadPoint(node, point.x, point.y, dist)
        stops.append((total, int(self.end[i])))
        for (a0, n0), (a1, n1) in zip(stops, stops[1:]):
            if n0 == n1 or a1 - a0 <= 0:
                continue
            piece = substring(line, a0, a1)
            length = geodesic_length_m(piece)
            old = self.graph.get_edge_data(n0, n1)
            if old is None or old["length"] > length:
                self.graph.add_edge(n0, n1, length=length, geometry=piece, start=n0, road_class=self.classes[i])

    # -- paths -----------------------------------------------------------------------------

    def path(self, a: Hashable, b: Hashable, lonlat_a: tuple[float, float],
             lonlat_b: tuple[float, float]) -> RealPath | None:
        """The shortest real road between attached places ``a`` and ``b`` (None if not connected).

        ``lonlat_a``/``lonlat_b`` are the places' own positions: the line starts and ends there.
        """
        if self.graph is None or a not in self.points or b not in self.points:
            return None
        pa, pb = self.points[a], self.points[b]
        try:
            road_m, nodes = nx.bidirectional_dijkstra(self.graph, pa.node, pb.node, weight="length")
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            return None
        coords = [tuple(lonlat_a), (pa.lon, pa.lat)]
        for n0, n1 in zip(nodes, nodes[1:]):
            data = self.graph.edges[n0, n1]
            piece = list(data["geometry"].coords)
            coords.extend(piece if data["start"] == n0 else piece[::-1])
        coords += [(pb.lon, pb.lat), tuple(lonlat_b)]
        line = LineString(_dedupe(coords))
        if line.is_empty or len(line.coords) < 2:
            return None
        return RealPath(line, geodesic_length_m(line), float(road_m), (pa.distance_m, pb.distance_m))


def _geodesic_gap(line: LineString, a: float, b: float) -> float:
    """Geodesic distance between two positions (degree units along ``line``) on the line."""
    pa, pb = line.interpolate(a), line.interpolate(b)
    return geodesic_length_m(LineString([pa, pb])) if (pa.x, pa.y) != (pb.x, pb.y) else 0.0


def _dedupe(coords: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Coordinates without consecutive repeats."""
    out = [coords[0]]
    for c in coords[1:]:
        if (round(c[0], 9), round(c[1], 9)) != (round(out[-1][0], 9), round(out[-1][1], 9)):
            out.append(c)
    return out
