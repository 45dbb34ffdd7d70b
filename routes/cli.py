"""Command line for routes: ``python -m routes {network,demand,assign,simulate} ...``.

    python -m routes network --out edges.geojson         # summary; edges as GeoJSON
    python -m routes demand --out demand.csv              # the default OD table
    python -m routes assign --checkpoints cps.csv --paths paths.geojson --edges edge_flows.csv
    python -m routes simulate --months 24 --seed 0 --out records.geojson --hotspots truth.geojson

Checkpoint CSV: ``site_id, detection`` and either ``node`` or ``u, v, key`` (an edge).  ``--osm FILE``
uses a road graph loaded from an OpenStreetMap extract instead of the default network (then the
demand's origins and destinations must be node ids of that graph); ``--merge-osm FILE`` merges the
extract into the default network (its roads replace the network's inside the extract's area).
"""
from __future__ import annotations

import argparse
import sys

import pandas as pd

from geodata.safe_export import write_table


def _graph(args):
    from routes import network

    if getattr(args, "merge_osm", None):
        return network.from_osm_xml(args.merge_osm, merge_into=network.default_network())
    return network.from_osm_xml(args.osm) if getattr(args, "osm", None) else network.default_network()


def _demand(args):
    from routes import demand

    if getattr(args, "demand", None):
        return pd.read_csv(args.demand)
    return demand.default_demand(include_transit=getattr(args, "transit", False))


def read_checkpoints(path) -> pd.DataFrame:
    """A checkpoint CSV as a contract checkpoint table (``node`` or ``edge`` column)."""
    table = pd.read_csv(path)
    if "detection" not in table.columns:
        raise ValueError(f"{path}: missing column 'detection'")
    if "site_id" not in table.columns:
        table["site_id"] = [f"cp{i}" for i in range(len(table))]
    has_edge = {"u", "v"} <= set(table.columns)
    if "node" not in table.columns and not has_edge:
        raise ValueError(f"{path}: need a 'node' column or 'u' and 'v' (and optional 'key') columns")
    nodes, edges = [], []
    for i, row in table.iterrows():
        node = row.get("node")
        if node is not None and not pd.isna(node):
            nodes.append(int(node))
            edges.append(None)
        elif has_edge and not pd.isna(row["u"]) and not pd.isna(row["v"]):
            key = int(row["key"]) if "key" in table.columns and not pd.isna(row["key"]) else 0
            nodes.append(None)
            edges.append((int(row["u"]), int(row["v"]), key))
        else:
            raise ValueError(f"{path}: row {i + 2} ({row['site_id']}): give a node or an edge (u, v)")
    return pd.DataFrame({"site_id": table["site_id"], "detection": table["detection"].astype(float),
                         "node": pd.Series(nodes, dtype=object), "edge": pd.Series(edges, dtype=object)})


def cmd_network(args):
    import osmnx as ox

    from routes.build_network import summary

    G = _graph(args)
    print(summary(G))
    if args.out:
        _, edges = ox.graph_to_gdfs(G)
        edges.reset_index().to_file(args.out, driver="GeoJSON")
        print(f"wrote {args.out}")


def cmd_demand(args):
    table = _demand(args)
    print(table.groupby(["mode_preference", "case_type"])["migrants_per_year"].sum().round(0).to_string())
    if args.out:
        write_table(table, args.out)  # names from user files: formulas neutralised
        print(f"wrote {args.out}")


def _assign(args):
    from routes import flows

    cps = read_checkpoints(args.checkpoints) if args.checkpoints else None
    return flows.assign(_graph(args), _demand(args), cps, k=args.k, seed=args.seed)


def cmd_assign(args):
    result = _assign(args)
    print(f"routes {len(result.paths)}, volume {result.total_volume:.0f}/year, intercepted "
          f"{result.intercepted_volume:.0f} ({100 * result.intercepted_share:.1f}%)")
    if len(result.checkpoint_flows):
        print(result.checkpoint_flows[["site_id", "detection", "volume", "intercepted"]].round(1).to_string(index=False))
    if args.paths:
        out = result.paths.copy()
        out["nodes"] = out["nodes"].map(lambda n: " ".join(map(str, n)))
        out["edges"] = out["edges"].map(lambda e: " ".join(f"{u}-{v}-{k}" for u, v, k in e))
        out.to_file(args.paths, driver="GeoJSON")
        print(f"wrote {args.paths}")
    if args.edges:
        write_table(result.edge_flows.reset_index(), args.edges)
        print(f"wrote {args.edges}")


def cmd_simulate(args):
    from routes import simulate

    result = _assign(args)
    sim = simulate.intercepts(result, n_months=args.months, seed=args.seed, n_hotspots=args.hotspots_n)
    print(f"{len(sim.records)} simulated intercept records (synthetic=True), "
          f"{int(sim.records['persons'].sum())} persons; {len(sim.hotspots)} planted hotspots")
    if args.out:
        sim.records.to_file(args.out, driver="GeoJSON")
        print(f"wrote {args.out}")
    if args.hotspots:
        sim.hotspots.to_file(args.hotspots, driver="GeoJSON")
        print(f"wrote {args.hotspots}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m routes", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)

    def common(p, assign=False):
        p.add_argument("--osm", help="OpenStreetMap .osm extract to use instead of the default network")
        p.add_argument("--merge-osm", help="OpenStreetMap .osm extract whose roads replace the default "
                                           "network's inside its area (the default demand still works)")
        p.add_argument("--demand", help="OD table CSV (origin, destination, migrants_per_year, ...)")
        p.add_argument("--transit", action="store_true", help="add the transit flows of the scenario file")
        if assign:
            p.add_argument("--checkpoints", help="checkpoint CSV (site_id, detection, node | u, v, key)")
            p.add_argument("--k", type=int, default=None, help="routes per OD pair")
            p.add_argument("--seed", type=int, default=0)

    p = sub.add_parser("network", help="summary of the network; --out writes its edges as GeoJSON")
    p.add_argument("--osm")
    p.add_argument("--merge-osm")
    p.add_argument("--out")
    p.set_defaults(func=cmd_network)
    p = sub.add_parser("demand", help="the default OD table")
    common(p)
    p.add_argument("--out")
    p.set_defaults(func=cmd_demand)
    p = sub.add_parser("assign", help="assign demand to routes, with checkpoints")
    common(p, assign=True)
    p.add_argument("--paths", help="write routes as GeoJSON")
    p.add_argument("--edges", help="write edge flows as CSV")
    p.set_defaults(func=cmd_assign)
    p = sub.add_parser("simulate", help="simulated intercept records (synthetic) with planted hotspots")
    common(p, assign=True)
    p.add_argument("--months", type=int, default=24)
    p.add_argument("--hotspots-n", type=int, default=4, help="number of planted hotspots")
    p.add_argument("--out", help="records GeoJSON")
    p.add_argument("--hotspots", help="planted hotspots GeoJSON")
    p.set_defaults(func=cmd_simulate)
    args = ap.parse_args(argv)
    args.func(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
