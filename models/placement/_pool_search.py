"""Swap local search on the robust master's route-pool model, without a MILP.

The pool model values a plan as the master would with exact (not tangent) catches: each informed
smuggler takes the known route of least site weight, the rest stay on today's route (at the
informed share planned for).  Greedy additions then best-improvement swaps find, in
milliseconds, the plans the master would propose next; the oracle checks them and adds their
evading routes, so the master MILP starts from a near-complete pool and a near-optimal incumbent.
"""
from __future__ import annotations

import numpy as np
from scipy import sparse

IMPROVEMENT = 1e-9  # relative gain a move needs: below it the search stops (no cycling on ties)


class PoolModel:
    """Route pools per OD as one route x site matrix of site weights a_j."""

    def __init__(self, a: np.ndarray, volume: np.ndarray, theta: float, known: list, today_sites: list):
        self.a, self.volume = np.asarray(a, float), np.asarray(volume, float)
        self.theta = float(theta)
        R, self.starts = _route_matrix(self.a, known)
        T, _ = _route_matrix(self.a, [[s] for s in today_sites])
        self.R, self.T = R.toarray(), T.toarray()  # dense: every move adds whole site columns
        self.on_routes = (self.R.any(axis=0) | self.T.any(axis=0))  # sites some route meets
        self.today = self.theta < 1.0

    def _catches(self, route_w: np.ndarray, today_w: np.ndarray) -> np.ndarray:
        """Mixed catch at the informed share (trailing axes are plans)."""
        best = np.minimum.reduceat(route_w, self.starts, axis=0)
        caught = np.tensordot(self.volume, -np.expm1(-best), axes=(0, 0))
        stayed = np.tensordot(self.volume, -np.expm1(-today_w), axes=(0, 0)) if self.today else 0.0
        return self.theta * caught + (1.0 - self.theta) * stayed

    def value(self, chosen) -> float:
        """The pool model's mixed catch (migrants/year) of one plan."""
        x = np.zeros(len(self.a))
        x[np.asarray(chosen, int)] = 1.0
        return float(self._catches(self.R @ x, self.T @ x))

    def improve(self, chosen, fixed, allowed: np.ndarray, k: int, max_moves: int = 500) -> np.ndarray:
        """Fill the plan to ``k`` movable sites by greedy additions, then swap while a swap gains.

        ``fixed`` sites always stay; ``allowed`` marks the sites a move may bring in.
        """
        fixed = np.unique(np.asarray(fixed, int))
        chosen = np.union1d(np.asarray(chosen, int), fixed)
        useful = allowed & self.on_routes
        Rd, Td = self.R, self.T
        for _ in range(max_moves):
            x = np.zeros(len(self.a))
            x[chosen] = 1.0
            rw, tw = Rd @ x, Td @ x
            current = float(self._catches(rw, tw))
            ins = np.flatnonzero(useful & (x == 0))
            if not len(ins):
                break
            if len(chosen) - len(fixed) < k:
                gains = self._catches(rw[:, None] + Rd[:, ins], tw[:, None] + Td[:, ins])
                chosen = np.union1d(chosen, [ins[int(np.argmax(gains))]])
                continue
            outs = np.setdiff1d(chosen, fixed)
            if not len(outs):
                break
            swapped = self._catches(rw[:, None, None] - Rd[:, outs, None] + Rd[:, None, ins],
                                    tw[:, None, None] - Td[:, outs, None] + Td[:, None, ins])
            i, j = np.unravel_index(int(np.argmax(swapped)), swapped.shape)
            if swapped[i, j] <= current + IMPROVEMENT * max(abs(current), 1.0):
                break
            chosen = np.union1d(np.setdiff1d(chosen, [outs[i]]), [ins[j]])
        return chosen


def _route_matrix(a: np.ndarray, pools: list) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Rows = routes (grouped by OD, in OD order), values a_j; and each OD's first row."""
    rows, cols, starts = [], [], []
    r = 0
    for pool in pools:
        starts.append(r)
        for sites in pool:
            sites = np.unique(np.asarray(sites, int))
            rows.append(np.full(len(sites), r))
            cols.append(sites)
            r += 1
    rows = np.concatenate(rows) if rows else np.zeros(0, int)
    cols = np.concatenate(cols) if cols else np.zeros(0, int)
    R = sparse.csr_matrix((a[cols], (rows, cols)), shape=(r, len(a)))
    return R, np.asarray(starts, int)
