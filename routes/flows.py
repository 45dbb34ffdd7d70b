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


@dataclass
class _Setup:
    """Everything one assignment needs besides the demand: compiled graph, weights, checkpoints."""

    comp: _Compiled
    prm: dict
    cps: pd.DataFrame | None
    edge_p: np.ndarray
    node_p: np.ndarray
    edge_sites: dict
    node_sites: dict
    vot: float  # PKR per second
    loss: float
    base_w: np.ndarray
    ck_w: np.ndarray
    has_cps: bool
    cp_key: tuple | None
    mode_sets: dict
    param_key: tuple


@dataclass
class _Loads:
    """What the routes carry: per-edge volume and catch, per-site passing and caught."""

    edge_volume: np.ndarray
    edge_caught: np.ndarray
    site_volume: dict = field(default_factory=dict)
    site_caught: dict = field(default_factory=dict)


def _check_parameters(G, prm: dict, method: str) -> None:
    """Reject bad route-choice parameters and a graph that is not a MultiDiGraph."""
    informed = float(prm["informed_share"])
    if not 0.0 <= informed <= 1.0:
        raise ValueError(f"informed_share must be in [0, 1], got {informed}")
    if int(prm["k"]) < 1:
        raise ValueError(f"k must be >= 1, got {int(prm['k'])}")
    if method not in ("penalty", "exact"):
        raise ValueError(f"method must be 'penalty' or 'exact', got {method!r}")
    if prm["logit_scale_pkr"] <= 0:
        raise ValueError("logit_scale_pkr must be > 0")
    if not isinstance(G, nx.MultiDiGraph):
        raise TypeError("G: expected a networkx.MultiDiGraph (osmnx-style)")


def _setup(G, checkpoints, prm: dict, method: str) -> _Setup:
    """Compile the graph, place the checkpoints and derive the search weights."""
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
    param_key = (int(prm["k"]), method, prm["penalty"], prm["value_of_time_pkr_per_hour"], loss,
                 tuple(sorted(mode_sets.items())))
    return _Setup(comp, prm, cps, edge_p, node_p, edge_sites, node_sites, vot, loss, base_w, ck_w, has_cps,
                  cp_key, mode_sets, param_key)


def _resolve_rows(G, demand: pd.DataFrame, s: _Setup) -> list[tuple[int, str, int, int]]:
    """(row, mode preference, origin index, destination index) of every demand row."""
    resolved = []
    for i, (orig, dest, pref) in enumerate(zip(demand["origin"], demand["destination"],
                                                demand["mode_preference"].astype(str))):
        if pref not in s.mode_sets:
            raise ValueError(f"demand row {i}: mode_preference {pref!r} not one of {sorted(s.mode_sets)}")
        o = _resolve_endpoint(s.comp, G, orig, i, "origin")
        d = _resolve_endpoint(s.comp, G, dest, i, "destination")
        resolved.append((i, pref, s.comp.index[o], s.comp.index[d]))
    return resolved


def _reduction(s: _Setup, reductions: dict, pref: str):
    """Cheapest allowed parallel edge per pair under a mode set, without and with checkpoints."""
    if pref not in reductions:
        allowed = np.isin(s.comp.mode, s.mode_sets[pref])
        reductions[pref] = (s.comp.reduce(s.base_w, allowed), s.comp.reduce(s.ck_w, allowed) if s.has_cps else None)
    return reductions[pref]


def _search_cached(s: _Setup, pair_w, pref: str, o: int, dests: list, plan_key, method: str) -> None:
    """Find and cache the route sets of (o, d) for the destinations not cached yet."""
    comp = s.comp
    todo = [d for d in dests if (s.param_key, pref, o, d, plan_key) not in comp.path_cache]
    if todo:
        for d, found in _search(comp, pair_w, o, todo, int(s.prm["k"]), s.prm["penalty"], method).items():
            _cache_put(comp, (s.param_key, pref, o, d, plan_key), found)


def _route_sets(s: _Setup, resolved: list, method: str) -> tuple[dict, dict]:
    """Route sets per (mode preference, origin, destination), and the per-mode-set reductions.

    Origins of one mode set share each Dijkstra run; with checkpoints, destinations whose usual
    routes meet one also get checkpoint-aware routes.
    """
    comp = s.comp
    routes_for: dict[tuple, tuple[list, int]] = {}
    groups: dict[tuple, set] = {}
    for _, pref, o, d in resolved:
        groups.setdefault((pref, o), set()).add(d)
    reductions: dict = {}
    for (pref, o), dests in groups.items():
        dests = sorted(dests)
        (pw, _), ck_red = _reduction(s, reductions, pref)
        _search_cached(s, pw, pref, o, dests, None, method)
        touched = []
        if s.has_cps:
            touched = [d for d in dests if any(_touches(comp, r, s.edge_p, s.node_p)
                                               for r in comp.path_cache[(s.param_key, pref, o, d, None)])]
            _search_cached(s, ck_red[0], pref, o, touched, s.cp_key, method)
        for d in dests:
            base_routes = comp.path_cache[(s.param_key, pref, o, d, None)]
            routes = list(base_routes)
            if d in touched:
                routes += [r for r in comp.path_cache[(s.param_key, pref, o, d, s.cp_key)] if r not in routes]
            routes_for[(pref, o, d)] = (routes, len(base_routes))
    return routes_for, reductions


