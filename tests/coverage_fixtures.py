"""Hand-built inputs for the coverage tests (no test functions here)."""
from __future__ import annotations

import geopandas as gpd
import networkx as nx
import pandas as pd
from shapely.geometry import LineString

from geodata.crs import haversine_m
from models.placement._robust import SimpleFlows

SPEED_MS = {"road": 60 / 3.6, "track": 30 / 3.6, "crossing": 10 / 3.6}


def detour_graph() -> nx.MultiDiGraph:
    """Source 1 -> junction 2, then the main road through crossing 3, or a detour 2-5-6 (crossing 6) -> 4.

    Positions are fixed here (the coverage tests measure against them), two-way links, key 0.
    """
    nodes = {1: (66.0, 30.0, "source", "src-A"), 2: (66.5, 30.0, "junction", None),
             3: (67.0, 30.0, "crossing", None), 4: (67.5, 30.0, "destination", "dst-X"),
             5: (66.8, 30.25, "junction", None), 6: (67.2, 30.25, "crossing", None)}
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for n, (lon, lat, kind, layer_id) in nodes.items():
        G.add_node(n, x=lon, y=lat, kind=kind, name=f"{kind}-{n}", **({"layer_id": layer_id} if layer_id else {}))
    for u, v in ((1, 2), (2, 3), (3, 4), (2, 5), (5, 6), (6, 4)):
        length = float(haversine_m(nodes[u][0], nodes[u][1], nodes[v][0], nodes[v][1]))
        for a, b in ((u, v), (v, u)):
            G.add_edge(a, b, key=0, length=length, travel_time=length / SPEED_MS["road"], mode="road", cost_pkr=0.0,
                       name=f"road {min(u, v)}-{max(u, v)}", ref="", source="test")
    return G


def demand_frame(rows) -> pd.DataFrame:
    return pd.DataFrame([{"origin": o, "destination": d, "mode_preference": m, "migrants_per_year": v,
                          "case_type": c, "source": "test"} for o, d, m, v, c in rows])

# A north-south "border" at lon 66.9 from lat 29.9 to 30.4 (about 55 km): the main road (lat 30.0)
# crosses it 11 km from its start, in segment 0 (km 0-25); the detour (lat 30.25) 39 km from its
# start, in segment 1 (km 25-50); segment 2 (km 50-55) carries nothing.
TEST_BORDER = gpd.GeoDataFrame({"id": ["b1"], "name": ["Testland"], "neighbour": ["TST"]},
                               geometry=[LineString([(66.9, 29.9), (66.9, 30.4)])], crs="EPSG:4326")
MAIN = [(1, 2, 0), (2, 3, 0), (3, 4, 0)]
DETOUR = [(1, 2, 0), (2, 5, 0), (5, 6, 0), (6, 4, 0)]


def hand_flows() -> SimpleFlows:
    """600 smuggled + 100 trafficked on the main road through crossing 3; 300 smuggled on the detour via 6."""
    G = detour_graph()
    paths = pd.DataFrame({"path_id": [0, 1, 2], "origin": ["src-A"] * 3, "destination": ["dst-X"] * 3,
                          "case_type": ["smuggling", "trafficking", "smuggling"], "mode": ["land"] * 3,
                          "volume": [600.0, 100.0, 300.0],
                          "nodes": [[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 5, 6, 4]], "edges": [MAIN, MAIN, DETOUR]})
    demand = demand_frame([("src-A", "dst-X", "land", 900.0, "smuggling"),
                           ("src-A", "dst-X", "land", 100.0, "trafficking")])
    return SimpleFlows(paths=paths, graph=G, demand=demand, total_volume=1000.0)


def checkpoint_at_crossing(p: float = 0.6) -> pd.DataFrame:
    return pd.DataFrame({"site_id": ["c3"], "detection": [p], "node": [3], "edge": [None]})
