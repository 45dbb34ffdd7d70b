"""Command line for checkpoint placement on the default scenario.

    python -m models.placement.__main__ plan --k 20 --out plan.geojson
    python -m models.placement.__main__ robust --k 20 --out robust.geojson
    python -m models.placement.__main__ rotation --k-mobile 3 --days 28 --seed 1 --out rotation.csv
"""
from __future__ import annotations

import argparse
import sys

from models import placement as P


def _inputs():
    from routes.demand import default_demand
    from routes.network import default_network
    return default_network(), default_demand()


def _make_plan(args, G, demand):
    common = dict(existing=args.existing, required=args.required, forbidden=args.forbidden)
    if args.command == "plan":
        from routes.flows import assign
        return P.plan(assign(G, demand), args.k, **common)
    if len(args.informed) > 2:
        raise ValueError("--informed takes one share or a LOW HIGH range")
    informed = tuple(args.informed) if len(args.informed) == 2 else args.informed[0]
    return P.plan_robust(G, demand, args.k, detour=args.detour, informed=informed, **common)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m models.placement.__main__", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    for name in ("plan", "robust"):
        p = sub.add_parser(name, help=f"{name} plan for k checkpoints")
        p.add_argument("--k", type=int, required=True)
        p.add_argument("--existing", nargs="*", default=[], help="site ids already in place")
        p.add_argument("--required", nargs="*", default=[])
        p.add_argument("--forbidden", nargs="*", default=[])
        p.add_argument("--detour", type=float, default=0.5, help="detour smugglers accept (fraction of cost)")
        p.add_argument("--informed", type=float, nargs="+", default=[1.0], metavar="SHARE",
                       help="share of smugglers who know the plan, or LOW HIGH for a range (robust)")
        p.add_argument("--bypass", type=float, default=3.0, help="bypass cost multiple of the stress test")
        p.add_argument("--out", help="write the chosen sites as GeoJSON")
    r = sub.add_parser("rotation", help="randomised patrol rotation")
    r.add_argument("--k-mobile", type=int, required=True)
    r.add_argument("--days", type=int, required=True)
    r.add_argument("--seed", type=int, required=True)
    r.add_argument("--start-date")
    r.add_argument("--out", help="write the schedule as CSV (default: stdout)")
    args = ap.parse_args(argv)
    G, demand = _inputs()
    try:
        if args.command == "rotation":
            rot = P.rotation(G, demand, args.k_mobile, args.days, seed=args.seed, start_date=args.start_date)
            text = rot.to_csv(args.out)
            if text is not None:
                sys.stdout.write(text)
            print(f"worst-case expected interception {rot.value:.1%}", file=sys.stderr)
            return 0
        pl = _make_plan(args, G, demand)
        pl = P.assess(pl, G, demand, informed=max(args.informed), detour=args.detour, bypass_multiple=args.bypass)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"{pl.method} plan, k = {pl.k}: intercepted today {pl.share_today:.1%} ({pl.volume:,.0f} migrants/year); "
          f"with {pl.informed:.0%} informed: after best response {pl.share_best_response:.1%}, after logit "
          f"{pl.share_logit:.1%}, with {pl.bypass_multiple:g}x bypasses {pl.share_bypass:.1%}; "
          f"solver {pl.status}, gap {pl.gap:.2%}")
    cols = ["site_id", "site_type", "name", "detection", "existing", "catch"]
    print(pl.sites[cols].to_string(index=False))
    if args.out:
        out = pl.sites.copy()
        out["edge"] = out["edge"].map(lambda e: None if e is None else list(e))
        out["node"] = out["node"].map(lambda n: None if n is None else n)
        out.to_file(args.out, driver="GeoJSON")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
