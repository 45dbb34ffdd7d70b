"""The robust plan's master MILP: max-min interdiction over the routes known so far (HiGHS).

Decision x_j = 1 when site j gets a checkpoint, with weight a_j = -log(1 - p_j).
For every origin-destination g the informed smuggler's evasion weight is
w_g <= sum_{j on r} a_j x_j for every known route r of g (the best route has the
least weight), and the OD's catch is eta_g <= 1 - exp(-w_g), concave in w_g.  The uninformed
share stays on today's route r0(g): w0_g <= a . x_{r0}, tau_g <= 1 - exp(-w0_g).  For the
informed share theta planned for (a range's high end, where every plan's worst case is):
z <= sum_g vol_g (theta eta_g + (1 - theta) tau_g); maximise z.

The concave catch is kept by secants, then tangents.  At a plan, w_g is the weight of one known
route's chosen sites: a subset sum of that route's a_j.  Below ``SECANT_MAX_WEIGHT`` those sums are
few (five detection levels on the default network: 9 per OD in the median), and the chords through
(v, 1 - exp(-v)) at consecutive sums are exact at every plan and lie below the curve between them,
so the LP relaxation is tighter than with tangents; the last chord, extended, stays above the curve
beyond it.  Above the last sum, tangents (they only over-estimate) keep the bound valid.

The master keeps the route pools and tangent points and builds a compact HiGHS model for
each solve: a route whose sites include another known route's is dropped (it never has the
least weight), and ODs whose pools coincide share one w and one eta, with their volumes
summed and their tangent points pooled.  At the end of a default k = 20 search 107 ODs have
73 distinct pools.  The answer depends only on the routes and tangents added, never on the clock.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import highspy
import numpy as np

from models.placement._routes import checkpoint_weights

INF = highspy.kHighsInf
# survival levels exp(-w) of the first tangents.  Nine, not eighteen: the first tangents are 60% of
# the master's rows, and the exact tangent at every plan near the best is added anyway (default
# k = 20, schematic network: 28.9 s against 38.3 s; real roads 26.6 s against 25.7 s)
TANGENT_SURVIVALS = np.array([1.0, 0.8, 0.6, 0.45, 0.3, 0.2, 0.1, 0.04, 0.01])
POINT_DECIMALS = 9  # tangent points (and route sums) closer than 1e-9 in w are one
# secants through the subset sums of a route's weights up to survival 0.1: on the default k = 20
# proof model a solve took 7 s and 29 nodes against 11 s and 163 nodes with tangents there; up to
# survival 0.3 it took 12 s, up to 0.04 or 0.01 8-10 s (more rows, the same root bound)
SECANT_MAX_WEIGHT = -np.log(0.1)
MAX_ROUTE_SUMS = 64  # an OD with more sums below the cut-off (many distinct detections) keeps tangents
# HiGHS's root sub-MIP heuristics (RENS, RINS, reduced-cost fixing) took 6 of a master solve's 10 s
# and every solve starts from the search's best plan; without them the default k = 20 proof
# took 12 s against 20 s.
SOLVER_OPTIONS = {"mip_heuristic_run_rens": False, "mip_heuristic_run_rins": False,
                  "mip_heuristic_run_root_reduced_cost": False}


@dataclass
class Proposal:
    """A plan the master found on its way: chosen sites, their model value and the model's per-OD catches."""

    chosen: np.ndarray
    objective: float
    eta: np.ndarray
    tau: np.ndarray


@dataclass
class MasterSolution:
    """One master solve: its answer (``best``, or None when it stopped before any), the proven bound,
    and every improving plan the branch-and-bound met (``proposals``, best last)."""

    best: Proposal | None
    bound: float
    status: str
    nodes: int
    proposals: list = field(default_factory=list)


@dataclass
class _Part:
    """One side of the model (informed or today's): per OD its route pool and tangent points."""

    pools: list
    points: list

    def classes(self) -> tuple[list, np.ndarray]:
        """ODs grouped by their pool, each pool without routes that contain another; per OD its group."""
        keys, groups = {}, np.zeros(len(self.pools), int)
        for g, pool in enumerate(self.pools):
            key = _minimal(pool)
            groups[g] = keys.setdefault(key, len(keys))
        return list(keys), groups


def _minimal(pool: list) -> frozenset:
    """The routes (as site sets) of a pool that contain no other route of it."""
    keep: list = []
    for route in sorted({frozenset(r) for r in pool}, key=len):
        if not any(other <= route for other in keep):
            keep.append(route)
    return frozenset(keep)


@dataclass
class _Layout:
    """Columns of one built model: x (n) | per class w, eta (informed) | w0, tau (today) | z."""

    groups: np.ndarray
    today_groups: np.ndarray
    eta_col: int
    tau_col: int
    z_col: int


