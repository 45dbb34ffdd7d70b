"""Hotspot statistics on sparse, real-shaped data: hot cells are where the records are.

The case the simulator's dense hotspots never showed: a few isolated large events plus one real
concentration over Turkey-India (tests/hotspots_sparse.py).  Before the star null and the
records-support rule, every hot Gi* cell was an empty hexagon in a ring around a single large event.
"""
from __future__ import annotations

import itertools

import geopandas as gpd
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


def _dated_over(months: int, seed: int = 0):
    """The sparse set without its large events, dates spread evenly over `months` from 2023-01."""
    rng = np.random.default_rng(seed)
    base = sparse_intercepts(seed)
    base = base[~base["id"].isin([f"sparse-{i}" for i in range(len(LARGE_EVENTS))])]
    days = rng.integers(0, 30 * months, len(base))
    return base.assign(date=pd.Timestamp("2023-01-01") + pd.to_timedelta(days, unit="D"))


def test_emerging_calls_no_new_hot_spot_on_one_record():
    from models.hotspots import emerging
    records = _dated_over(24)
    lone = records.iloc[[0]].copy()  # one 1-person record in the last month, far from everything
    lone["id"], lone["persons"], lone["date"] = "lone", 1, pd.Timestamp("2024-12-20")
    lone = lone.set_geometry(gpd.points_from_xy([50.0], [27.0], crs="EPSG:4326"))
    cells = emerging(gpd.GeoDataFrame(pd.concat([records, lone]), crs="EPSG:4326"), case_type="all")
    near = cells[_km_to(cells, 50.0, 27.0) < 15]
    assert len(near) == 7
    assert (near["category"] == "no pattern detected").all(), near["category"].value_counts()


def test_year_precision_records_are_left_out_of_months():
    from models.hotspots import emerging
    records = _dated_over(24).assign(date_precision="day")
    yearly = records.assign(id=records["id"] + "-y", date=pd.Timestamp("2024-01-01"), date_precision="year")
    cells = emerging(gpd.GeoDataFrame(pd.concat([records, yearly]), crs="EPSG:4326"), case_type="all")
    assert cells.attrs["imprecise_records"] == len(yearly)
    assert cells["records"].sum() == len(records)  # nothing was put into January 2024
    by_year = emerging(gpd.GeoDataFrame(pd.concat([records, yearly]), crs="EPSG:4326"), case_type="all", period="Q")
    assert by_year.attrs["imprecise_records"] == len(yearly)


def test_year_precision_record_dates_span_the_year():
    from models.hotspots._input import record_date_ranges, record_dates
    frame = pd.DataFrame({"date": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-05-17"]),
                          "date_precision": ["year", "month", "day"]})
    lo, hi = record_date_ranges(frame)
    assert list(lo.dt.strftime("%Y-%m-%d")) == ["2024-01-01", "2024-03-01", "2024-05-17"]
    assert list(hi.dt.strftime("%Y-%m-%d")) == ["2024-12-31", "2024-03-31", "2024-05-17"]
    assert record_dates(frame).dt.month.tolist()[0] == 7  # the middle of the year, not January
