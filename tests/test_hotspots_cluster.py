"""The weighted cell DBSCAN equals scikit-learn's DBSCAN; outlines follow the cluster's real extent."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import DBSCAN
from sklearn.neighbors import NearestNeighbors

from models.hotspots import _grid as grid
from models.hotspots._cluster import EARTH_RADIUS_M, _weighted_dbscan, cluster_cells, to_metric


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    pairs = set(zip(a.tolist(), b.tolist()))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


@pytest.mark.parametrize("seed", range(5))
def test_weighted_dbscan_equals_sklearn(seed):
    rng = np.random.default_rng(seed)
    centres = rng.uniform([64.0, 27.0], [65.0, 28.0], size=(4, 2))
    lonlat = np.concatenate([c + rng.normal(0, 0.02, (40, 2)) for c in centres] + [rng.uniform([64, 27], [65, 28], (80, 2))])
    coords = np.radians(lonlat[:, ::-1])
    mass = rng.integers(1, 6, len(coords)).astype(float)
    eps = 3000 / EARTH_RADIUS_M
    distances = NearestNeighbors(radius=eps, metric="haversine").fit(coords).radius_neighbors_graph(coords, mode="distance")
    threshold = 40.0
    ours = _weighted_dbscan(distances, mass, np.full(len(mass), 99.0), threshold, 1, eps)
    reference = DBSCAN(eps=eps, min_samples=40, metric="haversine").fit(coords, sample_weight=mass)
    core = np.zeros(len(mass), dtype=bool)
    core[reference.core_sample_indices_] = True
    # cores and their clusters are uniquely defined; noise is noise in both
    assert same_partition(ours[core], reference.labels_[core])
    np.testing.assert_array_equal(ours == -1, reference.labels_ == -1)
    assert ours.max() >= 1  # the instance has real clusters


def test_weighted_dbscan_drops_a_cluster_of_one_big_group():
    coords = np.radians(np.array([[28.0, 64.0], [28.001, 64.0], [28.3, 64.3]]))
    eps = 1000 / EARTH_RADIUS_M
    distances = NearestNeighbors(radius=eps, metric="haversine").fit(coords).radius_neighbors_graph(coords, mode="distance")
    mass = np.array([50.0, 1.0, 1.0])
    records = np.array([2.0, 2.0, 1.0])
    assert (_weighted_dbscan(distances, mass, records, 20, 10, eps) == -1).all()
    assert list(_weighted_dbscan(distances, mass, records, 20, 2, eps)) == [0, 0, -1]


def test_outline_of_a_uniform_disk_matches_the_disk():
    rng = np.random.default_rng(1)
    n = 6000
    angle, radius = rng.uniform(0, 2 * np.pi, n), 5000 * np.sqrt(rng.uniform(0, 1, n))
    x0, y0 = to_metric(64.4, 28.9)
    from models.hotspots._cluster import to_storage

    lon, lat = to_storage(x0 + radius * np.cos(angle), y0 + radius * np.sin(angle))
    # a thin background line through it, so the median cell is background
    line_lon = np.linspace(63.4, 65.4, 3000)
    lon, lat = np.concatenate([lon, line_lon]), np.concatenate([lat, np.full(3000, 28.9)])
    cells = grid.cells_of(lon, lat, 8)
    found = cluster_cells(cells, np.ones(len(lon)), resolution=8, eps_m=2000, min_persons=None, density_factor=5,
                          outline_mass=0.9, min_records=10)
    assert len(found.outlines) == 1
    area = found.outlines[0].area
    assert 0.75 * np.pi * 5000**2 < area < 1.25 * np.pi * 5000**2
