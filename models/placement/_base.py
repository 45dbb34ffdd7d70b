"""What every placement method shares: the ``Plan`` result, request checks, padding to k sites."""
from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from models.placement._sites import resolve_ids

DAYS_PER_YEAR = 365.0


@dataclass
class Plan:
    """A set of checkpoint sites, what they intercept today and once smugglers re-route.

    ``share_today`` is the share caught on the flows the plan was made for (nobody re-routes);
    ``share_best_response``, ``share_logit`` and ``share_bypass`` the share caught when the
    ``informed`` share of smugglers re-routes (best response; ``routes.flows`` logit; best response
    on the network with local bypasses), NaN until measured (``plan_robust`` fills the first,
    ``assess`` all three).  ``share`` is an alias of ``share_today``.
    """

    sites: gpd.GeoDataFrame          # chosen sites (+ ``existing`` flag and ``catch`` migrants/year)
    volume: float                    # migrants/year intercepted today (nobody re-routes)
    share_today: float               # volume / total
    total_volume: float
    paths: pd.DataFrame              # per path today: volume, p_intercept, intercepted
    status: str                      # solver status ("optimal", "node limit reached", "greedy (...)")
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
    share_best_response: float = float("nan")
    share_logit: float = float("nan")
    share_bypass: float = float("nan")
    informed: float = float("nan")              # informed share the three shares above were measured at
    informed_range: tuple | None = None         # (low, high) a robust plan was planned for
    bypass_multiple: float = float("nan")       # bypass cost multiple of ``share_bypass``
    paths_best_response: pd.DataFrame | None = None  # per demand row: informed smugglers' route and catch

    @property
    def share(self) -> float:
        """Alias of ``share_today``: the share caught on the plan's own flows, nobody re-routing."""
        return self.share_today

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
                "volume": self.volume, "share_today": self.share_today,
                "share_best_response": self.share_best_response, "share_logit": self.share_logit,
                "share_bypass": self.share_bypass, "informed": self.informed,
                "informed_range": self.informed_range, "status": self.status, "gap": self.gap,
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
    return Plan(sites=sites_gdf, volume=volume, share_today=volume / total if total > 0 else 0.0, total_volume=total,
                paths=out_paths, status=status, objective=objective, bound=bound, gap=gap, k=k, method=method,
                name=name, greedy_volume=greedy_volume, share_by_case_type=by_type, iterations=iterations,
                seconds=seconds, stats=stats or {})


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


