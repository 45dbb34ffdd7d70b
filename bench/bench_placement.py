"""Benchmark: models.placement.plan against spopt.locate.MCLP, side by side on the same instances.

Instances: a W x H road grid whose nodes are the candidate sites (500, 2,000,
10,000) and 1,000 / 10,000 / 100,000 smuggling paths, each a random monotone
walk of 10-40 nodes with a lognormal volume; binary coverage (detection 1), the
case where plan's model and MCLP coincide; k = 20.

Every run happens in its own subprocess (time limit, peak memory from
getrusage).  ``plan`` is timed end to end from a FlowResult-shaped object
(incidence from the paths' node lists, reductions, greedy, MILP).  spopt is
timed from the dense paths x sites cost matrix it needs (building that matrix
is not counted against it): model build, then solve.

    python bench/bench_placement.py                   # the full table -> bench/results_placement.md
    python bench/bench_placement.py --quick           # small sizes only
    python bench/bench_placement.py --rerouting 21 --ks 5 10 20   # static / busiest / robust table
    python bench/bench_placement.py --rerouting 20 --first 10 --tag _b   # the same split over two processes,
    python bench/bench_placement.py --merge "" _b                          # then merged into one table
    python bench/bench_placement.py --speed --ks 5 10 20 40       # plan_robust seconds and proven gap
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GRIDS = {500: (25, 20), 2000: (50, 40), 10000: (100, 100)}
K = 20
LEN_MIN, LEN_MAX = 2, 7  # steps per path: 3-8 candidate sites, a route between junction towns


def instance(n_sites: int, n_paths: int, seed: int = 0):
    import geopandas as gpd
    import networkx as nx
    import pandas as pd
    from shapely.geometry import Point

    from models.placement._robust import SimpleFlows

    W, H = GRIDS[n_sites]
    rng = np.random.default_rng(seed)
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for r in range(H):
        for c in range(W):
            G.add_node(r * W + c, x=66 + 0.05 * c, y=26 + 0.05 * r, kind="junction")
    for r in range(H):
        for c in range(W):
            n = r * W + c
            for m in ([n + 1] if c + 1 < W else []) + ([n + W] if r + 1 < H else []):
                for a, b in ((n, m), (m, n)):
                    G.add_edge(a, b, key=0, length=5000.0, travel_time=300.0, mode="road", cost_pkr=0.0)
    # random monotone walks: start anywhere, step right or up (wrapping is not allowed)
    length = rng.integers(LEN_MIN, LEN_MAX + 1, n_paths)
    r0 = rng.integers(0, H, n_paths)
    c0 = rng.integers(0, W, n_paths)
    nodes_list, edges_list = [], []
    for i in range(n_paths):
        steps = rng.random(length[i]) < 0.5
        r, c = r0[i], c0[i]
        seq = [r * W + c]
        for right in steps:
            if right and c + 1 < W:
                c += 1
            elif r + 1 < H:
                r += 1
            elif c + 1 < W:
                c += 1
            else:
                break
            seq.append(r * W + c)
        nodes_list.append(seq)
        edges_list.append([(a, b, 0) for a, b in zip(seq, seq[1:])])
    paths = pd.DataFrame({"path_id": np.arange(n_paths), "origin": r0 * W + c0, "destination": [s[-1] for s in nodes_list],
                          "case_type": np.where(rng.random(n_paths) < 0.8, "smuggling", "trafficking"),
                          "volume": np.round(rng.lognormal(3.0, 1.0, n_paths), 1),
                          "nodes": nodes_list, "edges": edges_list})
    sites = gpd.GeoDataFrame({"site_id": [f"n{n}" for n in G.nodes], "site_type": "road", "detection": 1.0,
                              "capacity": np.nan, "node": pd.Series(list(G.nodes), dtype=object), "edge": None,
                              "geometry": [Point(G.nodes[n]["x"], G.nodes[n]["y"]) for n in G.nodes]},
                             crs="EPSG:4326")
    flows = SimpleFlows(paths=paths, graph=G, demand=pd.DataFrame(), total_volume=float(paths["volume"].sum()))
    return flows, sites


def run_one(tool: str, n_sites: int, n_paths: int, gap: float, time_limit: float) -> dict:
    flows, sites = instance(n_sites, n_paths)
    out = {"tool": tool, "candidates": n_sites, "paths": n_paths, "k": K}
    if tool == "plan":
        from models.placement import plan
        t0 = time.perf_counter()
        pl = plan(flows, K, candidates=sites, mip_rel_gap=gap, time_limit=time_limit)
        out.update(seconds=time.perf_counter() - t0, objective=pl.volume, bound=pl.bound, gap=pl.gap,
                   status=pl.status, greedy=pl.greedy_volume, distinct_routes=pl.stats["distinct_routes"],
                   sites_after_reduction=pl.stats["candidates_after_reduction"])
    else:
        import pulp
        from spopt.locate import MCLP
        from models.placement._sites import incidence, validate_sites
        A = incidence(flows.paths, validate_sites(sites), flows.graph)
        cost = np.where(A.toarray() > 0, 0.0, 1.0)
        weights = flows.paths["volume"].to_numpy(float)
        t0 = time.perf_counter()
        model = MCLP.from_cost_matrix(cost, weights, service_radius=0.5, p_facilities=K)
        t_build = time.perf_counter() - t0
        solver = pulp.HiGHS(msg=False, timeLimit=time_limit) if tool == "spopt-highs" else \
            pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit)
        model.solve(solver)
        out.update(seconds=time.perf_counter() - t0, build_seconds=t_build,
                   objective=float(pulp.value(model.problem.objective)),
                   status=pulp.LpStatus[model.problem.status])
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def measure(tool, n_sites, n_paths, gap, time_limit, timeout) -> dict:
    cmd = [sys.executable, __file__, "--one", tool, str(n_sites), str(n_paths), str(gap), str(time_limit)]
    t0 = time.perf_counter()
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"tool": tool, "candidates": n_sites, "paths": n_paths, "status": f"not finished in {timeout:.0f} s",
                "seconds": float("nan")}
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith("{")]
    if res.returncode != 0 or not lines:
        tail = (res.stderr or "").strip().splitlines()[-1:] or ["?"]
        return {"tool": tool, "candidates": n_sites, "paths": n_paths, "status": f"failed: {tail[0][:120]}",
                "seconds": time.perf_counter() - t0}
    return json.loads(lines[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--one", nargs=5)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--spopt-timeout", type=float, default=600.0)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results_placement.md"))
    ap.add_argument("--rerouting", type=int, metavar="N", help="run the re-routing comparison on N scenarios")
    ap.add_argument("--ks", type=int, nargs="+", default=[5, 10, 20])
    ap.add_argument("--max-rounds", type=int, default=200, help="robust master rounds after the LP phase")
    ap.add_argument("--bypass", type=float, default=3.0)
    ap.add_argument("--speed", action="store_true", help="plan_robust seconds and gap at each --ks")
    ap.add_argument("--time-limit", type=float, default=300.0)
    ap.add_argument("--tag", default="")
    ap.add_argument("--first", type=int, default=0, help="first scenario (to split a run over processes)")
    ap.add_argument("--max-lp-rounds", type=int, default=100)
    ap.add_argument("--merge", nargs="+", metavar="TAG", help="merge re-routing runs split with --first/--tag "
                    "('' for the untagged one) into results_placement_rerouting.md and .csv")
    args = ap.parse_args()
    if args.merge:
        merge_rerouting(args.merge, str(ROOT / "bench" / "results_placement_rerouting.md"), args.bypass,
                        args.max_rounds, args.max_lp_rounds)
        return
    if args.rerouting:
        rerouting(args.rerouting, args.ks, str(ROOT / "bench" / f"results_placement_rerouting{args.tag}.md"),
                  args.max_rounds, args.bypass, args.first, args.max_lp_rounds, args.time_limit)
        return
    if args.speed:
        speed(args.ks, str(ROOT / "bench" / f"results_placement_robust{args.tag}.md"), args.time_limit)
        return
    if args.one:
        tool, n, m, gap, tl = args.one
        print(json.dumps(run_one(tool, int(n), int(m), float(gap), float(tl))), flush=True)
        return
    sizes = [(500, 1000), (2000, 1000)] if args.quick else \
        [(500, 1000), (500, 10000), (2000, 1000), (2000, 10000), (500, 100000), (2000, 100000),
         (10000, 1000), (10000, 10000), (10000, 100000)]
    # spopt where it can finish in minutes: dense matrices and a Python model build grow with sites x paths
    spopt_sizes = {(500, 1000), (500, 10000), (2000, 1000), (2000, 10000)}
    cbc_sizes = {(500, 1000), (2000, 1000)}
    rows = []
    for n, m in sizes:
        big = n * m >= 10000 * 100000
        gap = 0.01 if big else 1e-4
        r = measure("plan", n, m, gap, 60.0 if big else 300.0, 900)
        r["gap_target"] = gap
        rows.append(r)
        print(json.dumps(r), flush=True)
        if (n, m) in spopt_sizes:
            for tool in ("spopt-highs",) + (("spopt-cbc",) if (n, m) in cbc_sizes else ()):
                s = measure(tool, n, m, 1e-4, args.spopt_timeout, args.spopt_timeout + 120)
                rows.append(s)
                print(json.dumps(s), flush=True)
        write_table(rows, args.out)


INFORMED_SHARES = (0.25, 0.5, 0.75, 1.0)
ROBUST_RANGE = (0.25, 1.0)


def scenario_demand(base, sc: int):
    """Scenario 0 is the default demand; sc > 0 scales every OD volume by a seeded lognormal factor."""
    demand = base.copy()
    if sc > 0:
        rng = np.random.default_rng(sc)
        demand["migrants_per_year"] = demand["migrants_per_year"] * rng.lognormal(0.0, 0.6, len(demand))
    return demand


def plans_for(G, demand, flows, sites, k: int, max_rounds: int, max_lp_rounds: int,
              time_limit: float | None = None) -> dict:
    """Static MCLP on the logit flows, the k busiest sites, and robust for the informed range (0.25, 1.0)
    started from both (so never worse than them under its model)."""
    from models import placement as P
    t0 = time.perf_counter()
    static = P.plan(flows, k, candidates=sites, mip_rel_gap=1e-3, time_limit=30)
    static.seconds = time.perf_counter() - t0
    top = P.plan_top_volume(flows, k, candidates=sites)
    robust = P.plan_robust(G, demand, k, candidates=sites, informed=ROBUST_RANGE, incumbents=[static, top],
                           max_rounds=max_rounds, max_lp_rounds=max_lp_rounds, time_limit=time_limit)
    return {"static MCLP": static, "k busiest sites": top, "robust (0.25, 1.0)": robust}


def score(pl, G, demand, bypass: float) -> list[dict]:
    """The plan at each informed share under best response, logit and the bypass stress test."""
    from models import placement as P
    br = P.evaluate(pl, G, demand, model="best_response", informed=1.0)
    by = P.stress_test(pl, G, demand, cost_multiple=bypass, informed=1.0)
    rows = []
    for theta in INFORMED_SHARES:  # best response and bypass are linear in the informed share
        lg = P.evaluate(pl, G, demand, model="logit", informed=theta)
        rows.append({"informed": theta, "today (logit flows)": lg.share_before,
                     "best response": (1 - theta) * br.share_before + theta * br.share_after,
                     "logit": lg.share_after,
                     "bypass stress": (1 - theta) * by.share_before + theta * by.share_after})
    return rows


def rerouting(n_scenarios: int, ks, out: str, max_rounds: int, bypass: float, first: int = 0,
              max_lp_rounds: int = 100, time_limit: float | None = None) -> None:
    """Static / busiest / robust over scenarios, each k, each informed share, three re-routing models."""
    import pandas as pd
    from routes.demand import default_demand
    from routes.flows import assign
    from routes.network import default_network
    from models import placement as P

    G = default_network()
    sites = P.candidates(G)
    base = default_demand()
    rows = []
    for sc in range(first, n_scenarios):
        demand = scenario_demand(base, sc)
        flows = assign(G, demand)
        for k in ks:
            for name, pl in plans_for(G, demand, flows, sites, k, max_rounds, max_lp_rounds, time_limit).items():
                for r in score(pl, G, demand, bypass):
                    rows.append({"scenario": sc, "k": k, "plan": name, **r, "gap": pl.gap, "status": pl.status,
                                 "seconds": pl.seconds})
            print(json.dumps(rows[-1], default=float), flush=True)
        df = pd.DataFrame(rows)
        df.to_csv(Path(out).with_suffix(".csv"), index=False)
        _write_rerouting(df, out, bypass, max_rounds, max_lp_rounds)


def merge_rerouting(tags, out: str, bypass: float, max_rounds: int, max_lp_rounds: int) -> None:
    """One table from re-routing runs split over processes (each wrote its own tagged csv)."""
    import pandas as pd
    frames = [pd.read_csv(ROOT / "bench" / f"results_placement_rerouting{tag}.csv") for tag in tags]
    df = pd.concat(frames, ignore_index=True).drop_duplicates(["scenario", "k", "plan", "informed"])
    df = df.sort_values(["scenario", "k"], kind="stable").reset_index(drop=True)
    df.to_csv(Path(out).with_suffix(".csv"), index=False)
    _write_rerouting(df, out, bypass, max_rounds, max_lp_rounds)


def gap_text(gap) -> str:
    return "-" if gap != gap else f"{gap:.2%}"


def _write_rerouting(df, out, bypass, max_rounds, max_lp_rounds):
    n = df["scenario"].nunique()
    lines = [f"Default network (real road alignments). {n} scenarios (0 = default demand, 1.. lognormal factor per "
             f"OD, sigma 0.6); robust planned for "
             f"informed share {ROBUST_RANGE} with max_rounds={max_rounds}, max_lp_rounds={max_lp_rounds}, "
             f"started from the static and busiest plans; bypass stress: every road link gets a bypass at "
             f"{bypass:g}x its time and money.", "",
             "Mean share intercepted (worst scenario in brackets):", "",
             "| k | informed | plan | today | best response | logit | bypass stress | robust gap (mean) |",
             "|---:|---:|---|---:|---:|---:|---:|---:|"]
    for (k, theta, name), g in df.groupby(["k", "informed", "plan"], sort=False):
        cells = " | ".join(f"{g[c].mean():.1%} ({g[c].min():.1%})" for c in
                           ("today (logit flows)", "best response", "logit", "bypass stress"))
        gap = gap_text(g["gap"].mean()) if name.startswith("robust") else "-"
        lines.append(f"| {k} | {theta:.2f} | {name} | {cells} | {gap} |")
    rob = df[df["plan"].str.startswith("robust")].drop_duplicates(["scenario", "k"])
    lines += ["", "Robust solves (seconds on this machine, proven gap):", "",
              "| k | runs | proven within 0.1% | median seconds | max seconds | max gap |", "|---:|---:|---:|---:|---:|---:|"]
    for k, g in rob.groupby("k"):
        lines.append(f"| {k} | {len(g)} | {(g['gap'] <= 1e-3).sum()} | {g['seconds'].median():.1f} | "
                     f"{g['seconds'].max():.1f} | {gap_text(g['gap'].max())} |")
    lines += ["", "Robust minus the others, in points (scenarios where robust is not worse):", "",
              "| k | informed | model | vs static MCLP | vs k busiest sites |", "|---:|---:|---|---|---|"]
    wide = df.pivot_table(index=["k", "informed", "scenario"], columns="plan",
                          values=["best response", "logit", "bypass stress"])
    robust = [c for c in df["plan"].unique() if c.startswith("robust")][0]
    for (k, theta), g in wide.groupby(level=[0, 1]):
        for model in ("best response", "logit", "bypass stress"):
            cells = []
            for other in ("static MCLP", "k busiest sites"):
                diff = g[(model, robust)] - g[(model, other)]
                cells.append(f"mean {100 * diff.mean():+.1f}, worst {100 * diff.min():+.1f} "
                             f"({(diff >= -1e-9).sum()}/{len(diff)})")
            lines.append(f"| {k} | {theta:.2f} | {model} | {cells[0]} | {cells[1]} |")
    Path(out).write_text("\n".join(lines) + "\n")


def speed(ks, out: str, time_limit: float, networks=("real roads", "schematic")) -> None:
    """plan_robust on the default demand at each k, on the real-road and the schematic network: seconds,
    proven gap, work done."""
    from routes.build_network import build
    from routes.demand import default_demand
    from routes.network import default_network
    from models import placement as P
    demand = default_demand()
    lines = ["| network | k | seconds | status | share after best response | bound | proven gap | master rounds | "
             "plans checked | routes known | best plan from |", "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---|"]
    for label in networks:
        G = default_network() if label == "real roads" else build(real_roads=False)
        sites = P.candidates(G)
        for k in ks:
            t0 = time.perf_counter()
            pl = P.plan_robust(G, demand, k, candidates=sites, time_limit=time_limit)
            sec = time.perf_counter() - t0
            st = pl.stats
            lines.append(f"| {label} | {k} | {sec:.1f} | {pl.status} | {pl.share_best_response:.2%} | "
                         f"{pl.bound / pl.total_volume:.2%} | {pl.gap:.3%} | {st['master_rounds']} | "
                         f"{st['plans_evaluated']} | {st['routes_known']} | {st['best_from']} |")
            print(lines[-1], flush=True)
            Path(out).write_text("\n".join(lines) + "\n")


def write_table(rows, path):
    import pandas as pd
    df = pd.DataFrame(rows)
    lines = ["| candidates | paths | tool | time (s) | spopt build (s) | peak memory (MB) | objective | gap | status | spopt time / plan time |",
             "|---:|---:|---|---:|---:|---:|---:|---:|---|---:|"]
    for (n, m), grp in df.groupby(["candidates", "paths"], sort=False):
        base = grp[grp["tool"] == "plan"]["seconds"]
        t_plan = float(base.iloc[0]) if len(base) else float("nan")
        for _, r in grp.iterrows():
            ratio = r["seconds"] / t_plan if r["tool"] != "plan" and np.isfinite(r.get("seconds", np.nan)) else np.nan
            fmt = lambda v, f: (f.format(v) if isinstance(v, (int, float)) and np.isfinite(v) else "-")
            lines.append(f"| {n:,} | {m:,} | {r['tool']} | {fmt(r.get('seconds'), '{:.2f}')} | "
                         f"{fmt(r.get('build_seconds', np.nan), '{:.2f}')} | {fmt(r.get('peak_mb', np.nan), '{:.0f}')} | "
                         f"{fmt(r.get('objective', np.nan), '{:,.1f}')} | {fmt(r.get('gap', np.nan), '{:.2%}')} | "
                         f"{r.get('status', '')} | {fmt(ratio, '{:.1f}x')} |")
    Path(path).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
