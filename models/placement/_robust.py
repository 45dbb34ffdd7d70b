"""Robust plans: sites that keep intercepting once the informed smugglers re-route (``plan_robust``),
and the hotspot baseline ``plan_top_volume``.

``plan_robust`` solves the max-min interdiction exactly by route generation (Israeli & Wood 2002's
covering decomposition): a master MILP over the routes known so far (``_master``) proposes sites and
proves an upper bound; the best-response oracle (``_routes``) gives each proposal's exact value and
the evading routes the master did not know; repeat until bound and best value meet within
``gap_tol``.  Only work limits stop it (master rounds, branch-and-bound nodes); an optional
``time_limit`` stops it with its incumbent and bound reported.  The static, greedy and busiest-sites
plans (and any ``incumbents`` given) are evaluated first, so it is never worse than them.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from models.placement import _milp as milp
from models.placement._base import _check_request, _flows_parts, _pad, _result
from models.placement._evaluate import (DEFAULT_INFORMED, Evaluation, SimpleFlows, best_responses,
                                        check_informed, cheapest_routes, evaluate, own_flows, per_demand)
from models.placement._master import RobustMaster
from models.placement._oracle import BestResponseOracle
from models.placement._pool_search import PoolModel
from models.placement._routes import ODs, RouteFinder, checkpoint_weights, od_table
from models.placement._sites import candidates as default_candidates
from models.placement._sites import incidence, resolve_ids, validate_sites

# own_flows, SimpleFlows, evaluate and Evaluation stay importable from here (tests, bench, pages use them)
__all__ = ["plan_robust", "plan_top_volume", "own_flows", "SimpleFlows", "evaluate", "Evaluation"]

MIP_GAP_SHARE = 0.5       # of gap_tol, asked of each master solve
EXPLORE_NODES = 300       # branch-and-bound nodes of a solve while the master is wrong at its answers
LP_ROUNDING_EVERY = 5     # LP rounds between two rounded incumbents
MAX_LP_ROUNDS = 100
MAX_POOL_ROUNDS = 50      # route-pool searches before the master MILP
LP_STALL_ROUNDS, LP_STALL_GAIN = 3, 1e-4  # the LP phase ends when 3 rounds gain < 0.01%
TOLERANCE = 1e-9
CUT_TOLERANCE = 1e-7      # a catch the master over-states by less is solver noise (HiGHS feasibility 1e-7)
TANGENT_WINDOW = 0.02     # tangents only at plans within 2% of the best value
EXACT = 1e-6              # relative: the master is exact at a plan it over-states by less (solver noise)


@dataclass
class _Problem:
    """Everything fixed while searching: the network's routes, sites, weights, request and informed range."""

    finder: RouteFinder
    ods: ODs
    sites: pd.DataFrame
    a: np.ndarray                 # -log(1 - p) per site
    k: int
    existing: np.ndarray
    required: np.ndarray
    forbidden: np.ndarray
    thetas: tuple[float, float]   # the informed range asked for (reported)
    today: pd.DataFrame           # per OD: cheapest route
    today_sites: list             # per OD: site positions on today's route
    oracle: BestResponseOracle


@dataclass
class _Search:
    """Search state: the master, the known routes per OD (as site sets) and the best plan found."""

    master: RobustMaster
    known: list                   # per OD: list of site-position arrays
    best_value: float = -np.inf
    best_chosen: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    best_source: str = ""
    upper: float = np.inf
    evaluated: int = 0
    seen: dict = field(default_factory=dict)  # frozenset of sites -> exact value


def _informed_range(informed) -> tuple[float, float]:
    if isinstance(informed, (tuple, list, np.ndarray)):
        if len(informed) != 2:
            raise ValueError(f"informed must be a share or a (low, high) pair, got {informed!r}")
        lo, hi = check_informed(informed[0]), check_informed(informed[1])
        if lo > hi:
            raise ValueError(f"informed range ({lo}, {hi}): low must not exceed high")
        return lo, hi
    value = check_informed(informed)
    return value, value


