"""Checkpoint placement: where k checkpoints catch the most smuggling flow.

Public entry points (see docs/placement.md):

* ``candidates(G)`` - default candidate sites (``placement_sites``).
* ``plan(flows, k, ...)`` - maximal covering on the routes of a ``FlowResult``,
  solved to proven optimality with HiGHS (greedy fallback and warm start).
* ``compare(plans, flows)`` - side-by-side table.
* ``evaluate(plan, G, demand, ...)`` / ``plan_robust(G, demand, k, ...)`` /
  ``plan_top_volume(flows, k)`` - smugglers who re-route (``placement_robust``).
* ``rotation(G, demand, k_mobile, days, seed=...)`` - randomised patrol
  schedules (``placement_rotation``).
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from models import placement_milp as milp
from models.placement_sites import (DEFAULT_CAPACITY, DEFAULT_DETECTION, add_site, candidates, incidence,
                                    resolve_ids, validate_sites)

DAYS_PER_YEAR = 365.0

__all__ = ["Plan", "candidates", "add_site", "plan", "compare", "intercepted", "DEFAULT_DETECTION",
           "DEFAULT_CAPACITY", "evaluate", "Evaluation", "plan_robust", "plan_top_volume", "rotation", "Rotation"]


@dataclass
class Plan:
    """A set of checkpoint sites and what they intercept on the flows they were planned for."""

    sites: gpd.GeoDataFrame          # chosen sites (+ ``existing`` flag and ``catch`` migrants/year)
    volume: float                    # migrants/year intercepted
    share: float                     # volume / total
    total_volume: float
    paths: pd.DataFrame              # per path: volume, p_intercept, intercepted
    status: str                      # solver status ("optimal", "time limit reached", "greedy (...)")
    objective: float                 # solver objective (migrants/year, the model's own value)
    bound: float                     # proven upper bound on the objective
    gap: float                       # relative gap between objective and bound
    k: int
    method: str = "static"
    name: str = ""
    greedy_volume: float = float("nan")
    share_by_case_type: dict = field(default_factory=dict)
    iterations: int = 0
    seconds: float = 0.0
    stats: dict = field(default_factory=dict)

    @property
    def site_ids(self) -> list[str]:
        return list(self.sites["site_id"])

    @property
    def checkpoints(self) -> pd.DataFrame:
        """The sites as a checkpoint table for ``routes.flows.assign`` (contract columns)."""
        cols = [c for c in ("site_id", "detection", "node", "edge", "capacity") if c in self.sites.columns]
        return pd.DataFrame(self.sites[cols]).reset_index(drop=True)

    def summary(self) -> dict:
        return {"name": self.name, "method": self.method, "k": self.k, "sites": len(self.sites),
                "volume": self.volume, "share": self.share, "status": self.status, "gap": self.gap,
                "iterations": self.iterations, "seconds": self.seconds}


def _flows_parts(flows):
    for attr in ("paths", "graph"):
        if not hasattr(flows, attr):
            raise TypeError(f"flows: expected a routes.flows.FlowResult with .{attr}, got {type(flows).__name__}")
    paths = flows.paths
    for col in ("volume", "nodes", "edges"):
        if col not in paths.columns:
            raise ValueError(f"flows.paths: missing column {col!r}")
    if len(paths) == 0 or float(pd.to_numeric(paths["volume"]).sum()) <= 0:
        raise ValueError("flows: empty demand - no path carries any volume, nothing to intercept")
    if (pd.to_numeric(paths["volume"]) < 0).any():
        raise ValueError("flows.paths: negative volume")
    return paths.reset_index(drop=True), flows.graph


def _check_request(sites: pd.DataFrame, k, existing, required, forbidden):
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
        raise ValueError(f"k must be a non-negative whole number of checkpoints, got {k!r}")
    ex = resolve_ids(sites, existing, "existing")
    rq = resolve_ids(sites, required, "required")
    fb = resolve_ids(sites, forbidden, "forbidden")
    ids = sites["site_id"].to_numpy()
    both = np.intersect1d(rq, fb)
    if len(both):
        raise ValueError(f"site(s) {list(ids[both])} are both required and forbidden")
    both = np.intersect1d(ex, fb)
    if len(both):
        raise ValueError(f"site(s) {list(ids[both])} already exist and cannot be forbidden")
    rq = np.setdiff1d(rq, ex)  # an existing site is already in place
    if len(rq) > k:
        raise ValueError(f"{len(rq)} required sites do not fit in a budget of k = {k} new checkpoints")
    available = len(sites) - len(np.union1d(ex, fb))
    if k > available:
        raise ValueError(f"k = {k} is larger than the {available} candidate sites available "
                         f"({len(sites)} candidates, {len(ex)} existing, {len(fb)} forbidden)")
    return ex, rq, fb


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


def _site_catch(A, p, chosen, vol, catch) -> np.ndarray:
    """Split each path's catch over its chosen sites by their share of -log survival."""
    sub = A[:, chosen].tocsr().astype(float)
    with np.errstate(divide="ignore"):
        a = -np.log1p(-np.minimum(p[chosen], 1.0 - 1e-12))
    sub = sub.multiply(a).tocsr()
    tot = np.asarray(sub.sum(axis=1)).ravel()
    scale = np.divide(vol * catch, tot, out=np.zeros_like(tot), where=tot > 0)
    return np.asarray(sub.multiply(scale[:, None]).sum(axis=0)).ravel()