class RobustMaster:
    """Max-min interdiction master over a growing route pool (a compact HiGHS model per solve)."""

    def __init__(self, p: np.ndarray, volume: np.ndarray, k: int, informed: float, *,
                 fixed_on=(), required=(), forbidden=()):
        self.a = checkpoint_weights(np.asarray(p, float))
        self.volume = np.asarray(volume, float)
        self.n, self.n_od = len(self.a), len(self.volume)
        self.k = int(k)
        self.theta = float(informed)
        self.today = self.theta < 1.0  # the uninformed part counts
        self.fixed_on = np.asarray(fixed_on, int)
        self.lower, self.upper = np.zeros(self.n), np.ones(self.n)
        self.lower[self.fixed_on] = 1.0
        self.lower[np.asarray(required, int)] = 1.0
        self.upper[np.asarray(forbidden, int)] = 0.0
        first = list(-np.log(TANGENT_SURVIVALS))
        self.informed = _Part([[] for _ in range(self.n_od)], [list(first) for _ in range(self.n_od)])
        self.stay = _Part([[] for _ in range(self.n_od)], [list(first) for _ in range(self.n_od)])
        self._route_sums: dict = {}  # route (frozenset of sites) -> its subset sums, or None

    def add_route(self, g: int, sites: np.ndarray, *, today: bool = False) -> None:
        """w_g (or w0_g for today's route) <= sum of a_j over the route's sites."""
        (self.stay if today else self.informed).pools[g].append(np.unique(np.asarray(sites, int)).tolist())

    def add_tangents(self, g: int, points: np.ndarray, *, today: bool = False) -> None:
        """eta_g - exp(-w) w_g <= 1 - exp(-w)(1 + w) at each tangent point w (same for tau/w0)."""
        (self.stay if today else self.informed).points[g].extend(np.atleast_1d(np.asarray(points, float)).tolist())

    # -- building the compact model
    def _build(self, integral: bool) -> tuple[highspy.Highs, _Layout]:
        informed, groups = self.informed.classes()
        stay, today_groups = self.stay.classes() if self.today else ([], np.zeros(self.n_od, int))
        n, ci, ct = self.n, len(informed), len(stay)
        eta_col = n + ci
        tau_col = n + 2 * ci + ct
        lay = _Layout(groups, today_groups, eta_col, tau_col, n + 2 * (ci + ct))
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("random_seed", 0)
        for name, value in SOLVER_OPTIONS.items():
            h.setOptionValue(name, value)
        lo = np.r_[self.lower, np.zeros(2 * (ci + ct) + 1)]
        hi = np.r_[self.upper, np.full(ci, INF), np.ones(ci), np.full(ct, INF), np.ones(ct), INF]
        h.addVars(len(lo), lo, hi)
        h.changeColCost(lay.z_col, 1.0)
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        if integral:
            h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.full(n, highspy.HighsVarType.kInteger))
        rows = _Rows()
        rows.add(-INF, float(self.k), np.setdiff1d(np.arange(n), self.fixed_on), None)
        self._part_rows(rows, informed, groups, self.informed.points, n, eta_col)
        if self.today:
            self._part_rows(rows, stay, today_groups, self.stay.points, n + 2 * ci, tau_col)
        self._objective_row(rows, lay, ci, ct)
        rows.flush(h)
        return h, lay

    def _part_rows(self, rows, pools, groups, points, w_col, eta_col) -> None:
        for c, pool in enumerate(pools):
            for route in pool:
                sites = np.fromiter(route, int, len(route))
                rows.add(-INF, 0.0, np.r_[w_col + c, sites], np.r_[1.0, -self.a[sites]])
            pts = np.unique(np.round(np.concatenate([points[g] for g in np.flatnonzero(groups == c)]),
                                     POINT_DECIMALS))
            sums = self._pool_sums(pool)
            if sums is not None:
                catch = -np.expm1(-sums)
                slope = np.diff(catch) / np.diff(sums)
                for v, f, s in zip(sums[:-1], catch[:-1], slope):
                    rows.add(-INF, f - s * v, np.array([eta_col + c, w_col + c]), np.array([1.0, -s]))
                pts = pts[pts > sums[-1]]  # below it the chords are tighter than any tangent
            s = np.exp(-pts)
            for wt, st in zip(pts, s):
                rows.add(-INF, 1.0 - st * (1.0 + wt), np.array([eta_col + c, w_col + c]), np.array([1.0, -st]))

    def _pool_sums(self, pool) -> np.ndarray | None:
        """The weights w a plan can give this pool up to ``SECANT_MAX_WEIGHT`` (sorted, with 0),
        or None when there are more than ``MAX_ROUTE_SUMS`` of them (or fewer than two)."""
        sums = {0.0}
        for route in pool:
            if route not in self._route_sums:
                sites = np.fromiter(route, int, len(route))
                self._route_sums[route] = _subset_sums(self.a[sites[self.upper[sites] > 0]],
                                                       SECANT_MAX_WEIGHT, MAX_ROUTE_SUMS)
            route_sums = self._route_sums[route]
            if route_sums is None:
                return None
            sums |= route_sums
            if len(sums) > MAX_ROUTE_SUMS:
                return None
        return np.array(sorted(sums)) if len(sums) > 1 else None

    def _objective_row(self, rows, lay: _Layout, ci: int, ct: int) -> None:
        """z - sum_g vol_g (theta eta_g + (1 - theta) tau_g) <= 0."""
        vol_i = np.bincount(lay.groups, self.volume, ci)
        vol_t = np.bincount(lay.today_groups, self.volume, ct) if ct else np.zeros(0)
        idx = np.r_[lay.z_col, lay.eta_col + np.arange(ci), lay.tau_col + np.arange(ct)]
        val = np.r_[1.0, -self.theta * vol_i, -(1.0 - self.theta) * vol_t]
        keep = val != 0
        rows.add(-INF, 0.0, idx[keep], val[keep])

    def _proposal(self, lay: _Layout, col: np.ndarray, objective: float) -> Proposal:
        eta = col[lay.eta_col + lay.groups]
        tau = col[lay.tau_col + lay.today_groups] if self.today else np.zeros(self.n_od)
        return Proposal(np.flatnonzero(col[:self.n] > 0.5), float(objective), eta, tau)

    # -- solving
    def solve_lp(self) -> tuple[np.ndarray, float, np.ndarray]:
        """LP relaxation: (x, objective, w per OD)."""
        h, lay = self._build(integral=False)
        h.run()
        col = np.asarray(h.getSolution().col_value)
        return col[:self.n], float(h.getInfo().objective_function_value), col[self.n + lay.groups]

    def fixed_value(self, chosen) -> float:
        """The model's value with the sites fixed to ``chosen`` (an upper bound on its exact value)."""
        h, _ = self._build(integral=False)
        x = np.zeros(self.n)
        x[np.asarray(chosen, int)] = 1.0
        h.changeColsBounds(self.n, np.arange(self.n, dtype=np.int32), x, x)
        h.run()
        return float(h.getInfo().objective_function_value)

    def solve(self, start: np.ndarray | None, mip_rel_gap: float, max_nodes: int,
              time_limit: float | None = None) -> MasterSolution:
        """Solve to ``mip_rel_gap`` within ``max_nodes`` branch-and-bound nodes (a work limit).

        Every improving solution HiGHS finds is kept (``proposals``): each one the oracle checks
        teaches the master routes and tangents, so fewer solves are needed.
        """
        h, lay = self._build(integral=True)
        h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
        h.setOptionValue("mip_max_nodes", int(max_nodes))
        h.setOptionValue("time_limit", float(time_limit) if time_limit else INF)
        if start is not None and len(start):
            xs = np.zeros(self.n)
            xs[np.asarray(start, int)] = 1.0
            h.setSolution(self.n, np.arange(self.n, dtype=np.int32), xs)
        proposals: list = []

        def keep(event) -> None:
            out = event.data_out
            proposals.append(self._proposal(lay, np.asarray(out.mip_solution, float), out.objective_function_value))

        h.cbMipImprovingSolution.subscribe(keep)
        h.run()
        info = h.getInfo()
        status = h.modelStatusToString(h.getModelStatus()).lower()
        best = None
        if info.primal_solution_status == 2:
            best = self._proposal(lay, np.asarray(h.getSolution().col_value), info.objective_function_value)
        return MasterSolution(best, float(info.mip_dual_bound), status, int(info.mip_node_count), proposals)