def _setup(network, demand, k, candidates, existing, required, forbidden, detour, informed) -> _Problem:
    sites = validate_sites(default_candidates(network) if candidates is None else candidates)
    ex, rq, fb = _check_request(sites, k, existing, required, forbidden)
    finder = RouteFinder(network, detour=detour)
    ods = od_table(network, demand)
    today = cheapest_routes(finder, ods)
    A = incidence(today, sites, network)
    today_sites = [A.indices[A.indptr[i]:A.indptr[i + 1]] for i in range(A.shape[0])]
    a = checkpoint_weights(sites["detection"].to_numpy(float))
    return _Problem(finder, ods, sites, a, k, ex, rq, fb, _informed_range(informed), today, today_sites,
                    BestResponseOracle(finder, ods, sites))


def _planning_share(prob: _Problem) -> float:
    """The range's high end: an informed smuggler can keep today's route, so no OD's catch after best
    response exceeds today's, every plan's mixed catch falls with the informed share and its worst
    case over the range is at the high end.  The search models that end alone (same optimum, and no
    today's part in the master when it is 1)."""
    return prob.thetas[1]


def _value(prob: _Problem, w_informed: np.ndarray, w_today: np.ndarray) -> tuple[float, float]:
    """Worst case over the informed range of the mixed catch (migrants/year) and the share where it occurs."""
    caught, stayed = prob.ods.volume @ -np.expm1(-w_informed), prob.ods.volume @ -np.expm1(-w_today)
    values = [(theta * caught + (1.0 - theta) * stayed, theta) for theta in prob.thetas]
    return min(values)


def _route_weight(prob: _Problem, site_sets: list, x: np.ndarray) -> np.ndarray:
    return np.array([x[s] @ prob.a[s] for s in site_sets])


def _cut(prob: _Problem, search: _Search, chosen: np.ndarray, eta=None, tau=None) -> float:
    """Exact value of ``chosen``; add its evading routes, and the tangents the master lacks there
    when the plan is within ``TANGENT_WINDOW`` of the best (far worse plans never decide the proof)."""
    x = np.zeros(len(prob.a))
    x[chosen] = 1.0
    known_w = np.array([min(x[s] @ prob.a[s] for s in known) for known in search.known])
    w_star, routes = prob.oracle.routes(prob.a * x, lighter_than=known_w)  # known routes are in budget
    w_today = _route_weight(prob, prob.today_sites, x)
    value, _ = _value(prob, w_star, w_today)
    close = value >= (1.0 - TANGENT_WINDOW) * max(search.best_value, value)
    for g, route in enumerate(routes):
        if route is not None and w_star[g] < known_w[g] - TOLERANCE:
            search.known[g].append(route)
            search.master.add_route(g, route)
        if close and (eta is None or eta[g] > -np.expm1(-w_star[g]) + CUT_TOLERANCE):
            search.master.add_tangents(g, [w_star[g]])
        if close and search.master.today and (tau is None or tau[g] > -np.expm1(-w_today[g]) + CUT_TOLERANCE):
            search.master.add_tangents(g, [w_today[g]], today=True)
    search.evaluated += 1
    return value


def _consider(prob: _Problem, search: _Search, chosen, source: str, eta=None, tau=None) -> float:
    """The exact value of a plan (each plan is checked once), kept when it is the best so far."""
    chosen = np.unique(np.asarray(chosen, int))
    key = frozenset(chosen.tolist())
    if key in search.seen:
        return search.seen[key]
    value = search.seen[key] = _cut(prob, search, chosen, eta, tau)
    if value > search.best_value + TOLERANCE * max(1.0, abs(value)):
        search.best_value, search.best_chosen, search.best_source = value, chosen, source
    return value


def _feasible(prob: _Problem, chosen) -> np.ndarray:
    """A candidate plan made to fit the request: existing and required in, forbidden out, at most k new."""
    chosen = np.setdiff1d(np.asarray(chosen, int), np.r_[prob.forbidden, prob.existing])
    new = np.r_[prob.required, [c for c in chosen if c not in set(prob.required)]][:prob.k]
    return np.unique(np.r_[prob.existing, new]).astype(int)


