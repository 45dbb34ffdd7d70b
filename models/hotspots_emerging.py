"""Space-time hotspot categories from a cube of Gi* z-scores and a Mann-Kendall trend.

The categories are those of Esri's Emerging Hot Spot Analysis, which planners know.  Each cell
has one Gi* z-score per period; a period counts as hot (cold) when its FDR-corrected p-value is
at most `alpha` and z > 0 (z < 0).  The trend is the Mann-Kendall test on the z-score series.
"""
from __future__ import annotations

import numpy as np
from scipy import stats

# One plain sentence per category: shown in the app and in docs/hotspots.md.
CATEGORY_TEXT = {
    "new hot spot": "Hot in the latest period for the first time.",
    "consecutive hot spot": "Hot in an unbroken run of the latest periods (two or more), never before that run, and in under 90% of all periods.",
    "intensifying hot spot": "Hot in at least 90% of periods including the latest, and getting hotter with a significant upward trend.",
    "persistent hot spot": "Hot in at least 90% of periods including the latest, with no clear trend up or down.",
    "diminishing hot spot": "Hot in at least 90% of periods including the latest, but cooling with a significant downward trend.",
    "sporadic hot spot": "Hot in the latest period and on and off before, never a cold spot, hot in under 90% of periods.",
    "oscillating hot spot": "Hot in the latest period but a cold spot at some earlier period; hot in under 90% of periods.",
    "historical hot spot": "Hot in at least 90% of periods but not in the latest one.",
    "new cold spot": "Cold in the latest period for the first time.",
    "consecutive cold spot": "Cold in an unbroken run of the latest periods (two or more), never before that run, and in under 90% of all periods.",
    "intensifying cold spot": "Cold in at least 90% of periods including the latest, and getting colder with a significant downward trend.",
    "persistent cold spot": "Cold in at least 90% of periods including the latest, with no clear trend.",
    "diminishing cold spot": "Cold in at least 90% of periods including the latest, but warming with a significant upward trend.",
    "sporadic cold spot": "Cold in the latest period and on and off before, never a hot spot, cold in under 90% of periods.",
    "oscillating cold spot": "Cold in the latest period but a hot spot at some earlier period; cold in under 90% of periods.",
    "historical cold spot": "Cold in at least 90% of periods but not in the latest one.",
    "no pattern detected": "None of the patterns above: not a hot or cold spot over time.",
}
CATEGORIES = tuple(CATEGORY_TEXT)
MIN_PERIODS = 3


def mann_kendall(series: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mann-Kendall S, z and two-sided p for each row of `series` (cells x periods), ties corrected.

    Matches pymannkendall.original_test row by row, vectorised over rows.
    """
    x = np.atleast_2d(np.asarray(series, dtype=float))
    rows, t = x.shape
    s = np.zeros(rows)
    for lag in range(1, t):
        s += np.sign(x[:, lag:] - x[:, :-lag]).sum(axis=1)
    # ties: sum over tied groups of g(g-1)(2g+5)
    ordered = np.sort(x, axis=1)
    run = np.ones(rows)
    tie_term = np.zeros(rows)
    for j in range(1, t + 1):
        same = ordered[:, j] == ordered[:, j - 1] if j < t else np.zeros(rows, dtype=bool)
        ended = ~same
        tie_term[ended] += run[ended] * (run[ended] - 1) * (2 * run[ended] + 5)
        run = np.where(same, run + 1, 1.0)
    variance = (t * (t - 1) * (2 * t + 5) - tie_term) / 18.0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(s > 0, (s - 1) / np.sqrt(variance), np.where(s < 0, (s + 1) / np.sqrt(variance), 0.0))
    z[~np.isfinite(z)] = 0.0
    p = 2 * stats.norm.sf(np.abs(z))
    return s, z, p


def _side_category(on: np.ndarray, other: np.ndarray, trend_z: np.ndarray, trend_p: float,
                   alpha: float, side: str) -> np.ndarray:
    """Category of each cell for one side (hot or cold); '' where that side does not apply.

    `on` (cells x periods) says where the cell is significant on this side, `other` on the other.
    """
    cells, t = on.shape
    out = np.full(cells, "", dtype=object)
    count = on.sum(axis=1)
    share = count / t
    final = on[:, -1]
    # length of the run of `on` that ends at the final period
    run = np.zeros(cells, dtype=int)
    still = np.ones(cells, dtype=bool)
    for j in range(t - 1, -1, -1):
        still &= on[:, j]
        run += still
    towards = trend_z > 0 if side == "hot" else trend_z < 0
    away = trend_z < 0 if side == "hot" else trend_z > 0
    significant_trend = trend_p <= alpha
    mostly = share >= 0.9
    out[final & (count == 1)] = f"new {side} spot"
    rest = final & (count > 1)
    out[rest & mostly & significant_trend & towards] = f"intensifying {side} spot"
    out[rest & mostly & significant_trend & away] = f"diminishing {side} spot"
    out[rest & mostly & ~(significant_trend & (towards | away))] = f"persistent {side} spot"
    partial = rest & ~mostly
    out[partial & (run == count) & (run >= 2)] = f"consecutive {side} spot"
    undecided = partial & (out == "")
    out[undecided & other.any(axis=1)] = f"oscillating {side} spot"
    out[undecided & ~other.any(axis=1)] = f"sporadic {side} spot"
    out[~final & mostly] = f"historical {side} spot"
    return out


def categorise(z: np.ndarray, p_fdr: np.ndarray, *, alpha: float = 0.05) -> dict:
    """Emerging-hotspot category for each cell from its z-scores and FDR p-values (cells x periods)."""
    z = np.atleast_2d(np.asarray(z, dtype=float))
    p_fdr = np.atleast_2d(np.asarray(p_fdr, dtype=float))
    if z.shape != p_fdr.shape:
        raise ValueError(f"z {z.shape} and p_fdr {p_fdr.shape} must have the same shape (cells x periods)")
    if z.shape[1] < MIN_PERIODS:
        raise ValueError(f"emerging needs at least {MIN_PERIODS} periods, got {z.shape[1]}")
    hot = (p_fdr <= alpha) & (z > 0)
    cold = (p_fdr <= alpha) & (z < 0)
    _, trend_z, trend_p = mann_kendall(z)
    hot_cat = _side_category(hot, cold, trend_z, trend_p, alpha, "hot")
    cold_cat = _side_category(cold, hot, trend_z, trend_p, alpha, "cold")
    # the side significant in the latest period wins (a historical hot spot can be a new cold spot)
    prefer_cold = (cold_cat != "") & ((hot_cat == "") | cold[:, -1])
    category = np.where(prefer_cold, cold_cat, np.where(hot_cat != "", hot_cat, "no pattern detected"))
    return {"category": category.astype(object), "hot_periods": hot.sum(axis=1), "cold_periods": cold.sum(axis=1),
            "trend_z": trend_z, "trend_p": trend_p}
