"""Mobile checkpoint patrols: randomised rotation against an adaptive smuggler.

A fixed patrol pattern is learnt and bribed around.  The defender instead
covers site j on a given day with probability c_j (sum c_j = k_mobile).  The
smuggler knows the c_j, not the day's draw, and takes the route with the least
expected interception sum_{j on route} p_j c_j (capped at 1) among routes at
most ``detour`` dearer than the cheapest.  The coverage maximising the
worst-case interception is the linear program of a zero-sum security game,
solved with HiGHS by route generation (the same best-response oracle as
``plan_robust``, with additive weights p_j c_j).  Daily schedules are drawn by
systematic sampling, whose inclusion probabilities equal c_j exactly.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import highspy
import numpy as np
import pandas as pd
import scipy.sparse as sp

from geodata.safe_export import csv_text
from models.placement._routes import RouteFinder, od_table, site_weights
from models.placement._sites import candidates as default_candidates
from models.placement._sites import incidence, validate_sites


@dataclass
class Rotation:
    probabilities: pd.DataFrame   # site_id, site_type, name, detection, coverage, lon, lat
    schedule: pd.DataFrame        # day, date, slot, site_id, site_type, name, lon, lat
    value: float                  # worst-case expected interception share (LP value / total volume)
    total_volume: float
    iterations: int
    seed: int

    def to_csv(self, path=None) -> str | None:
        """Schedule as CSV (for field commanders); returns the text when ``path`` is None."""
        text = csv_text(self.schedule)  # site names may come from user files: neutralise formulas
        if path is None:
            return text
        Path(path).write_text(text, encoding="utf-8")
        return None

    def frequencies(self) -> pd.Series:
        """Share of days each site was patrolled in the sampled schedule."""
        days = self.schedule["day"].nunique()
        counts = self.schedule["site_id"].value_counts()
        return (counts.reindex(self.probabilities["site_id"], fill_value=0) / max(days, 1)).rename("frequency")


def _solve_lp(A: sp.csr_matrix, p: np.ndarray, groups: sp.csr_matrix, weight: np.ndarray, k_mobile: int):
    """max sum_g w_g eta_g  s.t. eta_g <= sum_j p_j c_j (routes of g), eta <= 1, sum c = k, 0 <= c <= 1."""
    n = A.shape[1]
    n_routes = A.shape[0]
    n_groups = groups.shape[0]
    g = sp.coo_matrix(groups)
    # rows: one per (group, route) pair: eta_g - sum p_j c_j over route <= 0
    pair_route = sp.csr_matrix((np.ones(g.nnz), (np.arange(g.nnz), g.col)), shape=(g.nnz, n_routes))
    coef = -(pair_route @ A.multiply(p[None, :]).tocsr())
    eta = sp.csr_matrix((np.ones(g.nnz), (np.arange(g.nnz), g.row)), shape=(g.nnz, n_groups))
    budget = sp.csr_matrix((np.ones(n), (np.zeros(n, dtype=int), np.arange(n))), shape=(1, n + n_groups))
    M = sp.vstack([sp.hstack([coef, eta]), budget]).tocsr()
    lo = np.r_[np.full(g.nnz, -np.inf), float(k_mobile)]
    hi = np.r_[np.zeros(g.nnz), float(k_mobile)]
    cost = np.r_[np.zeros(n), weight]
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(int(n + n_groups), int(M.shape[0]), int(M.nnz), 2, -1, 0.0, cost,
                np.zeros(n + n_groups), np.ones(n + n_groups), lo, hi,
                M.indptr.astype(np.int32), M.indices.astype(np.int32), M.data.astype(float),
                np.zeros(n + n_groups, dtype=np.int32))
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    if status.lower() != "optimal":
        raise RuntimeError(f"rotation: the coverage LP did not solve ({status})")
    col = np.asarray(h.getSolution().col_value)
    return np.clip(col[:n], 0.0, 1.0), float(h.getInfo().objective_function_value)


def systematic_sample(prob: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Indices drawn so that index j is included with probability prob[j] exactly (sum prob integer)."""
    prob = prob * (round(prob.sum()) / prob.sum()) if prob.sum() > 0 else prob  # exact integer total
    order = rng.permutation(len(prob))  # fresh order each day: no fixed pairs of sites
    cum = np.cumsum(prob[order])
    m = int(round(cum[-1])) if len(cum) else 0
    u = rng.random()
    hits = np.searchsorted(cum, u + np.arange(m), side="right")
    return np.sort(order[np.minimum(hits, len(prob) - 1)])


