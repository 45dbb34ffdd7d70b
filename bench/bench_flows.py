"""Benchmark: flow assignment of the full default demand on the default network.

    python bench/bench_flows.py [--repeat 5]

Compares, in one run on the same graph and demand:
  * routes.flows.assign, cold (compiled graph and route cache cleared) and warm (cached);
  * assign with a 5-checkpoint plan (new plan each repeat, so its re-routing searches are not cached);
  * the reference: plain per-pair networkx shortest paths (one route per OD row, nx.shortest_path on
    the MultiDiGraph by generalised cost), and networkx's k shortest simple paths (Yen, k routes per row).
Prints a Markdown table for docs/routes.md.
"""
from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from routes import demand as demand_mod  # noqa: E402
from routes import flows, network  # noqa: E402


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), float(np.median(times))


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    G = network.default_network()
    D = demand_mod.default_demand()
    prm = flows.route_choice_parameters()
    k = int(prm["k"])
    vot = prm["value_of_time_pkr_per_hour"] / 3600
    for u, v, key, d in G.edges(keys=True, data=True):
        d["_gcost"] = vot * d["travel_time"] + d["cost_pkr"]
    layer = {d["layer_id"]: n for n, d in G.nodes(data=True) if "layer_id" in d}
    pairs = [(layer[o], layer[t], m) for o, t, m in zip(D["origin"], D["destination"], D["mode_preference"])]

    def cold():
        flows.clear_cache()
        flows.assign(G, D)

    def warm():
        flows.assign(G, D)

    n40 = [(u, v, key) for u, v, key, d in G.edges(keys=True, data=True) if d.get("ref") in ("N-40", "N-25", "N-10")]
    plans = itertools.cycle([dict.fromkeys(n40[i:i + 5], 0.5) for i in range(0, len(n40) - 5)])

    def with_checkpoints():
        flows.assign(G, D, next(plans))

    mode_sets = {p: set(m) for p, m in prm["mode_sets"].items()}
    # materialised per mode set, so the reference does not pay for filtered views
    views = {p: nx.subgraph_view(G, filter_edge=lambda u, v, key, m=m: G.edges[u, v, key]["mode"] in m).copy()
             for p, m in mode_sets.items()}

    def nx_shortest():
        for o, t, m in pairs:
            try:
                nx.shortest_path(views[m], o, t, weight="_gcost")
            except nx.NetworkXNoPath:
                pass

    simple = {}
    for p, view in views.items():
        H = nx.DiGraph()
        for u, v, key, d in view.edges(keys=True, data=True):
            if not H.has_edge(u, v) or H[u][v]["w"] > d["_gcost"]:
                H.add_edge(u, v, w=d["_gcost"])
        simple[p] = H

    def nx_yen():
        for o, t, m in pairs:
            try:
                list(itertools.islice(nx.shortest_simple_paths(simple[m], o, t, weight="w"), k))
            except nx.NetworkXNoPath:
                pass

    warm()
    rows = [("assign, cold (compile + search + logit + geometry)", best_of(cold, args.repeat)),
            ("assign, warm (route cache)", best_of(warm, args.repeat)),
            ("assign, new 5-checkpoint plan each call", best_of(with_checkpoints, args.repeat)),
            ("networkx shortest_path per OD row (1 route)", best_of(nx_shortest, args.repeat)),
            (f"networkx shortest_simple_paths per OD row (k={k})", best_of(nx_yen, max(1, args.repeat // 2)))]
    ref = rows[3][1][0]
    print(f"graph: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges; demand: {len(D)} OD rows, k={k}\n")
    print("| run | best (s) | median (s) | best vs networkx shortest_path |")
    print("| --- | ---: | ---: | ---: |")
    for name, (best, med) in rows:
        print(f"| {name} | {best:.3f} | {med:.3f} | {best / ref:.2f}x |")
    for u, v, key, d in G.edges(keys=True, data=True):
        d.pop("_gcost", None)


if __name__ == "__main__":
    main()
