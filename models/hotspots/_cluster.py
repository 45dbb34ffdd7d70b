"""Weighted density clustering of H3 cells, then outlines from each cluster's own mass.

1. Records are summed into H3 cells (persons per cell).
2. Each cell's neighbourhood mass is the persons in cells within `eps_m` (haversine, ball tree).
3. DBSCAN on the cells with the persons as sample weights (sklearn's semantics, done as connected
   components on the neighbourhood graph already built): a cell is a core cell when its
   neighbourhood holds at least `min_persons`.  By default `min_persons` is `density_factor` times
   the typical neighbourhood mass of ordinary route traffic (a median in which each dense patch
   counts about once, see `_background_level`): the background sets the bar, not a fixed count.
4. Refinement: within a cluster, persons above the background level are ranked by cell; the
   densest cells holding `outline_mass` of that excess form the outline (a concave hull of their
   centres in the metric CRS, buffered by one cell radius).  The outline so tracks the cluster's
   real extent whatever its strength, instead of growing with it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Transformer
from scipy.sparse.csgraph import connected_components
from sklearn.neighbors import NearestNeighbors

from geodata.crs import METRIC_CRS, STORAGE_CRS
from models.hotspots import _grid as grid

EARTH_RADIUS_M = 6_371_008.8
_TO_METRIC = Transformer.from_crs(STORAGE_CRS, METRIC_CRS, always_xy=True)
_TO_STORAGE = Transformer.from_crs(METRIC_CRS, STORAGE_CRS, always_xy=True)


@dataclass
class CellClusters:
    """Result of clustering one group of records."""

    cells: np.ndarray  # occupied cells, sorted (int64)
    mass: np.ndarray  # persons per cell
    neighbourhood_mass: np.ndarray  # persons within eps of each cell
    cell_label: np.ndarray  # DBSCAN label per cell (-1 noise)
    outlines: list  # shapely polygons in METRIC_CRS, one per cluster label 0..n-1
    threshold: float  # min_persons used
    background: float  # median persons per occupied cell


def to_metric(lon, lat):
    return _TO_METRIC.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))


def to_storage(x, y):
    return _TO_STORAGE.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))


def cluster_cells(record_cells: np.ndarray, persons: np.ndarray, *, resolution: int, eps_m: float,
                  min_persons: float | None, density_factor: float, outline_mass: float,
                  min_records: int) -> CellClusters:
    """Cluster occupied cells (see the module docstring)."""
    cells, inverse = np.unique(record_cells, return_inverse=True)
    mass = np.bincount(inverse, weights=persons, minlength=len(cells))
    n_records = np.bincount(inverse, minlength=len(cells)).astype(float)
    lon, lat = grid.cell_centres(cells)
    coords = np.radians(np.column_stack([lat, lon]))
    eps_rad = eps_m / EARTH_RADIUS_M
    neighbours = NearestNeighbors(radius=eps_rad, metric="haversine", algorithm="ball_tree").fit(coords)
    distances = neighbours.radius_neighbors_graph(coords, mode="distance")
    # the graph stores each cell's zero distance to itself, so a cell is in its own neighbourhood
    adjacency = distances.copy()
    adjacency.data[:] = 1.0
    neighbourhood_mass = adjacency @ mass
    neighbourhood_records = adjacency @ n_records
    background = _background_level(neighbourhood_mass, np.asarray(adjacency.sum(axis=1)).ravel())
    threshold = float(min_persons) if min_persons is not None else max(density_factor * background, 1.0)
    labels = _weighted_dbscan(distances, mass, neighbourhood_records, threshold, min_records, eps_rad)
    cell_background = float(np.median(mass))
    x, y = to_metric(lon, lat)
    radius = grid.edge_length_m(resolution)
    grown = _grow(labels, coords, eps_rad)
    outlines = []
    for label in range(labels.max() + 1):
        members = np.flatnonzero(grown == label)
        outlines.append(_outline(x[members], y[members], mass[members] - cell_background, outline_mass, radius))
    return CellClusters(cells, mass, neighbourhood_mass, labels, outlines, threshold, cell_background)


def _background_level(neighbourhood_mass: np.ndarray, neighbourhood_cells: np.ndarray) -> float:
    """Typical neighbourhood mass of ordinary route traffic.

    A weighted median over occupied cells, each weighted by 1 / (occupied cells in its
    neighbourhood): a dense hotspot of many cells then counts about as much as one isolated
    stretch of route, so hotspots cannot raise the bar they are measured against even when they
    hold most of the records.
    """
    order = np.argsort(neighbourhood_mass, kind="stable")
    weights = 1.0 / np.maximum(neighbourhood_cells[order], 1.0)
    cumulative = np.cumsum(weights)
    return float(neighbourhood_mass[order][np.searchsorted(cumulative, 0.5 * cumulative[-1])])


def _weighted_dbscan(distances, mass, neighbourhood_records, threshold, min_records, eps_rad) -> np.ndarray:
    """DBSCAN on the precomputed haversine neighbourhoods with persons as sample weights.

    Same semantics as sklearn.cluster.DBSCAN(metric="precomputed").fit(distances, sample_weight=mass)
    with min_samples=threshold (tests check the equality), done as connected components of core
    cells so the neighbourhoods are not searched twice.  Border cells join the cluster of their
    nearest core.  Clusters without a core that has `min_records` records nearby are dropped:
    one large group caught once is not a hotspot.
    """
    neighbourhood_mass = distances.copy()
    neighbourhood_mass.data[:] = 1.0
    core = (neighbourhood_mass @ mass) >= threshold
    labels = np.full(len(mass), -1)
    core_idx = np.flatnonzero(core)
    if len(core_idx) == 0:
        return labels
    links = distances[core_idx][:, core_idx]
    links.data[:] = 1.0
    _, component = connected_components(links, directed=False)
    labels[core_idx] = component
    border = np.flatnonzero(~core)
    to_core = distances[border][:, core_idx].tocsr()
    for row in np.flatnonzero(np.diff(to_core.indptr)):
        start, end = to_core.indptr[row], to_core.indptr[row + 1]
        nearest = to_core.indices[start + int(np.argmin(to_core.data[start:end]))]
        labels[border[row]] = component[nearest]
    keep_core = core & (neighbourhood_records >= min_records)
    for label in np.unique(labels[labels >= 0]):
        if not keep_core[labels == label].any():
            labels[labels == label] = -1
    return _relabel(labels)


def _grow(labels, coords, eps_rad) -> np.ndarray:
    """Give unclustered cells within 2 eps of a cluster to the nearest cluster, for the outline only.

    DBSCAN keeps only the dense core of a weak, wide hotspot; its fringe is still above the
    background and belongs inside the outline, which the excess ranking then decides.
    """
    grown = labels.copy()
    clustered = np.flatnonzero(labels >= 0)
    free = np.flatnonzero(labels < 0)
    if len(clustered) == 0 or len(free) == 0:
        return grown
    tree = NearestNeighbors(n_neighbors=1, metric="haversine", algorithm="ball_tree").fit(coords[clustered])
    dist, nearest = tree.kneighbors(coords[free])
    close = dist[:, 0] <= 2 * eps_rad
    grown[free[close]] = labels[clustered[nearest[close, 0]]]
    return grown


def _relabel(labels: np.ndarray) -> np.ndarray:
    out = np.full(len(labels), -1)
    kept = np.unique(labels[labels >= 0])
    for new, old in enumerate(kept):
        out[labels == old] = new
    return out


def _outline(x, y, excess, outline_mass, radius_m):
    """Concave hull of the densest cells holding `outline_mass` of the cluster's excess persons."""
    excess = np.clip(excess, 0.0, None)
    if excess.sum() <= 0:
        keep = np.ones(len(x), dtype=bool)
    else:
        order = np.argsort(-excess, kind="stable")
        cumulative = np.cumsum(excess[order]) / excess.sum()
        count = int(np.searchsorted(cumulative, outline_mass - 1e-12) + 1)
        keep = np.zeros(len(x), dtype=bool)
        keep[order[:count]] = True
    points = shapely.multipoints(np.column_stack([x[keep], y[keep]]))
    hull = shapely.concave_hull(points, ratio=0.5) if keep.sum() >= 3 else points
    return shapely.buffer(hull, radius_m * 0.9)
