"""Benchmark: map + validate + store a 200,000-row partner export, beside plain pandas + geopandas.

    python bench/bench_ingest.py [--rows 200000] [--keep FILE]

Writes one IOM-Missing-Migrants-shaped CSV (X/Y, Incident year + Reported Month, counts, Main IDs;
points over Pakistan, Afghanistan and Iran, 2% far away, 1% sharing date+place+count) and runs
each step in its own process, so each peak memory (max RSS) is that step's alone:

* reference: ``pandas.read_csv`` + ``geopandas.points_from_xy`` (no checks at all);
* ``geodata.ingest.read_intercepts(..., profile="iom-missing-migrants")`` (mapping, every cell
  checked, dates composed from parts, identity, countries by point-in-polygon, notes);
* the same plus ``store.records.import_file`` into a fresh SQLite file (one transaction).

Prints a table with time, rows/s, peak memory and the ratio to the reference.
"""
from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADERS = ["Main ID", "Incident year", "Reported Month", "Total Number of Dead and Missing", "Location of death",
           "Cause of Death", "X", "Y"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


def write_file(path: Path, rows: int, seed: int = 11) -> None:
    import numpy as np

    rng = np.random.default_rng(seed)
    lon = rng.uniform(58.0, 75.0, rows)
    lat = rng.uniform(25.0, 36.0, rows)
    far = rng.random(rows) < 0.02
    lon[far], lat[far] = rng.uniform(-20, 40, far.sum()), rng.uniform(30, 65, far.sum())
    years = rng.integers(2014, 2025, rows)
    months = rng.integers(0, 12, rows)
    persons = rng.integers(1, 40, rows)
    shared = np.flatnonzero(rng.random(rows) < 0.01)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for i in range(rows):
            j = i - 1 if i in shared and i > 0 else i      # same date, place and count as the row before
            writer.writerow([f"{years[j]}.{i:07d}", years[j], MONTHS[months[j]], persons[j], f"site {j % 5000}",
                             "drowning" if i % 3 else "vehicle accident", f"{lon[j]:.5f}", f"{lat[j]:.5f}"])


def _step(name: str, path: str) -> dict:
    sys.path.insert(0, str(ROOT))
    import geopandas as gpd
    import pandas as pd

    from geodata.ingest import read_intercepts    # module imports are not timed; first use (layers) is
    from store.records import import_file

    start = time.perf_counter()
    if name == "reference":
        frame = pd.read_csv(path)
        points = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["X"], frame["Y"]), crs="EPSG:4326")
        rows = len(points)
    elif name == "validate":
        result = read_intercepts(path, profile="iom-missing-migrants")
        rows = len(result.accepted)
    else:
        from store.db import get_engine

        database = Path(tempfile.mkdtemp()) / "bench.sqlite"
        engine = get_engine(f"sqlite:///{database}")
        start = time.perf_counter()    # the empty database's migration is not the import
        rows = import_file(path, "bench", engine=engine, profile="iom-missing-migrants").inserted
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"step": name, "seconds": seconds, "rows": rows, "peak_mb": peak_mb}


def run(name: str, path: Path) -> dict:
    output = subprocess.run([sys.executable, __file__, "--step", name, "--file", str(path)], check=True,
                            capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--keep", help="write the generated CSV here and keep it")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        print(json.dumps(_step(args.step, args.file)))
        return 0
    path = Path(args.keep) if args.keep else Path(tempfile.mkdtemp()) / "partner_export.csv"
    write_file(path, args.rows)
    results = [run(name, path) for name in ("reference", "validate", "store")]
    base = results[0]["seconds"]
    print(f"{args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB CSV")
    print("| step | time | rows/s | peak memory | ratio to reference |\n| --- | ---: | ---: | ---: | ---: |")
    labels = {"reference": "reference: `pandas.read_csv` + `points_from_xy` (no checks)",
              "validate": "`read_intercepts(..., profile=\"iom-missing-migrants\")` (map + validate)",
              "store": "`store.records.import_file(..., profile=...)` (map + validate + store, SQLite)"}
    for result in results:
        print(f"| {labels[result['step']]} | {result['seconds']:.1f} s | {args.rows / result['seconds']:,.0f} | "
              f"{result['peak_mb']:.0f} MB | {result['seconds'] / base:.0f}x |")
    print("rows out:", {r["step"]: r["rows"] for r in results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
