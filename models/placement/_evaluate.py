"""What a plan catches once smugglers know it: ``evaluate`` and ``Evaluation``, plus the route tables it uses.

Two re-routing models, both with the same informed share (the share of smugglers who know the plan;
the rest stay on today's routes):

* ``best_response`` - every informed OD moves to the route that gets through most often among the
  routes at most ``detour`` dearer than its cheapest (``_routes``).  Zero-sum: what ``plan_robust``
  optimises.  Today's route is the cheapest one.
* ``logit`` - ``routes.flows.assign(..., checkpoints=..., informed_share=...)`` re-assigns the flows
  (its route choice weighs the expected loss of being caught); today's routes are its own flows
  without checkpoints.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from models.placement import _milp as milp
from models.placement._routes import ODs, RouteFinder, checkpoint_weights, od_table, routes_frame, site_weights
from models.placement._sites import incidence, validate_sites

REROUTING_MODELS = ("best_response", "logit")
DEFAULT_INFORMED = 1.0  # everyone knows the plan: the cautious default, the same for both models


@dataclass
class Evaluation:
    """Intercepted share of a plan before and after the informed smugglers adapt to it."""

    share_before: float
    share_after: float
    volume_before: float
    volume_after: float
    total_volume: float
    model: str
    paths_before: pd.DataFrame   # per path: origin, destination, case_type, volume, p_intercept, intercepted
    paths_after: pd.DataFrame    # best response: informed rows (``informed`` True) and the rest on today's route
    by_case_type: pd.DataFrame = field(default_factory=pd.DataFrame)  # share before/after per case_type
    informed: float = DEFAULT_INFORMED

    @property
    def loss(self) -> float:
        """Share of the static catch lost to re-routing."""
        return 1.0 - self.share_after / self.share_before if self.share_before > 0 else 0.0


def check_informed(informed) -> float:
    """The informed share as a float in [0, 1] (``None`` = the routes scenario's ``informed_share``)."""
    if informed is None:
        from models.placement._routes import scenario_value
        informed = scenario_value("route_choice.informed_share", DEFAULT_INFORMED)
    try:
        value = float(informed)
    except (TypeError, ValueError) as err:
        raise ValueError(f"informed share must be a number in [0, 1], got {informed!r}") from err
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"informed share must lie in [0, 1], got {value}")
    return value


def best_responses(finder: RouteFinder, ods: ODs, sites: pd.DataFrame, chosen: np.ndarray) -> pd.DataFrame:
    """Per OD: the route getting through most often against the chosen sites, its cost, weight and catch."""
    p = sites["detection"].to_numpy(float)
    a = np.zeros(len(sites))
    a[chosen] = checkpoint_weights(p[chosen])
    node_w, link_w = site_weights(sites, finder.links, a)
    recs = []
    for od, (o, d, pref) in enumerate(ods.keys):
        nodes, edges, cost, w = finder.best_route(o, d, pref, node_w, link_w)
        recs.append({"od": od, "nodes": nodes, "edges": edges, "cost": cost, "weight": w,
                     "p_intercept": 1.0 - np.exp(-w)})
    return pd.DataFrame(recs)


def cheapest_routes(finder: RouteFinder, ods: ODs) -> pd.DataFrame:
    """Per OD: today's route (the cheapest) and its cost."""
    recs = []
    for od, (o, d, pref) in enumerate(ods.keys):
        nodes, edges, cost, _ = finder.best_route(o, d, pref)
        recs.append({"od": od, "nodes": nodes, "edges": edges, "cost": cost})
    return pd.DataFrame(recs)


def per_demand(ods: ODs, per_od: pd.DataFrame, catch: np.ndarray) -> pd.DataFrame:
    """Expand per-OD routes and catches to the demand rows (split by case_type)."""
    t = ods.table
    out = t[["origin", "destination", "mode_preference", "case_type", "volume"]].copy()
    idx = t["od"].to_numpy()
    out["nodes"] = per_od["nodes"].to_numpy()[idx]
    out["edges"] = per_od["edges"].to_numpy()[idx]
    out["p_intercept"] = np.asarray(catch)[idx]
    out["intercepted"] = out["volume"] * out["p_intercept"]
    return out


def catch_on(paths: pd.DataFrame, G, sites: pd.DataFrame) -> np.ndarray:
    """Exact catch 1 - prod(1 - p) of every path against all of ``sites``."""
    A = incidence(paths, sites, G)
    return 1.0 - milp.survival(A, sites["detection"].to_numpy(float), np.arange(len(sites)))


