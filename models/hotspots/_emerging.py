"""Space-time hotspot categories from a cube of Gi* z-scores and a Mann-Kendall trend.

The categories are those of Esri's Emerging Hot Spot Analysis, which planners know.  Each cell
has one Gi* z-score per period; a period counts as hot (cold) when its FDR-corrected p-value is
at most `alpha` and z > 0 (z < 0).  The trend is the Mann-Kendall test on the z-score series.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import stats

from geodata.crs import STORAGE_CRS
from models.hotspots import _grid as grid
from models.hotspots._gistar import MIN_HOT_RECORDS, _grid_values, z_scores
from models.hotspots._input import MIN_RECORDS, SEPARATE, case_groups, data_version, require_spread, select

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


def categorise(z: np.ndarray, p_fdr: np.ndarray, *, alpha: float = 0.05, supported: np.ndarray | None = None) -> dict:
    """Emerging-hotspot category for each cell from its z-scores and FDR p-values (cells x periods).

    `supported` (cells x periods, optional) says where a neighbourhood holds enough records for a
    hot call in that period; elsewhere the period does not count as hot.
    """
    z = np.atleast_2d(np.asarray(z, dtype=float))
    p_fdr = np.atleast_2d(np.asarray(p_fdr, dtype=float))
    if z.shape != p_fdr.shape:
        raise ValueError(f"z {z.shape} and p_fdr {p_fdr.shape} must have the same shape (cells x periods)")
    if z.shape[1] < MIN_PERIODS:
        raise ValueError(f"emerging needs at least {MIN_PERIODS} periods, got {z.shape[1]}")
    hot = (p_fdr <= alpha) & (z > 0)
    if supported is not None:
        hot &= np.asarray(supported, dtype=bool)
    cold = (p_fdr <= alpha) & (z < 0)
    _, trend_z, trend_p = mann_kendall(z)
    hot_cat = _side_category(hot, cold, trend_z, trend_p, alpha, "hot")
    cold_cat = _side_category(cold, hot, trend_z, trend_p, alpha, "cold")
    # the side significant in the latest period wins (a historical hot spot can be a new cold spot)
    prefer_cold = (cold_cat != "") & ((hot_cat == "") | cold[:, -1])
    category = np.where(prefer_cold, cold_cat, np.where(hot_cat != "", hot_cat, "no pattern detected"))
    return {"category": category.astype(object), "hot_periods": hot.sum(axis=1), "cold_periods": cold.sum(axis=1),
            "trend_z": trend_z, "trend_p": trend_p}






# --------------------------------------------------------------------------- emerging

def _check_period(period: str) -> None:
    try:
        pd.Period("2024-01-01", freq=period)
    except (ValueError, TypeError) as err:
        raise ValueError(f"period {period!r} is not a pandas period frequency (e.g. 'M', 'Q', 'W'): {err}") from err


def _period_codes(dates: np.ndarray, period: str) -> tuple[np.ndarray, pd.PeriodIndex]:
    try:
        periods = pd.PeriodIndex(pd.DatetimeIndex(dates), freq=period)
    except ValueError as err:
        raise ValueError(f"period {period!r} is not a pandas period frequency (e.g. 'M', 'Q', 'W'): {err}") from err
    full = pd.period_range(periods.min(), periods.max(), freq=period)
    codes = (periods.asi8 - full[0].ordinal).astype(int)
    return codes, full


def emerging(intercepts, *, resolution: int = 7, period: str = "M", rings: int = 1, alpha: float = 0.05,
             value: str = "records", min_records: int = MIN_HOT_RECORDS, case_type=SEPARATE, mode=None,
             date_from=None, date_to=None) -> gpd.GeoDataFrame:
    """Emerging-hotspot category per H3 cell from per-period Gi* z-scores and a Mann-Kendall trend.

    Per period, Gi* is computed on the same cells (occupied at any time plus `rings` rings), with
    normal-approximation p-values FDR-corrected within the period; a cell is hot (cold) in a period
    when p_fdr <= `alpha` and its neighbourhood holds at least `min_records` records in that period
    (one record in a quiet period is not a new hot spot).  `value` is "records" (default) or
    "persons".  Records without any date cannot be placed in time: they are left out and counted in
    ``attrs["undated_records"]``; records known only to a coarser period than `period` (a year-only
    date in a monthly analysis) are left out too, counted in ``attrs["imprecise_records"]``.
    """
    resolution = grid.check_resolution(resolution)
    if value not in ("persons", "records"):
        raise ValueError(f"value must be 'persons' or 'records', got {value!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    points = select(intercepts, case_type=case_type, mode=mode, date_from=date_from, date_to=date_to)
    out = _emerging_points(points, resolution=resolution, period=period, rings=rings, alpha=alpha,
                           case_type=case_type, value=value, min_records=min_records)
    out.attrs["data_version"] = data_version(intercepts)
    return out


def _placeable(points, period: str, record_cells):
    """(records placeable in one `period`, their cells, undated count, imprecise count); raises when none."""
    dated = ~np.isnat(points.date)
    if not dated.any():
        raise ValueError(
            f"none of the {len(points)} intercepts has a date (date, or date_from and date_to); "
            "emerging needs dated records"
        )
    undated = int((~dated).sum())
    _check_period(period)
    placed = dated & points.in_one_period(period)
    imprecise = int((dated & ~placed).sum())
    if not placed.any():
        raise ValueError(
            f"none of the {len(points)} intercepts is dated precisely enough for periods of {period!r} "
            f"({imprecise} are known only to a coarser period, e.g. a year)"
        )
    cells = record_cells[placed] if record_cells is not None else None
    return points.subset(placed), cells, undated, imprecise


def _group_frame(part, part_codes, part_cells, periods: int, *, group, resolution, rings, alpha, value,
                 min_records, polygons) -> pd.DataFrame:
    """One case-type group: the cell x period cube, per-period Gi*, categories, one row per cell."""
    if part_cells is None:
        part_cells, study, adjacency = _grid_values(part, resolution, rings)
    else:
        study, adjacency = grid.study_grid(part_cells, rings)
    pos = np.searchsorted(study, part_cells)
    counts = np.zeros((len(study), periods))
    np.add.at(counts, (pos, part_codes), 1.0)
    cube = counts
    if value == "persons":
        cube = np.zeros((len(study), periods))
        np.add.at(cube, (pos, part_codes), part.persons)
    _, z = z_scores(cube, adjacency)  # every period at once
    p_fdr = stats.false_discovery_control(2 * stats.norm.sf(np.abs(z)), axis=0, method="bh")
    supported = adjacency @ counts + counts >= min_records
    cats = categorise(z, p_fdr, alpha=alpha, supported=supported)
    shapes = grid.cell_polygons(study) if polygons else shapely.points(np.column_stack(grid.cell_centres(study)))
    return pd.DataFrame({
        "cell": grid.cell_names(study), "case_type": group, "records": np.bincount(pos, minlength=len(study)),
        "persons": np.bincount(pos, weights=part.persons, minlength=len(study)).astype(int),
        "periods": periods, "hot_periods": cats["hot_periods"], "cold_periods": cats["cold_periods"],
        "z_last": z[:, -1], "trend_z": cats["trend_z"], "trend_p": cats["trend_p"], "category": cats["category"],
        "geometry": shapes,
    })


def _emerging_points(points, *, resolution, period, rings, alpha, case_type, record_cells=None, polygons=True,
                     value="records", min_records=MIN_HOT_RECORDS):
    """`emerging` on already selected records; `record_cells` (at `resolution`) saves recomputing cells.

    With `polygons=False` the geometry is the cell centre (enough for point-in-outline tests).
    """
    points, record_cells, undated, imprecise = _placeable(points, period, record_cells)
    require_spread(points, minimum=MIN_RECORDS, name="dated intercepts", what="emerging")
    codes, full = _period_codes(points.date, period)
    if len(full) < MIN_PERIODS:
        raise ValueError(
            f"the dated intercepts span {len(full)} period(s) of {period!r} "
            f"({full[0]} to {full[-1]}); emerging needs at least {MIN_PERIODS}"
        )
    frames = [_group_frame(points.subset(mask), codes[mask], None if record_cells is None else record_cells[mask],
                           len(full), group=group, resolution=resolution, rings=rings, alpha=alpha, value=value,
                           min_records=min_records, polygons=polygons)
              for group, mask in case_groups(points, case_type)]
    out = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=STORAGE_CRS)
    out.attrs.update({"resolution": resolution, "period": period, "first_period": str(full[0]),
                      "last_period": str(full[-1]), "alpha": alpha, "undated_records": undated,
                      "imprecise_records": imprecise, "value": value, "min_records": min_records})
    return out


