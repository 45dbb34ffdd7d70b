"""Getis-Ord Gi* on binary neighbourhood weights, with vectorised permutation inference.

The z-scores follow esda.G_Local(star=True, transform="B") exactly (same moments, same
formula).  The pseudo p-values use the same conditional randomisation as esda (each cell keeps
its own value, its k neighbours are redrawn from the other n-1 cells) but all cells share one
set of random draws, so the whole null distribution costs O(permutations * k) and each cell's
count is a binary search.  Why this is valid: take a random ordered sample of k+1 distinct
cells; for cell i, its k random neighbours are the first k when i is not among them, else the
first k+1 without i.  Either way that is a uniform k-subset of the other cells.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from geodata.crs import STORAGE_CRS
from models.hotspots import _grid as grid
from models.hotspots._input import MIN_RECORDS, SEPARATE, case_groups, data_version, require_spread, select

CLASSES = ("hot 99%", "hot 95%", "hot 90%", "not significant", "cold 90%", "cold 95%", "cold 99%")
CLASS_CONFIDENCE = ((0.01, "99%"), (0.05, "95%"), (0.10, "90%"))
MAX_NULL_DRAWS = 200_000  # star-null draws cap: p down to 5e-6 at ~1.4 M values for one ring
MIN_HOT_RECORDS = 3  # records a neighbourhood must hold before it can be called hot


def z_scores(y: np.ndarray, adjacency: sp.spmatrix) -> tuple[np.ndarray, np.ndarray]:
    """(G*, z) for values `y` and binary neighbour matrix `adjacency` (zero diagonal).

    Mirrors esda.G_Local(y, w, transform="B", star=True): the focal cell has weight 1.
    `y` may be a matrix (cells x periods): each column is one independent Gi*.
    z is 0 where the values do not vary at all (nothing can be significant then).
    """
    y = np.asarray(y, dtype=float)
    column = y.ndim == 1
    y = y.reshape(len(y), -1)
    n = len(y)
    total = y.sum(axis=0)
    cardinality = (np.asarray(adjacency.sum(axis=1)).ravel() + 1.0)[:, None]
    lag = adjacency @ y + y
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = np.where(total > 0, lag / total, 0.0)
        mean = total / n
        variance = (y * y).sum(axis=0) / n - mean**2
        expected = cardinality / n
        expected_variance = cardinality * (n - cardinality) / (n - 1) / n**2 * variance / mean**2
        z = (statistic - expected) / np.sqrt(expected_variance)
    z[~np.isfinite(z)] = 0.0
    return (statistic[:, 0], z[:, 0]) if column else (statistic, z)


def _ordered_samples(n: int, size: int, permutations: int, rng: np.random.Generator) -> np.ndarray:
    """`permutations` rows of `size` distinct cell positions in random order (esda-style null)."""
    return _random_subsets(n, size, permutations, rng, dense_below=2000)


def _random_subsets(n: int, size: int, draws: int, rng: np.random.Generator, dense_below: int = 0) -> np.ndarray:
    """`draws` rows of `size` distinct positions out of n, in random order.

    Small or dense cases take whole permutations; otherwise draw with replacement and redraw the
    rare rows that repeat a position.
    """
    if n <= 4 * size or n < dense_below:
        return np.stack([rng.permutation(n)[:size] for _ in range(draws)])
    rows = rng.integers(0, n, size=(draws, size))
    while True:
        ordered = np.sort(rows, axis=1)
        repeated = (ordered[:, 1:] == ordered[:, :-1]).any(axis=1)
        if not repeated.any():
            return rows
        rows[repeated] = rng.integers(0, n, size=(int(repeated.sum()), size))


def permutation_counts(y: np.ndarray, adjacency: sp.spmatrix, permutations: int, seed) -> np.ndarray:
    """For every cell, how many of `permutations` random neighbourhoods have a lag >= the observed one."""
    return permutation_null(y, adjacency, permutations, seed)[0]


def permutation_null(y: np.ndarray, adjacency: sp.spmatrix, permutations: int, seed):
    """(count of random lags >= observed, mean, standard deviation of the random lags) per cell.

    The lag is the sum of the neighbours' values (the focal value is the same on both sides).
    """
    y = np.asarray(y, dtype=float)
    n = len(y)
    k = np.asarray(adjacency.getnnz(axis=1)).ravel()
    observed = adjacency @ y
    larger = np.zeros(n, dtype=np.int64)
    total = np.zeros(n)
    total_sq = np.zeros(n)
    if n < 2 or k.max(initial=0) == 0:
        return larger, total, total_sq
    rng = np.random.default_rng(seed)
    kmax = int(k.max())
    draws = _ordered_samples(n, kmax + 1, permutations, rng)
    # prefix[r, m] = sum of the first m drawn values of row r
    prefix = np.zeros((permutations, kmax + 2))
    np.cumsum(y[draws], axis=1, out=prefix[:, 1:])
    for size in np.unique(k):
        if size == 0:
            continue
        cells = np.flatnonzero(k == size)
        null = np.sort(prefix[:, size])
        larger[cells] = permutations - np.searchsorted(null, observed[cells], side="left")
        total[cells] = null.sum()
        total_sq[cells] = (null**2).sum()
    # correct the rows where a cell drew itself among its first k: use the first k+1 minus itself
    rows, cols = np.nonzero(np.ones((permutations, kmax), dtype=bool))
    cell = draws[rows, cols]
    hit = cols < k[cell]
    rows, cell = rows[hit], cell[hit]
    size = k[cell]
    before = prefix[rows, size]
    after = prefix[rows, size + 1] - y[cell]
    change = (after >= observed[cell]).astype(np.int64) - (before >= observed[cell]).astype(np.int64)
    np.add.at(larger, cell, change)
    np.add.at(total, cell, after - before)
    np.add.at(total_sq, cell, after**2 - before**2)
    mean = total / permutations
    spread = np.sqrt(np.maximum(total_sq / permutations - mean**2, 0.0))
    return larger, mean, spread


def folded_p(larger: np.ndarray, permutations: int) -> np.ndarray:
    """esda's pseudo p-value: the smaller tail, (count + 1) / (permutations + 1)."""
    larger = larger.copy()
    below = (permutations - larger) < larger
    larger[below] = permutations - larger[below]
    return (larger + 1.0) / (permutations + 1.0)


