"""The robust plan's master MILP: max-min interdiction over the routes known so far (HiGHS).

Decision x_j = 1 when site j gets a checkpoint, with weight a_j = -log(1 - p_j).
For every origin-destination g the informed smuggler's evasion weight is
w_g <= sum_{j on r} a_j x_j for every known route r of g (the best route has the
least weight), and the OD's catch is eta_g <= 1 - exp(-w_g), concave in w_g, kept
by tangents (outer approximation: tangents only over-estimate, so the model's
bound stays valid).  The uninformed share stays on today's route r0(g):
w0_g <= a . x_{r0}, tau_g <= 1 - exp(-w0_g).  For every informed share theta in
the planning range's end points: z <= sum_g vol_g (theta eta_g + (1 - theta) tau_g);
maximise z (the worst case over the range, linear at each end point).

Routes and tangents only ever add rows to one HiGHS model, so the model, and the
answer, depend only on the rows added, never on the clock.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import highspy
import numpy as np

from models.placement._routes import checkpoint_weights

INF = highspy.kHighsInf
# survival levels exp(-w) of the first tangents: dense near sure catch and no catch
TANGENT_SURVIVALS = np.array([1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.42, 0.35, 0.28, 0.22, 0.17, 0.13, 0.1, 0.07, 0.05,
                              0.03, 0.015, 0.005])


@dataclass
class Proposal:
    """A plan the master found on its way: chosen sites, their model value and the model's per-OD catches."""

    chosen: np.ndarray
    objective: float
    eta: np.ndarray
    tau: np.ndarray


@dataclass
class MasterSolution:
    """One master solve: chosen sites, model objective, proven bound, the model's per-OD catches, and
    every improving plan the branch-and-bound met (``proposals``, best last)."""

    chosen: np.ndarray
    objective: float
    bound: float
    status: str
    eta: np.ndarray
    tau: np.ndarray
    nodes: int
    proposals: list = field(default_factory=list)


