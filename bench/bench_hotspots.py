"""Benchmark: HotspotModel and gi_star against the reference tools, side by side in one run.

    python bench/bench_hotspots.py                      # 10k, 100k, 1M records
    python bench/bench_hotspots.py --sizes 10000 100000 --skip sklearn_hdbscan

Data: tests/hotspots_planted.scaled_intercepts(n) -- 70% background along Balochistan routes,
30% in 10 planted Gaussian hotspots (seed 0).  Each measurement runs in its own process, so the
peak memory (ru_maxrss) is that method's process: records loaded plus the method.  "extra MB" is
the peak minus the resident size just before the method started.

Methods
* hotspot_model: models.hotspots.HotspotModel().fit (case types apart, trends and categories on)
* sklearn_hdbscan: sklearn.cluster.HDBSCAN(metric="haversine") on the raw points
  (min_cluster_size n/200, min_samples 10, leaf selection: the best recall of a small sweep at 10k)
* hdbscan: the standalone hdbscan package, HDBSCAN(metric="haversine")
* gi_star: models.hotspots.gi_star (999 permutations), whole pipeline from records; H3 resolution 7,
  or HOTSPOT_BENCH_GI_RESOLUTION (e.g. 10 for about 100k cells from 1M records)
* gi_star_core / esda: the Gi* step alone vs esda.G_Local(star=True, transform="B", permutations=999)
  on the same H3 grid and weights (esda's numba compilation is timed apart, by a warm-up call).
Quality (--quality N): recall and precision over N seeds of routes.simulate (default network and
demand, no checkpoints: patrol background plus planted hotspots) and of the test fixture, for the
model (case types pooled and apart) and the two HDBSCAN references, plus how often the model's
growth trend equals the planted one.

Reference clusterings are scored like the model: a cluster's outline is the convex hull of its
points (metric CRS) buffered by 500 m.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

CACHE = Path(os.environ.get("HOTSPOT_BENCH_CACHE", "/tmp/checkpost_hotspot_bench"))
METHODS = ("hotspot_model", "sklearn_hdbscan", "hdbscan", "gi_star", "gi_star_core", "esda")


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _data(n: int):
    import geopandas as gpd
    import pandas as pd

    from hotspots_planted import scaled_intercepts

    CACHE.mkdir(parents=True, exist_ok=True)
    records_path, planted_path = CACHE / f"records_{n}.parquet", CACHE / f"planted_{n}.parquet"
    if not records_path.exists():
        records, planted = scaled_intercepts(n, seed=0)
        records.to_parquet(records_path)
        planted.to_parquet(planted_path)
    return gpd.read_parquet(records_path), gpd.read_parquet(planted_path)


def _reference_outlines(records, labels):
    import geopandas as gpd
    import numpy as np
    import shapely

    from geodata.crs import METRIC_CRS

    metric = records.to_crs(METRIC_CRS).geometry
    shapes = []
    for label in np.unique(labels[labels >= 0]):
        pts = metric[labels == label]
        shapes.append(shapely.buffer(shapely.convex_hull(shapely.multipoints(np.column_stack([pts.x, pts.y]))), 500))
    return gpd.GeoDataFrame(geometry=gpd.GeoSeries(shapes, crs=METRIC_CRS)).to_crs("EPSG:4326")


GI_RESOLUTION = int(os.environ.get("HOTSPOT_BENCH_GI_RESOLUTION", "7"))


def _grid_inputs(records):
    """y and binary weights exactly as gi_star builds them (one pooled group)."""
    import numpy as np

    from models.hotspots import _grid as grid
    from models.hotspots._input import select

    points = select(records, case_type="all")
    cells = grid.cells_of(points.lon, points.lat, GI_RESOLUTION)
    study = grid.with_rings(np.unique(cells), 1)
    return grid.sum_by_cell(study, cells, points.persons), grid.ring_adjacency(study, 1)


def _reference_labels(method: str, records, n: int):
    import numpy as np

    coords = np.radians(np.column_stack([records.geometry.y, records.geometry.x]))
    # the best of a small sweep at 10k (min_cluster_size n/100..n/50, min_samples None/10, eom/leaf)
    settings = {"min_cluster_size": max(20, n // 200), "min_samples": 10, "cluster_selection_method": "leaf"}
    if method == "sklearn_hdbscan":
        from sklearn.cluster import HDBSCAN

        return HDBSCAN(metric="haversine", copy=True, **settings).fit_predict(coords), settings
    import hdbscan

    return hdbscan.HDBSCAN(metric="haversine", core_dist_n_jobs=2, **settings).fit_predict(coords), settings


def quality(seeds: int) -> list[dict]:
    """Recall/precision over `seeds` simulated scenarios and fixture scenarios (see the docstring)."""
    import warnings

    import numpy as np

    from hotspots_planted import planted_intercepts
    from models.hotspots import HotspotModel
    from models.hotspots._eval import match
    from routes.demand import default_demand
    from routes.flows import assign
    from routes.network import default_network
    from routes.simulate import intercepts

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        flows = assign(default_network(), default_demand())
    data = {"routes.simulate": [(lambda s=s: (lambda sim: (sim.records, sim.hotspots))(intercepts(flows, seed=s)))
                                for s in range(seeds)],
            "fixture": [(lambda s=s: planted_intercepts(s)) for s in range(seeds)]}
    rows = []
    for name, makers in data.items():
        scores: dict = {}
        trend_hits = trend_total = 0
        records_seen = []
        for make in makers:
            records, planted = make()
            records_seen.append(len(records))
            for method in ("model pooled", "model apart", "hdbscan", "sklearn_hdbscan"):
                start = time.perf_counter()
                if method.startswith("model"):
                    model = HotspotModel(layers={}, case_type="all" if method == "model pooled" else "separate")
                    found = model.fit(records).hotspots_
                else:
                    labels, _ = _reference_labels(method, records, len(records))
                    found = _reference_outlines(records, labels)
                seconds = time.perf_counter() - start
                score = match(found, planted)
                entry = scores.setdefault(method, {"recall": [], "precision": [], "seconds": []})
                entry["recall"].append(score["recall"])
                entry["precision"].append(score["precision"] if score["n_found"] else 1.0)
                entry["seconds"].append(seconds)
                if method == "model pooled" and "trend" in found.columns:
                    for i, j, _ in score["pairs"]:
                        trend_total += 1
                        trend_hits += planted.iloc[i]["trend"] == found.iloc[j]["trend"]
        for method, entry in scores.items():
            rows.append({"data": name, "method": method, "seeds": seeds,
                         "records_mean": float(np.mean(records_seen)),
                         "recall_mean": float(np.mean(entry["recall"])), "recall_min": float(np.min(entry["recall"])),
                         "precision_mean": float(np.mean(entry["precision"])),
                         "precision_min": float(np.min(entry["precision"])),
                         "seconds_mean": float(np.mean(entry["seconds"]))})
        rows.append({"data": name, "method": "model pooled", "trend_agreement": trend_hits / max(trend_total, 1),
                     "matched": trend_total})
    return rows


def run_one(method: str, n: int) -> dict:
    import numpy as np

    from models.hotspots._eval import match

    records, planted = _data(n)
    out = {"method": method, "n": n}
    before = _rss_mb()
    if method == "hotspot_model":
        from models.hotspots import HotspotModel

        start = time.perf_counter()
        model = HotspotModel(layers={}).fit(records)
        out["seconds"] = time.perf_counter() - start
        score = match(model.hotspots_, planted)
        out.update(recall=score["recall"], precision=score["precision"], found=score["n_found"])
    elif method in ("sklearn_hdbscan", "hdbscan"):
        start = time.perf_counter()
        labels, settings = _reference_labels(method, records, n)
        out["seconds"] = time.perf_counter() - start
        score = match(_reference_outlines(records, labels), planted)
        out.update(recall=score["recall"], precision=score["precision"], found=score["n_found"],
                   min_cluster_size=settings["min_cluster_size"])
    elif method == "gi_star":
        from models.hotspots import gi_star

        start = time.perf_counter()
        cells = gi_star(records, resolution=GI_RESOLUTION, permutations=999, seed=0, case_type="all")
        out["seconds"] = time.perf_counter() - start
        out["cells"] = len(cells)
    elif method in ("gi_star_core", "esda"):
        y, adjacency = _grid_inputs(records)
        out["cells"] = len(y)
        if method == "gi_star_core":
            from models.hotspots._gistar import gi_star_arrays

            start = time.perf_counter()
            result = gi_star_arrays(y, adjacency, permutations=999, seed=0)
            out["seconds"] = time.perf_counter() - start
            np.save(CACHE / f"z_own_{n}_{GI_RESOLUTION}.npy", result["z"])
            np.save(CACHE / f"p_own_{n}_{GI_RESOLUTION}.npy", result["p_sim"])
        else:
            import esda
            from libpysal.weights import WSP

            w = WSP(adjacency.tocsr()).to_W(silence_warnings=True)
            small_y, small_adj = y[:200], adjacency[:200, :200]
            start = time.perf_counter()
            esda.G_Local(small_y, WSP(small_adj.tocsr()).to_W(silence_warnings=True), transform="B", star=True,
                         permutations=99, seed=0)
            out["compile_seconds"] = time.perf_counter() - start
            before = _rss_mb()
            start = time.perf_counter()
            result = esda.G_Local(y, w, transform="B", star=True, permutations=999, seed=0)
            out["seconds"] = time.perf_counter() - start
            own_z = CACHE / f"z_own_{n}_{GI_RESOLUTION}.npy"
            if own_z.exists():
                zs = np.nan_to_num(result.Zs)  # esda gives nan where a neighbourhood covers every cell
                out["max_abs_z_difference"] = float(np.abs(zs - np.load(own_z)).max())
                own_p = np.load(CACHE / f"p_own_{n}_{GI_RESOLUTION}.npy")
                out["mean_abs_p_sim_difference"] = float(np.abs(result.p_sim - own_p).mean())
    else:
        raise ValueError(f"unknown method {method!r}; choose from {METHODS}")
    if method.startswith(("gi_star", "esda")):
        out["resolution"] = GI_RESOLUTION
    out["load_1min"] = os.getloadavg()[0]  # the machine is shared: record how busy it was
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["extra_mb"] = out["peak_mb"] - before
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--methods", nargs="+", default=list(METHODS))
    parser.add_argument("--skip", nargs="*", default=[])
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per measurement")
    parser.add_argument("--hdbscan-max", type=int, default=100_000, help="largest n for the HDBSCAN references")
    parser.add_argument("--one", nargs=2, metavar=("METHOD", "N"), help=argparse.SUPPRESS)
    parser.add_argument("--json", default=None, help="also write the results here")
    parser.add_argument("--quality", type=int, default=0, metavar="SEEDS",
                        help="only the recall/precision study over this many seeds")
    args = parser.parse_args(argv)
    if args.quality:
        rows = quality(args.quality)
        for row in rows:
            print(json.dumps(row), flush=True)
        if args.json:
            Path(args.json).write_text(json.dumps(rows, indent=1))
        return 0
    if args.one:
        print(json.dumps(run_one(args.one[0], int(args.one[1]))))
        return 0
    results = []
    for n in args.sizes:
        _data(n)  # build the cached data once, outside any timing
        for method in args.methods:
            if method in args.skip or (method.endswith("hdbscan") and n > args.hdbscan_max):
                continue
            try:
                done = subprocess.run([sys.executable, __file__, "--one", method, str(n)], capture_output=True,
                                      text=True, timeout=args.timeout, check=True)
                row = json.loads(done.stdout.strip().splitlines()[-1])
            except subprocess.TimeoutExpired:
                row = {"method": method, "n": n, "seconds": None, "note": f"did not finish in {args.timeout:.0f} s"}
            except subprocess.CalledProcessError as err:
                row = {"method": method, "n": n, "seconds": None, "note": err.stderr.strip().splitlines()[-1]}
            results.append(row)
            print(json.dumps(row), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