def mix(today: pd.DataFrame, moved: pd.DataFrame, informed: float) -> pd.DataFrame:
    """Paths of the informed share (moved) and of the rest (today), volumes split by ``informed``."""
    parts = []
    for frame, share, flag in ((moved, informed, True), (today, 1.0 - informed, False)):
        if share > 0:
            part = frame.copy()
            part["volume"] = part["volume"] * share
            part["intercepted"] = part["volume"] * part["p_intercept"]
            part["informed"] = flag
            parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _by_case(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    rows = {}
    for label, df in (("share_before", before), ("share_after", after)):
        if "case_type" in df.columns:
            g = df.groupby("case_type")[["intercepted", "volume"]].sum()
            rows[label] = g["intercepted"] / g["volume"]
    return pd.DataFrame(rows)


def _best_response_paths(sites, network, demand, detour, informed, adaptive):
    finder = RouteFinder(network, detour=detour)
    ods = od_table(network, demand)
    cheap = cheapest_routes(finder, ods)
    before = per_demand(ods, cheap, catch_on(cheap, network, sites))
    if not adaptive:
        return before, before
    br = best_responses(finder, ods, sites, np.arange(len(sites)))
    return before, mix(before, per_demand(ods, br, br["p_intercept"].to_numpy()), informed)


def _logit_paths(sites, network, demand, informed, adaptive, assign_kwargs):
    assign = _assign()
    kw = {**(assign_kwargs or {}), "informed_share": informed}
    base = assign(network, demand, **kw)
    before = base.paths.drop(columns=["geometry"], errors="ignore").copy()
    before["p_intercept"] = catch_on(before, network, sites)
    before["intercepted"] = before["volume"] * before["p_intercept"]
    if not adaptive:
        return before, before
    moved = assign(network, demand, checkpoints=checkpoint_table(sites), **kw)
    after = moved.paths.drop(columns=["geometry"], errors="ignore").copy()
    # score with the same (uncapped) interception rule as `before`
    after["p_intercept"] = catch_on(after, network, sites)
    after["intercepted"] = after["volume"] * after["p_intercept"]
    return before, after


def evaluate(plan, network, demand: pd.DataFrame, *, adaptive: bool = True, model: str = "logit",
             detour: float = 0.5, informed: float | None = DEFAULT_INFORMED,
             assign_kwargs: dict | None = None) -> Evaluation:
    """Intercepted share of ``plan`` before and after the informed smugglers re-route around its sites.

    Parameters
    ----------
    plan : Plan or DataFrame
        A plan, or a checkpoint table following the candidate contract.
    network, demand : MultiDiGraph, DataFrame
        The route network and the origin-destination demand.
    adaptive : bool
        False keeps every flow on its route (share_after = share_before).
    model : {"logit", "best_response"}
        ``logit`` re-assigns with ``routes.flows.assign(..., informed_share=informed)``;
        ``best_response`` moves the informed share of every OD to its best evading route within
        ``detour`` of its cheapest cost, the rest stays on the cheapest route.
    informed : float or None
        Share of smugglers who know the plan, the same for both models (None: the routes scenario's).

    Returns
    -------
    Evaluation
    """
    if model not in REROUTING_MODELS:
        raise ValueError(f"evaluate: model must be one of {REROUTING_MODELS}, got {model!r}")
    informed = check_informed(informed)
    sites = validate_sites(plan.sites if hasattr(plan, "sites") else plan)
    if model == "best_response":
        before, after = _best_response_paths(sites, network, demand, detour, informed, adaptive)
    else:
        before, after = _logit_paths(sites, network, demand, informed, adaptive, assign_kwargs)
    total = float(before["volume"].sum())
    vb, va = float(before["intercepted"].sum()), float(after["intercepted"].sum())
    return Evaluation(share_before=vb / total, share_after=va / total, volume_before=vb, volume_after=va,
                      total_volume=total, model=model, paths_before=before, paths_after=after,
                      by_case_type=_by_case(before, after), informed=informed)


def _assign():
    try:
        from routes.flows import assign
    except ImportError as err:
        raise ImportError("evaluate(model='logit') needs routes.flows.assign, which is not available: "
                          f"{err}. Use model='best_response'.") from err
    return assign


def checkpoint_table(sites: pd.DataFrame) -> pd.DataFrame:
    """The sites as a checkpoint table for ``routes.flows.assign`` (contract columns)."""
    cols = [c for c in ("site_id", "detection", "node", "edge", "capacity") if c in sites.columns]
    return pd.DataFrame(sites[cols]).reset_index(drop=True)


def own_flows(network, demand: pd.DataFrame, *, detour: float = 0.5):
    """All-or-nothing flows on each OD's cheapest route, in the FlowResult shape.

    Used where ``routes.flows`` is not wanted (the best-response world starts
    from cheapest routes) and by the tests.
    """
    finder = RouteFinder(network, detour=detour)
    ods = od_table(network, demand)
    cheap = cheapest_routes(finder, ods)
    paths = per_demand(ods, cheap, np.zeros(len(cheap)))
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
