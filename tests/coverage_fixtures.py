"""Hand-built inputs for the coverage tests (no test functions here)."""
from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString

from models.placement_robust import SimpleFlows
from test_placement_fixtures import demand_frame, detour_graph

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
