"""Benchmark: models.coverage against reference tools, side by side in one run.

1. Holding centres: ``coverage_holding.solve_p_median`` (HiGHS through highspy, assignment variables
   continuous) against ``spopt.locate.PMedian`` on the same cost matrix, solved with CBC (spopt's
   usual PuLP solver) and with HiGHS through PuLP.  Random person weights and planar distances.
2. Border-segment flows on the shipped scenario (default network and demand, ``routes.flows.assign``):
   ``gaps``' method (which links cross which 25 km segment, computed once per link, then summed per
   path) against the plain geopandas way (each path's land legs as one line, ``sjoin`` with the
   segments, group by segment).  The two must give the same flows.

    python bench/bench_coverage.py            # prints a Markdown table
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _time(fn, repeat=1):
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def p_median_rows(sizes=((50, 30, 5), (200, 60, 8), (400, 100, 10)), seed=0):
    import pulp
    from spopt.locate import PMedian

    from models.coverage._holding import solve_p_median

    rows = []
    rng = np.random.default_rng(seed)
    for n_a, n_c, k in sizes:
        a = rng.uniform(0, 1000e3, (n_a, 2))
        c = rng.uniform(0, 1000e3, (n_c, 2))
        dist = np.sqrt(((a[:, None, :] - c[None, :, :]) ** 2).sum(axis=2))
        w = rng.integers(1, 600, n_a).astype(float)
        t_ours, (chosen, obj, status) = _time(lambda: solve_p_median(w, dist, k))
        for label, solver in (("CBC", pulp.PULP_CBC_CMD(msg=False)), ("HiGHS via PuLP", pulp.HiGHS(msg=False))):
            def run():
                model = PMedian.from_cost_matrix(dist, w, p_facilities=k)
                model.solve(solver)
                return model
            t_ref, model = _time(run)
            ref_sites = np.flatnonzero([v.value() > 0.5 for v in model.fac_vars])
            ref_obj = float(w @ dist[:, ref_sites].min(axis=1))
            rows.append({"case": f"p-median {n_a} arrivals x {n_c} candidates, k={k}", "reference": f"spopt PMedian ({label})",
                         "ours_s": t_ours, "reference_s": t_ref, "ratio": t_ref / t_ours,
                         "same_objective": bool(abs(ref_obj - obj) <= 1e-6 * max(obj, 1.0))})
    return rows


def segment_rows():
    import geopandas as gpd
    from shapely.geometry import MultiLineString

    from geodata.crs import METRIC_CRS
    from models.coverage import _tables as T
    from models.coverage._geometry import LAND_MODES, border_segments, edge_line, edges_crossing_segments
    from routes.demand import default_demand
    from routes.flows import assign
    from routes.network import default_network

    G, demand = default_network(), default_demand()
    flows = assign(G, demand)
    paths = T.score_paths(flows.paths, G, T.checkpoint_table(None))
    segs = border_segments()

    def ours():
        crossing = edges_crossing_segments(G, segs)
        main, _ = T.aggregate(T.segment_pairs(paths, crossing), paths)
        return main.set_index("key")["flow"]

    def reference():
        lines = []
        for edges in paths["edges"]:
            land = [edge_line(G, *e) for e in edges if G.edges[e].get("mode") in LAND_MODES]
            lines.append(MultiLineString(land) if land else None)
        gdf = gpd.GeoDataFrame({"volume": paths["volume"]}, geometry=lines, crs="EPSG:4326")
        gdf = gdf[gdf.geometry.notna()].to_crs(METRIC_CRS)
        hit = gpd.sjoin(gdf, segs.to_crs(METRIC_CRS)[["segment_id", "geometry"]], predicate="intersects")
        return hit.groupby("segment_id")["volume"].sum()

    t_ours, a = _time(ours, 3)
    t_ref, b = _time(reference, 3)
    same = set(a.index) == set(b.index) and np.allclose(a.sort_index().to_numpy(), b.sort_index().to_numpy())
    return [{"case": f"border-segment flows, {len(paths)} routes x {len(segs)} segments (default scenario)",
             "reference": "geopandas sjoin of route lines", "ours_s": t_ours, "reference_s": t_ref,
             "ratio": t_ref / t_ours, "same_objective": bool(same)}]


def main():
    rows = p_median_rows() + segment_rows()
    table = pd.DataFrame(rows)
    print("| case | reference | models.coverage (s) | reference (s) | reference / ours | same result |")
    print("| --- | --- | ---: | ---: | ---: | --- |")
    for r in table.itertuples():
        print(f"| {r.case} | {r.reference} | {r.ours_s:.3f} | {r.reference_s:.3f} | {r.ratio:.1f}x | "
              f"{'yes' if r.same_objective else 'NO'} |")


if __name__ == "__main__":
    main()
