"""The marginal-value curve: intercepted share against the number of added checkpoints.

For k = 0..k_max: ``share`` is the static optimum ``models.placement.plan(flows, k).share`` (flows stay
on their routes), ``share_after`` the robust plan's share once smugglers take their best evading
route (``plan_robust``, best response within ``detour``).  Both only grow with k: the static optimum
because the MILP is solved to optimality, the robust one because a best-responding smuggler can only
lose from an extra checkpoint, so when ``plan_robust`` stops short of the previous step (its own
stopping tolerance) the previous sites plus one more are evaluated and kept instead.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd


def marginal_value(network, demand: pd.DataFrame, *, existing: Iterable = (), k_max: int,
                   candidates: pd.DataFrame | None = None, flows=None, robust: bool = True, detour: float = 0.5,
                   time_limit: float = 60.0, progress=None) -> pd.DataFrame:
    """Columns ``k`` (added checkpoints), ``share``, ``volume``, ``gain`` (share added by the k-th),
    ``sites`` (static plan's new sites), ``share_after``, ``sites_after`` (robust plan's new sites).

    ``flows`` defaults to ``routes.flows.assign(network, demand)`` (no checkpoints); ``existing`` site
    ids are in place at every k and do not use the budget.
    """
    from models import placement as P

    if isinstance(k_max, bool) or not isinstance(k_max, (int, np.integer)) or k_max < 0:
        raise ValueError(f"k_max must be a non-negative whole number of checkpoints, got {k_max!r}")
    existing = list(existing) if not isinstance(existing, str) else [existing]
    sites = P.candidates(network) if candidates is None else candidates
    if flows is None:
        from routes.flows import assign
        flows = assign(network, demand)
    say = progress or (lambda stage, frac: None)
    rows = []
    prev_after, prev_sites_after = -np.inf, None
    for k in range(int(k_max) + 1):
        say(f"k = {k}", k / (k_max + 1))
        static = P.plan(flows, k, candidates=sites, existing=existing, time_limit=time_limit)
        new = [s for s in static.site_ids if s not in set(existing)]
        row = {"k": k, "share": static.share, "volume": static.volume, "sites": new, "status": static.status}
        if robust:
            rob = P.plan_robust(network, demand, k, candidates=sites, existing=existing, detour=detour,
                                time_limit=time_limit)
            after, after_sites = rob.share_best_response, [s for s in rob.site_ids if s not in set(existing)]
            if after < prev_after - 1e-12:
                after, after_sites = _extend(P, network, demand, sites, existing, prev_sites_after, after_sites,
                                             static.site_ids, detour=detour)
            row.update({"share_after": after, "sites_after": after_sites})
            prev_after, prev_sites_after = after, after_sites
        rows.append(row)
    out = pd.DataFrame(rows)
    out["gain"] = out["share"].diff().fillna(out["share"])
    cols = ["k", "share", "gain", "volume", "sites", "share_after", "sites_after", "status"]
    return out[[c for c in cols if c in out.columns]]


def _extend(P, network, demand, sites, existing, prev_sites, *pools, detour):
    """Previous step's sites plus the best single extra site from the given pools (best response)."""
    pool = [s for group in pools for s in group if s not in set(prev_sites) | set(existing)]
    if not pool:
        pool = [s for s in sites["site_id"] if s not in set(prev_sites) | set(existing)]
    best = None
    for extra in dict.fromkeys(pool):
        chosen = sites[sites["site_id"].isin(list(prev_sites) + [extra] + list(existing))]
        share = P.evaluate(chosen, network, demand, model="best_response", detour=detour).share_after
        if best is None or share > best[0] + 1e-12:
            best = (share, list(prev_sites) + [extra])
    return best