def _route_shares(s: _Setup, routes: list, n_base: int, best_edge, pref: str) -> tuple[list, np.ndarray]:
    """Evaluate a route set and split by logit: (kept evaluated routes, their shares)."""
    evaluated = []
    for j, r in enumerate(routes):
        ev = _evaluate_route(s.comp, r, best_edge, s.edge_p, s.node_p, (s.param_key, pref, s.cp_key, r))
        _, tt, money, _, p_route, _, _ = ev
        evaluated.append((s.vot * tt + money + s.loss * p_route, s.vot * tt + money, j < n_base, r, ev))
    informed_cost = np.array([e[0] for e in evaluated])
    base_cost = np.array([e[1] for e in evaluated])
    is_base = np.array([e[2] for e in evaluated])
    k, scale, informed = int(s.prm["k"]), s.prm["logit_scale_pkr"], float(s.prm["informed_share"])
    shares = _logit(informed_cost, np.ones(len(evaluated), bool), k, scale)
    if s.has_cps and informed < 1.0:
        # travellers whose smugglers do not know the plan choose as if there were no checkpoints
        shares = informed * shares + (1 - informed) * _logit(base_cost, is_base, k, scale)
    keep = shares > 0
    return [e for e, kept in zip(evaluated, keep) if kept], shares[keep]


def _load_route(s: _Setup, loads: _Loads, route, ev, vol: float) -> None:
    """Put ``vol`` on a route's edges and let its checkpoints catch in travel order."""
    edges, _, _, _, p_route, _, _ = ev
    np.add.at(loads.edge_volume, edges, vol)
    if p_route <= 0:
        return
    remaining = vol
    for kind, idx, site, p in _ordered_sites(s.comp, route, edges, s.edge_sites, s.node_sites):
        loads.site_volume[site] = loads.site_volume.get(site, 0.0) + remaining
        caught = remaining * p
        loads.site_caught[site] = loads.site_caught.get(site, 0.0) + caught
        if kind == "edge":
            loads.edge_caught[idx] += caught
        remaining -= caught


def _split_demand(s: _Setup, demand: pd.DataFrame, resolved: list, routes_for: dict, reductions: dict,
                  sample: bool, rng) -> tuple[list, list, list, _Loads]:
    """Spread every demand row over its routes: path rows, unrouted rows, path coordinates, loads."""
    comp = s.comp
    loads = _Loads(np.zeros(len(comp.edges)), np.zeros(len(comp.edges)))
    rows, unrouted, geo_coords = [], [], []
    origins, destinations = demand["origin"].tolist(), demand["destination"].tolist()
    volumes = demand["migrants_per_year"].to_numpy(dtype=float)
    case_types = demand["case_type"].tolist()
    for i, pref, o, d in resolved:
        volume = float(volumes[i])
        routes, n_base = routes_for[(pref, o, d)]
        if not routes:
            unrouted.append({"row": i, "origin": origins[i], "destination": destinations[i], "mode_preference": pref,
                             "migrants_per_year": volume, "reason": "no route with the allowed modes"})
            continue
        base_red, ck_red = reductions[pref]
        evaluated, shares = _route_shares(s, routes, n_base, (ck_red if s.has_cps else base_red)[1], pref)
        vols = rng.multinomial(int(round(volume)), shares).astype(float) if sample else shares * volume
        for (cost, _, _, r, ev), share, vol in zip(evaluated, shares, vols):
            edges, tt, money, length, p_route, main, coords = ev
            _load_route(s, loads, r, ev, vol)
            rows.append({
                "path_id": len(rows), "origin": origins[i], "destination": destinations[i],
                "mode": main, "mode_preference": pref, "case_type": case_types[i], "volume": float(vol),
                "share": float(share), "nodes": [comp.nodes[j] for j in r],
                "edges": [comp.edges[j] for j in edges], "travel_time": tt, "length": length,
                "cost_pkr": money, "cost": float(cost), "p_intercept": p_route,
                "intercepted": float(vol * p_route), "demand_row": i,
            })
            geo_coords.append(coords)
    return rows, unrouted, geo_coords, loads


PATH_COLUMNS = ["path_id", "origin", "destination", "mode", "mode_preference", "case_type", "volume", "share",
                "nodes", "edges", "travel_time", "length", "cost_pkr", "cost", "p_intercept", "intercepted",
                "demand_row"]


