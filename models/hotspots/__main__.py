"""Command line of the hotspot model: ``python -m models.hotspots fit|gi-star|emerging``."""
from __future__ import annotations

import argparse
import sys

import geopandas as gpd

from geodata.safe_export import write_table
from models.hotspots import HotspotModel, emerging, gi_star
from models.hotspots._input import SEPARATE

# --------------------------------------------------------------------------- command line

def _read(path: str) -> gpd.GeoDataFrame:
    if path.endswith(".parquet"):
        return gpd.read_parquet(path)
    return gpd.read_file(path)


def _write(frame: gpd.GeoDataFrame, path: str) -> None:
    if path.endswith((".csv", ".xlsx")):
        write_table(frame.drop(columns="geometry"), path)  # place names from user files: formulas neutralised
    else:
        frame.to_file(path, driver="GeoJSON")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.hotspots", description="Route hotspots in intercept records")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("fit", "gi-star", "emerging"):
        cmd = sub.add_parser(name)
        cmd.add_argument("records", help="intercept records (GeoJSON, GeoPackage or GeoParquet)")
        cmd.add_argument("--out", required=True, help="output .geojson or .csv")
        cmd.add_argument("--case-type", default=SEPARATE, help="separate (default), all, or one case type")
        cmd.add_argument("--mode", default=None)
        cmd.add_argument("--date-from", default=None)
        cmd.add_argument("--date-to", default=None)
        if name == "fit":
            cmd.add_argument("--eps-km", type=float, default=4.0)
            cmd.add_argument("--density-factor", type=float, default=6.0)
            cmd.add_argument("--save", default=None, help="also save the fitted model (joblib)")
        else:
            cmd.add_argument("--resolution", type=int, default=7)
        if name == "gi-star":
            cmd.add_argument("--permutations", type=int, default=999)
            cmd.add_argument("--seed", type=int, default=0)
        if name == "emerging":
            cmd.add_argument("--period", default="M")
    args = parser.parse_args(argv)
    records = _read(args.records)
    filters = {"case_type": args.case_type, "mode": args.mode, "date_from": args.date_from, "date_to": args.date_to}
    if args.command == "fit":
        model = HotspotModel(eps_m=args.eps_km * 1000, density_factor=args.density_factor, **filters).fit(records)
        out = model.hotspots_
        if args.save:
            model.save(args.save)
    elif args.command == "gi-star":
        out = gi_star(records, resolution=args.resolution, permutations=args.permutations, seed=args.seed, **filters)
    else:
        out = emerging(records, resolution=args.resolution, period=args.period, **filters)
    _write(out, args.out)
    print(f"{len(out)} rows written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

