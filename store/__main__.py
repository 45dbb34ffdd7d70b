"""Command line for the store.

    python -m store migrate                              # create / upgrade the database
    python -m store import ledger.xlsx --user amina      # validate and import (one batch)
    python -m store query --start 2011-03-01 --end 2011-03-31 --province Sindh --case-type trafficking \
        [--out march.geojson|march.csv|march.xlsx]
    python -m store counts --start 2011-01-01 --end 2011-12-31 [--by case_type mode]
    python -m store batches
    python -m store add-user amina --role planner [--region Sindh]   # asks for the password
    python -m store audit [--limit 20]

The database is CHECKPOST_DB_URL, or $CHECKPOST_DATA_DIR/checkpost.sqlite.
"""
from __future__ import annotations

import argparse
import getpass
import sys

import pandas as pd


def _filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--start")
    parser.add_argument("--end")
    parser.add_argument("--case-type", nargs="+", choices=["smuggling", "trafficking", "unknown"])
    parser.add_argument("--mode", nargs="+", choices=["land", "sea", "air"])
    parser.add_argument("--bbox", nargs=4, type=float, metavar=("LON_MIN", "LAT_MIN", "LON_MAX", "LAT_MAX"))
    parser.add_argument("--province")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m store", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="create or upgrade the database schema")
    imp = commands.add_parser("import", help="validate and import an intercept file")
    imp.add_argument("file")
    imp.add_argument("--user", required=True)
    imp.add_argument("--crs")
    imp.add_argument("--rejected", help="write rejected rows with reasons to this CSV")
    query = commands.add_parser("query", help="intercepts by date, category and area")
    _filters(query)
    query.add_argument("--out", help="write a GeoJSON / GPKG / CSV / XLSX file instead of printing")
    counts = commands.add_parser("counts", help="record and person counts (split by case type)")
    _filters(counts)
    counts.add_argument("--by", nargs="+", default=["case_type"])
    commands.add_parser("batches", help="list import batches")
    user = commands.add_parser("add-user", help="create a user")
    user.add_argument("username")
    user.add_argument("--role", required=True, choices=["planner", "commander", "donor", "admin"])
    user.add_argument("--region")
    audit = commands.add_parser("audit", help="latest audit entries")
    audit.add_argument("--limit", type=int, default=20)
    args = parser.parse_args(argv)

    from store.db import get_engine

    engine = get_engine()
    pd.set_option("display.width", 160)
    if args.command == "migrate":
        print(f"database at the latest schema: {engine.url.render_as_string(hide_password=True)}")
    elif args.command == "import":
        from geodata.ingest import read_intercepts
        from store.records import import_batch

        result = read_intercepts(args.file, crs=args.crs)
        for error in result.file_errors:
            print(f"error: {error}", file=sys.stderr)
        if not result.ok:
            return 1
        summary = import_batch(result, result.file_name, args.user, engine=engine)
        print(summary.as_dict())
        if args.rejected and len(result.rejected):
            with open(args.rejected, "wb") as handle:
                handle.write(result.rejected_file("csv"))
            print(f"{len(result.rejected)} rejected rows with reasons written to {args.rejected}")
    elif args.command in ("query", "counts"):
        from store.records import count_intercepts, query_intercepts

        options = dict(start=args.start, end=args.end, case_type=args.case_type, mode=args.mode,
                       bbox=args.bbox, province=args.province, engine=engine)
        if args.command == "counts":
            print(count_intercepts(by=tuple(args.by), **options).to_string(index=False))
            return 0
        frame = query_intercepts(**options)
        if args.out:
            if args.out.lower().endswith((".csv", ".xlsx")):
                from geodata.safe_export import write_table  # formulas in source, notes, places neutralised

                write_table(frame.assign(lon=frame.geometry.x, lat=frame.geometry.y).drop(columns="geometry"),
                            args.out)
            else:
                frame.to_file(args.out)
            print(f"{len(frame)} intercepts written to {args.out}")
        else:
            print(frame.drop(columns=["notes"]).to_string(index=False, max_rows=50))
            print(f"{len(frame)} intercepts")
    elif args.command == "batches":
        from store.records import list_batches

        print(list_batches(engine=engine).to_string(index=False))
    elif args.command == "add-user":
        from store.users import create_user

        password = getpass.getpass(f"password for {args.username}: ")
        print(create_user(args.username, password, args.role, args.region, actor="cli", engine=engine))
    elif args.command == "audit":
        from store.audit import entries

        print(entries(limit=args.limit, engine=engine).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