def significance_class(z: np.ndarray, p: np.ndarray) -> np.ndarray:
    """hot/cold at 99/95/90% confidence from the sign of z and a two-sided p-value."""
    out = np.full(len(z), "not significant", dtype=object)
    for threshold, label in reversed(CLASS_CONFIDENCE):  # strictest last so it wins
        hit = p <= threshold
        out[hit & (z > 0)] = f"hot {label}"
        out[hit & (z < 0)] = f"cold {label}"
    return out


def star_null(y: np.ndarray, adjacency: sp.spmatrix, draws: int, seed) -> tuple[np.ndarray, np.ndarray]:
    """Counts of random star sums >= and <= each cell's observed star sum (total randomisation).

    Gi* includes the cell itself, so under spatial randomness a cell's neighbourhood (itself and its
    k neighbours) holds a random (k+1)-subset of all n cell values.  The null of the star sum
    therefore depends only on k+1, not on the cell: one set of `draws` random ordered samples
    serves every cell (prefix sums give every size), which makes many draws cheap.  The
    conditional randomisation of esda (focal value held fixed) cannot see a cell's own value:
    on a sparse grid it calls the empty ring around one large event hot and the event's own cell
    not significant.
    """
    y = np.asarray(y, dtype=float)
    n = len(y)
    size = np.asarray(adjacency.getnnz(axis=1)).ravel() + 1
    observed = adjacency @ y + y
    at_least = np.zeros(n, dtype=np.int64)
    at_most = np.zeros(n, dtype=np.int64)
    if n < 2:
        return at_least, at_most
    rng = np.random.default_rng(seed)
    largest = int(min(size.max(), n))
    prefix = np.cumsum(y[_random_subsets(n, largest, draws, rng)], axis=1)
    for s in np.unique(size):
        cells = np.flatnonzero(size == s)
        null = np.sort(prefix[:, min(s, n) - 1])
        at_least[cells] = draws - np.searchsorted(null, observed[cells] - 1e-9, side="left")
        at_most[cells] = np.searchsorted(null, observed[cells] + 1e-9, side="right")
    return at_least, at_most


def null_draws(n_cells: int, permutations: int) -> int:
    """Random neighbourhoods for the star null: enough that the smallest p can pass FDR over n cells."""
    if permutations == 0:
        return 0
    return int(max(permutations, min(MAX_NULL_DRAWS, 100 * n_cells)))


