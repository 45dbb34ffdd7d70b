"""Flow assignment: spread origin-destination demand over the k cheapest routes.

Route choice is a multinomial logit on generalised cost (PKR)::

    cost(route) = value_of_time * travel_time_h + sum(cost_pkr) + loss_if_caught * p_intercept(route)

    share(route) = exp(-cost / scale) / sum over the OD's routes of exp(-cost / scale)

where ``p_intercept = 1 - prod(1 - p_i)`` over the checkpoints the route passes.  Smugglers who
know where the checkpoints are therefore move to detours as soon as the expected loss outweighs
the extra travel time and money.  A share ``informed_share`` of travellers knows the checkpoint
plan; the rest choose as if there were none (shares are mixed), so checkpoints still catch.

Route sets come from a link-penalty k-route search (de la Barra et al. 1993): Dijkstra, then the
links of each route found cost ``1 + penalty`` times more for the next search, until ``k`` distinct
routes are found or the search stops finding new ones.  With checkpoints, the search also runs on
checkpoint-aware weights so detours around a checkpoint enter the route set.  Searches run on a
compiled sparse copy of the graph (scipy's Dijkstra) and route sets are cached per graph, OD pair,
mode set and checkpoint plan, so an interactive loop that moves checkpoints around is fast.
``method="exact"`` uses Yen's k shortest simple paths (networkx) instead: slower, exact.

Checkpoints on a node catch everyone passing it; a checkpoint on edge ``(u, v, key)`` catches both
directions of that link.  Volumes are migrants per year attempting the route; ``intercepted`` is
the expected number caught, each checkpoint catching a share ``p`` of those who got that far.
"""
from __future__ import annotations

import math
import threading
import warnings
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from routes import params as scenario
from routes.checkpoints import checkpoint_arrays, normalise_checkpoints

MODES = ("road", "track", "sea", "air", "crossing")
_EPS = 1e-6  # scipy treats a zero weight as "no edge"; keep every edge strictly positive

__all__ = ["FlowResult", "assign", "normalise_checkpoints", "route_choice_parameters", "clear_cache"]


@dataclass
class FlowResult:
    """Routes with volumes, per-edge flows and the interception they meet (see docs/CONTRACTS.md)."""

    paths: gpd.GeoDataFrame
    edge_flows: pd.DataFrame
    graph: nx.MultiDiGraph
    demand: pd.DataFrame
    checkpoints: pd.DataFrame | None
    intercepted_volume: float
    total_volume: float
    intercepted_share: float
    checkpoint_flows: pd.DataFrame = field(default_factory=pd.DataFrame)
    unrouted: pd.DataFrame = field(default_factory=pd.DataFrame)
    parameters: dict = field(default_factory=dict)


def route_choice_parameters(**overrides) -> dict:
    """Route-choice parameters from the scenario file, with ``overrides`` applied."""
    tree = scenario.load()
    names = ("k", "value_of_time_pkr_per_hour", "logit_scale_pkr", "loss_if_caught_pkr",
             "default_detection", "penalty", "informed_share")
    out = {name: scenario.value(f"route_choice.{name}", tree) for name in names}
    out["mode_sets"] = {pref: tuple(scenario.value(f"mode_sets.{pref}", tree))
                        for pref in tree.get("mode_sets", {})}
    for name, val in overrides.items():
        if val is not None:
            out[name] = val
    return out


# --------------------------------------------------------------------------------------------
# compiled graph