def rotation(network, demand: pd.DataFrame, k_mobile: int, days: int, *, seed: int,
             candidates: pd.DataFrame | None = None, detour: float = 0.5, max_iter: int = 100,
             start_date: str | dt.date | None = None) -> Rotation:
    """Coverage probabilities for ``k_mobile`` patrol teams and a ``days``-long schedule drawn from them."""

    if isinstance(k_mobile, bool) or not isinstance(k_mobile, (int, np.integer)) or k_mobile < 1:
        raise ValueError(f"k_mobile must be a whole number of patrol teams >= 1, got {k_mobile!r}")
    if isinstance(days, bool) or not isinstance(days, (int, np.integer)) or days < 1:
        raise ValueError(f"days must be a whole number >= 1, got {days!r}")
    sites = validate_sites(default_candidates(network) if candidates is None else candidates)
    if k_mobile > len(sites):
        raise ValueError(f"k_mobile = {k_mobile} is larger than the {len(sites)} candidate sites")
    finder = RouteFinder(network, detour=detour)
    ods = od_table(network, demand)
    p = sites["detection"].to_numpy(float)
    records, seen = [], set()
    cover = np.full(len(sites), k_mobile / len(sites))
    value = 0.0
    it = 0
    for it in range(1, max_iter + 1):
        node_w, link_w = site_weights(sites, finder.links, p * cover)
        added = 0
        for od, (o, d, pref) in enumerate(ods.keys):
            nodes, edges, _, _ = finder.best_route(o, d, pref, node_w, link_w)
            key = (od, tuple(edges), tuple(nodes))
            if key not in seen:
                seen.add(key)
                records.append({"od": od, "nodes": nodes, "edges": edges})
                added += 1
        if added == 0 and it > 1:
            break
        frame = pd.DataFrame(records)
        A = incidence(frame, sites, network)
        groups = sp.csr_matrix((np.ones(len(frame)), (frame["od"].to_numpy(), np.arange(len(frame)))),
                               shape=(len(ods.keys), len(frame)))
        cover, value = _solve_lp(A, p, groups, ods.volume, k_mobile)
    total = float(ods.volume.sum())
    rng = np.random.default_rng(seed)
    start = pd.Timestamp(start_date) if start_date is not None else pd.Timestamp(dt.date.today())
    rows = []
    lon = sites.geometry.x.to_numpy() if "geometry" in sites.columns else np.full(len(sites), np.nan)
    lat = sites.geometry.y.to_numpy() if "geometry" in sites.columns else np.full(len(sites), np.nan)
    names = sites["name"].to_numpy() if "name" in sites.columns else np.full(len(sites), "")
    types = sites["site_type"].to_numpy() if "site_type" in sites.columns else np.full(len(sites), "")
    for day in range(days):
        for slot, j in enumerate(systematic_sample(cover, rng), start=1):
            rows.append({"day": day + 1, "date": (start + pd.Timedelta(days=day)).date().isoformat(), "slot": slot,
                         "site_id": sites["site_id"].iloc[j], "site_type": types[j], "name": names[j],
                         "lon": lon[j], "lat": lat[j]})
    probs = pd.DataFrame({"site_id": sites["site_id"], "site_type": types, "name": names,
                          "detection": p, "coverage": cover, "lon": lon, "lat": lat})
    return Rotation(probabilities=probs, schedule=pd.DataFrame(rows), value=value / total if total else 0.0,
                    total_volume=total, iterations=it, seed=seed)