def _subset_sums(weights: np.ndarray, limit: float, cap: int) -> frozenset | None:
    """Every sum of a sub-multiset of ``weights`` up to ``limit`` (rounded), or None past ``cap`` sums."""
    levels, counts = np.unique(np.round(weights, POINT_DECIMALS), return_counts=True)
    sums = {0.0}
    for level, count in zip(levels.tolist(), counts.tolist()):
        sums |= {round(s + m * level, POINT_DECIMALS) for s in sums for m in range(1, count + 1)
                 if s + m * level <= limit}
        if len(sums) > cap:
            return None
    return frozenset(sums)


class _Rows:
    """Rows gathered in Python, handed to HiGHS in one call (row-wise sparse)."""

    def __init__(self):
        self.lo, self.hi, self.starts, self.index, self.value = [], [], [], [], []
        self.nnz = 0

    def add(self, lo: float, hi: float, index: np.ndarray, value: np.ndarray | None) -> None:
        index = np.asarray(index, np.int32)
        self.lo.append(lo)
        self.hi.append(hi)
        self.starts.append(self.nnz)
        self.index.append(index)
        self.value.append(np.ones(len(index)) if value is None else np.asarray(value, float))
        self.nnz += len(index)

    def flush(self, h: highspy.Highs) -> None:
        h.addRows(len(self.lo), np.asarray(self.lo, float), np.asarray(self.hi, float), self.nnz,
                  np.asarray(self.starts, np.int32), np.concatenate(self.index).astype(np.int32),
                  np.concatenate(self.value))
