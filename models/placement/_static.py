"""Static maximal covering: ``plan(flows, k)`` on today's routes (HiGHS MILP, greedy fallback), ``compare``."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from models.placement import _milp as milp
from models.placement._base import DAYS_PER_YEAR, Plan, _check_request, _flows_parts, _pad, _result
from models.placement._sites import candidates, incidence, validate_sites


def intercepted(paths: pd.DataFrame, graph, sites: pd.DataFrame) -> pd.DataFrame:
    """Per-path interception probability and volume for the given checkpoint sites (no re-routing)."""
    sites = validate_sites(sites)
    A = incidence(paths, sites, graph)
    p = sites["detection"].to_numpy(float)
    catch = 1.0 - milp.survival(A, p, np.arange(len(sites)))
    out = pd.DataFrame(paths.drop(columns=[c for c in ("geometry",) if c in paths.columns]))
    out["p_intercept"] = catch
    out["intercepted"] = out["volume"].to_numpy(float) * catch
    return out


def plan(flows, k: int, *, candidates: pd.DataFrame | None = None, existing: Iterable = (),
         required: Iterable = (), forbidden: Iterable = (), capacity: bool = False, time_limit: float = 60.0,
         mip_rel_gap: float = milp.MIP_GAP, threads: int | None = None, name: str = "",
         greedy_shortcut: bool = True, progress: Callable[[str, float], None] | None = None) -> Plan:
    """Choose k new checkpoint sites that intercept the most flow on ``flows.paths``.

    ``existing`` sites are in place and do not use the budget; ``required``
    sites must be among the k; ``forbidden`` ones cannot be chosen.  With
    ``capacity=True`` a site intercepts at most 365 x its ``capacity``
    (persons/day) a year.  Solved as a MILP with HiGHS to ``mip_rel_gap``
    within ``time_limit`` seconds; if HiGHS returns no solution the greedy
    solution is returned and ``status`` says so.
    """
    t0 = time.perf_counter()
    say = progress or (lambda stage, frac: None)
    paths, G = _flows_parts(flows)
    sites = validate_sites(candidates_default(G) if candidates is None else candidates)
    ex, rq, fb = _check_request(sites, k, existing, required, forbidden)
    say("incidence", 0.1)
    if capacity:  # a saturated post lets the rest through to the next one: travel order matters
        A, order = incidence(paths, sites, G, with_order=True)
    else:
        A, order = incidence(paths, sites, G), None
    vol = pd.to_numeric(paths["volume"]).to_numpy(float)
    total = float(vol.sum())
    p = sites["detection"].to_numpy(float)
    cap_year = None
    if capacity:
        cap = pd.to_numeric(sites["capacity"], errors="coerce").to_numpy(float)
        if (cap[np.isfinite(cap)] < 0).any():
            raise ValueError("candidates: capacity must be non-negative (persons/day)")
        cap_year = np.where(np.isfinite(cap), cap * DAYS_PER_YEAR, np.inf)

    say("reduce", 0.2)
    red = _reduce(A, vol, p, k, ex, rq, fb, keep_duplicates=capacity, travel_order=order)
    say("solve", 0.3)
    res = milp.solve(red["A"], p[red["cols"]], red["vol"], k, fixed_on=red["ex"], required=red["rq"],
                     capacity_year=None if cap_year is None else cap_year[red["cols"]],
                     time_limit=time_limit, mip_rel_gap=mip_rel_gap, threads=threads,
                     greedy_shortcut=greedy_shortcut, order=red["order"])
    chosen = red["cols"][res.chosen]
    chosen = _pad(chosen, A, vol, k, ex, fb)
    say("report", 0.9)
    if res.route_catch is not None:  # capacity: the model's capped catch per distinct route
        catch = np.zeros(len(paths))
        catch[red["row_keep"]] = res.route_catch[red["inverse"]]
    else:
        catch = 1.0 - milp.survival(A, p, chosen)
    stats = {**res.stats, "paths": len(paths), "distinct_routes": red["A"].shape[0], "candidates": len(sites),
             "candidates_after_reduction": len(red["cols"])}
    out = _result(paths, A, sites, chosen, ex, catch, total=total, k=k, method="static", name=name,
                  status=res.status, objective=res.objective, bound=res.bound, gap=res.gap,
                  greedy_volume=res.greedy_objective, seconds=time.perf_counter() - t0, stats=stats)
    say("done", 1.0)
    return out


candidates_default = candidates


def _reduce(A, vol, p, k, ex, rq, fb, *, keep_duplicates: bool, travel_order=None) -> dict:
    """Exact model reductions: merge identical routes, drop empty ones, drop sites that
    meet no route or are forbidden, and keep only the best k of identical site columns.
    With ``keep_duplicates`` (capacities) routes and sites are kept apart."""
    has_site = np.diff(A.indptr) > 0
    row_keep = np.flatnonzero(has_site & (vol > 0))
    if keep_duplicates:
        R, inverse = A[row_keep].tocsr(), np.arange(len(row_keep))
    else:
        R, inverse = milp.merge_rows(A[row_keep])
    w = np.bincount(inverse, weights=vol[row_keep], minlength=R.shape[0])
    n = A.shape[1]
    special = np.zeros(n, dtype=bool)
    special[ex] = True
    special[rq] = True
    used = np.asarray((R != 0).sum(axis=0)).ravel() > 0
    keep = (used | special).copy()
    keep[fb] = False
    if not keep_duplicates:
        label = milp.column_groups(R)
        order = np.lexsort((-p, label))  # by group, best detection first
        rank = np.zeros(n, dtype=int)
        grp_sorted = label[order]
        starts = np.r_[0, np.flatnonzero(np.diff(grp_sorted)) + 1]
        pos = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
        rank[order] = pos
        # one copy suffices when it catches surely; otherwise up to k copies may stack
        limit = np.where(p[order][np.repeat(starts, np.diff(np.r_[starts, n]))] >= 1.0, 1, max(k, 1))
        lim = np.zeros(n, dtype=int)
        lim[order] = limit
        keep &= (rank < lim) | special
    cols = np.flatnonzero(keep)
    where = -np.ones(n, dtype=int)
    where[cols] = np.arange(len(cols))
    sub_order = travel_order[row_keep][:, cols].tocsr() if travel_order is not None else None
    return {"A": R[:, cols].tocsr(), "vol": w, "cols": cols, "ex": where[ex], "rq": where[rq],
            "row_keep": row_keep, "inverse": inverse, "order": sub_order}


def compare(plans: Mapping[str, Plan] | Iterable[Plan], flows=None) -> pd.DataFrame:
    """Side-by-side table of plans; with ``flows``, every plan is re-scored on those flows.

    Columns: ``share_today`` (alias ``share``: caught with nobody re-routing), the plans' own
    ``share_best_response``, ``share_logit``, ``share_bypass`` and the ``informed`` share they were
    measured at (see ``assess``), then status, gap and seconds.
    """
    items = list(plans.items()) if isinstance(plans, Mapping) else [(p.name or f"plan {i + 1}", p)
                                                                   for i, p in enumerate(plans)]
    if not items:
        raise ValueError("compare: no plans given")
    rows = []
    first = set(items[0][1].site_ids)
    for label, pl in items:
        if not isinstance(pl, Plan):
            raise TypeError(f"compare: {label!r} is a {type(pl).__name__}, not a Plan")
        if flows is not None:
            paths, G = _flows_parts(flows)
            per = intercepted(paths, G, pl.sites)
            volume, total = float(per["intercepted"].sum()), float(per["volume"].sum())
            by = per.groupby("case_type")[["intercepted", "volume"]].sum() if "case_type" in per.columns else None
            by_type = {str(t): r["intercepted"] / r["volume"] for t, r in by.iterrows()} if by is not None else {}
        else:
            volume, total, by_type = pl.volume, pl.total_volume, pl.share_by_case_type
        row = {"plan": label, "method": pl.method, "k": pl.k, "sites": len(pl.sites),
               "intercepted_per_year": volume, "share_today": volume / total if total else 0.0}
        row["share"] = row["share_today"]  # alias, as Plan.share
        for t, s in sorted(by_type.items()):
            row[f"share_{t}"] = s
        # the re-routing measures as measured on the plan (NaN until assessed), at its informed share
        row.update({"share_best_response": pl.share_best_response, "share_logit": pl.share_logit,
                    "share_bypass": pl.share_bypass, "informed": pl.informed})
        row.update({"sites_shared_with_first": len(first & set(pl.site_ids)), "status": pl.status,
                    "gap": pl.gap, "seconds": pl.seconds})
        rows.append(row)
    return pd.DataFrame(rows).set_index("plan")

