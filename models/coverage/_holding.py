"""Holding centres for deportees and offloadees: a p-median on the route network, solved with HiGHS.

unodc-2011 §8.1 names where deportees accumulate (Karachi port, Quetta, Islamabad airport) and §11.4
recommends holding centres there; ``default_arrivals()`` gives those points with the Taftan route
(deportations from Iran come back through Taftan to Quetta, §3.2 / §8.1).

Model (uncapacitated p-median): choose exactly k centres among the candidates and send every arrival
point's persons to one open centre, minimising persons x road distance.  Assignment variables stay
continuous: with the centres fixed, sending everyone to the nearest open centre is optimal.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import geopandas as gpd
import highspy
import networkx as nx
import numpy as np
import pandas as pd
from shapely.geometry import Point

from geodata.crs import STORAGE_CRS, haversine_m

HOLDING_MODES = ("road", "track", "crossing")


@dataclass
class HoldingPlan:
    centres: gpd.GeoDataFrame       # chosen candidates with persons served and mean distance
    assignment: pd.DataFrame        # arrival -> centre, persons, distance_m
    objective: float                # persons x metres
    mean_distance_km: float         # person-weighted mean road distance
    status: str
    k: int


def default_arrivals() -> gpd.GeoDataFrame:
    """Where deportees and offloadees arrive, with an assumed persons/year weight (scenario, editable)."""
    import geodata

    want = [  # (layer, id, persons/year, source)
        ("crossings", "seaport-karachi", 12000, "unodc-2011 §8.1 (Karachi port: 500+ deportees at once); volume: assumption"),
        ("hubs", "hub-quetta", 12000, "unodc-2011 §8.1 (Quetta: 500-600 at once); volume: assumption"),
        ("crossings", "airport-isb", 6000, "unodc-2011 §8.1 (Islamabad airport: 30-40 every two days); volume: assumption"),
        ("crossings", "crossing-taftan", 8000, "unodc-2011 §3.2 / §8.1 (deported from Iran via Taftan); "
                                                 "volume: assumption"),
    ]
    rows = []
    for layer, fid, persons, source in want:
        gdf = geodata.layer(layer)
        hit = gdf[gdf["id"] == fid]
        if hit.empty:
            raise ValueError(f"default_arrivals: no feature {fid!r} in layer {layer!r}")
        r = hit.iloc[0]
        rows.append({"arrival_id": r["id"], "name": r["name"], "persons": float(persons), "source": source,
                     "geometry": r.geometry})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=STORAGE_CRS)


def default_candidates() -> gpd.GeoDataFrame:
    """Transit hubs (towns) as candidate holding-centre sites."""
    import geodata

    hubs = geodata.layer("hubs")
    if "country" in hubs.columns:
        hubs = hubs[hubs["country"].fillna("PK") == "PK"]
    return gpd.GeoDataFrame({"candidate_id": hubs["id"].to_numpy(), "name": hubs["name"].to_numpy()},
                            geometry=hubs.geometry.to_numpy(), crs=STORAGE_CRS)


def _points_to_nodes(frame: pd.DataFrame, G: nx.MultiDiGraph, usable: list, what: str) -> list:
    """Graph node per row: its ``node`` column, else the nearest usable node to its point."""
    if "node" in frame.columns and frame["node"].notna().all():
        bad = [n for n in frame["node"] if n not in G]
        if bad:
            raise ValueError(f"{what}: node {bad[0]!r} is not in the network")
        return list(frame["node"])
    if not isinstance(frame, gpd.GeoDataFrame) and not {"lon", "lat"} <= set(frame.columns):
        raise ValueError(f"{what}: give a 'node' column, a geometry, or 'lon'/'lat' columns")
    if isinstance(frame, gpd.GeoDataFrame):
        geo = frame.to_crs(STORAGE_CRS).geometry
        lon, lat = geo.x.to_numpy(), geo.y.to_numpy()
    else:
        lon, lat = frame["lon"].to_numpy(float), frame["lat"].to_numpy(float)
    nx_ = np.array([G.nodes[n]["x"] for n in usable])
    ny_ = np.array([G.nodes[n]["y"] for n in usable])
    return [usable[int(np.argmin(haversine_m(a, b, nx_, ny_)))] for a, b in zip(lon, lat)]


def distance_matrix(G: nx.MultiDiGraph, sources: list, targets: list, modes=HOLDING_MODES) -> np.ndarray:
    """Shortest network distance (m) from each source node to each target node over ``modes`` (inf if none)."""
    H = nx.DiGraph()
    for u, v, d in G.edges(data=True):
        if d.get("mode") in modes:
            w = float(d.get("length", 0.0))
            if not H.has_edge(u, v) or H[u][v]["length"] > w:
                H.add_edge(u, v, length=w)
    out = np.full((len(sources), len(targets)), np.inf)
    for i, s in enumerate(sources):
        if s not in H:
            out[i, [j for j, t in enumerate(targets) if t == s]] = 0.0
            continue
        dist = nx.single_source_dijkstra_path_length(H, s, weight="length")
        out[i] = [dist.get(t, np.inf) for t in targets]
    return out


def solve_p_median(weights: np.ndarray, dist: np.ndarray, k: int, time_limit: float = 60.0):
    """(chosen column indices, objective, status) of min sum_i w_i min_{j chosen} d_ij with |chosen| = k."""
    n_a, n_c = dist.shape
    reach = np.isfinite(dist)
    n_x = n_a * n_c
    cost = np.r_[np.zeros(n_c), (weights[:, None] * np.where(reach, dist, 0.0)).ravel() / 1000.0]
    col_lo = np.zeros(n_c + n_x)
    col_hi = np.r_[np.ones(n_c), reach.ravel().astype(float)]
    integrality = np.r_[np.ones(n_c, dtype=np.int32), np.zeros(n_x, dtype=np.int32)]
    x = n_c + np.arange(n_x).reshape(n_a, n_c)          # column of x_ij
    # rows 0..n_a-1: sum_j x_ij = 1 (every arrival goes somewhere)
    assign_idx = x.ravel()
    assign_starts = np.arange(n_a) * n_c
    # then one row per reachable (i, j): x_ij - y_j <= 0 (only to an open centre)
    ii, jj = np.nonzero(reach)
    link_idx = np.column_stack([jj, x[ii, jj]]).ravel()
    link_starts = n_x + 2 * np.arange(len(ii))
    # last row: sum_j y_j = k
    index = np.concatenate([assign_idx, link_idx, np.arange(n_c)]).astype(np.int32)
    value = np.concatenate([np.ones(n_x), np.tile([-1.0, 1.0], len(ii)), np.ones(n_c)])
    starts = np.concatenate([assign_starts, link_starts, [n_x + 2 * len(ii)], [len(index)]]).astype(np.int32)
    lo = np.concatenate([np.ones(n_a), np.full(len(ii), -np.inf), [float(k)]])
    hi = np.concatenate([np.ones(n_a), np.zeros(len(ii)), [float(k)]])
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.passModel(int(n_c + n_x), len(lo), len(index), 2, 1, 0.0, cost, col_lo, col_hi, lo, hi, starts, index,
                value, integrality)
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    sol = np.asarray(h.getSolution().col_value)
    if len(sol) != n_c + n_x:
        raise RuntimeError(f"holding_centres: HiGHS found no solution ({status})")
    chosen = np.flatnonzero(sol[:n_c] > 0.5)
    best = np.where(reach[:, chosen], dist[:, chosen], np.inf).min(axis=1)
    return chosen, float(weights @ best), status


def holding_centres(arrivals: pd.DataFrame | None, k: int, *, candidates: pd.DataFrame | None = None,
                    network: nx.MultiDiGraph | None = None, modes=HOLDING_MODES,
                    time_limit: float = 60.0) -> HoldingPlan:
    """Place ``k`` holding centres minimising the person-weighted road distance from the arrival points.

    ``arrivals``: rows with ``persons`` and a ``node``, a point geometry or ``lon``/``lat`` (default
    ``default_arrivals()``); ``candidates``: sites in the same forms (default: the transit hubs).
    Distances are shortest paths over the ``modes`` links of ``network`` (default network if None).
    """
    arrivals = default_arrivals() if arrivals is None else arrivals
    candidates = default_candidates() if candidates is None else candidates
    for what, frame in (("arrivals", arrivals), ("candidates", candidates)):
        if not isinstance(frame, pd.DataFrame) or frame.empty:
            raise ValueError(f"{what}: expected a non-empty (Geo)DataFrame")
    if "persons" not in arrivals.columns:
        raise ValueError("arrivals: missing column 'persons' (persons per year arriving there)")
    w = pd.to_numeric(arrivals["persons"], errors="coerce").to_numpy(float)
    if np.isnan(w).any() or (w < 0).any():
        i = int(np.flatnonzero(np.isnan(w) | (w < 0))[0])
        raise ValueError(f"arrivals row {i}: persons must be a number >= 0, got {arrivals['persons'].iloc[i]!r}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= len(candidates):
        raise ValueError(f"k must be a whole number from 1 to the {len(candidates)} candidates, got {k!r}")
    if network is None:
        from routes.network import default_network
        network = default_network()
    usable = sorted({n for u, v, d in network.edges(data=True) if d.get("mode") in modes for n in (u, v)}, key=str)
    if not usable:
        raise ValueError(f"network: no link of modes {tuple(modes)} to travel on")
    a_nodes = _points_to_nodes(arrivals, network, usable, "arrivals")
    c_nodes = _points_to_nodes(candidates, network, usable, "candidates")
    dist = distance_matrix(network, a_nodes, c_nodes, modes)
    unreachable = ~np.isfinite(dist).any(axis=1)
    if unreachable.any():
        i = int(np.flatnonzero(unreachable)[0])
        raise ValueError(f"arrivals row {i}: no candidate can be reached over {tuple(modes)} links")
    chosen, objective, status = solve_p_median(w, dist, int(k), time_limit)
    sub = np.where(np.isfinite(dist[:, chosen]), dist[:, chosen], np.inf)
    pick = chosen[np.argmin(sub, axis=1)]
    cid = _ids(candidates, "candidate_id", "c")
    aid = _ids(arrivals, "arrival_id", "a")
    assignment = pd.DataFrame({"arrival_id": aid, "arrival": _names(arrivals, aid), "node": a_nodes,
                               "persons": w, "centre_id": [cid[j] for j in pick],
                               "centre": [_names(candidates, cid)[j] for j in pick],
                               "distance_m": dist[np.arange(len(w)), pick]})
    served = assignment.groupby("centre_id").agg(persons=("persons", "sum"), arrivals=("arrival_id", "count"))
    centres = pd.DataFrame({"centre_id": [cid[j] for j in chosen], "name": [_names(candidates, cid)[j] for j in chosen],
                            "node": [c_nodes[j] for j in chosen]})
    centres["persons"] = centres["centre_id"].map(served["persons"]).fillna(0.0)
    centres["arrivals"] = centres["centre_id"].map(served["arrivals"]).fillna(0).astype(int)
    geom = [Point(network.nodes[n]["x"], network.nodes[n]["y"]) for n in centres["node"]]
    total = float(w.sum())
    return HoldingPlan(centres=gpd.GeoDataFrame(centres, geometry=geom, crs=STORAGE_CRS), assignment=assignment,
                       objective=objective, mean_distance_km=objective / total / 1000.0 if total > 0 else 0.0,
                       status=status, k=int(k))


def brute_force_p_median(weights: np.ndarray, dist: np.ndarray, k: int) -> tuple[tuple, float]:
    """Best k columns by enumeration (for tests and small instances)."""
    best = (None, np.inf)
    for combo in itertools.combinations(range(dist.shape[1]), k):
        val = float(weights @ dist[:, list(combo)].min(axis=1))
        if val < best[1] - 1e-9:
            best = (combo, val)
    return best


def _ids(frame, col, prefix) -> list:
    if col in frame.columns:
        return [str(v) for v in frame[col]]
    if "id" in frame.columns:
        return [str(v) for v in frame["id"]]
    return [f"{prefix}{i}" for i in range(len(frame))]


def _names(frame, ids) -> list:
    return [str(v) for v in frame["name"]] if "name" in frame.columns else list(ids)
