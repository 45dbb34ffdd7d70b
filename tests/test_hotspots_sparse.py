"""Hotspot statistics on sparse, real-shaped data: hot cells are where the records are.

The case the simulator's dense hotspots never showed: a few isolated large events plus one real
concentration over Turkey-India (tests/hotspots_sparse.py).  Before the star null and the
records-support rule, every hot Gi* cell was an empty hexagon in a ring around a single large event.
"""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from geodata.crs import haversine_m
from hotspots_sparse import CONCENTRATION, LARGE_EVENTS, sparse_intercepts
from models.hotspots import gi_star
from models.hotspots._gistar import star_null


@pytest.fixture(scope="module")
def records():
    return sparse_intercepts(0)


def _km_to(cells, lon, lat):
    centre = cells.geometry.representative_point()
    return haversine_m(centre.x.to_numpy(), centre.y.to_numpy(), lon, lat) / 1000


def _neighbourhood_records(cells):
    from models.hotspots import _grid as grid
    ids = np.array([int(c, 16) for c in cells["cell"]], dtype=np.int64)
    order = np.argsort(ids)
    adjacency = grid.ring_adjacency(ids[order], 1)
    counts = cells["records"].to_numpy(dtype=float)[order]
    out = np.empty(len(cells))
    out[order] = adjacency @ counts + counts
    return out


@pytest.mark.parametrize("value", ["records", "persons"])
def test_no_hot_cell_around_isolated_large_events(records, value):
    cells = gi_star(records, permutations=199, seed=0, case_type="all", value=value)
    hot = cells[cells["class"].str.startswith("hot")]
    for name, (lon, lat, _) in LARGE_EVENTS.items():
        assert (_km_to(hot, lon, lat) > 50).all(), f"a hot cell within 50 km of the single event {name}"


@pytest.mark.parametrize("value", ["records", "persons"])
def test_every_hot_cell_has_records_in_its_neighbourhood(records, value):
    cells = gi_star(records, permutations=199, seed=0, case_type="all", value=value)
    hot = cells["class"].str.startswith("hot").to_numpy()
    assert (_neighbourhood_records(cells)[hot] >= 3).all()


def test_the_dense_concentration_is_hot_and_nothing_else(records):
    cells = gi_star(records, permutations=199, seed=0, case_type="all")
    hot = cells[cells["class"].str.startswith("hot")]
    assert (hot["records"] > 0).sum() >= 2, "occupied cells of the concentration must be hot"
    assert (_km_to(hot, *CONCENTRATION) < 15).all(), "every hot cell belongs to the Nimroz concentration"


def test_star_null_matches_exact_enumeration():
    # 7 cells on a path; the star neighbourhood of cell i is itself and its path neighbours
    y = np.array([0, 0, 9, 0, 1, 0, 2], dtype=float)
    n = len(y)
    adjacency = sp.csr_matrix((np.ones(12), (list(range(6)) + list(range(1, 7)), list(range(1, 7)) + list(range(6)))),
                              shape=(n, n))
    draws = 200_000
    at_least, at_most = star_null(y, adjacency, draws, seed=1)
    observed = adjacency @ y + y
    size = np.asarray(adjacency.getnnz(axis=1)).ravel() + 1
    for i in range(n):
        sums = np.array([y[list(c)].sum() for c in itertools.combinations(range(n), size[i])])
        assert at_least[i] / draws == pytest.approx(np.mean(sums >= observed[i]), abs=0.006)
        assert at_most[i] / draws == pytest.approx(np.mean(sums <= observed[i]), abs=0.006)


def test_the_same_seed_gives_the_same_classes(records):
    a = gi_star(records, permutations=99, seed=3, case_type="all")
    b = gi_star(records, permutations=99, seed=3, case_type="all")
    pd.testing.assert_series_equal(a["class"], b["class"])
    np.testing.assert_array_equal(a["p"], b["p"])