class _Compiled:
    """Array view of a MultiDiGraph for fast repeated searches."""

    def __init__(self, G: nx.MultiDiGraph):
        self.nodes = list(G.nodes)
        self.index = {n: i for i, n in enumerate(self.nodes)}
        self.n = len(self.nodes)
        self.xy = np.array([(G.nodes[n].get("x", np.nan), G.nodes[n].get("y", np.nan)) for n in self.nodes],
                           dtype=float).reshape(-1, 2)
        edges = list(G.edges(keys=True, data=True))
        self.edges = [(u, v, k) for u, v, k, _ in edges]
        self.edge_pos = {e: i for i, e in enumerate(self.edges)}
        m = len(edges)
        self.u = np.fromiter((self.index[u] for u, _, _, _ in edges), dtype=np.int64, count=m)
        self.v = np.fromiter((self.index[v] for _, v, _, _ in edges), dtype=np.int64, count=m)
        self.length = np.array([_num(d, "length", e) for *e, d in edges], dtype=float)
        self.travel_time = np.array([_num(d, "travel_time", e) for *e, d in edges], dtype=float)
        self.cost_pkr = np.array([float(d.get("cost_pkr", 0.0) or 0.0) for *_, d in edges], dtype=float)
        self.mode = np.array([str(d.get("mode", "road")) for *_, d in edges], dtype=object)
        self.geometry = [d.get("geometry") for *_, d in edges]
        # (u, v) pairs: parallel edges share a pair; the search keeps the cheapest per pair
        pair_key = self.u * max(self.n, 1) + self.v
        self.pair_ids, self.pair_of_edge = np.unique(pair_key, return_inverse=True)
        self.pair_u = self.pair_ids // max(self.n, 1)
        self.pair_v = self.pair_ids % max(self.n, 1)
        # CSR layout of pairs: np.unique sorts by u then v, which is CSR order
        self.indptr = np.searchsorted(self.pair_u, np.arange(self.n + 1)).astype(np.int64)
        self.layer_nodes: dict[Any, Any] = {}
        for n in self.nodes:
            lid = G.nodes[n].get("layer_id")
            if lid is not None and lid not in self.layer_nodes:
                self.layer_nodes[lid] = n
        self.path_cache: OrderedDict = OrderedDict()
        self.route_cache: dict = {}
        self._csr = None
        self.lock = threading.Lock()
        # per edge: its coordinates without the first point (so routes concatenate without repeats)
        self.tail_coords = []
        for i, geom in enumerate(self.geometry):
            if geom is not None:
                self.tail_coords.append(np.asarray(geom.coords, dtype=float)[1:, :2])
            else:
                self.tail_coords.append(self.xy[[self.v[i]]])

    def reduce(self, weight: np.ndarray, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per pair: the weight and edge index of the cheapest allowed parallel edge (inf if none)."""
        w = np.where(allowed, weight, np.inf)
        order = np.lexsort((w, self.pair_of_edge))
        first = np.ones(len(order), dtype=bool)
        first[1:] = self.pair_of_edge[order][1:] != self.pair_of_edge[order][:-1]
        best_edge = order[first]
        return w[best_edge], best_edge

    def matrix(self, pair_weight: np.ndarray) -> csr_matrix:
        """The pair graph with these weights (inf = no edge); reuses one CSR structure."""
        if self._csr is None:
            self._csr = csr_matrix((np.ones(len(self.pair_ids)), self.pair_v.copy(), self.indptr),
                                   shape=(self.n, self.n))
        self._csr.data = np.maximum(pair_weight, _EPS)
        return self._csr


def _num(data: dict, name: str, edge) -> float:
    val = data.get(name)
    if val is None or (isinstance(val, float) and math.isnan(val)):
        raise ValueError(f"graph edge {tuple(edge[:3])} has no {name!r} attribute")
    return float(val)


_COMPILED: "weakref.WeakKeyDictionary[nx.MultiDiGraph, tuple]" = weakref.WeakKeyDictionary()


def _compiled(G: nx.MultiDiGraph) -> _Compiled:
    fingerprint = (G.number_of_nodes(), G.number_of_edges(), G.graph.get("version"))
    hit = _COMPILED.get(G)
    if hit is not None and hit[0] == fingerprint:
        return hit[1]
    comp = _Compiled(G)
    _COMPILED[G] = (fingerprint, comp)
    return comp


def clear_cache(G: nx.MultiDiGraph | None = None) -> None:
    """Forget compiled graphs and cached route sets (call after editing edge attributes in place)."""
    if G is None:
        _COMPILED.clear()
    else:
        _COMPILED.pop(G, None)


# --------------------------------------------------------------------------------------------
# route search


def _path_from_pred(pred_row: np.ndarray, o: int, d: int) -> tuple[int, ...] | None:
    if o == d:
        return (o,)
    if pred_row[d] < 0:
        return None
    out = [d]
    while out[-1] != o:
        out.append(int(pred_row[out[-1]]))
    return tuple(reversed(out))


def _pair_positions(comp: _Compiled, node_path: tuple[int, ...]) -> np.ndarray:
    us = np.asarray(node_path[:-1], dtype=np.int64)
    vs = np.asarray(node_path[1:], dtype=np.int64)
    return np.searchsorted(comp.pair_ids, us * max(comp.n, 1) + vs)


def _penalty_routes(comp, pair_w, origin, dests, k, penalty, first_pred) -> dict[int, list[tuple]]:
    """Up to k distinct node paths per destination by the link-penalty method.

    The destinations of one origin share each penalised search: the links of every destination's
    latest route are penalised together, so one Dijkstra serves them all.
    """
    out: dict[int, list[tuple]] = {}
    misses: dict[int, int] = {}
    for d in dests:
        first = _path_from_pred(first_pred, origin, d)
        out[d] = [first] if first is not None else []
        misses[d] = 0
    w = pair_w.copy()
    active = [d for d in dests if out[d] and len(out[d]) < k]
    while active:
        for d in active:
            for path in (out[d][-1:] if misses[d] == 0 else out[d]):
                w[_pair_positions(comp, path)] *= 1 + penalty
        _, pred = dijkstra(comp.matrix(w), directed=True, indices=origin, return_predecessors=True)
        for d in active:
            path = _path_from_pred(pred, origin, d)
            if path is None or path in out[d]:
                misses[d] += 1
            else:
                misses[d] = 0
                out[d].append(path)
        active = [d for d in active if len(out[d]) < k and misses[d] < 2]
    return out


def _exact_routes(comp, pair_w, origin, dests, k) -> dict[int, list[tuple]]:
    H = nx.DiGraph()
    finite = np.isfinite(pair_w)
    H.add_weighted_edges_from(zip(comp.pair_u[finite].tolist(), comp.pair_v[finite].tolist(),
                                  np.maximum(pair_w[finite], _EPS).tolist()))
    out = {}
    for d in dests:
        if origin not in H or d not in H:
            out[d] = [] if origin != d else [(origin,)]
            continue
        routes = []
        try:
            for path in nx.shortest_simple_paths(H, origin, d, weight="weight"):
                routes.append(tuple(path))
                if len(routes) >= k:
                    break
        except nx.NetworkXNoPath:
            pass
        out[d] = routes
    return out


def _search(comp, pair_w, origin, dests, k, penalty, method):
    if method == "exact":
        return _exact_routes(comp, pair_w, origin, dests, k)
    _, pred = dijkstra(comp.matrix(pair_w), directed=True, indices=origin, return_predecessors=True)
    return _penalty_routes(comp, pair_w, origin, dests, k, penalty, pred)


# --------------------------------------------------------------------------------------------
# assignment


def _resolve_endpoint(comp: _Compiled, G, value, row, column):
    if value in comp.layer_nodes:
        return comp.layer_nodes[value]
    if value in G:
        return value
    raise ValueError(f"demand row {row}: {column} {value!r} is neither a node layer_id nor a node of the graph")


def _validate_demand(demand: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(demand, pd.DataFrame):
        raise TypeError("demand: expected a pandas DataFrame")
    missing = [c for c in ("origin", "destination", "migrants_per_year") if c not in demand.columns]
    if missing:
        raise ValueError(f"demand: missing column(s) {missing}")
    demand = demand.reset_index(drop=True).copy()
    vol = pd.to_numeric(demand["migrants_per_year"], errors="coerce")
    bad = vol.isna() | (vol < 0)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(f"demand row {i}: migrants_per_year must be a number >= 0, "
                         f"got {demand['migrants_per_year'].iloc[i]!r}")
    demand["migrants_per_year"] = vol.astype(float)
    if "mode_preference" not in demand.columns:
        demand["mode_preference"] = "any"
    if "case_type" not in demand.columns:
        demand["case_type"] = "smuggling"
    return demand


def assign(G: nx.MultiDiGraph, demand: pd.DataFrame, checkpoints=None, *, k: int | None = None,
           detection: float | None = None, seed: int | None = None, method: str = "penalty",
           sample: bool = False, value_of_time_pkr_per_hour: float | None = None,
           logit_scale_pkr: float | None = None, loss_if_caught_pkr: float | None = None,
           penalty: float | None = None, informed_share: float | None = None,
           mode_sets: dict | None = None) -> FlowResult:
    """Assign ``demand`` to routes of ``G`` by logit route choice; see the module docstring.

    ``k``: routes per OD pair; ``detection``: probability for checkpoints given without one;
    ``method``: ``"penalty"`` (fast, default) or ``"exact"`` (Yen); ``sample=True`` draws whole
    migrants per route (multinomial, ``seed``) instead of expected volumes.  Other keywords override
    the scenario file's ``route_choice`` parameters.
    """
    prm = route_choice_parameters(k=k, default_detection=detection, value_of_time_pkr_per_hour=value_of_time_pkr_per_hour,
                                  logit_scale_pkr=logit_scale_pkr, loss_if_caught_pkr=loss_if_caught_pkr,
                                  penalty=penalty, informed_share=informed_share, mode_sets=mode_sets)
    informed = float(prm["informed_share"])
    if not 0.0 <= informed <= 1.0:
        raise ValueError(f"informed_share must be in [0, 1], got {informed}")
    k = int(prm["k"])
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if method not in ("penalty", "exact"):
        raise ValueError(f"method must be 'penalty' or 'exact', got {method!r}")
    if prm["logit_scale_pkr"] <= 0:
        raise ValueError("logit_scale_pkr must be > 0")
    if not isinstance(G, nx.MultiDiGraph):
        raise TypeError("G: expected a networkx.MultiDiGraph (osmnx-style)")
    demand = _validate_demand(demand)
    comp = _compiled(G)
    cps = normalise_checkpoints(G, checkpoints, prm["default_detection"])
    edge_p, node_p, edge_sites, node_sites = checkpoint_arrays(comp, G, cps)
    vot = prm["value_of_time_pkr_per_hour"] / 3600.0
    loss = prm["loss_if_caught_pkr"]
    base_w = vot * comp.travel_time + comp.cost_pkr
    # checkpoint-aware search weight: expected loss of each checkpoint met (a node's on its in-edges)
    ck_w = base_w + loss * (edge_p + node_p[comp.v])
    has_cps = bool(edge_p.any() or node_p.any())
    cp_key = None
    if has_cps:
        cp_key = (tuple(np.flatnonzero(edge_p).tolist()), tuple(np.round(edge_p[edge_p > 0], 9).tolist()),
                  tuple(np.flatnonzero(node_p).tolist()), tuple(np.round(node_p[node_p > 0], 9).tolist()))
    mode_sets = {p: tuple(m) for p, m in prm["mode_sets"].items()}
    # everything the cached route sets depend on besides the graph, the OD pair and the plan
    param_key = (k, method, prm["penalty"], prm["value_of_time_pkr_per_hour"], loss, tuple(sorted(mode_sets.items())))

    rows = []
    unrouted = []
    path_id = 0
    rng = np.random.default_rng(seed)
    edge_volume = np.zeros(len(comp.edges))
    edge_caught = np.zeros(len(comp.edges))
    site_volume: dict = {}
    site_caught: dict = {}

    # resolve endpoints, group by (mode preference, origin) to share Dijkstra runs
    resolved = []
    for i, (orig, dest, pref) in enumerate(zip(demand["origin"], demand["destination"],
                                                demand["mode_preference"].astype(str))):
        if pref not in mode_sets:
            raise ValueError(f"demand row {i}: mode_preference {pref!r} not one of {sorted(mode_sets)}")
        o = _resolve_endpoint(comp, G, orig, i, "origin")
        d = _resolve_endpoint(comp, G, dest, i, "destination")
        resolved.append((i, pref, comp.index[o], comp.index[d]))

    # the compiled graph's caches and CSR buffer are shared: one search at a time per graph (the app
    # serves several sessions from one cached network in threads)
    with comp.lock:
        routes_for: dict[tuple, list[tuple]] = {}
        groups: dict[tuple, set] = {}
        for _, pref, o, d in resolved:
            groups.setdefault((pref, o), set()).add(d)
        reductions: dict = {}
        for (pref, o), dests in groups.items():
            dests = sorted(dests)
            if pref not in reductions:
                allowed = np.isin(comp.mode, mode_sets[pref])
                reductions[pref] = (comp.reduce(base_w, allowed),
                                    comp.reduce(ck_w, allowed) if has_cps else None)
            (pw, _), ck_red = reductions[pref]
            todo = [d for d in dests if (param_key, pref, o, d, None) not in comp.path_cache]
            if todo:
                for d, found in _search(comp, pw, o, todo, k, prm["penalty"], method).items():
                    _cache_put(comp, (param_key, pref, o, d, None), found)
            touched = []
            if has_cps:
                # destinations whose usual routes meet a checkpoint also get checkpoint-aware routes
                touched = [d for d in dests
                           if any(_touches(comp, r, edge_p, node_p) for r in comp.path_cache[(param_key, pref, o, d, None)])]
                todo = [d for d in touched if (param_key, pref, o, d, cp_key) not in comp.path_cache]
                if todo:
                    for d, found in _search(comp, ck_red[0], o, todo, k, prm["penalty"], method).items():
                        _cache_put(comp, (param_key, pref, o, d, cp_key), found)
            for d in dests:
                base_routes = comp.path_cache[(param_key, pref, o, d, None)]
                routes = list(base_routes)
                if d in touched:
                    routes += [r for r in comp.path_cache[(param_key, pref, o, d, cp_key)] if r not in routes]
                routes_for[(pref, o, d)] = (routes, len(base_routes))

        origins = demand["origin"].tolist()
        destinations = demand["destination"].tolist()
        volumes = demand["migrants_per_year"].to_numpy(dtype=float)
        case_types = demand["case_type"].tolist()
        geo_coords: list[np.ndarray] = []
        for i, pref, o, d in resolved:
            volume = float(volumes[i])
            routes, n_base = routes_for[(pref, o, d)]
            if not routes:
                unrouted.append({"row": i, "origin": origins[i], "destination": destinations[i],
                                 "mode_preference": pref, "migrants_per_year": volume,
                                 "reason": "no route with the allowed modes"})
                continue
            base_red, ck_red = reductions[pref]
            best_edge = (ck_red if has_cps else base_red)[1]
            evaluated = []
            for j, r in enumerate(routes):
                ev = _evaluate_route(comp, r, best_edge, edge_p, node_p, (param_key, pref, cp_key, r))
                edges, tt, money, length, p_route, main, coords = ev
                evaluated.append((vot * tt + money + loss * p_route, vot * tt + money, j < n_base, r, ev))
            informed_cost = np.array([e[0] for e in evaluated])
            base_cost = np.array([e[1] for e in evaluated])
            is_base = np.array([e[2] for e in evaluated])
            shares = _logit(informed_cost, np.ones(len(evaluated), bool), k, prm["logit_scale_pkr"])
            if has_cps and informed < 1.0:
                # travellers whose smugglers do not know the plan choose as if there were no checkpoints
                shares = informed * shares + (1 - informed) * _logit(base_cost, is_base, k, prm["logit_scale_pkr"])
            keep = shares > 0
            evaluated = [e for e, kept in zip(evaluated, keep) if kept]
            shares = shares[keep]
            if sample:
                vols = rng.multinomial(int(round(volume)), shares).astype(float)
            else:
                vols = shares * volume
            for (cost, _, _, r, ev), share, vol in zip(evaluated, shares, vols):
                edges, tt, money, length, p_route, main, coords = ev
                np.add.at(edge_volume, edges, vol)
                if p_route > 0:
                    remaining = vol
                    for kind, idx, site, p in _ordered_sites(comp, r, edges, edge_sites, node_sites):
                        site_volume[site] = site_volume.get(site, 0.0) + remaining
                        caught = remaining * p
                        site_caught[site] = site_caught.get(site, 0.0) + caught
                        if kind == "edge":
                            edge_caught[idx] += caught
                        remaining -= caught
                rows.append({
                    "path_id": path_id, "origin": origins[i], "destination": destinations[i],
                    "mode": main, "mode_preference": pref, "case_type": case_types[i], "volume": float(vol),
                    "share": float(share), "nodes": [comp.nodes[j] for j in r],
                    "edges": [comp.edges[j] for j in edges], "travel_time": tt, "length": length,
                    "cost_pkr": money, "cost": float(cost), "p_intercept": p_route,
                    "intercepted": float(vol * p_route), "demand_row": i,
                })
                geo_coords.append(coords)
                path_id += 1

    if geo_coords:
        counts = np.array([len(c) for c in geo_coords])
        geometry = shapely.linestrings(np.vstack(geo_coords), indices=np.repeat(np.arange(len(counts)), counts))
    else:
        geometry = np.array([], dtype=object)
    columns = ["path_id", "origin", "destination", "mode", "mode_preference", "case_type", "volume", "share",
               "nodes", "edges", "travel_time", "length", "cost_pkr", "cost", "p_intercept", "intercepted",
               "demand_row", "geometry"]
    frame = pd.DataFrame(rows, columns=[c for c in columns if c != "geometry"])
    paths = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, index=frame.index),
                             crs=G.graph.get("crs", "EPSG:4326"))
    edge_flows = pd.DataFrame({"volume": edge_volume, "intercepted": edge_caught,
                               "mode": comp.mode.astype(str)},
                              index=pd.MultiIndex.from_tuples(comp.edges, names=["u", "v", "key"]))
    checkpoint_flows = pd.DataFrame(columns=["site_id", "detection", "node", "edge", "volume", "intercepted"])
    if cps is not None:
        checkpoint_flows = cps.copy()
        checkpoint_flows["volume"] = checkpoint_flows["site_id"].map(site_volume).fillna(0.0).astype(float)
        checkpoint_flows["intercepted"] = checkpoint_flows["site_id"].map(site_caught).fillna(0.0).astype(float)
    total = float(paths["volume"].sum()) if len(paths) else 0.0
    caught_total = float(paths["intercepted"].sum()) if len(paths) else 0.0
    unrouted_df = pd.DataFrame(unrouted, columns=["row", "origin", "destination", "mode_preference",
                                                  "migrants_per_year", "reason"])
    if len(unrouted_df):
        warnings.warn(f"{len(unrouted_df)} demand row(s) have no route (see FlowResult.unrouted), first: "
                      f"{unrouted_df.iloc[0]['origin']} -> {unrouted_df.iloc[0]['destination']}", stacklevel=2)
    return FlowResult(paths=paths, edge_flows=edge_flows, graph=G, demand=demand, checkpoints=cps,
                      intercepted_volume=caught_total, total_volume=total,
                      intercepted_share=caught_total / total if total > 0 else 0.0,
                      checkpoint_flows=checkpoint_flows, unrouted=unrouted_df,
                      parameters={**prm, "method": method, "sample": sample, "seed": seed})


_CACHE_LIMIT = 200_000  # route sets (node tuples) kept per compiled graph
_ROUTE_CACHE_LIMIT = 40_000  # evaluated routes (with coordinates): a few dozen checkpoint plans


def _logit(cost: np.ndarray, eligible: np.ndarray, k: int, scale: float) -> np.ndarray:
    """Logit shares over the k cheapest eligible routes (zero for the others)."""
    shares = np.zeros(len(cost))
    idx = np.flatnonzero(eligible)
    if len(idx) == 0:
        return shares
    idx = idx[np.argsort(cost[idx], kind="stable")[:k]]
    util = np.exp(-(cost[idx] - cost[idx].min()) / scale)
    shares[idx] = util / util.sum()
    return shares


def _cache_put(comp: _Compiled, key, value) -> None:
    comp.path_cache[key] = value
    if len(comp.path_cache) > _CACHE_LIMIT:
        comp.path_cache.popitem(last=False)


def _touches(comp, route, edge_p, node_p) -> bool:
    if node_p[list(route)].any():
        return True
    if len(route) < 2 or not edge_p.any():
        return False
    # any edge (of any parallel key) between consecutive nodes with a checkpoint
    pos = _pair_positions(comp, route)
    return bool(np.isin(comp.pair_of_edge[edge_p > 0], pos).any())


def _evaluate_route(comp, route, best_edge, edge_p, node_p, key):
    """Edges (cheapest parallel edge per hop), totals, p_intercept, main mode and coordinates of a route."""
    hit = comp.route_cache.get(key)
    if hit is not None:
        return hit
    if len(route) < 2:
        edges = np.zeros(0, dtype=np.int64)
    else:
        edges = best_edge[_pair_positions(comp, route)]
    p_list = _route_checkpoints(comp, route, edges, edge_p, node_p)
    p_route = 1.0 - float(np.prod([1 - p for _, p in p_list])) if p_list else 0.0
    modes = set(comp.mode[edges].tolist())
    main = "sea" if "sea" in modes else "air" if "air" in modes else "land"
    if len(edges):
        coords = np.vstack([comp.xy[[route[0]]]] + [comp.tail_coords[e] for e in edges])
    else:
        coords = comp.xy[[route[0], route[0]]]
    ev = (edges, float(comp.travel_time[edges].sum()), float(comp.cost_pkr[edges].sum()),
          float(comp.length[edges].sum()), p_route, main, coords)
    if len(comp.route_cache) > _ROUTE_CACHE_LIMIT:
        comp.route_cache.clear()
    comp.route_cache[key] = ev
    return ev


def _route_checkpoints(comp, route, edges, edge_p, node_p) -> list[tuple[str, float]]:
    out = [("node", float(node_p[route[0]]))] if node_p[route[0]] > 0 else []
    for e, v in zip(edges, route[1:]):
        if edge_p[e] > 0:
            out.append(("edge", float(edge_p[e])))
        if node_p[v] > 0:
            out.append(("node", float(node_p[v])))
    return out


def _ordered_sites(comp, route, edges, edge_sites, node_sites):
    """Checkpoint sites met along a route, in travel order: (kind, index, site_id, p)."""
    seq = [("node", route[0])] + [x for e, v in zip(edges, route[1:]) for x in (("edge", int(e)), ("node", v))]
    for kind, idx in seq:
        sites = (edge_sites if kind == "edge" else node_sites).get(idx)
        if sites:
            for site, p in sites:
                yield kind, idx, site, p