def _baseline_plans(prob: _Problem) -> dict:
    """Static (proven MCLP on today's routes), greedy and busiest-sites site sets."""
    from scipy import sparse as sp
    rows = [np.asarray(s, int) for s in prob.today_sites]
    A = sp.csr_matrix((np.ones(sum(map(len, rows))), np.concatenate(rows + [np.zeros(0, int)]),
                       np.r_[0, np.cumsum([len(r) for r in rows])]), shape=(len(rows), len(prob.a)))
    p = prob.sites["detection"].to_numpy(float)
    vol = prob.ods.volume
    allowed = np.ones(len(p), dtype=bool)
    allowed[prob.forbidden] = False
    static = milp.solve(A, p, vol, prob.k, fixed_on=prob.existing, required=prob.required,
                        forbidden=prob.forbidden, time_limit=1e9).chosen
    greedy = np.r_[prob.existing, milp.greedy(A, vol, p, prob.k, fixed_on=prob.existing, required=prob.required,
                                              allowed=allowed)]
    through = np.asarray(A.T @ vol).ravel()
    order = np.argsort(-through, kind="stable")
    busiest = [j for j in order if allowed[j] and j not in set(prob.existing)]
    return {"static": static, "greedy": greedy, "busiest sites": np.r_[prob.required, busiest]}


def _incumbent_ids(prob: _Problem, incumbents) -> list:
    out = []
    for i, inc in enumerate(incumbents or ()):
        ids = inc.site_ids if hasattr(inc, "site_ids") else list(inc)
        known = [s for s in ids if s in set(prob.sites["site_id"])]
        out.append((f"incumbent {i + 1}", resolve_ids(prob.sites, known, "incumbents")))
    return out


def _seed(prob: _Problem, search: _Search, incumbents) -> None:
    """Evaluate the baselines and given incumbents: the search starts from the best of them."""
    for g, sites_today in enumerate(prob.today_sites):
        search.known[g].append(np.asarray(sites_today, int))
        search.master.add_route(g, sites_today)
        if search.master.today:
            search.master.add_route(g, sites_today, today=True)
    candidates = list(_baseline_plans(prob).items()) + _incumbent_ids(prob, incumbents)
    for source, chosen in candidates:
        _consider(prob, search, _feasible(prob, chosen), source)


def _lp_routes(prob: _Problem, search: _Search, x, w) -> int:
    """Evading routes the LP relaxation's answer misses (fractional sites weigh a_j x_j); returns how many.

    Only routes: tangents at fractional weights would bloat every later master solve for little bound.
    """
    weight = np.where(x > 1e-7, prob.a * x, 0.0)
    _, routes = prob.oracle.routes(weight, lighter_than=np.asarray(w) - TOLERANCE)
    added = 0
    for g in range(len(prob.ods.keys)):
        if routes[g] is not None:
            search.known[g].append(routes[g])
            search.master.add_route(g, routes[g])
            added += 1
    return added


def _rounded(prob: _Problem, x: np.ndarray) -> np.ndarray:
    """The LP answer rounded: required sites, then the largest x_j, up to k new sites."""
    order = np.argsort(-x, kind="stable")
    return _feasible(prob, [j for j in order if x[j] > 1e-7])


def _lp_phase(prob: _Problem, search: _Search, max_rounds: int, say, limits) -> int:
    """Route generation on the LP relaxation: cheap rounds that teach the master most evading routes."""
    rounds, history = 0, []
    for rounds in range(1, max_rounds + 1):
        left = limits.time_left()
        if left is not None and left <= 0:
            break
        say(f"LP round {rounds}", 0.1)
        x, obj, w = search.master.solve_lp()
        search.upper = min(search.upper, obj)  # fewer routes, tangents, fractional sites: a relaxation
        history.append(obj)
        added = _lp_routes(prob, search, x, w)
        stalled = len(history) > LP_STALL_ROUNDS and \
            history[-LP_STALL_ROUNDS - 1] - obj <= LP_STALL_GAIN * max(abs(obj), 1e-12)
        if rounds % LP_ROUNDING_EVERY == 0 or added == 0 or stalled:
            _consider(prob, search, _rounded(prob, x), f"LP round {rounds}")
        if added == 0 or stalled:
            break
    return rounds


def _pool_phase(prob: _Problem, search: _Search, max_rounds: int, say, limits, starts=()) -> int:
    """Local search on the route-pool model from the best plan (and ``starts``), each answer checked
    by the oracle, until the search returns a plan already checked (the pool is exact at it)."""
    allowed = np.ones(len(prob.a), dtype=bool)
    allowed[np.r_[prob.forbidden, prob.existing].astype(int)] = False
    fixed = np.r_[prob.existing, prob.required].astype(int)
    movable = prob.k - len(prob.required)
    rounds = 0
    for rounds in range(1, max_rounds + 1):
        left = limits.time_left()
        if left is not None and left <= 0:
            break
        say(f"route-pool search {rounds}", 0.15)
        pool = PoolModel(prob.a, prob.ods.volume, _planning_share(prob), search.known, prob.today_sites)
        plans = [pool.improve(start, fixed, allowed, movable) for start in (search.best_chosen, fixed, *starts)]
        plan = max(plans, key=pool.value)
        if frozenset(plan.tolist()) in search.seen:
            break
        _consider(prob, search, plan, f"route-pool search {rounds}")
    return rounds


