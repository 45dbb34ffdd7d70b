"""The bypass stress test: every road link gets a local bypass, so a post on a link can be driven around.

``with_bypasses(G, cost_multiple)`` returns a copy of the network where every ``road`` edge has a
parallel ``road`` edge (``bypass=True``) costing ``cost_multiple`` times its money and travel time.
A checkpoint on a link sits on the original edge only, so a smuggler who accepts the extra cost
passes it by; posts at nodes (crossings, launch points, hubs) and on tracks, crossings and sea legs
keep their value.  ``stress_test`` scores a plan after best response on that network.
"""
from __future__ import annotations

import networkx as nx

from models.placement._evaluate import DEFAULT_INFORMED, Evaluation, evaluate

DEFAULT_BYPASS_MULTIPLE = 3.0
BYPASS_MODES = ("road",)


def with_bypasses(G: nx.MultiDiGraph, cost_multiple: float = DEFAULT_BYPASS_MULTIPLE) -> nx.MultiDiGraph:
    """Copy of ``G`` with a bypass edge beside every road edge at ``cost_multiple`` times its cost.

    Parameters
    ----------
    G : MultiDiGraph
        An osmnx-style network (edges with ``mode``, ``length``, ``travel_time``, optional ``cost_pkr``).
    cost_multiple : float
        Bypass time and money as a multiple of the link's own (>= 1).

    Returns
    -------
    MultiDiGraph
        A new graph; the original edges keep their keys, bypasses get fresh keys.
    """
    if not cost_multiple >= 1.0:
        raise ValueError(f"bypass cost_multiple must be >= 1 (a bypass is never cheaper), got {cost_multiple!r}")
    H = G.copy()
    roads = [(u, v, k, d) for u, v, k, d in G.edges(keys=True, data=True) if d.get("mode") in BYPASS_MODES]
    for u, v, k, d in sorted(roads, key=lambda e: (str(e[0]), str(e[1]), str(e[2]))):
        extra = {key: val for key, val in d.items() if key not in ("geometry", "osmid")}
        extra.update(bypass=True, bypass_of=(u, v, k), length=float(d.get("length", 0.0)) * cost_multiple,
                     travel_time=float(d.get("travel_time", 0.0)) * cost_multiple,
                     cost_pkr=float(d.get("cost_pkr", 0.0) or 0.0) * cost_multiple)
        H.add_edge(u, v, key=_fresh_key(H, u, v), **extra)
    return H


def _fresh_key(H: nx.MultiDiGraph, u, v) -> str:
    used = set(H[u][v]) if H.has_edge(u, v) else set()
    i = 0
    while f"bypass{i}" in used:
        i += 1
    return f"bypass{i}"


def stress_test(plan, network, demand, *, cost_multiple: float = DEFAULT_BYPASS_MULTIPLE, detour: float = 0.5,
                informed: float | None = DEFAULT_INFORMED) -> Evaluation:
    """Catch of ``plan`` after best response on ``with_bypasses(network, cost_multiple)``.

    The detour budget is measured from the cheapest route, which bypasses never change (they cost more),
    so a bypass is taken only when its extra cost fits within ``detour``.
    """
    return evaluate(plan, with_bypasses(network, cost_multiple), demand, model="best_response", detour=detour,
                    informed=informed)
