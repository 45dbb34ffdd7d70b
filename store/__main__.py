"""Command line for the store.

    python -m store migrate                              # create / upgrade the database
    python -m store import ledger.xlsx --user amina      # validate and import (one batch)
    python -m store import iom.csv --user amina --profile iom-missing-migrants [--map persons="Number of Dead"]
        [--save-profile NAME]                            # column mapping; save it for next time
    python -m store profiles                             # saved and shipped column-mapping profiles
    python -m store query --start 2011-03-01 --end 2011-03-31 --province Sindh --case-type trafficking \
        [--out march.geojson|march.csv|march.xlsx]
    python -m store counts --start 2011-01-01 --end 2011-12-31 [--by case_type mode]
    python -m store batches
    python -m store add-user amina --role commander --region Sindh   # asks for the password; commanders need a region
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
    parser.add_argument("--mode", nargs="+", choices=["land", "sea", "air", "unknown"])
    parser.add_argument("--bbox", nargs=4, type=float, metavar=("LON_MIN", "LAT_MIN", "LON_MAX", "LAT_MAX"))
    parser.add_argument("--province", help="a province of Pakistan (records tagged by point-in-polygon)")
    parser.add_argument("--district", nargs="+", help="district(s) of Pakistan")
    parser.add_argument("--country", nargs="+", help="ISO 3166-1 alpha-2 code(s), e.g. PK IR AF")


def _import(args, engine) -> int:
    """Map, validate and store the file as one batch, streamed chunk by chunk; report once."""
    from dataclasses import replace

    from geodata.ingest import combine
    from geodata.ingest_mapping import MappingError, parse_map_options
    from geodata.ingest_report import report_lines, write_rejected
    from store.profiles import get_profile
    from store.records import FileNotImportable, import_file

    kept = []  # each chunk's report; of its accepted records only what the report counts (bounded memory)

    def keep(part) -> None:
        columns = [c for c in ("source_row", "country") if c in part.accepted.columns]
        kept.append(replace(part, accepted=pd.DataFrame(part.accepted[columns])))

    summary = None
    try:
        profile = get_profile(args.profile, engine=engine) if args.profile else None
        summary = import_file(args.file, args.user, crs=args.crs, mapping=parse_map_options(args.map),
                              profile=profile, on_chunk=keep, engine=engine)
    except MappingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (FileNotImportable, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
    result = combine(kept) if kept else None
    if result is not None:
        written = write_rejected(result, args.rejected) if result.ok else None
        print("\n".join(report_lines(result, written)))
    if summary is None or result is None or not len(result.accepted):
        print("nothing imported: no row was accepted", file=sys.stderr)
        return 1
    print(summary.message())
    print(summary.as_dict())
    for refused in summary.refused[:50]:
        print(f"  refused {refused['source']}: {refused['reason']}")
    return _save_profile(args, result, engine) if args.save_profile else 0


def _save_profile(args, result, engine) -> int:
    from geodata.ingest_mapping import MappingError
    from store.profiles import save_profile

    columns = {m.field: m.column for m in result.mapping if m.column}
    try:
        save_profile(args.save_profile, columns, result.headers, args.user, engine=engine)
    except MappingError as error:
        print(f"profile not saved: {error}", file=sys.stderr)
        return 1
    print(f"column mapping saved as profile '{args.save_profile}'")
    return 0


def _print_profiles(engine) -> None:
    from geodata.ingest_profiles import shipped_profiles
    from store.profiles import list_profiles

    for profile in list_profiles(engine=engine) + shipped_profiles():
        who = f"by {profile.created_by} at {profile.created_at}" if profile.origin == "store" else "shipped"
        columns = ", ".join(f"{f}={c}" for f, c in profile.columns.items())
        print(f"{profile.name} ({who}): {columns}")


def _parser() -> argparse.ArgumentParser:
    from geodata.ingest import add_mapping_arguments

    parser = argparse.ArgumentParser(prog="python -m store", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="create or upgrade the database schema")
    imp = commands.add_parser("import", help="validate and import an intercept file")
    imp.add_argument("file")
    imp.add_argument("--user", required=True)
    imp.add_argument("--crs")
    imp.add_argument("--rejected", help="write rejected rows with reasons to this CSV "
                                        "(default: <file>_rejected.csv here)")
    imp.add_argument("--save-profile", metavar="NAME", help="save the column mapping used under this name")
    add_mapping_arguments(imp)
    commands.add_parser("profiles", help="saved and shipped column-mapping profiles")
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
    return parser


def _query(args, engine) -> int:
    from store.records import count_intercepts, query_intercepts

    options = dict(start=args.start, end=args.end, case_type=args.case_type, mode=args.mode,
                   bbox=args.bbox, province=args.province, district=args.district, country=args.country,
                   engine=engine)
    if args.command == "counts":
        print(count_intercepts(by=tuple(args.by), **options).to_string(index=False))
        return 0
    frame = query_intercepts(**options)
    if not args.out:
        print(frame.drop(columns=["notes"]).to_string(index=False, max_rows=50))
        print(f"{len(frame)} intercepts")
    elif args.out.lower().endswith((".csv", ".xlsx")):
        from geodata.safe_export import write_table  # formulas in source, notes, places neutralised

        write_table(frame.assign(lon=frame.geometry.x, lat=frame.geometry.y).drop(columns="geometry"), args.out)
        print(f"{len(frame)} intercepts written to {args.out}")
    else:
        frame.to_file(args.out)
        print(f"{len(frame)} intercepts written to {args.out}")
    return 0


def _add_user(args, engine) -> int:
    from store.users import create_user, normalise_region

    try:
        normalise_region(args.role, args.region)  # refuse before asking for a password
        password = getpass.getpass(f"password for {args.username}: ")
        print(create_user(args.username, password, args.role, args.region, actor="cli", engine=engine))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    from store.db import get_engine

    engine = get_engine()
    pd.set_option("display.width", 160)
    if args.command == "migrate":
        print(f"database at the latest schema: {engine.url.render_as_string(hide_password=True)}")
    elif args.command == "import":
        return _import(args, engine)
    elif args.command == "profiles":
        _print_profiles(engine)
    elif args.command in ("query", "counts"):
        return _query(args, engine)
    elif args.command == "batches":
        from store.records import list_batches

        print(list_batches(engine=engine).to_string(index=False))
    elif args.command == "add-user":
        return _add_user(args, engine)
    elif args.command == "audit":
        from store.audit import entries

        print(entries(limit=args.limit, engine=engine).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