def gi_star_arrays(y: np.ndarray, adjacency: sp.spmatrix, *, permutations: int = 999, seed=0,
                   support: np.ndarray | None = None, min_records: int = 0) -> dict:
    """Gi*, z, permutation inference, FDR and class for values `y` on binary weights `adjacency`.

    `z` is esda.G_Local(star=True, transform="B")'s z; `p_sim` and `z_sim` are esda's conditional
    pseudo p-value and z, kept for comparison.  The inference used is `p`: the two-sided pseudo
    p-value of the star sum under total randomisation (`star_null`, ``null_draws`` random
    neighbourhoods, so its resolution can survive FDR), or the analytical p of `z` without
    permutations; `p_fdr` is Benjamini-Hochberg on `p`.  With `support` (records per cell), a cell
    is only classed hot when its neighbourhood, itself included, holds at least `min_records`
    records: one record, however many persons, is not a concentration.
    """
    if permutations < 0:
        raise ValueError(f"permutations must be >= 0, got {permutations}")
    y = np.asarray(y, dtype=float)
    statistic, z = z_scores(y, adjacency)
    p_norm = 2 * stats.norm.sf(np.abs(z))
    if permutations:
        larger, mean, spread = permutation_null(y, adjacency, permutations, seed)
        p_sim = folded_p(larger, permutations)
        with np.errstate(divide="ignore", invalid="ignore"):
            z_sim = np.where(spread > 0, (adjacency @ y - mean) / spread, 0.0)
        draws = null_draws(len(y), permutations)
        at_least, at_most = star_null(y, adjacency, draws, seed)
        p = np.minimum(1.0, 2 * (np.minimum(at_least, at_most) + 1.0) / (draws + 1.0))
    else:
        p_sim = z_sim = np.full(len(z), np.nan)
        p = p_norm
    p_fdr = stats.false_discovery_control(p, method="bh") if len(p) else p
    classes = significance_class(z, p_fdr)
    if support is not None:
        neighbourhood_records = adjacency @ np.asarray(support, dtype=float) + support
        thin = (neighbourhood_records < min_records) & (z > 0)
        classes[thin] = "not significant"
    return {"G": statistic, "z": z, "p_norm": p_norm, "p_sim": p_sim, "z_sim": z_sim, "p": p, "p_fdr": p_fdr,
            "class": classes}


# -------------------------------------------------------------------------- public Gi*

def _grid_values(points, resolution, rings):
    """(cell of each record, study cells, their ring adjacency)."""
    record_cells = grid.cells_of(points.lon, points.lat, resolution)
    study, adjacency = grid.study_grid(record_cells, rings)
    return record_cells, study, adjacency


def gi_star(intercepts, *, resolution: int = 7, permutations: int = 999, seed=0, rings: int = 1,
            value: str = "records", min_records: int = MIN_HOT_RECORDS, case_type=SEPARATE, mode=None,
            date_from=None, date_to=None) -> gpd.GeoDataFrame:
    """Getis-Ord Gi* per H3 cell: z, permutation inference, p_fdr (Benjamini-Hochberg) and class.

    Columns: z (as esda.G_Local star=True), p_norm (analytical, two-sided), p_sim (esda's
    one-tailed pseudo p), z_sim and p (two-sided, from the permutation null's mean and spread),
    p_fdr and class in CLASSES (hot/cold at 99/95/90% on p_fdr).

    Cells are the occupied cells plus `rings` rings around them (zeros count: they are where
    nothing was caught).  Neighbours are the cells within `rings` rings, binary weights, the cell
    itself included (Gi*).  `value` is "persons" or "records".  One block of rows per case-type
    group (column `case_type`).
    """
    resolution = grid.check_resolution(resolution)
    if value not in ("persons", "records"):
        raise ValueError(f"value must be 'persons' or 'records', got {value!r}")
    if not isinstance(rings, (int, np.integer)) or rings < 1:
        raise ValueError(f"rings must be a whole number >= 1, got {rings!r}")
    points = select(intercepts, case_type=case_type, mode=mode, date_from=date_from, date_to=date_to)
    require_spread(points, minimum=MIN_RECORDS, name="intercepts", what="gi_star")
    frames = []
    for group, mask in case_groups(points, case_type):
        part = points.subset(mask)
        record_cells, study, adjacency = _grid_values(part, resolution, rings)
        weights = part.persons if value == "persons" else np.ones(len(part))
        y = grid.sum_by_cell(study, record_cells, weights)
        records = grid.sum_by_cell(study, record_cells, np.ones(len(part)))
        persons = grid.sum_by_cell(study, record_cells, part.persons)
        result = gi_star_arrays(y, adjacency, permutations=permutations, seed=seed, support=records,
                                min_records=min_records)
        frames.append(pd.DataFrame({
            "cell": grid.cell_names(study), "case_type": group, "records": records.astype(int),
            "persons": persons.astype(int), "neighbours": np.asarray(adjacency.getnnz(axis=1)),
            "G": result["G"], "z": result["z"], "p_norm": result["p_norm"], "p_sim": result["p_sim"],
            "z_sim": result["z_sim"],
            "p": result["p"], "p_fdr": result["p_fdr"], "class": result["class"],
            "geometry": grid.cell_polygons(study),
        }))
    out = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=STORAGE_CRS)
    out.attrs.update({"resolution": resolution, "permutations": permutations, "rings": rings, "value": value,
                      "seed": seed, "data_version": data_version(intercepts)})
    return out