class RobustMaster:
    """Max-min interdiction master over a growing route pool (one persistent HiGHS model)."""

    def __init__(self, p: np.ndarray, volume: np.ndarray, k: int, informed: tuple[float, float], *,
                 fixed_on=(), required=(), forbidden=()):
        self.a = checkpoint_weights(np.asarray(p, float))
        self.volume = np.asarray(volume, float)
        self.n, self.n_od = len(self.a), len(self.volume)
        self.thetas = sorted({float(informed[0]), float(informed[1])})
        self.today = min(self.thetas) < 1.0  # the uninformed part counts
        self.h = highspy.Highs()
        self.h.setOptionValue("output_flag", False)
        self.h.setOptionValue("random_seed", 0)
        self._columns(np.asarray(fixed_on, int), np.asarray(required, int), np.asarray(forbidden, int))
        self._objective_rows()
        self._budget_row(k, np.asarray(fixed_on, int))
        for g in range(self.n_od):
            self.add_tangents(g, -np.log(TANGENT_SURVIVALS), today=False)
            if self.today:
                self.add_tangents(g, -np.log(TANGENT_SURVIVALS), today=True)

    # -- layout: x (n) | w (n_od) | eta (n_od) | w0 (n_od) | tau (n_od) | z
    def _columns(self, fixed_on, required, forbidden) -> None:
        n, m = self.n, self.n_od
        self.w_col, self.eta_col, self.w0_col, self.tau_col = n, n + m, n + 2 * m, n + 3 * m
        self.z_col = n + 4 * m
        lo = np.zeros(self.z_col + 1)
        hi = np.r_[np.ones(n), np.full(m, INF), np.ones(m), np.full(m, INF), np.ones(m), INF]
        lo[fixed_on] = 1.0
        lo[required] = 1.0
        hi[forbidden] = 0.0
        if not self.today:
            hi[self.w0_col:self.z_col] = 0.0
        cost = np.zeros(self.z_col + 1)
        cost[self.z_col] = 1.0
        self.h.addVars(len(lo), lo, hi)
        self.h.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost)
        self.h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.full(n, highspy.HighsVarType.kInteger))

    def _add_rows(self, lo, hi, starts, index, value) -> None:
        self.h.addRows(len(lo), np.asarray(lo, float), np.asarray(hi, float), len(index),
                       np.asarray(starts, np.int32), np.asarray(index, np.int32), np.asarray(value, float))

    def _objective_rows(self) -> None:
        """z - sum_g vol_g (theta eta_g + (1 - theta) tau_g) <= 0 for each end point theta."""
        m = self.n_od
        for theta in self.thetas:
            idx = np.r_[self.z_col, self.eta_col + np.arange(m), self.tau_col + np.arange(m)]
            val = np.r_[1.0, -theta * self.volume, -(1.0 - theta) * self.volume]
            keep = val != 0
            self._add_rows([-INF], [0.0], [0], idx[keep], val[keep])

    def _budget_row(self, k: int, fixed_on: np.ndarray) -> None:
        cols = np.setdiff1d(np.arange(self.n), fixed_on)
        self._add_rows([-INF], [float(k)], [0], cols, np.ones(len(cols)))

    def add_route(self, g: int, sites: np.ndarray, *, today: bool = False) -> None:
        """w_g (or w0_g for today's route) <= sum of a_j over the route's sites."""
        sites = np.unique(np.asarray(sites, int))
        w = (self.w0_col if today else self.w_col) + g
        self._add_rows([-INF], [0.0], [0], np.r_[w, sites], np.r_[1.0, -self.a[sites]])

    def add_tangents(self, g: int, points: np.ndarray, *, today: bool = False) -> None:
        """eta_g - exp(-w) w_g <= 1 - exp(-w)(1 + w) at each tangent point w (same for tau/w0)."""
        points = np.atleast_1d(np.asarray(points, float))
        s = np.exp(-points)
        eta, w = (self.tau_col, self.w0_col) if today else (self.eta_col, self.w_col)
        cnt = len(points)
        idx = np.ravel(np.column_stack([np.full(cnt, eta + g), np.full(cnt, w + g)]))
        val = np.ravel(np.column_stack([np.ones(cnt), -s]))
        self._add_rows(np.full(cnt, -INF), 1.0 - s * (1.0 + points), np.arange(0, 2 * cnt, 2), idx, val)

    def relax(self, integral: bool) -> None:
        """Switch the site variables between binary (the MILP) and [0, 1] (its LP relaxation)."""
        kind = highspy.HighsVarType.kInteger if integral else highspy.HighsVarType.kContinuous
        self.h.changeColsIntegrality(self.n, np.arange(self.n, dtype=np.int32), np.full(self.n, kind))

    def solve_lp(self) -> tuple[np.ndarray, float, np.ndarray]:
        """LP relaxation: (x, objective, w)."""
        self.relax(False)
        self.h.setOptionValue("time_limit", INF)
        self.h.run()
        col = np.asarray(self.h.getSolution().col_value)
        obj = float(self.h.getInfo().objective_function_value)
        self.relax(True)
        return col[:self.n], obj, col[self.w_col:self.w_col + self.n_od]

    def _proposal(self, col: np.ndarray, objective: float) -> Proposal:
        m = self.n_od
        return Proposal(np.flatnonzero(col[:self.n] > 0.5), float(objective),
                        col[self.eta_col:self.eta_col + m].copy(), col[self.tau_col:self.tau_col + m].copy())

    def solve(self, start: np.ndarray | None, mip_rel_gap: float, max_nodes: int,
              time_limit: float | None = None) -> MasterSolution:
        """Solve to ``mip_rel_gap`` within ``max_nodes`` branch-and-bound nodes (a work limit).

        Every improving solution HiGHS finds is kept (``proposals``): each one the oracle checks
        teaches the master routes and tangents, so fewer solves are needed.
        """
        h = self.h
        h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
        h.setOptionValue("mip_max_nodes", int(max_nodes))
        h.setOptionValue("time_limit", float(time_limit) if time_limit else INF)
        if start is not None:
            xs = np.zeros(self.n)
            xs[np.asarray(start, int)] = 1.0
            h.setSolution(self.n, np.arange(self.n, dtype=np.int32), xs)
        proposals: list = []

        def keep(event) -> None:
            out = event.data_out
            proposals.append(self._proposal(np.asarray(out.mip_solution, float), out.objective_function_value))

        h.cbMipImprovingSolution.subscribe(keep)
        try:
            h.run()
        finally:
            h.cbMipImprovingSolution.unsubscribe(keep)
        info = h.getInfo()
        status = h.modelStatusToString(h.getModelStatus()).lower()
        bound = float(info.mip_dual_bound)
        if info.primal_solution_status != 2:
            return MasterSolution(np.zeros(0, int), -np.inf, bound, status, np.zeros(self.n_od),
                                  np.zeros(self.n_od), int(info.mip_node_count), proposals)
        best = self._proposal(np.asarray(h.getSolution().col_value), info.objective_function_value)
        return MasterSolution(best.chosen, best.objective, bound, status, best.eta, best.tau,
                              int(info.mip_node_count), proposals)