@dataclass
class _Limits:
    gap_tol: float
    max_rounds: int
    max_nodes: int
    time_limit: float | None
    t0: float

    def time_left(self) -> float | None:
        return None if self.time_limit is None else self.time_limit - (time.perf_counter() - self.t0)


def _gap(search: _Search) -> float:
    if not np.isfinite(search.upper):
        return np.inf
    return max(0.0, (search.upper - search.best_value) / max(abs(search.upper), 1e-12))


def _learn(prob: _Problem, search: _Search, sol, label: str) -> float:
    """Check the master's answer and every improving plan it met; return how much it over-states its answer."""
    for prop in sol.proposals:
        if prop.objective > search.best_value and len(prop.chosen):
            _consider(prob, search, prop.chosen, label, prop.eta, prop.tau)
    best = sol.best
    value = _consider(prob, search, best.chosen, label, best.eta, best.tau)
    return (best.objective - value) / max(abs(value), 1e-12)


def _search(prob: _Problem, search: _Search, limits: _Limits, say) -> tuple[int, str]:
    """Master rounds until the bound meets the best value, or a work limit is used up.

    Each master solve asks HiGHS for ``MIP_GAP_SHARE`` x ``gap_tol``, leaving room for the master
    to over-state its own answer a little.  While the master over-states its answer it is missing
    routes or tangents there, which the oracle adds before the next solve.  The first solve
    explores: it stops at ``EXPLORE_NODES`` nodes, since a model still learning routes prunes with
    values no plan has; later ones get ``max_nodes``.  Once the master is exact at its answer only
    more work can lower the bound: the node limit is doubled or the MIP gap halved.
    """
    mip_gap, nodes = MIP_GAP_SHARE * limits.gap_tol, min(EXPLORE_NODES, limits.max_nodes)
    rounds = 0
    for rounds in range(1, limits.max_rounds + 1):
        left = limits.time_left()
        if left is not None and left <= 0:
            return rounds - 1, "time limit reached"
        label = f"master round {rounds}"
        say(label, min(0.9, rounds / (limits.max_rounds + 1)))
        sol = search.master.solve(search.best_chosen, mip_gap, nodes, left)
        if np.isfinite(sol.bound):
            search.upper = min(search.upper, sol.bound)
        if _gap(search) <= limits.gap_tol:
            return rounds, "optimal"
        if sol.best is None:
            nodes *= 2  # stopped before any solution: give the next solve more work
            continue
        over = _learn(prob, search, sol, label)
        explored, nodes = nodes < limits.max_nodes, max(nodes, limits.max_nodes)
        if _gap(search) > limits.gap_tol:
            _pool_phase(prob, search, MAX_POOL_ROUNDS, say, limits, starts=[sol.best.chosen])  # a swap may close it
        if _gap(search) <= limits.gap_tol:
            return rounds, "optimal"
        if over > EXACT:
            continue  # the master was wrong at its answer: solve again with what it learnt
        if "node" in sol.status:
            nodes *= 1 if explored else 2  # after exploring the next solve has max_nodes already
        elif "time" in sol.status:
            return rounds, "time limit reached"
        else:
            mip_gap /= 2  # the solve met its gap, ours is still open: ask for more
    return rounds, "round limit reached"


