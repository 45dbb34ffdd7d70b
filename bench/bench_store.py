"""Benchmark: map query over 1 million intercept records (one month, one province by polygon tag).

    python bench/bench_store.py                    # 1,000,000 records, SQLite in a temp dir
    python bench/bench_store.py --records 200000 --db-url postgresql+psycopg://...  (any SQLAlchemy URL)

Compares, in one run on the same synthetic records:
  * store.records.query_intercepts (SQLite, composite index date_from+lon+lat+date_to, span bound);
  * the same SQL query with the composite index dropped (what the index buys);
  * the reference tool: GDAL via pyogrio.read_dataframe on a GeoPackage of the same records with
    its R-tree spatial index, bbox= and an attribute where= filter on the date.
Prints a markdown table of median times over --repeat runs and the row counts (which must agree).

With --ingest-rows N (default 200,000; 0 skips) it also times validating and importing a CSV of N
rows: geodata.ingest.read_intercepts (every cell checked, reasons kept) against the reference
pandas.read_csv + geopandas.points_from_xy (no validation), and store.records.import_batch.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, text  # noqa: E402

from store.db import get_engine  # noqa: E402
from store.models import Intercept  # noqa: E402
from store.records import admin_columns, query_intercepts  # noqa: E402

CASES = np.array(["smuggling", "trafficking", "unknown"])
MODES = np.array(["land", "sea", "air"])


def synthetic_rows(count: int, seed: int):
    """Records spread over 2007-2011 and over Pakistan's bounding box; 5% known only to the month."""
    rng = np.random.default_rng(seed)
    start = dt.date(2007, 1, 1).toordinal()
    days = rng.integers(0, 5 * 365, count) + start
    lon = rng.uniform(60.9, 77.8, count).round(6)
    lat = rng.uniform(23.7, 37.0, count).round(6)
    persons = rng.integers(1, 40, count)
    cases = CASES[rng.choice(3, count, p=[0.6, 0.3, 0.1])]
    modes = MODES[rng.choice(3, count, p=[0.7, 0.2, 0.1])]
    month_only = rng.random(count) < 0.05
    for i in range(count):
        day = dt.date.fromordinal(int(days[i]))
        if month_only[i]:
            first = day.replace(day=1)
            last = (first.replace(day=28) + dt.timedelta(days=4))
            last = last - dt.timedelta(days=last.day)
            date = None
        else:
            first = last = date = day
        yield {"record_id": f"b{i}", "content_hash": f"{seed:04d}{i:060d}", "batch_id": None,
               "date": date, "date_from": first, "date_to": last, "span_days": (last - first).days,
               "persons": int(persons[i]), "case_type": str(cases[i]), "mode": str(modes[i]),
               "agency": "FIA", "place_name": None, "nationality": None, "notes": None,
               "synthetic": True, "source": "bench", "lon": float(lon[i]), "lat": float(lat[i])}


def load(engine, count: int, seed: int, chunk: int = 50_000) -> float:
    began = time.perf_counter()
    rows = synthetic_rows(count, seed)
    with engine.begin() as connection:
        while True:
            batch = [row for _, row in zip(range(chunk), rows)]
            if not batch:
                break
            # as an import does: country/province/district by point-in-polygon
            where = admin_columns([r["lon"] for r in batch], [r["lat"] for r in batch])
            for i, row in enumerate(batch):
                row.update({name: values[i] for name, values in where.items()})
            connection.execute(insert(Intercept), batch)
    if engine.dialect.name in ("sqlite", "postgresql"):
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    return time.perf_counter() - began


