"""Maximal covering on paths as a sparse MILP solved with HiGHS, plus the greedy heuristic.

Decision x_j = 1 when site j gets a checkpoint.  A route r meeting checkpoints
with detection p_j is intercepted with probability 1 - prod(1 - p_j x_j).

* binary coverage (every used p_j = 1, no capacity): y_r <= sum_j x_j, y_r <= 1
  (the classical MCLP, as in spopt).
* otherwise an exact chain linearisation: along the route's sites
  s_t >= s_{t-1} - p_t w_t, w_t <= x_t, w_t <= s_{t-1}, s_0 = 1, and
  y_r <= 1 - s_T.  At binary x the optimum has w_t = x_t s_{t-1}, so s_T is the
  exact survival.  With capacities the catch at a site, sum_r vol_r (s_{t-1}-s_t),
  is capped by capacity x_j (catch can only fall short of p, never exceed it).

Routes can be grouped (one group per origin-destination): the robust model
maximises sum_g vol_g eta_g with eta_g <= y_r for every known route r of g.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import highspy
import numpy as np
import scipy.sparse as sp

MIP_GAP = 1e-4
LP_PRUNE_MIN_SITES = 1000  # from this many sites, binary-coverage models are first pruned with LP reduced costs


@dataclass
class SolveResult:
    chosen: np.ndarray          # site positions with x = 1 (fixed ones included)
    objective: float            # weighted catch of the returned solution (model value)
    bound: float                # proven upper bound on the objective
    gap: float                  # (bound - objective) / max(objective, tiny)
    status: str
    greedy_objective: float
    route_catch: np.ndarray | None = None  # model catch per route (capacity mode)
    stats: dict = field(default_factory=dict)


def survival(A: sp.csr_matrix, p: np.ndarray, chosen) -> np.ndarray:
    """Exact survival prod(1 - p_j) over chosen sites on each row of A."""
    x = np.zeros(A.shape[1])
    x[np.asarray(chosen, dtype=int)] = 1.0
    with np.errstate(divide="ignore"):
        logq = np.log1p(-np.minimum(p, 1.0) * x)
    caught_surely = np.isneginf(logq)
    logq[caught_surely] = 0.0
    out = np.exp(A @ logq)
    if caught_surely.any():
        out[(A @ caught_surely.astype(float)) > 0] = 0.0
    return out


def greedy(A: sp.csr_matrix, weight: np.ndarray, p: np.ndarray, k: int, *, fixed_on=(), required=(),
           allowed: np.ndarray | None = None) -> np.ndarray:
    """Greedy maximal covering: add the site with the largest marginal catch, k times.

    The catch function is monotone submodular, so greedy is within 1 - 1/e of the
    optimum; in practice it is usually within a fraction of a percent.
    """
    return greedy_with_bound(A, weight, p, k, fixed_on=fixed_on, required=required, allowed=allowed)[0]


def greedy_with_bound(A: sp.csr_matrix, weight: np.ndarray, p: np.ndarray, k: int, *, fixed_on=(), required=(),
                      allowed: np.ndarray | None = None) -> tuple[np.ndarray, float, float]:
    """Greedy sites, their value and an upper bound on the optimum.

    The bound is submodularity's: for every greedy prefix S,
    OPT <= f(S) + (sum of the largest k marginal gains at S); the least one is kept.
    """
    n = A.shape[1]
    fixed_on = np.asarray(fixed_on, dtype=int)
    required = np.asarray(required, dtype=int)
    s = survival(A, p, fixed_on) if len(fixed_on) else np.ones(A.shape[0])
    chosen = list(required)
    if len(required):
        s = s * survival(A, p, required)
    ok = np.ones(n, dtype=bool) if allowed is None else allowed.copy()
    ok[fixed_on] = False
    ok[required] = False
    AT = A.T.tocsr()
    bound = np.inf
    steps = k - len(required)
    for step in range(steps + 1):
        gain = (AT @ (weight * s)) * p
        gain[~ok] = 0.0
        value = float(weight @ (1.0 - s))
        # the optimum adds at most `steps` sites to S, each gaining at most its gain now
        top = np.partition(gain, n - steps)[n - steps:] if 0 < steps < n else gain
        bound = min(bound, value + float(top.sum()) if steps > 0 else value)
        if step == steps or not ok.any():
            break
        j = int(np.argmax(np.where(ok, gain, -1.0)))
        chosen.append(j)
        ok[j] = False
        rows = AT.indices[AT.indptr[j]:AT.indptr[j + 1]]
        s[rows] *= 1.0 - p[j]
    return np.array(sorted(chosen), dtype=int), float(weight @ (1.0 - s)), float(bound)


class _Rows:
    """Accumulates constraint rows as COO triplets."""

    def __init__(self):
        self.r, self.c, self.v, self.lo, self.hi = [], [], [], [], []
        self.n = 0

    def add(self, rows, cols, vals, n_new, lo, hi):
        self.r.append(np.asarray(rows, dtype=np.int64) + self.n)
        self.c.append(np.asarray(cols, dtype=np.int64))
        self.v.append(np.asarray(vals, dtype=float))
        self.lo.append(np.broadcast_to(np.asarray(lo, dtype=float), (n_new,)))
        self.hi.append(np.broadcast_to(np.asarray(hi, dtype=float), (n_new,)))
        self.n += n_new

    def csr(self, n_cols):
        r = np.concatenate(self.r) if self.r else np.zeros(0, np.int64)
        c = np.concatenate(self.c) if self.c else np.zeros(0, np.int64)
        v = np.concatenate(self.v) if self.v else np.zeros(0)
        m = sp.csr_matrix((v, (r, c)), shape=(self.n, n_cols))
        m.sum_duplicates()
        lo = np.concatenate(self.lo) if self.lo else np.zeros(0)
        hi = np.concatenate(self.hi) if self.hi else np.zeros(0)
        return m, lo, hi


@dataclass
class _Layout:
    """Column blocks of the covering model: x (n) | y (routes) | chain s, w or oa L | eta (groups)."""

    n: int
    n_routes: int
    nnz: int
    kind: str            # "coverage", "chain" (capacities) or "oa" (outer approximation)
    n_groups: int

    @property
    def x0(self) -> int:
        return 0

    @property
    def y0(self) -> int:
        return self.n

    @property
    def s0(self) -> int:
        return self.n + self.n_routes

    @property
    def w0(self) -> int:
        return self.s0 + (self.nnz if self.kind == "chain" else 0)

    @property
    def e0(self) -> int:
        return self.w0 + (self.nnz if self.kind == "chain" else 0) + (self.n_routes if self.kind == "oa" else 0)

    @property
    def n_cols(self) -> int:
        return self.e0 + self.n_groups


def _site_log_weights(p: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):  # p = 1 is a sure catch: -log(0) = inf, capped just below
        return np.minimum(-np.log1p(-np.minimum(p, 1.0)), SURE_CATCH_LOG)


def _oa_rows(rows: _Rows, A, lay: _Layout, a_site, route_of) -> None:
    """L_r = sum_j log(1 - p_j) x_j (log-survival, linear in x) and the first tangents of 1 - exp(L_r)."""
    has = np.flatnonzero(np.diff(A.indptr) > 0)
    rows.add(np.concatenate([np.searchsorted(has, route_of), np.arange(len(has))]),
             np.concatenate([lay.x0 + A.indices, lay.s0 + has]),
             np.concatenate([a_site[A.indices], np.ones(len(has))]), len(has), 0.0, 0.0)
    _tangent_rows(rows, lay.y0, lay.s0, has, np.repeat(OA_LEVELS[None, :], len(has), axis=0))


def _coverage_rows(rows: _Rows, A, lay: _Layout, route_of) -> None:
    """Binary coverage: y_r - sum x_j <= 0."""
    rows.add(np.concatenate([np.arange(lay.n_routes), route_of]),
             np.concatenate([lay.y0 + np.arange(lay.n_routes), lay.x0 + A.indices]),
             np.concatenate([np.ones(lay.n_routes), -np.ones(lay.nnz)]), lay.n_routes, -np.inf, 0.0)


def _chain_sequence(A, route_of, order):
    """Sites of each route in travel order when ``order`` is known, and the first/last markers."""
    seq = A.indices
    if order is not None:
        order = sp.csr_matrix(order)
        order.sort_indices()
        seq = A.indices[np.lexsort((order.data, route_of))]
    first = np.zeros(A.nnz, dtype=bool)
    first[A.indptr[:-1][np.diff(A.indptr) > 0]] = True
    last = A.indptr[1:][np.diff(A.indptr) > 0] - 1
    return seq, first, last


def _chain_rows(rows: _Rows, A, lay: _Layout, p, seq, first, last) -> None:
    """Exact chain linearisation of the survival along each route."""
    nnz = lay.nnz
    e = np.arange(nnz)
    pe = np.minimum(p[seq], 1.0)
    s0, w0, x0, y0 = lay.s0, lay.w0, lay.x0, lay.y0
    # (a) w_e - x_j <= 0
    rows.add(np.concatenate([e, e]), np.concatenate([w0 + e, x0 + seq]),
             np.concatenate([np.ones(nnz), -np.ones(nnz)]), nnz, -np.inf, 0.0)
    # (b) w_e - s_{e-1} <= 0 (not first; first has w <= 1 as a bound)
    nf = e[~first]
    rows.add(np.concatenate([np.arange(len(nf)), np.arange(len(nf))]),
             np.concatenate([w0 + nf, s0 + nf - 1]),
             np.concatenate([np.ones(len(nf)), -np.ones(len(nf))]), len(nf), -np.inf, 0.0)
    # (c) s_e - s_{e-1} + p w_e >= 0 ; first: s_e + p w_e >= 1
    rows.add(np.concatenate([e, e, np.searchsorted(e, nf)]), np.concatenate([s0 + e, w0 + e, s0 + nf - 1]),
             np.concatenate([np.ones(nnz), pe, -np.ones(len(nf))]), nnz, np.where(first, 1.0, 0.0), np.inf)
    # (d) y_r + s_last <= 1 (routes with no site keep y = 0 through its bound)
    has = np.flatnonzero(np.diff(A.indptr) > 0)
    rows.add(np.concatenate([np.arange(len(has)), np.arange(len(has))]),
             np.concatenate([y0 + has, s0 + last]), np.ones(2 * len(has)), len(has), -np.inf, 1.0)


def _capacity_rows(rows: _Rows, lay: _Layout, weight, capacity_year, seq, first, route_of) -> None:
    """Survival never rises along a route, and the catch at site j stays within capacity x_j."""
    nnz, s0, x0 = lay.nnz, lay.s0, lay.x0
    e = np.arange(nnz)
    nf = e[~first]
    rows.add(np.concatenate([np.arange(len(nf)), np.arange(len(nf))]),
             np.concatenate([s0 + nf, s0 + nf - 1]),
             np.concatenate([np.ones(len(nf)), -np.ones(len(nf))]), len(nf), -np.inf, 0.0)
    # catch at site j: sum vol (s_{e-1} - s_e) - cap_j x_j <= 0
    cap = np.asarray(capacity_year, dtype=float)
    capped = np.flatnonzero(np.isfinite(cap))
    site_row = -np.ones(lay.n, dtype=np.int64)
    site_row[capped] = np.arange(len(capped))
    sr = site_row[seq]
    vol = weight[route_of]
    m = sr >= 0
    prev_m = m & ~first
    rr = np.concatenate([sr[m], sr[prev_m], np.arange(len(capped))])
    cc = np.concatenate([s0 + e[m], s0 + e[prev_m] - 1, x0 + capped])
    vv = np.concatenate([-vol[m], vol[prev_m], -cap[capped]])
    rhs = np.zeros(len(capped))
    np.add.at(rhs, sr[m & first], -vol[m & first])
    rows.add(rr, cc, vv, len(capped), -np.inf, rhs)


def _group_and_budget_rows(rows: _Rows, lay: _Layout, groups, k, fixed_on) -> None:
    """eta_g <= y_r for every route r of group g; the budget sum of new x <= k."""
    if groups is not None:
        g = sp.coo_matrix(groups)
        rows.add(np.concatenate([np.arange(g.nnz), np.arange(g.nnz)]),
                 np.concatenate([lay.e0 + g.row, lay.y0 + g.col]),
                 np.concatenate([np.ones(g.nnz), -np.ones(g.nnz)]), g.nnz, -np.inf, 0.0)
    budget_cols = np.setdiff1d(np.arange(lay.n), fixed_on)
    rows.add(np.zeros(len(budget_cols)), lay.x0 + budget_cols, np.ones(len(budget_cols)), 1, -np.inf, float(k))


def _columns(lay: _Layout, A, weight, groups, a_site, route_of, fixed_on, required, forbidden):
    """Column bounds, objective and integrality."""
    col_lo, col_hi = np.zeros(lay.n_cols), np.ones(lay.n_cols)
    col_lo[lay.x0 + fixed_on] = 1.0
    col_lo[lay.x0 + required] = 1.0
    col_hi[lay.x0 + forbidden] = 0.0
    col_hi[lay.y0 + np.flatnonzero(np.diff(A.indptr) == 0)] = 0.0  # a route meeting no site is never caught
    if lay.kind == "oa":  # L_r in [-(sum of the route's weights), 0]
        col_lo[lay.s0:lay.s0 + lay.n_routes] = -np.bincount(route_of, weights=a_site[A.indices],
                                                            minlength=lay.n_routes)
        col_hi[lay.s0:lay.s0 + lay.n_routes] = 0.0
    cost = np.zeros(lay.n_cols)
    if groups is None:
        cost[lay.y0:lay.y0 + lay.n_routes] = weight
    else:
        cost[lay.e0:] = weight
    integrality = np.zeros(lay.n_cols, dtype=np.int32)
    integrality[lay.x0:lay.x0 + lay.n] = 1
    return col_lo, col_hi, cost, integrality


def _build(A, p, weight, k, groups, fixed_on, required, forbidden, capacity_year, order):
    """The sparse model: layout, rows and columns for the kind of coverage the data asks for."""
    n_routes, n = A.shape
    coverage = capacity_year is None and bool(np.all(p[np.unique(A.indices)] >= 1.0)) if A.nnz else True
    kind = "coverage" if coverage else ("chain" if capacity_year is not None else "oa")
    lay = _Layout(n, n_routes, A.nnz, kind, groups.shape[0] if groups is not None else 0)
    a_site = _site_log_weights(p)
    route_of = np.repeat(np.arange(n_routes), np.diff(A.indptr))
    rows = _Rows()
    if kind == "oa":
        _oa_rows(rows, A, lay, a_site, route_of)
    elif kind == "coverage":
        _coverage_rows(rows, A, lay, route_of)
    else:
        if groups is not None:
            raise ValueError("capacity is supported for static plans only")
        seq, first, last = _chain_sequence(A, route_of, order)
        _chain_rows(rows, A, lay, p, seq, first, last)
        _capacity_rows(rows, lay, weight, capacity_year, seq, first, route_of)
    _group_and_budget_rows(rows, lay, groups, k, fixed_on)
    matrix, row_lo, row_hi = rows.csr(lay.n_cols)
    cols = _columns(lay, A, weight, groups, a_site, route_of, fixed_on, required, forbidden)
    return lay, a_site, (matrix, row_lo, row_hi), cols


def _run_highs(lay: _Layout, model, cols, start, fixed_on, time_limit, mip_rel_gap, threads):
    """Pass the model to HiGHS with the warm start and run it."""
    matrix, row_lo, row_hi = model
    col_lo, col_hi, cost, integrality = cols
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    if threads:
        h.setOptionValue("threads", int(threads))
    h.passModel(int(lay.n_cols), int(matrix.shape[0]), int(matrix.nnz), 2, -1, 0.0,
                cost, col_lo, col_hi, row_lo, row_hi,
                matrix.indptr.astype(np.int32), matrix.indices.astype(np.int32), matrix.data.astype(float),
                integrality)
    xs = np.zeros(lay.n)
    xs[np.concatenate([fixed_on, start]).astype(int)] = 1.0
    h.setSolution(lay.n, np.arange(lay.n, dtype=np.int32), xs)
    h.run()
    return h


def _read_solution(h, lay: _Layout, groups, capacity_year, g_sites, g_obj, g_bound, fixed_on, stats):
    """SolveResult from HiGHS, falling back to greedy when it returned no solution."""
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    stats = {**stats, "mip_nodes": int(info.mip_node_count)}
    sol = h.getSolution()
    if not (info.primal_solution_status == 2 and len(sol.col_value) == lay.n_cols):
        gb = g_bound if groups is None and capacity_year is None else float("nan")
        return SolveResult(np.unique(np.concatenate([fixed_on, g_sites])), g_obj, gb,
                           (gb - g_obj) / max(g_obj, 1e-12), f"greedy (solver: {status})", g_obj, stats=stats)
    col = np.asarray(sol.col_value)
    chosen = np.flatnonzero(col[lay.x0:lay.x0 + lay.n] > 0.5)
    obj = float(info.objective_function_value)
    bound = float(info.mip_dual_bound)
    if groups is None and capacity_year is None:
        bound = min(bound, g_bound) if np.isfinite(bound) else g_bound
    gap = max(0.0, (bound - obj) / max(abs(obj), 1e-12)) if np.isfinite(bound) else float("nan")
    catch = np.clip(col[lay.y0:lay.y0 + lay.n_routes], 0.0, 1.0) if capacity_year is not None else None
    return SolveResult(chosen, obj, bound, gap, status.lower(), g_obj, route_catch=catch, stats=stats)


def solve(A: sp.csr_matrix, p: np.ndarray, weight: np.ndarray, k: int, *, groups: sp.csr_matrix | None = None,
          fixed_on=(), required=(), forbidden=(), capacity_year: np.ndarray | None = None,
          warm_start: np.ndarray | None = None, time_limit: float = 60.0, mip_rel_gap: float = MIP_GAP,
          threads: int | None = None, greedy_shortcut: bool = True,
          order: sp.csr_matrix | None = None, lp_prune: bool = True) -> SolveResult:
    """Solve the covering MILP on routes A (routes x sites).

    Without ``groups`` ``weight`` is per route; with ``groups`` (groups x routes,
    0/1) it is per group and each group counts its least-intercepted route.
    ``k`` is the budget of sites beyond ``fixed_on`` (existing sites).
    ``order`` (same pattern as A) gives the travel order of sites along each
    route for the chain (matters only with capacities); default: column order.
    """
    A = sp.csr_matrix(A)
    A.sort_indices()
    n = A.shape[1]
    fixed_on, required, forbidden = (np.asarray(v, dtype=int) for v in (fixed_on, required, forbidden))
    lay, a_site, model, cols = _build(A, p, weight, k, groups, fixed_on, required, forbidden, capacity_year, order)
    # greedy: warm start, fallback, and (static binary or OA) a bound that may already prove it
    allowed = np.ones(n, dtype=bool)
    allowed[forbidden] = False
    route_weight = weight if groups is None else np.asarray(groups.T @ weight).ravel()
    g_sites, _, g_bound = greedy_with_bound(A, route_weight, p, k, fixed_on=fixed_on, required=required,
                                            allowed=allowed)
    g_obj = _value(A, p, weight, groups, np.concatenate([fixed_on, g_sites]))
    stats = {"greedy_bound": g_bound, "rows": int(model[0].shape[0]), "cols": int(lay.n_cols),
             "nonzeros": int(model[0].nnz)}
    if greedy_shortcut and groups is None and capacity_year is None and \
            g_bound - g_obj <= mip_rel_gap * max(g_obj, 1e-12):
        return SolveResult(np.unique(np.concatenate([fixed_on, g_sites])), g_obj, g_bound,
                           max(0.0, (g_bound - g_obj) / max(g_obj, 1e-12)), "optimal (greedy within gap)", g_obj,
                           stats={"greedy_bound": g_bound, "formulation": "greedy", "rows": 0, "cols": n,
                                  "nonzeros": A.nnz})
    if lp_prune and lay.kind == "coverage" and groups is None and n >= LP_PRUNE_MIN_SITES:
        return _solve_pruned(A, p, weight, k, fixed_on, required, forbidden, g_sites, g_obj, g_bound,
                             time_limit, mip_rel_gap, threads)
    start = g_sites if warm_start is None else np.asarray(warm_start, dtype=int)
    h = _run_highs(lay, model, cols, start, fixed_on, time_limit, mip_rel_gap, threads)
    if lay.kind == "oa":
        return _refine_oa(h, A, p, weight, groups, n, lay.y0, lay.s0, a_site, g_sites, g_obj, fixed_on,
                          time_limit, mip_rel_gap, {**stats, "formulation": "outer approximation"})
    stats["formulation"] = lay.kind
    return _read_solution(h, lay, groups, capacity_year, g_sites, g_obj, g_bound, fixed_on, stats)


OA_LEVELS = np.array([1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.42, 0.35, 0.28, 0.22, 0.17, 0.13, 0.1, 0.07, 0.05, 0.03,
                      0.015, 0.005])  # survival levels of the first tangents: dense, so few refinements
SURE_CATCH_LOG = 40.0  # -log(1 - p) used for p = 1


def _tangent_rows(rows: _Rows, y0: int, L0: int, routes: np.ndarray, levels: np.ndarray) -> None:
    """Tangents of catch = 1 - exp(L) at survival s: y_r + s L_r <= 1 - s (1 - log s).

    1 - exp(L) is concave in L, so every tangent lies above it: the rows only
    over-estimate the catch, and are exact at the tangent points.
    """
    r = np.repeat(routes, levels.shape[1])
    s = levels.ravel()
    m = len(r)
    rows.add(np.concatenate([np.arange(m), np.arange(m)]), np.concatenate([y0 + r, L0 + r]),
             np.concatenate([np.ones(m), s]), m, -np.inf, 1.0 - s * (1.0 - np.log(s)))


def _refine_oa(h, A, p, weight, groups, n, y0, L0, a_site, g_sites, g_obj, fixed_on, time_limit, mip_rel_gap,
               stats) -> SolveResult:
    """Outer approximation: re-solve with tangents at the incumbent's true survival until its
    true value is within the gap of the MILP bound (the tangent model over-estimates, so its
    bound is valid)."""
    import time as _time
    t_end = _time.perf_counter() + time_limit
    best_x = np.unique(np.concatenate([fixed_on, g_sites])).astype(int)
    best_val = g_obj
    bound = np.inf
    status = ""
    rounds = 0
    for rounds in range(1, 31):
        info = h.getInfo()
        status = h.modelStatusToString(h.getModelStatus()).lower()
        if np.isfinite(info.mip_dual_bound):
            bound = min(bound, float(info.mip_dual_bound))
        sol = h.getSolution()
        if info.primal_solution_status != 2:
            break
        col = np.asarray(sol.col_value)
        chosen = np.flatnonzero(col[:n] > 0.5)
        value = _value(A, p, weight, groups, chosen)
        if value > best_val + 1e-12 or rounds == 1 and value >= best_val - 1e-12:
            best_x, best_val = chosen, value
        if bound - best_val <= mip_rel_gap * max(best_val, 1e-12) or _time.perf_counter() >= t_end:
            break
        x = np.zeros(n)
        x[chosen] = 1.0
        L_true = -(A @ (a_site * x))
        over = col[y0:y0 + A.shape[0]] > 1.0 - np.exp(L_true) + 1e-9
        routes = np.flatnonzero(over & (np.diff(A.indptr) > 0))
        if not len(routes):
            break  # the model is exact at its optimum: nothing left to refine
        cut = _Rows()
        _tangent_rows(cut, y0, L0, routes, np.maximum(np.exp(L_true[routes]), 1e-12)[:, None])
        M, lo, hi = cut.csr(h.getNumCol())
        h.addRows(M.shape[0], lo, hi, M.nnz, M.indptr[:-1].astype(np.int32), M.indices.astype(np.int32),
                  M.data.astype(float))
        h.setOptionValue("time_limit", max(1.0, t_end - _time.perf_counter()))
        h.setSolution(n, np.arange(n, dtype=np.int32), x)
        h.run()
    gap = max(0.0, (bound - best_val) / max(best_val, 1e-12)) if np.isfinite(bound) else float("nan")
    if np.isfinite(bound) and gap <= mip_rel_gap and status.startswith("time"):
        status = "optimal"
    return SolveResult(best_x, best_val, bound, gap, status, g_obj,
                       stats={**stats, "oa_rounds": rounds, "rows_final": int(h.getNumRow())})


def _value(A, p, weight, groups, chosen) -> float:
    catch = 1.0 - survival(A, p, chosen)
    if groups is None:
        return float(weight @ catch)
    g = sp.csr_matrix(groups)
    worst = np.array([catch[g.indices[g.indptr[i]:g.indptr[i + 1]]].min() if g.indptr[i + 1] > g.indptr[i] else 0.0
                      for i in range(g.shape[0])])
    return float(weight @ worst)


def merge_rows(A: sp.csr_matrix) -> tuple[sp.csr_matrix, np.ndarray]:
    """Distinct rows of A and, for each original row, the index of its distinct row."""
    A = sp.csr_matrix(A)
    A.sort_indices()
    keys = [A.indices[A.indptr[i]:A.indptr[i + 1]].tobytes() for i in range(A.shape[0])]
    first_of: dict[bytes, int] = {}
    inverse = np.fromiter((first_of.setdefault(key, len(first_of)) for key in keys), dtype=np.int64, count=len(keys))
    reps = np.zeros(len(first_of), dtype=np.int64)
    reps[inverse[::-1]] = np.arange(len(keys))[::-1]
    return A[reps], inverse


def column_groups(A: sp.csr_matrix) -> np.ndarray:
    """Label per column; equal labels mean identical columns (same routes)."""
    C = sp.csc_matrix(A)
    C.sort_indices()
    seen: dict[bytes, int] = {}
    return np.fromiter((seen.setdefault(C.indices[C.indptr[j]:C.indptr[j + 1]].tobytes(), len(seen))
                        for j in range(C.shape[1])), dtype=np.int64, count=C.shape[1])


def _coverage_lp(A, weight, k, cols, fixed_on, required):
    """LP relaxation of binary covering restricted to columns ``cols``; returns (value, pi, mu, x)."""
    sub = A[:, cols].tocsr()
    rows_in = np.flatnonzero(np.diff(sub.indptr) > 0)
    sub = sub[rows_in]
    m, c = sub.shape
    route_of = np.repeat(np.arange(m), np.diff(sub.indptr))
    budget = ~np.isin(cols, fixed_on)
    M = sp.csr_matrix((np.r_[np.ones(m), -np.ones(sub.nnz), np.ones(budget.sum())],
                       (np.r_[np.arange(m), route_of, np.full(budget.sum(), m)],
                        np.r_[c + np.arange(m), sub.indices, np.flatnonzero(budget)])), shape=(m + 1, c + m))
    lo = np.zeros(c + m)
    lo[:c][np.isin(cols, np.r_[fixed_on, required])] = 1.0
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(int(c + m), int(m + 1), int(M.nnz), 2, -1, 0.0, np.r_[np.zeros(c), weight[rows_in]], lo,
                np.ones(c + m), np.full(m + 1, -np.inf), np.r_[np.zeros(m), float(k)],
                M.indptr.astype(np.int32), M.indices.astype(np.int32), M.data.astype(float),
                np.zeros(c + m, dtype=np.int32))
    h.run()
    sol = h.getSolution()
    dual = np.abs(np.asarray(sol.row_dual))
    pi = weight.astype(float).copy()  # routes meeting no column: y = 0, dual = its weight
    pi[rows_in] = dual[:m]
    return float(h.getInfo().objective_function_value), pi, float(dual[m]), np.asarray(sol.col_value)[:c]


def _solve_pruned(A, p, weight, k, fixed_on, required, forbidden, g_sites, g_obj, g_bound, time_limit,
                  mip_rel_gap, threads) -> SolveResult:
    """Binary covering on many sites: LP column generation, reduced-cost fixing, then the MILP.

    The LP relaxation is solved over a growing set of columns, priced with the
    duals (routes meeting no column keep dual = weight) until no column has a
    positive reduced cost rc_j = sum_i pi_i - mu; its value is then the full LP
    bound.  A site with z_LP + rc_j below the greedy value cannot be in any
    better solution and is dropped; the MILP runs on the rest.
    """
    import time as _time
    t0 = _time.perf_counter()
    n = A.shape[1]
    AT = A.T.tocsr()
    allowed = np.ones(n, dtype=bool)
    allowed[forbidden] = False
    single = np.asarray(AT @ weight).ravel()
    single[~allowed] = -1.0
    start = np.argsort(-single)[:max(8 * k, 200)]
    cols = np.unique(np.r_[fixed_on, required, g_sites, start[single[start] > 0]]).astype(int)
    lp_bound = np.inf
    converged = False
    for _ in range(50):
        z, pi, mu, _x = _coverage_lp(A, weight, k, cols, fixed_on, required)
        rc = np.asarray(AT @ pi).ravel() - mu
        rc[~allowed] = -np.inf
        rc[cols] = -np.inf
        best_rc = float(rc.max()) if n > len(cols) else 0.0
        lp_bound = min(lp_bound, z + k * max(0.0, best_rc))
        if best_rc <= 1e-9 * max(1.0, z):
            converged = True
            break
        new = np.argsort(-rc)[:max(2 * k, 100)]
        cols = np.union1d(cols, new[rc[new] > 0])
    keep = np.zeros(n, dtype=bool)
    keep[cols] = True
    if converged:
        rc_all = np.asarray(AT @ pi).ravel() - mu
        keep |= allowed & (z + rc_all >= g_obj * (1 - 1e-9))
    else:
        keep |= allowed
    keep[np.r_[fixed_on, required].astype(int)] = True
    kc = np.flatnonzero(keep)
    where = -np.ones(n, dtype=int)
    where[kc] = np.arange(len(kc))
    left = max(1.0, time_limit - (_time.perf_counter() - t0))
    sub = solve(A[:, kc].tocsr(), p[kc], weight, k, fixed_on=where[fixed_on], required=where[required],
                warm_start=where[g_sites[np.isin(g_sites, kc)]], time_limit=left, mip_rel_gap=mip_rel_gap,
                threads=threads, greedy_shortcut=False, lp_prune=False)
    chosen = kc[sub.chosen]
    obj = float(weight @ (1.0 - survival(A, p, chosen)))
    if obj < g_obj:
        chosen, obj = np.unique(np.r_[fixed_on, g_sites]), g_obj
    bound = min(g_bound, lp_bound, max(sub.bound, g_obj) if np.isfinite(sub.bound) else np.inf)
    stats = {**sub.stats, "greedy_bound": g_bound, "lp_bound": lp_bound, "lp_columns": len(cols),
             "sites_after_lp_fixing": len(kc), "lp_converged": converged}
    return SolveResult(chosen, obj, bound, max(0.0, (bound - obj) / max(obj, 1e-12)), sub.status, g_obj, stats=stats)
