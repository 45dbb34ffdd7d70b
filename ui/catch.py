"""What a proposed checkpoint would catch: snap a map click to the network, then assign the flows.

    snapper = Snapper(G)                     # once per network (projects the graph to METRIC_CRS)
    site = snapper.snap(lon, lat)            # nearest road/track/crossing link or crossing/launch-point node;
                                             # on a link: the point of its real road, along_km from its start
    table = plan_catch(G, demand, [site, ...])

``plan_catch`` runs ``routes.flows.assign`` twice with the checkpoints in place: once with nobody
re-routing (``informed_share=0``: the *static* catch, flows stay on their routes) and once with the
scenario's re-routing smugglers (the catch *after re-routing*).  Route sets are cached by
routes.flows per graph, so adding one site to a plan costs well under a second on the shipped network.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
from pyproj import Transformer

from geodata.crs import METRIC_CRS, haversine_m
from routes.geometry import edge_position

SITE_EDGE_MODES = ("road", "track", "crossing")      # links a checkpoint can stand on
SITE_NODE_KINDS = ("crossing", "launch_point")       # points a checkpoint can stand at
NODE_PREFERENCE_M = 5_000.0  # a crossing or launch point this close wins over a link beside it
DEFAULT_DETECTION = 0.5

SITE_COLUMNS = ["site_id", "node", "edge", "detection", "lon", "lat", "site_type", "ref", "name",
                "nearest_place", "place_distance_km", "snap_distance_km", "along_km", "geometry_source"]


@dataclass(frozen=True)
class Place:
    name: str
    lon: float
    lat: float


@lru_cache(maxsize=1)
def _places() -> pd.DataFrame:
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "geodata" / "layers" / "places.csv"
    frame = pd.read_csv(path, usecols=["name", "country", "lon", "lat", "population"])
    return frame.dropna(subset=["lon", "lat"]).reset_index(drop=True)


def nearest_place(lon: float, lat: float) -> tuple[str, float]:
    """(name, distance in metres) of the gazetteer place nearest to (lon, lat)."""
    places = _places()
    dist = haversine_m(lon, lat, places["lon"].to_numpy(), places["lat"].to_numpy())
    i = int(np.argmin(dist))
    return str(places.at[i, "name"]), float(dist[i])


class Snapper:
    """Snaps clicks to a network's checkpoint-able links and points (osmnx nearest search in METRIC_CRS)."""

    def __init__(self, G: nx.MultiDiGraph):
        if not isinstance(G, nx.MultiDiGraph):
            raise TypeError("Snapper: G must be an osmnx-style networkx.MultiDiGraph")
        self.G = G
        edges = [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if d.get("mode") in SITE_EDGE_MODES]
        nodes = [n for n, d in G.nodes(data=True) if d.get("kind") in SITE_NODE_KINDS]
        if not edges and not nodes:
            raise ValueError("Snapper: the network has no road, track or crossing links and no crossing "
                             "or launch-point nodes to place a checkpoint on")
        link_graph = G.edge_subgraph(edges).copy() if edges else None
        self._links = ox.projection.project_graph(link_graph, to_crs=METRIC_CRS) if link_graph else None
        self._to_metric = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
        self._points = None
        if nodes:  # osmnx cannot project a graph without edges: project the points ourselves
            self._points = nx.MultiDiGraph(crs=METRIC_CRS)
            for n in nodes:
                x, y = self._to_metric.transform(G.nodes[n]["x"], G.nodes[n]["y"])
                self._points.add_node(n, x=x, y=y)

    def snap(self, lon: float, lat: float, detection: float = DEFAULT_DETECTION, site_id: str | None = None) -> dict:
        """The checkpoint site nearest to (lon, lat): a dict with the SITE_COLUMNS."""
        if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValueError(f"snap: ({lon}, {lat}) is not a lon/lat position")
        x, y = self._to_metric.transform(lon, lat)
        best_edge = best_node = None
        edge_dist = node_dist = math.inf
        if self._links is not None:
            best_edge, edge_dist = ox.distance.nearest_edges(self._links, x, y, return_dist=True)
        if self._points is not None:
            best_node, node_dist = ox.distance.nearest_nodes(self._points, x, y, return_dist=True)
        if best_node is not None and (node_dist <= NODE_PREFERENCE_M or node_dist <= edge_dist):
            return self._node_site(int(best_node), float(node_dist), detection, site_id)
        return self._edge_site(tuple(int(p) for p in best_edge), float(edge_dist), lon, lat, detection, site_id)

    def _node_site(self, node, dist, detection, site_id):
        data = self.G.nodes[node]
        refs = sorted({str(d.get("ref")) for _, _, d in self.G.edges(node, data=True)
                       if d.get("ref") and d.get("mode") in SITE_EDGE_MODES})
        lon, lat = float(data["x"]), float(data["y"])
        return self._site(site_id or f"node-{node}", node, None, detection, lon, lat, data.get("kind", "junction"),
                          ", ".join(refs), data.get("name") or "", dist)

    def _edge_site(self, edge, dist, click_lon, click_lat, detection, site_id):
        u, v, k = edge
        data = self.G.edges[u, v, k]
        lon, lat, along = _point_on_edge(self.G, edge, click_lon, click_lat)
        site = self._site(site_id or f"edge-{u}-{v}-{k}", None, edge, detection, lon, lat, data.get("mode", "road"),
                          str(data.get("ref") or ""), str(data.get("name") or ""), dist)
        site["along_km"] = round(along / 1000, 2)
        site["geometry_source"] = str(data.get("geometry_source") or "")
        return site

    @staticmethod
    def _site(site_id, node, edge, detection, lon, lat, site_type, ref, name_text, dist):
        place, place_m = nearest_place(lon, lat)
        return {"site_id": site_id, "node": node, "edge": edge, "detection": float(detection), "lon": lon,
                "lat": lat, "site_type": str(site_type), "ref": ref, "name": name_text,
                "nearest_place": place, "place_distance_km": round(place_m / 1000, 1),
                "snap_distance_km": round(dist / 1000, 2), "along_km": None, "geometry_source": ""}