def _result(paths, A, sites, chosen, existing, catch, *, total, k, method, name, status, objective, bound, gap,
            greedy_volume=float("nan"), iterations=0, seconds=0.0, stats=None) -> Plan:
    p = sites["detection"].to_numpy(float)
    vol = paths["volume"].to_numpy(float)
    chosen = np.unique(np.asarray(chosen, dtype=int))
    out_paths = pd.DataFrame(paths.drop(columns=[c for c in ("geometry",) if c in paths.columns]))
    out_paths["p_intercept"] = catch
    out_paths["intercepted"] = vol * catch
    chosen_sites = sites.iloc[chosen].copy()
    chosen_sites["existing"] = np.isin(chosen, existing)
    chosen_sites["catch"] = _site_catch(A, p, chosen, vol, catch) if len(chosen) else []
    volume = float(out_paths["intercepted"].sum())
    by_type = {}
    if "case_type" in out_paths.columns:
        g = out_paths.groupby("case_type")[["intercepted", "volume"]].sum()
        by_type = {str(t): float(r["intercepted"] / r["volume"]) if r["volume"] > 0 else 0.0 for t, r in g.iterrows()}
    sites_gdf = gpd.GeoDataFrame(chosen_sites.reset_index(drop=True), geometry="geometry", crs=sites.crs) \
        if isinstance(sites, gpd.GeoDataFrame) else chosen_sites.reset_index(drop=True)
    return Plan(sites=sites_gdf, volume=volume, share=volume / total if total > 0 else 0.0, total_volume=total,
                paths=out_paths, status=status, objective=objective, bound=bound, gap=gap, k=k, method=method,
                name=name, greedy_volume=greedy_volume, share_by_case_type=by_type, iterations=iterations,
                seconds=seconds, stats=stats or {})


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


def _pad(chosen, A, vol, k, ex, fb) -> np.ndarray:
    """Fill the budget up to k when the optimum needs fewer sites (extra sites add nothing)."""
    chosen = np.unique(chosen)
    new = np.setdiff1d(chosen, ex)
    missing = k - len(new)
    if missing <= 0:
        return chosen
    through = np.asarray(A.T @ vol).ravel()
    ok = np.ones(A.shape[1], dtype=bool)
    ok[chosen] = False
    ok[ex] = False
    ok[fb] = False
    idx = np.flatnonzero(ok)
    extra = idx[np.argsort(-through[idx], kind="stable")[:missing]]
    return np.union1d(chosen, extra)


def compare(plans: Mapping[str, Plan] | Iterable[Plan], flows=None) -> pd.DataFrame:
    """Side-by-side table of plans; with ``flows``, every plan is re-scored on those flows."""
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
               "intercepted_per_year": volume, "share": volume / total if total else 0.0}
        for t, s in sorted(by_type.items()):
            row[f"share_{t}"] = s
        row.update({"sites_shared_with_first": len(first & set(pl.site_ids)), "status": pl.status,
                    "gap": pl.gap, "seconds": pl.seconds})
        rows.append(row)
    return pd.DataFrame(rows).set_index("plan")


from models.placement_robust import Evaluation, evaluate, plan_robust, plan_top_volume  # noqa: E402
from models.placement_rotation import Rotation, rotation  # noqa: E402
