"""Benchmark: the default network on real road alignments beside the schematic one, in one run.

    python bench/bench_flows.py [--repeat 5]

For each network (``build(real_roads=False)``: straight links x detour factor; ``build()``: links on
the Natural Earth roads), on the same full default demand:
  * network build time (in memory, no artifact), and load time of the shipped artifact / disk cache;
  * routes.flows.assign, cold (compiled graph and route cache cleared) and warm (cached);
  * assign with a 5-checkpoint plan (new plan each repeat, so its re-routing searches are not cached);
  * click-to-catch: snap one click and catch a 5-site plan (ui.catch, route sets cached as in the app);
  * placement at the default size: models.placement.plan(flows, k=10).
Reference, on the real network: plain per-pair networkx shortest paths (one route per OD row) and
networkx's k shortest simple paths (Yen, k routes per row).  Prints Markdown tables for docs/routes.md.
"""
from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import networkx as nx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from routes import build_network  # noqa: E402
from routes import demand as demand_mod  # noqa: E402
from routes import flows  # noqa: E402

CLICKS = [(66.4, 29.9), (61.6, 28.95), (67.0, 24.9), (62.3, 25.15)]


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), float(np.median(times))


def assign_rows(G, D, repeat) -> list[tuple[str, tuple[float, float]]]:
    """Cold, warm and new-plan assignment times on one network."""
    n40 = [(u, v, key) for u, v, key, d in G.edges(keys=True, data=True) if d.get("ref") in ("N-40", "N-25", "N-10")]
    plans = itertools.cycle([dict.fromkeys(n40[i:i + 5], 0.5) for i in range(0, len(n40) - 5)])

    def cold():
        flows.clear_cache()
        flows.assign(G, D)

    rows = [("assign, cold (compile + search + logit + geometry)", best_of(cold, repeat))]
    flows.assign(G, D)
    rows.append(("assign, warm (route cache)", best_of(lambda: flows.assign(G, D), repeat)))
    rows.append(("assign, new 5-checkpoint plan each call", best_of(lambda: flows.assign(G, D, next(plans)), repeat)))
    return rows


def app_rows(G, D, repeat) -> list[tuple[str, tuple[float, float]]]:
    """Click-to-catch and placement at the default size on one network."""
    from models import placement
    from ui.catch import Snapper, plan_catch

    snap = Snapper(G)
    plan_catch(G, D, [])
    sites = [snap.snap(lon, lat) for lon, lat in CLICKS]
    clicks = itertools.cycle([(66.0 + 0.1 * i, 29.5) for i in range(20)])

    def click():
        extra = snap.snap(*next(clicks), site_id="extra")
        plan_catch(G, D, sites + [extra])

    base = flows.assign(G, D)
    return [("click-to-catch (snap + catch of a 5-site plan)", best_of(click, repeat)),
            ("placement.plan(flows, k=10)", best_of(lambda: placement.plan(base, k=10), max(1, repeat // 2)))]


def reference_rows(G, D, repeat) -> list[tuple[str, tuple[float, float]]]:
    """networkx shortest path and Yen k-shortest per OD row on the same graph."""
    prm = flows.route_choice_parameters()
    k = int(prm["k"])
    vot = prm["value_of_time_pkr_per_hour"] / 3600
    gcost = {(u, v, key): vot * d["travel_time"] + d["cost_pkr"] for u, v, key, d in G.edges(keys=True, data=True)}
    layer = {d["layer_id"]: n for n, d in G.nodes(data=True) if "layer_id" in d}
    pairs = [(layer[o], layer[t], m) for o, t, m in zip(D["origin"], D["destination"], D["mode_preference"])]
    simple = {}
    for p, modes in prm["mode_sets"].items():
        H = nx.DiGraph()
        for (u, v, key), w in gcost.items():
            if G.edges[u, v, key]["mode"] in modes and (not H.has_edge(u, v) or H[u][v]["w"] > w):
                H.add_edge(u, v, w=w)
        simple[p] = H

    def shortest():
        for o, t, m in pairs:
            try:
                nx.shortest_path(simple[m], o, t, weight="w")
            except (nx.NetworkXNoPath, nx.NodeNotFound):
                pass

    def yen():
        for o, t, m in pairs:
            try:
                list(itertools.islice(nx.shortest_simple_paths(simple[m], o, t, weight="w"), k))
            except (nx.NetworkXNoPath, nx.NodeNotFound):
                pass

    return [("networkx shortest_path per OD row (1 route)", best_of(shortest, repeat)),
            (f"networkx shortest_simple_paths per OD row (k={k})", best_of(yen, max(1, repeat // 2)))]


def load_rows() -> list[tuple[str, tuple[float, float]]]:
    """Start-up: the shipped GraphML artifact, then the disk cache the first load writes."""
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CHECKPOST_DATA_DIR"] = tmp
        t0 = time.perf_counter()
        build_network.load_or_build()
        first = time.perf_counter() - t0
        cached = best_of(build_network.load_or_build, 3)
    return [("start-up load, GraphML artifact (first start)", (first, first)),
            ("start-up load, disk cache (later starts)", cached)]


def table(title: str, columns: list[str], rows: dict[str, list]) -> str:
    out = [f"\n{title}\n", "| run | " + " | ".join(columns) + " | ratio |", "| --- |" + " ---: |" * (len(columns) + 1)]
    for name, (first, second) in rows.items():
        ratio = f"{second[0] / first[0]:.2f}x" if first and second and first[0] > 0 else "–"
        cells = [f"{v[0]:.3f} / {v[1]:.3f}" if v else "–" for v in (first, second)]
        out.append(f"| {name} | " + " | ".join(cells) + f" | {ratio} |")
    return "\n".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    D = demand_mod.default_demand()
    built = {}
    times = {}
    for label, real in (("schematic", False), ("real roads", True)):
        t0 = time.perf_counter()
        built[label] = build_network.build(real_roads=real)
        times[label] = time.perf_counter() - t0
    rows: dict[str, list] = {"network build, in memory": [(times["schematic"],) * 2, (times["real roads"],) * 2]}
    per_net = {label: assign_rows(G, D, args.repeat) + app_rows(G, D, args.repeat) for label, G in built.items()}
    for (name, a), (_, b) in zip(per_net["schematic"], per_net["real roads"]):
        rows[name] = [a, b]
    for name, value in reference_rows(built["real roads"], D, args.repeat) + load_rows():
        rows[name] = [None, value]
    for label, G in built.items():
        print(f"{label}: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges")
    print(f"demand: {len(D)} OD rows; best / median seconds of {args.repeat} runs; ratio = real / schematic; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(table("", ["schematic (s)", "real roads (s)"], rows))


if __name__ == "__main__":
    main()