def _point_on_edge(G, edge, lon, lat) -> tuple[float, float, float]:
    """The point of the edge's line (its real road where it has one) nearest to the click, in lon/lat,
    and its distance along the edge from the edge's start node (m)."""
    point, along, _ = edge_position(G, edge, lon, lat)
    return float(point.x), float(point.y), float(along)


def checkpoints_frame(sites) -> pd.DataFrame:
    """Sites (list of dicts or DataFrame) as the checkpoint contract: site_id, detection, node, edge."""
    frame = pd.DataFrame(list(sites) if not isinstance(sites, pd.DataFrame) else sites)
    if frame.empty:
        return pd.DataFrame(columns=["site_id", "detection", "node", "edge"])
    for column in ("site_id", "detection"):
        if column not in frame:
            raise ValueError(f"checkpoints: column '{column}' is missing")
    if frame["site_id"].duplicated().any():
        dup = frame.loc[frame["site_id"].duplicated(), "site_id"].iloc[0]
        raise ValueError(f"checkpoints: site_id '{dup}' appears twice")
    out = pd.DataFrame({"site_id": frame["site_id"].astype(str), "detection": frame["detection"].astype(float)})
    out["node"] = [None if _missing(n) else int(n) for n in frame.get("node", [None] * len(frame))]
    out["edge"] = [None if _missing(e) else tuple(int(p) for p in e) for e in frame.get("edge", [None] * len(frame))]
    return out


def _missing(value) -> bool:
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


@dataclass
class Catch:
    """Per-site and total catch of a set of checkpoints, static and after re-routing (migrants/year)."""

    sites: pd.DataFrame       # site_id, passing, caught_static, caught_rerouted, detoured
    total_volume: float
    caught_static: float
    caught_rerouted: float

    @property
    def share_static(self) -> float:
        return self.caught_static / self.total_volume if self.total_volume else 0.0

    @property
    def share_rerouted(self) -> float:
        return self.caught_rerouted / self.total_volume if self.total_volume else 0.0


def plan_catch(G: nx.MultiDiGraph, demand: pd.DataFrame, sites, **assign_options) -> Catch:
    """Catch of ``sites`` (contract checkpoints) under static routes and after smugglers re-route."""
    from routes.flows import assign

    cps = checkpoints_frame(sites)
    if cps.empty:
        base = assign(G, demand, **assign_options)
        return Catch(pd.DataFrame(columns=["site_id", "passing", "caught_static", "caught_rerouted", "detoured"]),
                     base.total_volume, 0.0, 0.0)
    static = assign(G, demand, cps, informed_share=0.0, **assign_options)
    rerouted = assign(G, demand, cps, **assign_options)
    s = static.checkpoint_flows.set_index("site_id")
    r = rerouted.checkpoint_flows.set_index("site_id")
    table = pd.DataFrame({"site_id": cps["site_id"]})
    table["passing"] = table["site_id"].map(s["volume"]).fillna(0.0).to_numpy()
    table["caught_static"] = table["site_id"].map(s["intercepted"]).fillna(0.0).to_numpy()
    table["caught_rerouted"] = table["site_id"].map(r["intercepted"]).fillna(0.0).to_numpy()
    table["detoured"] = (table["passing"] - table["site_id"].map(r["volume"]).fillna(0.0)).clip(lower=0).to_numpy()
    return Catch(table, static.total_volume, static.intercepted_volume, rerouted.intercepted_volume)
