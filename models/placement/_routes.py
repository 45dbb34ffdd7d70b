"""Routes a smuggler can take, and the best evading route against a set of checkpoints.

A smuggler from origin o to destination d accepts any route whose generalised
cost (money + travel time x value of time) is at most (1 + detour) times the
cheapest one.  Among those, the best response is the route that minimises the
sum of site weights a_j on it (for checkpoints a_j = -log(1 - p_j), so the
route with the highest chance of getting through; ties go to the cheaper one).
This is a resource-constrained shortest path, solved exactly by label setting
with Pareto labels (weight, cost): a checkpoint set of a few dozen sites keeps
the labels per node few.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from models.placement._sites import link_ids, site_spots

DEFAULT_VALUE_OF_TIME_PKR_PER_HOUR = 150.0
DEFAULT_MODE_SETS = {
    "land": ("road", "track", "crossing"),
    "sea": ("road", "track", "crossing", "sea"),
    "air": ("road", "crossing", "air"),
    "any": ("road", "track", "crossing", "sea", "air"),
}
SURE_CATCH_WEIGHT = 40.0  # -log(1 - p) for p = 1: survival e^-40, effectively nil


def scenario_value(dotted: str, fallback):
    """A routes scenario parameter, or ``fallback`` when the routes package does not define it."""
    try:
        from routes import params
        return params.value(dotted)
    except (ImportError, KeyError, FileNotFoundError):
        return fallback


def mode_sets() -> dict:
    out = dict(DEFAULT_MODE_SETS)
    for pref in out:
        modes = scenario_value(f"mode_sets.{pref}", None)
        if modes:
            out[pref] = tuple(modes)
    return out


def edge_cost(data: dict, value_of_time: float) -> float:
    """Generalised cost of a link in PKR: money + hours x value of time."""
    return float(data.get("cost_pkr", 0.0) or 0.0) + float(data.get("travel_time", 0.0)) / 3600.0 * value_of_time


@dataclass
class ODs:
    table: pd.DataFrame   # one row per demand row: od (int), volume, case_type, origin_node, destination_node, modes
    keys: list            # per od: (origin_node, destination_node, mode_preference)
    volume: np.ndarray    # per od


def od_table(G: nx.MultiDiGraph, demand: pd.DataFrame) -> ODs:
    """Map demand rows to graph nodes (through the node attribute ``layer_id``) and group them by OD."""
    if not isinstance(demand, pd.DataFrame):
        raise TypeError(f"demand must be a DataFrame, got {type(demand).__name__}")
    for col in ("origin", "destination", "migrants_per_year"):
        if col not in demand.columns:
            raise ValueError(f"demand: missing column {col!r}")
    vol = pd.to_numeric(demand["migrants_per_year"], errors="coerce")
    if vol.isna().any() or (vol < 0).any():
        bad = demand.index[vol.isna() | (vol < 0)][0]
        raise ValueError(f"demand row {bad}: migrants_per_year must be a non-negative number")
    if len(demand) == 0 or float(vol.sum()) <= 0:
        raise ValueError("demand is empty: no migrants to route, nothing to intercept")
    by_layer = {d["layer_id"]: n for n, d in G.nodes(data=True) if d.get("layer_id") is not None}
    sets = mode_sets()

    def node_of(value, field, row):
        if value in by_layer:
            return by_layer[value]
        if value in G:
            return value
        raise ValueError(f"demand row {row}: {field} {value!r} is neither a node layer_id nor a node of the network")

    recs = []
    for row, r in demand.iterrows():
        pref = r.get("mode_preference", "any")
        pref = "any" if pd.isna(pref) else str(pref)
        if pref not in sets:
            raise ValueError(f"demand row {row}: mode_preference {pref!r} not in {sorted(sets)}")
        recs.append({"origin_node": node_of(r["origin"], "origin", row),
                     "destination_node": node_of(r["destination"], "destination", row),
                     "mode_preference": pref, "volume": float(vol.loc[row]),
                     "case_type": r.get("case_type", "unknown"), "origin": r["origin"],
                     "destination": r["destination"]})
    table = pd.DataFrame(recs)
    table = table[table["volume"] > 0].reset_index(drop=True)
    key_cols = ["origin_node", "destination_node", "mode_preference"]
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(table[key_cols].astype(object)))
    table["od"] = codes
    keys = list(uniques)
    volume = np.bincount(codes, weights=table["volume"].to_numpy(float), minlength=len(keys))
    return ODs(table, keys, volume)


class RouteFinder:
    """Cheapest and best-evading routes on one network, with per-mode-set search graphs cached."""

    def __init__(self, G: nx.MultiDiGraph, *, detour: float = 0.5, value_of_time: float | None = None):
        if detour < 0:
            raise ValueError(f"detour must be >= 0 (a fraction of the cheapest route's cost), got {detour}")
        self.G = G
        self.detour = float(detour)
        self.vot = float(value_of_time if value_of_time is not None else
                         scenario_value("route_choice.value_of_time_pkr_per_hour", DEFAULT_VALUE_OF_TIME_PKR_PER_HOUR))
        self.links = link_ids(G)
        self.modes = mode_sets()
        self._adj: dict = {}
        self._lb: dict = {}

    def _adjacency(self, pref):
        """Per node: list of (neighbour, cost, edge key) using the cheapest parallel edge per mode set.

        Parallel links are kept apart so a checkpoint on one does not block the other.
        """
        if pref not in self._adj:
            allowed = set(self.modes[pref])
            adj: dict = {n: [] for n in self.G.nodes}
            for u, v, k, d in self.G.edges(keys=True, data=True):
                if d.get("mode") in allowed:
                    adj[u].append((v, edge_cost(d, self.vot), (u, v, k)))
            self._adj[pref] = adj
        return self._adj[pref]

    def _lower_bounds(self, pref, dest):
        key = (pref, dest)
        if key not in self._lb:
            rev: dict = {}
            for u, nbrs in self._adjacency(pref).items():
                for v, c, _ in nbrs:
                    rev.setdefault(v, []).append((u, c))
            dist = {dest: 0.0}
            heap = [(0.0, 0, dest)]
            tie = 1
            while heap:
                d0, _, n = heapq.heappop(heap)
                if d0 > dist.get(n, np.inf):
                    continue
                for m, c in rev.get(n, ()):
                    nd = d0 + c
                    if nd < dist.get(m, np.inf):
                        dist[m] = nd
                        heapq.heappush(heap, (nd, tie, m))
                        tie += 1
            self._lb[key] = dist
        return self._lb[key]

    def cheapest_cost(self, o, d, pref) -> float:
        return self._lower_bounds(pref, d).get(o, np.inf)

    def best_route(self, o, d, pref, node_weight: dict | None = None, link_weight: dict | None = None,
                   lighter_than: float = np.inf):
        """Route minimising the summed site weight within the detour budget (ties: cheaper).

        Returns ``(nodes, edges, cost, weight)``; without weights, the cheapest route.  With
        ``lighter_than``, only routes lighter than it are searched (heavier labels are pruned from
        the start) and None is returned when there is none.
        """
        node_weight = node_weight or {}
        link_weight = link_weight or {}
        lb = self._lower_bounds(pref, d)
        if o not in lb:
            raise ValueError(f"no route from node {o!r} to node {d!r} with mode preference {pref!r}")
        budget = lb[o] * (1.0 + self.detour) + 1e-6 * max(1.0, lb[o])
        adj = self._adjacency(pref)
        links = self.links
        # labels: (cost, weight, node, parent label index, edge)
        labels = []
        best_w: dict = {}
        start_w = node_weight.get(o, 0.0)
        # popped by cost + cheapest cost to go (A*): the cheapest route reaches d first, so its weight
        # bounds every later label; at one node labels still come in increasing cost
        heap = [(lb[o], start_w, 0, 0.0, o, -1, None)]
        tie = 1
        final, best_d = None, float(lighter_than)
        while heap:
            _, w, _, cost, n, parent, edge = heapq.heappop(heap)
            if w >= best_w.get(n, np.inf) - 1e-12 or w >= best_d - 1e-12:
                continue  # dominated: a cheaper label here has no more weight, or d has a lighter route
            best_w[n] = w
            labels.append((cost, w, n, parent, edge))
            me = len(labels) - 1
            if n == d:
                final, best_d = me, w
                if w <= 1e-12:
                    break
                continue
            for m, c, e in adj[n]:
                nc = cost + c
                to_go = lb.get(m, np.inf)
                if nc + to_go > budget:
                    continue
                nw = w + link_weight.get(links[e], 0.0) + node_weight.get(m, 0.0)
                if nw >= best_w.get(m, np.inf) - 1e-12 or nw >= best_d - 1e-12:
                    continue  # a lighter label is here already, or a route as light has reached d
                heapq.heappush(heap, (nc + to_go, nw, tie, nc, m, me, e))
                tie += 1
        if final is None:
            if np.isfinite(lighter_than):
                return None
            raise ValueError(f"no route from node {o!r} to node {d!r} within the detour budget")
        nodes, edges = [], []
        i = final
        while i >= 0:
            cost_i, w_i, n, parent, e = labels[i]
            nodes.append(n)
            if e is not None:
                edges.append(e)
            i = parent
        cost, w = labels[final][0], labels[final][1]
        return nodes[::-1], edges[::-1], cost, w


def site_weights(sites: pd.DataFrame, links: dict, weight: np.ndarray) -> tuple[dict, dict]:
    """Node and link weight dicts from per-site weights (sites on the same spot add up)."""
    out: dict = {"node": {}, "link": {}}
    for i, spot in enumerate(site_spots(sites, links)):
        if weight[i] == 0 or spot is None:
            continue
        kind, key = spot
        out[kind][key] = out[kind].get(key, 0.0) + float(weight[i])
    return out["node"], out["link"]


def checkpoint_weights(p: np.ndarray) -> np.ndarray:
    """-log(1 - p): additive along a route, so min weight = max chance of getting through."""
    with np.errstate(divide="ignore"):
        a = -np.log1p(-np.clip(p, 0.0, 1.0))
    return np.minimum(a, SURE_CATCH_WEIGHT)


def routes_frame(records: list[dict], G) -> pd.DataFrame:
    """Routes as a paths table in the FlowResult shape (without geometry)."""
    df = pd.DataFrame(records)
    if len(df):
        df["length"] = [sum(float(G.edges[e].get("length", 0.0)) for e in es) for es in df["edges"]]
        df["travel_time"] = [sum(float(G.edges[e].get("travel_time", 0.0)) for e in es) for es in df["edges"]]
    return df
