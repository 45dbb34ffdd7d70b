"""Hand-built networks, demand and FlowResults following docs/CONTRACTS.md (no test functions here)."""
from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pandas as pd
from shapely.geometry import Point

from geodata.crs import haversine_m
from models.placement._robust import own_flows

SPEED_MS = {"road": 60 / 3.6, "track": 30 / 3.6, "crossing": 10 / 3.6, "sea": 20 / 3.6, "air": 700 / 3.6}


def make_graph(nodes: dict, links: list) -> nx.MultiDiGraph:
    """nodes: id -> (lon, lat, kind[, layer_id]); links: (u, v, mode) two-way, key 0."""
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for n, spec in nodes.items():
        lon, lat, kind = spec[:3]
        attrs = {"x": lon, "y": lat, "kind": kind, "name": f"{kind}-{n}"}
        if len(spec) > 3:
            attrs["layer_id"] = spec[3]
        G.add_node(n, **attrs)
    for u, v, mode in links:
        length = float(haversine_m(G.nodes[u]["x"], G.nodes[u]["y"], G.nodes[v]["x"], G.nodes[v]["y"]))
        for a, b in ((u, v), (v, u)):
            G.add_edge(a, b, key=0, length=length, travel_time=length / SPEED_MS[mode], mode=mode, cost_pkr=0.0,
                       name=f"{mode} {min(u, v)}-{max(u, v)}", ref="", source="test")
    return G


def detour_graph() -> nx.MultiDiGraph:
    """S -> J, then either the main road through crossing C1 or a track through crossing C2 (about 30% dearer)."""
    nodes = {1: (66.5, 30.0, "source", "src-A"), 2: (67.0, 30.0, "junction"),
             3: (67.5, 30.0, "crossing"), 4: (68.0, 30.0, "destination", "dst-X"),
             5: (67.3, 30.25, "junction"), 6: (67.7, 30.25, "crossing")}
    links = [(1, 2, "road"), (2, 3, "road"), (3, 4, "road"), (2, 5, "road"), (5, 6, "road"), (6, 4, "road")]
    return make_graph(nodes, links)


def chain_graph() -> nx.MultiDiGraph:
    """Only one way through: S - J - C1 - D."""
    nodes = {1: (66.5, 30.0, "source", "src-A"), 2: (67.0, 30.0, "junction"),
             3: (67.5, 30.0, "crossing"), 4: (68.0, 30.0, "destination", "dst-X")}
    return make_graph(nodes, [(1, 2, "road"), (2, 3, "road"), (3, 4, "road")])


def demand_frame(rows) -> pd.DataFrame:
    return pd.DataFrame([{"origin": o, "destination": d, "mode_preference": m, "migrants_per_year": v,
                          "case_type": c, "source": "test"} for o, d, m, v, c in rows])


def flows_for(G, demand, detour=0.5):
    return own_flows(G, demand, detour=detour)


def grid_graph(n=4, seed=0) -> nx.MultiDiGraph:
    """n x n road grid about 20 km apart, with slightly jittered positions (unique shortest paths)."""
    rng = np.random.default_rng(seed)
    nodes = {}
    for i, j in itertools.product(range(n), range(n)):
        nodes[i * n + j] = (66 + 0.2 * j + rng.uniform(-0.03, 0.03), 29 + 0.2 * i + rng.uniform(-0.03, 0.03),
                            "junction", f"g{i * n + j}")
    links = []
    for i, j in itertools.product(range(n), range(n)):
        if j + 1 < n:
            links.append((i * n + j, i * n + j + 1, "road" if (i + j) % 3 else "track"))
        if i + 1 < n:
            links.append((i * n + j, (i + 1) * n + j, "road"))
    return make_graph(nodes, links)


def random_instance(seed: int, n_sites: int = 10, n_od: int = 12, binary: bool = False):
    """Random grid flows and a mixed node/edge candidate table of n_sites sites."""
    rng = np.random.default_rng(seed)
    G = grid_graph(4, seed)
    nodes = list(G.nodes)
    pairs = set()
    while len(pairs) < n_od:
        o, d = rng.choice(nodes, 2, replace=False)
        pairs.add((int(o), int(d)))
    demand = demand_frame([(f"g{o}", f"g{d}", "land", float(rng.integers(10, 500)),
                            "smuggling" if rng.random() < 0.7 else "trafficking") for o, d in sorted(pairs)])
    flows = flows_for(G, demand)
    links = sorted({(min(u, v), max(u, v)) for u, v, _ in G.edges(keys=True)})
    n_node = n_sites // 2
    node_pick = rng.choice(nodes, n_node, replace=False)
    edge_pick = [links[i] for i in rng.choice(len(links), n_sites - n_node, replace=False)]
    rows = []
    for n in node_pick:
        rows.append({"site_id": f"n{n}", "site_type": "hub", "node": int(n), "edge": None,
                     "geometry": Point(G.nodes[n]["x"], G.nodes[n]["y"])})
    for u, v in edge_pick:
        # edge given in the direction opposite to half the traffic: must still be caught both ways
        rows.append({"site_id": f"e{v}-{u}", "site_type": "road", "node": None, "edge": (v, u, 0),
                     "geometry": Point(G.nodes[u]["x"], G.nodes[u]["y"])})
    import geopandas as gpd
    sites = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    sites["detection"] = 1.0 if binary else np.round(rng.uniform(0.2, 0.9, len(sites)), 2)
    sites["capacity"] = np.nan
    sites["name"] = sites["site_id"]
    return G, demand, flows, sites


def brute_force(flows, sites, k, existing=(), required=(), forbidden=()):
    """Best catch over all choices of k new sites (plus existing ones) by direct enumeration."""
    ids = list(sites["site_id"])
    p = dict(zip(ids, sites["detection"]))
    on_path = []
    G = flows.graph
    for nodes, edges in zip(flows.paths["nodes"], flows.paths["edges"]):
        nset = set(nodes)
        lset = {frozenset((u, v)) for u, v, _ in edges}
        here = set()
        for sid, node, edge in zip(ids, sites["node"], sites["edge"]):
            if edge is not None and frozenset(edge[:2]) in lset:
                here.add(sid)
            elif edge is None and node in nset:
                here.add(sid)
        on_path.append(here)
    vol = flows.paths["volume"].to_numpy(float)
    free = [s for s in ids if s not in set(existing) | set(required) | set(forbidden)]
    best = -1.0
    best_set = None
    for combo in itertools.combinations(free, k - len(set(required) - set(existing))):
        chosen = set(combo) | set(required) | set(existing)
        total = 0.0
        for v, here in zip(vol, on_path):
            surv = 1.0
            for s in here & chosen:
                surv *= 1.0 - p[s]
            total += v * (1.0 - surv)
        if total > best + 1e-9:
            best, best_set = total, chosen
    return best, best_set
