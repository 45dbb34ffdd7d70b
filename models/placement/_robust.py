"""Smugglers who re-route: evaluation of plans, robust (max-min) plans and the hotspot baseline.

Two re-routing models:

* ``best_response`` - every origin-destination moves to the route that gets
  through most often among the routes at most ``detour`` dearer than its
  cheapest (``placement_routes``).  Zero-sum: what the robust plan optimises.
* ``logit`` - ``routes.flows.assign`` re-assigns flows with the checkpoints in
  place (its route choice weighs the expected loss of being caught).
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from models.placement import _milp as milp
from models.placement._base import _check_request, _flows_parts, _pad, _result
from models.placement._routes import ODs, RouteFinder, checkpoint_weights, od_table, routes_frame, site_weights
from models.placement._sites import candidates as default_candidates
from models.placement._sites import incidence, validate_sites

REROUTING_MODELS = ("best_response", "logit")
EARLY_MIP_GAP = 0.05


@dataclass
class Evaluation:
    """Intercepted share of a plan before and after smugglers adapt to it."""

    share_before: float
    share_after: float
    volume_before: float
    volume_after: float
    total_volume: float
    model: str
    paths_before: pd.DataFrame   # per path: origin, destination, case_type, volume, p_intercept, intercepted
    paths_after: pd.DataFrame
    by_case_type: pd.DataFrame = field(default_factory=pd.DataFrame)  # share before/after per case_type

    @property
    def loss(self) -> float:
        """Share of the static catch lost to re-routing."""
        return 1.0 - self.share_after / self.share_before if self.share_before > 0 else 0.0


class _Routes:
    """Growing set of routes per OD with its site incidence."""

    def __init__(self, finder: RouteFinder, ods: ODs, sites: pd.DataFrame):
        self.finder, self.ods, self.sites = finder, ods, sites
        self.records: list[dict] = []
        self.seen: set = set()
        self.by_od: dict[int, list[int]] = {i: [] for i in range(len(ods.keys))}

    def add(self, od: int, nodes, edges, cost) -> bool:
        key = (od, tuple(edges), tuple(nodes))
        if key in self.seen:
            return False
        self.seen.add(key)
        o, d, pref = self.ods.keys[od]
        self.records.append({"od": od, "origin_node": o, "destination_node": d, "mode_preference": pref,
                             "nodes": list(nodes), "edges": [tuple(e) for e in edges], "cost": cost})
        self.by_od[od].append(len(self.records) - 1)
        return True

    def matrix(self):
        frame = routes_frame(self.records, self.finder.G)
        return frame, incidence(frame, self.sites, self.finder.G)


def _best_responses(finder: RouteFinder, ods: ODs, sites: pd.DataFrame, chosen: np.ndarray) -> pd.DataFrame:
    p = sites["detection"].to_numpy(float)
    a = np.zeros(len(sites))
    a[chosen] = checkpoint_weights(p[chosen])
    node_w, link_w = site_weights(sites, finder.links, a)
    recs = []
    for od, (o, d, pref) in enumerate(ods.keys):
        nodes, edges, cost, w = finder.best_route(o, d, pref, node_w, link_w)
        recs.append({"od": od, "nodes": nodes, "edges": edges, "cost": cost, "p_intercept": 1.0 - np.exp(-w)})
    return pd.DataFrame(recs)


def _cheapest(finder: RouteFinder, ods: ODs) -> pd.DataFrame:
    recs = []
    for od, (o, d, pref) in enumerate(ods.keys):
        nodes, edges, cost, _ = finder.best_route(o, d, pref)
        recs.append({"od": od, "nodes": nodes, "edges": edges, "cost": cost})
    return pd.DataFrame(recs)


def _per_demand(ods: ODs, per_od: pd.DataFrame, catch: np.ndarray) -> pd.DataFrame:
    """Expand per-OD routes and catches to the demand rows (split by case_type)."""
    t = ods.table
    out = t[["origin", "destination", "mode_preference", "case_type", "volume"]].copy()
    idx = t["od"].to_numpy()
    out["nodes"] = per_od["nodes"].to_numpy()[idx]
    out["edges"] = per_od["edges"].to_numpy()[idx]
    out["p_intercept"] = np.asarray(catch)[idx]
    out["intercepted"] = out["volume"] * out["p_intercept"]
    return out


def _catch_on(paths: pd.DataFrame, G, sites: pd.DataFrame) -> np.ndarray:
    A = incidence(paths, sites, G)
    return 1.0 - milp.survival(A, sites["detection"].to_numpy(float), np.arange(len(sites)))


def _by_case(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    rows = {}
    for label, df in (("share_before", before), ("share_after", after)):
        if "case_type" in df.columns:
            g = df.groupby("case_type")[["intercepted", "volume"]].sum()
            rows[label] = g["intercepted"] / g["volume"]
    return pd.DataFrame(rows)


def evaluate(plan, network, demand: pd.DataFrame, *, adaptive: bool = True, model: str = "logit",
             detour: float = 0.5, assign_kwargs: dict | None = None) -> Evaluation:
    """Intercepted share of ``plan`` before and after smugglers re-route around its sites.

    ``model="logit"`` re-assigns with ``routes.flows.assign(network, demand,
    checkpoints=plan.checkpoints)``; ``model="best_response"`` moves every OD to
    its best evading route within ``detour`` of its cheapest cost.  With
    ``adaptive=False`` the flows stay on their routes (share_after = share_before).
    """
    if model not in REROUTING_MODELS:
        raise ValueError(f"evaluate: model must be one of {REROUTING_MODELS}, got {model!r}")
    sites = validate_sites(plan.sites if hasattr(plan, "sites") else plan)
    if model == "best_response":
        finder = RouteFinder(network, detour=detour)
        ods = od_table(network, demand)
        cheap = _cheapest(finder, ods)
        before = _per_demand(ods, cheap, _catch_on(cheap, network, sites))
        if adaptive:
            br = _best_responses(finder, ods, sites, np.arange(len(sites)))
            after = _per_demand(ods, br, br["p_intercept"].to_numpy())
        else:
            after = before
    else:
        assign = _assign()
        kw = dict(assign_kwargs or {})
        base = assign(network, demand, **kw)
        before = base.paths.drop(columns=["geometry"], errors="ignore").copy()
        before["p_intercept"] = _catch_on(before, network, sites)
        before["intercepted"] = before["volume"] * before["p_intercept"]
        if adaptive:
            moved = assign(network, demand, checkpoints=_checkpoints(sites), **kw)
            after = moved.paths.drop(columns=["geometry"], errors="ignore").copy()
            # score with the same (uncapped) interception rule as `before`
            after["p_intercept"] = _catch_on(after, network, sites)
            after["intercepted"] = after["volume"] * after["p_intercept"]
        else:
            after = before
    total = float(before["volume"].sum())
    vb, va = float(before["intercepted"].sum()), float(after["intercepted"].sum())
    return Evaluation(share_before=vb / total, share_after=va / total, volume_before=vb, volume_after=va,
                      total_volume=total, model=model, paths_before=before, paths_after=after,
                      by_case_type=_by_case(before, after))


def _assign():
    try:
        from routes.flows import assign
    except ImportError as err:
        raise ImportError("evaluate(model='logit') needs routes.flows.assign, which is not available: "
                          f"{err}. Use model='best_response'.") from err
    return assign


def _checkpoints(sites: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in ("site_id", "detection", "node", "edge", "capacity") if c in sites.columns]
    return pd.DataFrame(sites[cols]).reset_index(drop=True)


def plan_robust(network, demand: pd.DataFrame, k: int, *, candidates: pd.DataFrame | None = None,
                existing: Iterable = (), required: Iterable = (), forbidden: Iterable = (), detour: float = 0.5,
                gap_tol: float = 0.01, max_iter: int = 50, time_limit: float = 5.0,
                mip_rel_gap: float = 0.005, max_seconds: float = 120.0, name: str = "",
                progress: Callable[[str, float], None] | None = None):
    """Sites that keep intercepting after smugglers re-route (max-min interdiction by route generation).

    Each iteration solves the covering MILP where every OD counts its
    least-intercepted known route, then lets each OD find its best evading
    route against the chosen sites and adds it.  Stops when no route evades
    or the gap between the MILP bound and the best evaluated plan is <= gap_tol.
    Each MILP gets ``time_limit`` seconds and ``mip_rel_gap``; the whole search
    stops after ``max_seconds`` and reports the gap it reached (``Plan.gap``).
    """

    t0 = time.perf_counter()
    say = progress or (lambda stage, frac: None)
    sites = validate_sites(default_candidates(network) if candidates is None else candidates)
    ex, rq, fb = _check_request(sites, k, existing, required, forbidden)
    finder = RouteFinder(network, detour=detour)
    ods = od_table(network, demand)
    p = sites["detection"].to_numpy(float)
    pool = _Routes(finder, ods, sites)
    for r in _cheapest(finder, ods).itertuples():
        pool.add(r.od, r.nodes, r.edges, r.cost)

    best = None  # (lower bound, chosen, best responses)
    upper = np.inf
    warm = None
    status = ""
    it = 0
    gap = np.inf
    # early iterations only need a good direction: solve them loosely, tighten when no route evades
    loose = max(mip_rel_gap, EARLY_MIP_GAP)
    for it in range(1, max_iter + 1):
        say(f"iteration {it}", min(0.9, it / (max_iter + 1)))
        frame, A = pool.matrix()
        R, inverse = milp.merge_rows(A)
        groups = sp.csr_matrix((np.ones(len(frame)), (frame["od"].to_numpy(), inverse)),
                               shape=(len(ods.keys), R.shape[0]))
        groups.data[:] = 1.0
        left = max_seconds - (time.perf_counter() - t0)
        res = milp.solve(R, p, ods.volume, k, groups=groups, fixed_on=ex, required=rq, forbidden=fb,
                         warm_start=warm, time_limit=max(1.0, min(time_limit, left)), mip_rel_gap=loose)
        status = res.status
        chosen = res.chosen
        warm = np.setdiff1d(chosen, ex)
        if np.isfinite(res.bound):
            upper = min(upper, res.bound)
        br = _best_responses(finder, ods, sites, chosen)
        value = float(ods.volume @ br["p_intercept"].to_numpy())
        if best is None or value > best[0] + 1e-9:
            best = (value, chosen, br)
        gap = (upper - best[0]) / max(upper, 1e-12) if np.isfinite(upper) else np.inf
        # routes that evade the current sites better than every known route of their OD
        known = 1.0 - milp.survival(A, p, chosen)
        worst_known = np.full(len(ods.keys), np.inf)
        np.minimum.at(worst_known, frame["od"].to_numpy(), known)
        added = 0
        for r in br.itertuples():
            if r.p_intercept < worst_known[r.od] - 1e-9:
                added += pool.add(r.od, r.nodes, r.edges, r.cost)
        if gap <= gap_tol or time.perf_counter() - t0 > max_seconds:
            break
        if added == 0:
            if loose > mip_rel_gap:
                loose = mip_rel_gap
                continue
            break
    value, chosen, br = best
    frame, A = pool.matrix()
    chosen = _pad(chosen, A, ods.volume[frame["od"].to_numpy()], k, ex, fb)
    br = _best_responses(finder, ods, sites, chosen)
    paths = _per_demand(ods, br, br["p_intercept"].to_numpy())
    paths.insert(0, "path_id", np.arange(len(paths)))
    A_final = incidence(paths, sites, network)
    stats = {"routes_generated": len(pool.records), "ods": len(ods.keys), "mip_status_last": status,
             "upper_bound": upper, "detour": detour}
    return _result(paths, A_final, sites, chosen, ex, paths["p_intercept"].to_numpy(), total=float(ods.volume.sum()),
                   k=k, method="robust", name=name, status=status, objective=value, bound=upper, gap=float(gap),
                   iterations=it, seconds=time.perf_counter() - t0, stats=stats)


def plan_top_volume(flows, k: int, *, candidates: pd.DataFrame | None = None, existing: Iterable = (),
                    required: Iterable = (), forbidden: Iterable = (), name: str = ""):
    """Baseline: the k candidate sites with the most flow passing them ("the k biggest hotspots")."""

    t0 = time.perf_counter()
    paths, G = _flows_parts(flows)
    sites = validate_sites(default_candidates(G) if candidates is None else candidates)
    ex, rq, fb = _check_request(sites, k, existing, required, forbidden)
    A = incidence(paths, sites, G)
    vol = paths["volume"].to_numpy(float)
    through = np.asarray(A.T @ vol).ravel()
    ok = np.ones(len(sites), dtype=bool)
    ok[np.concatenate([ex, rq, fb]).astype(int)] = False
    idx = np.flatnonzero(ok)
    pick = idx[np.argsort(-through[idx], kind="stable")[:k - len(rq)]]
    chosen = np.concatenate([ex, rq, pick]).astype(int)
    p = sites["detection"].to_numpy(float)
    catch = 1.0 - milp.survival(A, p, chosen)
    value = float(vol @ catch)
    return _result(paths, A, sites, chosen, ex, catch, total=float(vol.sum()), k=k, method="top_volume",
                   name=name, status="heuristic", objective=value, bound=float("nan"), gap=float("nan"),
                   seconds=time.perf_counter() - t0)


def own_flows(network, demand: pd.DataFrame, *, detour: float = 0.5):
    """All-or-nothing flows on each OD's cheapest route, in the FlowResult shape.

    Used where ``routes.flows`` is not wanted (the best-response world starts
    from cheapest routes) and by the tests.
    """
    finder = RouteFinder(network, detour=detour)
    ods = od_table(network, demand)
    cheap = _cheapest(finder, ods)
    paths = _per_demand(ods, cheap, np.zeros(len(cheap)))
    paths.insert(0, "path_id", np.arange(len(paths)))
    paths = routes_frame(paths.to_dict("records"), network)
    total = float(paths["volume"].sum())
    return SimpleFlows(paths=paths, graph=network, demand=demand, total_volume=total)


@dataclass
class SimpleFlows:
    """Minimal FlowResult-shaped container (paths, graph, demand)."""

    paths: pd.DataFrame
    graph: object
    demand: pd.DataFrame
    total_volume: float
    checkpoints: object = None
    edge_flows: pd.DataFrame = field(default_factory=pd.DataFrame)
    intercepted_volume: float = 0.0
    intercepted_share: float = 0.0