def _paths_frame(G, rows: list, geo_coords: list) -> gpd.GeoDataFrame:
    """The path rows as a GeoDataFrame with one LineString per route."""
    if geo_coords:
        counts = np.array([len(c) for c in geo_coords])
        geometry = shapely.linestrings(np.vstack(geo_coords), indices=np.repeat(np.arange(len(counts)), counts))
    else:
        geometry = np.array([], dtype=object)
    frame = pd.DataFrame(rows, columns=PATH_COLUMNS)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, index=frame.index),
                            crs=G.graph.get("crs", "EPSG:4326"))


def _result(G, demand, s: _Setup, paths, loads: _Loads, unrouted: list, method, sample, seed) -> FlowResult:
    """Assemble the FlowResult (edge flows, checkpoint flows, totals), warning about unrouted rows."""
    comp = s.comp
    edge_flows = pd.DataFrame({"volume": loads.edge_volume, "intercepted": loads.edge_caught,
                               "mode": comp.mode.astype(str)},
                              index=pd.MultiIndex.from_tuples(comp.edges, names=["u", "v", "key"]))
    checkpoint_flows = pd.DataFrame(columns=["site_id", "detection", "node", "edge", "volume", "intercepted"])
    if s.cps is not None:
        checkpoint_flows = s.cps.copy()
        checkpoint_flows["volume"] = checkpoint_flows["site_id"].map(loads.site_volume).fillna(0.0).astype(float)
        checkpoint_flows["intercepted"] = checkpoint_flows["site_id"].map(loads.site_caught).fillna(0.0).astype(float)
    total = float(paths["volume"].sum()) if len(paths) else 0.0
    caught_total = float(paths["intercepted"].sum()) if len(paths) else 0.0
    unrouted_df = pd.DataFrame(unrouted, columns=["row", "origin", "destination", "mode_preference",
                                                  "migrants_per_year", "reason"])
    if len(unrouted_df):
        warnings.warn(f"{len(unrouted_df)} demand row(s) have no route (see FlowResult.unrouted), first: "
                      f"{unrouted_df.iloc[0]['origin']} -> {unrouted_df.iloc[0]['destination']}", stacklevel=3)
    return FlowResult(paths=paths, edge_flows=edge_flows, graph=G, demand=demand, checkpoints=s.cps,
                      intercepted_volume=caught_total, total_volume=total,
                      intercepted_share=caught_total / total if total > 0 else 0.0,
                      checkpoint_flows=checkpoint_flows, unrouted=unrouted_df,
                      parameters={**s.prm, "method": method, "sample": sample, "seed": seed})


def assign(G: nx.MultiDiGraph, demand: pd.DataFrame, checkpoints=None, *, k: int | None = None,
           detection: float | None = None, seed: int | None = None, method: str = "penalty",
           sample: bool = False, value_of_time_pkr_per_hour: float | None = None,
           logit_scale_pkr: float | None = None, loss_if_caught_pkr: float | None = None,
           penalty: float | None = None, informed_share: float | None = None,
           mode_sets: dict | None = None) -> FlowResult:
    """Assign ``demand`` to routes of ``G`` by logit route choice; see the module docstring.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        osmnx-style network with ``travel_time``, ``cost_pkr``, ``mode`` on its edges.
    demand : pandas.DataFrame
        ``origin``, ``destination`` (layer ids or node ids), ``migrants_per_year``, optional
        ``mode_preference`` and ``case_type``.
    checkpoints : DataFrame or dict, optional
        The checkpoint contract (docs/CONTRACTS.md).
    k : int, optional
        Routes per OD pair.
    detection : float, optional
        Probability for checkpoints given without one.
    method : {"penalty", "exact"}
        Link-penalty search (fast, default) or Yen's k shortest paths.
    sample : bool
        Draw whole migrants per route (multinomial, ``seed``) instead of expected volumes.
    value_of_time_pkr_per_hour, logit_scale_pkr, loss_if_caught_pkr, penalty, informed_share, mode_sets
        Override the scenario file's ``route_choice`` parameters.

    Returns
    -------
    FlowResult
    """
    prm = route_choice_parameters(k=k, default_detection=detection, value_of_time_pkr_per_hour=value_of_time_pkr_per_hour,
                                  logit_scale_pkr=logit_scale_pkr, loss_if_caught_pkr=loss_if_caught_pkr,
                                  penalty=penalty, informed_share=informed_share, mode_sets=mode_sets)
    _check_parameters(G, prm, method)
    demand = _validate_demand(demand)
    s = _setup(G, checkpoints, prm, method)
    resolved = _resolve_rows(G, demand, s)
    # the compiled graph's caches and CSR buffer are shared: one search at a time per graph (the app
    # serves several sessions from one cached network in threads)
    with s.comp.lock:
        routes_for, reductions = _route_sets(s, resolved, method)
        rows, unrouted, geo_coords, loads = _split_demand(s, demand, resolved, routes_for, reductions, sample,
                                                          np.random.default_rng(seed))
    return _result(G, demand, s, _paths_frame(G, rows, geo_coords), loads, unrouted, method, sample, seed)


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