def plan_robust(network, demand: pd.DataFrame, k: int, *, candidates: pd.DataFrame | None = None,
                existing: Iterable = (), required: Iterable = (), forbidden: Iterable = (), detour: float = 0.5,
                informed=DEFAULT_INFORMED, gap_tol: float = 1e-3, max_rounds: int = 200,
                max_lp_rounds: int = MAX_LP_ROUNDS, max_nodes: int = 20_000, time_limit: float | None = None,
                incumbents: Iterable = (),
                name: str = "", progress: Callable[[str, float], None] | None = None,
                max_seconds: float | None = None):
    """Sites that catch the most in the worst case over the informed share, once the informed re-route.

    Parameters
    ----------
    network, demand : MultiDiGraph, DataFrame
        Any osmnx-style route network and its origin-destination demand.
    k : int
        New checkpoints (``existing`` ones are in place and do not use the budget).
    informed : float or (low, high)
        Share of smugglers who know the plan; for a range the objective is the worst case over it of
        informed x catch after best response + rest x catch on today's (cheapest) route.
    detour : float
        Informed smugglers accept routes up to ``(1 + detour)`` x their cheapest cost.
    gap_tol : float
        Stop when (bound - best value) / bound <= gap_tol (proven).
    max_rounds, max_lp_rounds, max_nodes : int
        Work limits: master MILP solves, LP-relaxation rounds before them, and branch-and-bound nodes
        per solve (doubled when a solve stops at it without closing the gap).
    time_limit, max_seconds : float or None
        Seconds (``max_seconds`` is an alias); when reached the incumbent and its proven bound are
        returned and ``status`` says so.  Without them the answer depends on the work limits only.
    incumbents : iterable of Plans or site-id lists
        Further plans to start from (made to fit the request); the answer is never worse than any.

    Returns
    -------
    Plan
        ``method="robust"``; ``share_best_response`` is the worst-case mixed share (``objective`` /
        total), ``informed`` the share where it occurs, ``bound``/``gap`` the proof, ``stats`` the work.
    """
    t0 = time.perf_counter()
    say = progress or (lambda stage, frac: None)
    prob = _setup(network, demand, k, candidates, existing, required, forbidden, detour, informed)
    say("baselines", 0.05)
    master = RobustMaster(prob.sites["detection"].to_numpy(float), prob.ods.volume, k, _planning_share(prob),
                          fixed_on=prob.existing,
                          required=prob.required, forbidden=prob.forbidden)
    search = _Search(master, [[] for _ in prob.ods.keys])
    _seed(prob, search, incumbents)
    limits = _Limits(gap_tol, max_rounds, max_nodes, time_limit if time_limit is not None else max_seconds, t0)
    _lp_phase(prob, search, max_lp_rounds, say, limits)
    _pool_phase(prob, search, MAX_POOL_ROUNDS, say, limits)
    rounds, status = _search(prob, search, limits, say)
    say("report", 0.95)
    return _robust_result(prob, search, rounds, status, name, time.perf_counter() - t0)


def _robust_result(prob: _Problem, search: _Search, rounds: int, status: str, name: str, seconds: float):
    """The best plan, padded to k sites, with today's and the informed smugglers' routes."""
    G = prob.finder.G
    today_A = incidence(prob.today, prob.sites, G)
    chosen = _pad(search.best_chosen, today_A, prob.ods.volume, prob.k, prob.existing, prob.forbidden)
    br = best_responses(prob.finder, prob.ods, prob.sites, chosen)
    today_catch = 1.0 - milp.survival(today_A, prob.sites["detection"].to_numpy(float), chosen)
    value, theta = _value(prob, br["weight"].to_numpy(float), -np.log(np.maximum(1.0 - today_catch, 1e-300)))
    paths = per_demand(prob.ods, prob.today, today_catch)
    paths.insert(0, "path_id", np.arange(len(paths)))
    total = float(prob.ods.volume.sum())
    upper = max(search.upper, value)
    gap = max(0.0, (upper - value) / max(upper, 1e-12)) if np.isfinite(upper) else float("nan")
    stats = {"master_rounds": rounds, "plans_evaluated": search.evaluated, "ods": len(prob.ods.keys),
             "routes_known": int(sum(map(len, search.known))), "best_from": search.best_source,
             "detour": prob.finder.detour, "upper_bound": upper}
    plan = _result(paths, incidence(paths, prob.sites, G), prob.sites, chosen, prob.existing,
                   paths["p_intercept"].to_numpy(), total=total, k=prob.k, method="robust", name=name,
                   status=status, objective=value, bound=upper, gap=float(gap), iterations=rounds,
                   seconds=seconds, stats=stats)
    plan.share_best_response = value / total
    plan.informed = theta
    plan.informed_range = prob.thetas
    plan.paths_best_response = per_demand(prob.ods, br, br["p_intercept"].to_numpy())
    return plan


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