def timed(function, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def write_gpkg(engine, path: Path) -> float:
    import geopandas as gpd
    import pandas as pd

    began = time.perf_counter()
    with engine.connect() as connection:
        frame = pd.read_sql(text("SELECT record_id, date_from, date_to, persons, case_type, mode, province, "
                                 "lon, lat FROM intercepts"), connection)
    frame["date_from"] = frame["date_from"].astype(str)
    frame["date_to"] = frame["date_to"].astype(str)
    gdf = gpd.GeoDataFrame(frame.drop(columns=["lon", "lat"]),
                           geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326")
    gdf.to_file(path, layer="intercepts", engine="pyogrio", SPATIAL_INDEX="YES")
    return time.perf_counter() - began


def ingest_rows(path: Path, count: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    days = rng.integers(0, 5 * 365, count)
    lat = rng.uniform(23.7, 37.0, count)
    lon = rng.uniform(60.9, 77.8, count)
    persons = rng.integers(1, 40, count)
    cases = CASES[rng.choice(3, count, p=[0.6, 0.3, 0.1])]
    modes = MODES[rng.choice(3, count, p=[0.7, 0.2, 0.1])]
    start = dt.date(2007, 1, 1)
    with open(path, "w", encoding="utf-8") as out:
        out.write("id,date,latitude,longitude,persons,case_type,mode,agency,place_name,notes\n")
        for i in range(count):
            day = start + dt.timedelta(days=int(days[i]))
            out.write(f"R{i},{day:%d/%m/%Y},{lat[i]:.6f},{lon[i]:.6f},{persons[i]},{cases[i]},{modes[i]},"
                      f"FIA,Place {i},ledger line {i}\n")


def bench_ingest(workdir: Path, count: int, seed: int) -> list[tuple[str, float, int]]:
    import geopandas as gpd
    import pandas as pd

    from geodata.ingest import read_intercepts
    from store.records import import_batch

    path = workdir / "ingest.csv"
    ingest_rows(path, count, seed)
    began = time.perf_counter()
    frame = pd.read_csv(path)
    frame["date"] = pd.to_datetime(frame["date"], dayfirst=True)
    gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["longitude"], frame["latitude"]), crs="EPSG:4326")
    reference_s = time.perf_counter() - began
    began = time.perf_counter()
    result = read_intercepts(path)
    ingest_s = time.perf_counter() - began
    engine = get_engine(f"sqlite:///{workdir / 'ingest.sqlite'}")
    began = time.perf_counter()
    summary = import_batch(result, "ingest.csv", "bench", engine=engine)
    import_s = time.perf_counter() - began
    began = time.perf_counter()
    again = import_batch(result, "ingest.csv", "bench", engine=engine)
    repeat_s = time.perf_counter() - began
    engine.dispose()
    path.unlink()
    return [("reference: pandas.read_csv + points_from_xy (no checks)", reference_s, len(frame)),
            ("geodata.ingest.read_intercepts (every cell checked)", ingest_s, len(result.accepted)),
            ("store.records.import_batch (SQLite, short chunk transactions)", import_s, summary.inserted),
            ("same file again (reported as the earlier batch; nothing written)", repeat_s,
             again.already_present)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--province", default="Sindh")
    parser.add_argument("--month", default="2010-03")
    parser.add_argument("--db-url", default=None, help="SQLAlchemy URL (default: SQLite in a temp dir)")
    parser.add_argument("--no-reference", action="store_true", help="skip the GeoPackage reference")
    parser.add_argument("--ingest-rows", type=int, default=200_000, help="CSV rows for the ingest timing (0 skips)")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="checkpost-bench-"))
    url = args.db_url or f"sqlite:///{workdir / 'bench.sqlite'}"
    engine = get_engine(url)
    load_s = load(engine, args.records, args.seed)
    start = dt.date.fromisoformat(args.month + "-01")
    end = (start.replace(day=28) + dt.timedelta(days=4))
    end = end - dt.timedelta(days=end.day)
    import geodata

    provinces = geodata.layer("provinces")
    box = tuple(float(v) for v in provinces[provinces["name"] == args.province].total_bounds)

    query = lambda: query_intercepts(start, end, province=args.province, engine=engine)  # noqa: E731
    query()  # warm the page cache once, as a running app would be
    store_s, store_result = timed(query, args.repeat)

    raw_sql = text("SELECT record_id, date_from, date_to, persons, case_type, mode, lon, lat FROM intercepts "
                   "WHERE date_from <= :end AND date_to >= :start AND country = 'PK' AND province = :province")
    params = {"start": start, "end": end, "province": args.province}
    with engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_intercepts_date_from_lon_lat"))
    with engine.connect() as connection:
        scan_s, scan_rows = timed(lambda: connection.execute(raw_sql, params).fetchall(), max(1, args.repeat // 2))
    with engine.begin() as connection:
        connection.execute(text("CREATE INDEX ix_intercepts_date_from_lon_lat "
                                "ON intercepts (date_from, lon, lat, date_to)"))

    rows = [("store.query_intercepts (indexed)", store_s, len(store_result)),
            ("same SQL, composite index dropped", scan_s, len(scan_rows))]
    gpkg_note = ""
    if not args.no_reference:
        import pyogrio

        gpkg = workdir / "bench.gpkg"
        gpkg_write_s = write_gpkg(engine, gpkg)
        where = (f"date_from <= '{end.isoformat()}' AND date_to >= '{start.isoformat()}' "
                 f"AND province = '{args.province}'")
        reference = lambda: pyogrio.read_dataframe(gpkg, bbox=box, where=where)  # noqa: E731
        reference()
        ref_s, ref_result = timed(reference, args.repeat)
        rows.append(("reference: pyogrio/GDAL GeoPackage, R-tree bbox + where", ref_s, len(ref_result)))
        gpkg_note = f"; GeoPackage written in {gpkg_write_s:.1f} s"

    print(f"\n{args.records:,} records loaded in {load_s:.1f} s ({engine.dialect.name}){gpkg_note}; "
          f"query: {args.month}, {args.province} (province column; reference: R-tree on its bounds "
          f"{tuple(round(v, 3) for v in box)} "
          f"+ where province)\n")
    print("| query | median time | rows | ratio to store |")
    print("| --- | ---: | ---: | ---: |")
    for name, seconds, count in rows:
        print(f"| {name} | {seconds * 1000:.1f} ms | {count:,} | {seconds / store_s:.1f}x |")
    ok = store_s < 1.0
    print(f"\nunder one second: {'yes' if ok else 'NO'}")
    if args.ingest_rows:
        timings = bench_ingest(workdir, args.ingest_rows, args.seed)
        reference_s = timings[0][1]
        print(f"\nIngest of a {args.ingest_rows:,}-row CSV\n")
        print("| step | time | rows | rows/s | ratio to reference |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for name, seconds, count in timings:
            print(f"| {name} | {seconds:.2f} s | {count:,} | {count / seconds:,.0f} | {seconds / reference_s:.1f}x |")
    engine.dispose()
    if not args.db_url:
        for path in workdir.iterdir():
            os.unlink(path)  # the SQLite files and the GeoPackage
        workdir.rmdir()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
