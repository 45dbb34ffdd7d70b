"""Command line of models.coverage (``python -m models.coverage ...``).

    python -m models.coverage report --k 5 --audience donor --fmt pdf --out coverage.pdf [--marginal 5]
    python -m models.coverage tables --k 5 --audience donor --out coverage-tables.zip
    python -m models.coverage holding --k 2
"""
from __future__ import annotations

import argparse
import sys


def _scenario(args):
    from models import coverage as C
    from models import placement as P
    from routes.demand import default_demand
    from routes.flows import assign
    from routes.network import default_network

    G, demand = default_network(), default_demand()
    flows = assign(G, demand)
    plan = P.plan(flows, args.k, existing=args.existing or ())
    rep = C.gaps(plan, flows, adaptive=not args.static, rerouting=args.rerouting, segment_km=args.segment_km)
    if getattr(args, "marginal", 0):  # what further checkpoints would buy on top of this plan
        rep.marginal = C.marginal_value(G, demand, existing=plan.site_ids, k_max=args.marginal, flows=flows,
                                        robust=not args.static)
    return G, rep


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.coverage", description="Coverage gaps of a checkpoint plan "
                                     "on the shipped scenario (default network and demand).")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("report", "tables"):
        p = sub.add_parser(name)
        p.add_argument("--k", type=int, default=5, help="new checkpoints in the optimal static plan (default 5)")
        p.add_argument("--existing", nargs="*", help="site ids already in place")
        p.add_argument("--static", action="store_true", help="flows stay on their routes (no re-routing)")
        p.add_argument("--rerouting", choices=["logit", "best_response"], default="logit")
        p.add_argument("--segment-km", type=float, default=25.0)
        p.add_argument("--audience", choices=["donor", "planner"], default="donor")
        p.add_argument("--out", required=True, help="output file")
        if name == "report":
            p.add_argument("--fmt", choices=["html", "pdf"], default=None, help="default: from --out's suffix")
            p.add_argument("--marginal", type=int, default=0,
                           help="add the curve of what up to this many more checkpoints (on top of the plan) buy")
    p = sub.add_parser("holding")
    p.add_argument("--k", type=int, default=2, help="holding centres to place")
    args = parser.parse_args(argv)

    from models import coverage as C

    if args.command == "holding":
        hp = C.holding_centres(None, args.k)
        print(hp.centres.drop(columns=["geometry"]).to_string(index=False))
        print(f"person-weighted mean road distance: {hp.mean_distance_km:,.1f} km ({hp.status})")
        return 0
    _, rep = _scenario(args)
    if args.command == "report":
        fmt = args.fmt or ("pdf" if args.out.lower().endswith(".pdf") else "html")
        C.report(rep, audience=args.audience, fmt=fmt, path=args.out)
    else:
        from models.coverage._report import downloads_zip
        with open(args.out, "wb") as fh:
            fh.write(downloads_zip(rep, audience=args.audience))
    print(f"{args.out}: {rep.share:.1%} of {rep.total_volume:,.0f} migrants/year intercepted "
          f"({len(rep.checkpoints)} checkpoints, {args.audience} view)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
