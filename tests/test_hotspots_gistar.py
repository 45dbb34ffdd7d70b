"""Gi*: hand-checked values, equality with esda's z-scores, the permutation shortcut against brute force."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import scipy.sparse as sp
from scipy import stats

from hotspots_planted import planted_intercepts
from models.hotspots import _grid as grid
from models.hotspots import gi_star
from models.hotspots._gistar import (
    _ordered_samples, folded_p, gi_star_arrays, null_draws, permutation_counts, permutation_null, significance_class,
    star_null, z_scores,
)


def path_graph(n):
    rows = list(range(n - 1)) + list(range(1, n))
    cols = list(range(1, n)) + list(range(n - 1))
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))


def test_z_scores_on_three_cells_by_hand():
    # cells 0 - 1 - 2 with values 0, 0, 3: total 3, n 3, mean 1, variance 9/3 - 1 = 2.
    # cell 2: G* = (0 + 3) / 3 = 1, E = 2/3, V = 2*1/2/9 * 2/1 = 2/9 -> z = (1/3) / sqrt(2/9) = 1/sqrt(2)
    # cell 0: G* = 0 -> z = -(2/3) / sqrt(2/9) = -sqrt(2); cell 1 sees every cell: no variance, z = 0
    statistic, z = z_scores(np.array([0.0, 0.0, 3.0]), path_graph(3))
    np.testing.assert_allclose(statistic, [0.0, 1.0, 1.0])
    np.testing.assert_allclose(z, [-math.sqrt(2), 0.0, 1 / math.sqrt(2)], atol=1e-12)


def test_z_scores_equal_esda_on_an_h3_grid():
    esda = pytest.importorskip("esda")
    from libpysal.weights import WSP

    rng = np.random.default_rng(3)
    lon, lat = rng.normal(64.4, 0.15, 800), rng.normal(28.9, 0.1, 800)
    cells = grid.cells_of(lon, lat, 7)
    study = grid.with_rings(np.unique(cells), 1)
    adjacency = grid.ring_adjacency(study, 1)
    y = grid.sum_by_cell(study, cells, rng.integers(1, 9, 800).astype(float))
    w = WSP(adjacency.tocsr()).to_W(silence_warnings=True)
    reference = esda.G_Local(y, w, transform="B", star=True, permutations=0)
    _, z = z_scores(y, adjacency)
    assert len(y) > 300
    np.testing.assert_allclose(z, reference.Zs, atol=1e-6, rtol=0)


def test_ring_adjacency_of_an_h3_disk():
    centre = grid.cells_of(np.array([64.4]), np.array([28.9]), 7)
    study = grid.with_rings(centre, 1)  # the centre and its six neighbours
    adjacency = grid.ring_adjacency(study, 1)
    assert len(study) == 7
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    position = int(np.searchsorted(study, centre[0]))
    assert degree[position] == 6  # the centre touches all six
    assert sorted(np.delete(degree, position)) == [3] * 6  # each outer cell: centre + two ring cells
    assert (adjacency != adjacency.T).nnz == 0 and adjacency.diagonal().sum() == 0


def test_permutation_counts_equal_brute_force_with_the_same_draws():
    rng = np.random.default_rng(7)
    n, permutations, seed = 12, 200, 11
    adjacency = sp.csr_matrix((rng.random((n, n)) < 0.3).astype(float))
    adjacency = ((adjacency + adjacency.T) > 0).astype(float).tolil()
    adjacency.setdiag(0)
    adjacency = adjacency.tocsr()
    adjacency.eliminate_zeros()
    y = rng.integers(0, 6, n).astype(float)
    fast = permutation_counts(y, adjacency, permutations, seed)

    k = np.asarray(adjacency.getnnz(axis=1)).ravel()
    draws = _ordered_samples(n, int(k.max()) + 1, permutations, np.random.default_rng(seed))
    observed = adjacency @ y
    slow = np.zeros(n, dtype=int)
    for i in range(n):
        for row in draws:
            chosen = [c for c in row[: k[i] + 1] if c != i][: k[i]]
            assert len(set(chosen)) == k[i] and i not in chosen
            slow[i] += y[chosen].sum() >= observed[i]
    np.testing.assert_array_equal(fast, slow)


def test_pseudo_p_values_match_exact_enumeration():
    # six cells on a path; the exact conditional-randomisation p-value enumerates every neighbour set
    y = np.array([9.0, 7.0, 1.0, 0.0, 2.0, 3.0])
    adjacency = path_graph(6)
    permutations = 20000
    counts = permutation_counts(y, adjacency, permutations, seed=1)
    observed = adjacency @ y
    k = np.asarray(adjacency.getnnz(axis=1)).ravel()
    for i in range(6):
        others = [j for j in range(6) if j != i]
        sums = [y[list(c)].sum() for c in itertools.combinations(others, k[i])]
        exact = np.mean(np.array(sums) >= observed[i])
        assert abs(counts[i] / permutations - exact) < 0.015, (i, counts[i] / permutations, exact)


def test_permutation_mean_and_spread_match_the_draws():
    rng = np.random.default_rng(5)
    n, permutations, seed = 15, 300, 2
    adjacency = path_graph(n)
    y = rng.integers(0, 9, n).astype(float)
    _, mean, spread = permutation_null(y, adjacency, permutations, seed)
    k = np.asarray(adjacency.getnnz(axis=1)).ravel()
    draws = _ordered_samples(n, int(k.max()) + 1, permutations, np.random.default_rng(seed))
    for i in range(n):
        lags = [y[[c for c in row[: k[i] + 1] if c != i][: k[i]]].sum() for row in draws]
        assert mean[i] == pytest.approx(np.mean(lags)) and spread[i] == pytest.approx(np.std(lags))


def test_folded_p_and_classes():
    np.testing.assert_allclose(folded_p(np.array([0, 999, 500, 10]), 999), [1 / 1000, 1 / 1000, 500 / 1000, 11 / 1000])
    z = np.array([3.0, 2.0, 1.8, 0.5, -1.7, -2.1, -3.0])
    p = np.array([0.005, 0.03, 0.08, 0.5, 0.09, 0.04, 0.001])
    assert list(significance_class(z, p)) == [
        "hot 99%", "hot 95%", "hot 90%", "not significant", "cold 90%", "cold 95%", "cold 99%"]


def test_fdr_is_benjamini_hochberg_of_the_two_sided_star_null_p():
    rng = np.random.default_rng(0)
    y = rng.poisson(2, 60).astype(float)
    y[:5] = 40
    result = gi_star_arrays(y, path_graph(60), permutations=499, seed=0)
    draws = null_draws(60, 499)
    at_least, at_most = star_null(y, path_graph(60), draws, 0)
    np.testing.assert_allclose(result["p"], np.minimum(1, 2 * (np.minimum(at_least, at_most) + 1) / (draws + 1)))
    np.testing.assert_allclose(result["p_fdr"], stats.false_discovery_control(result["p"], method="bh"))
    assert (result["p_fdr"] >= result["p"] - 1e-12).all()


def test_gi_star_marks_planted_centres_hot_and_far_background_not():
    records, planted = planted_intercepts(0, case_type="smuggling")
    cells = gi_star(records, resolution=7, permutations=499, seed=0, case_type="all")
    assert set(cells["case_type"]) == {"all"}
    centre_cells = grid.cell_names(grid.cells_of(planted.geometry.x.to_numpy(), planted.geometry.y.to_numpy(), 7))
    classes = cells.set_index("cell").loc[centre_cells, "class"]
    assert (classes == "hot 99%").all(), classes
    assert cells["persons"].sum() == records["persons"].sum()
    # same seed, same answer
    again = gi_star(records, resolution=7, permutations=499, seed=0, case_type="all")
    np.testing.assert_array_equal(again["p_sim"], cells["p_sim"])


def test_gi_star_splits_case_types_by_default():
    records, _ = planted_intercepts(1, n_background=800, n_hotspots=2)
    cells = gi_star(records, resolution=6, permutations=99)
    assert set(cells["case_type"]) == set(records["case_type"])
    for case, part in cells.groupby("case_type"):
        assert part["persons"].sum() == records.loc[records["case_type"] == case, "persons"].sum()


@pytest.mark.parametrize("build, message", [
    (lambda r: r.iloc[:0], "is empty"),
    (lambda r: r.iloc[:1], "at least 3"),
    (lambda r: r.assign(geometry=[r.geometry.iloc[0]] * len(r)).set_crs("EPSG:4326", allow_override=True),
     "at one position"),
    (lambda r: r.assign(case_type="smuggled"), "case_type must be one of"),
    (lambda r: r.drop(columns="persons"), "missing column(s) persons"),
])
def test_gi_star_bad_input_messages(build, message):
    records, _ = planted_intercepts(2, n_background=200, n_hotspots=1)
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        gi_star(build(records), permutations=9)


def test_gi_star_bad_parameters():
    records, _ = planted_intercepts(2, n_background=200, n_hotspots=1)
    with pytest.raises(ValueError, match="resolution must be an H3 resolution"):
        gi_star(records, resolution=20)
    with pytest.raises(ValueError, match="no intercepts records are left after the filters"):
        gi_star(records, mode="air")
