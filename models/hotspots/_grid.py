"""The H3 hexagon grid the hotspot analysis aggregates to.

Aggregating first is what makes the model fast: a million records along a few thousand km of
route fall into tens of thousands of cells, and every later step works on cells.
"""
from __future__ import annotations

from itertools import chain

import h3
import h3.api.basic_int as h3b
import h3.api.numpy_int as h3n
import numpy as np
import scipy.sparse as sp
import shapely

MIN_RESOLUTION, MAX_RESOLUTION = 4, 11


def check_resolution(resolution) -> int:
    if not isinstance(resolution, (int, np.integer)) or not MIN_RESOLUTION <= resolution <= MAX_RESOLUTION:
        raise ValueError(
            f"resolution must be an H3 resolution from {MIN_RESOLUTION} to {MAX_RESOLUTION} "
            f"(7 is about 1.4 km edge, 8 about 0.5 km), got {resolution!r}"
        )
    return int(resolution)


def edge_length_m(resolution: int) -> float:
    """Average hexagon edge length in metres (= centre-to-corner distance)."""
    return float(h3.average_hexagon_edge_length(resolution, "m"))


def resolution_for_spacing(spacing_m: float) -> int:
    """The coarsest resolution whose cells are at most `spacing_m` across (centre to centre)."""
    for res in range(MIN_RESOLUTION, MAX_RESOLUTION + 1):
        if edge_length_m(res) * np.sqrt(3) <= spacing_m:
            return res
    return MAX_RESOLUTION


def cells_of(lon: np.ndarray, lat: np.ndarray, resolution: int) -> np.ndarray:
    """H3 cell (int64) of every point."""
    to_cell = h3b.latlng_to_cell
    return np.fromiter(
        (to_cell(la, lo, resolution) for lo, la in zip(lon.tolist(), lat.tolist())),
        dtype=np.int64, count=len(lon),
    )


def cell_centres(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(lon, lat) arrays of cell centres."""
    latlng = np.array([h3n.cell_to_latlng(int(c)) for c in cells], dtype=float).reshape(-1, 2)
    return latlng[:, 1], latlng[:, 0]


def cell_polygons(cells: np.ndarray) -> np.ndarray:
    """Shapely hexagons (lon/lat) of the cells, built in bulk per vertex count."""
    boundary = h3b.cell_to_boundary
    rings = [boundary(c) for c in np.asarray(cells).tolist()]
    out = np.empty(len(rings), dtype=object)
    sizes = np.fromiter((len(r) for r in rings), dtype=int, count=len(rings))
    for size in np.unique(sizes):  # hexagons have 6 vertices; a few distorted cells 7, pentagons 5
        chosen = np.flatnonzero(sizes == size)
        coords = np.array([rings[i] for i in chosen], dtype=float)[:, :, ::-1]  # (lat, lng) -> (lon, lat)
        out[chosen] = shapely.polygons(coords)
    return out


def cell_names(cells: np.ndarray) -> list[str]:
    """The usual hexadecimal H3 names, for tables and downloads."""
    return [format(c, "x") for c in np.asarray(cells).tolist()]


def with_rings(occupied: np.ndarray, k: int) -> np.ndarray:
    """Sorted occupied cells plus every cell within `k` rings of them (the study area)."""
    if k == 0:
        return np.unique(occupied)
    disk = h3b.grid_disk
    flat = list(chain.from_iterable(disk(c, k) for c in np.unique(occupied).tolist()))
    return np.unique(np.array(flat, dtype=np.int64))


def study_grid(occupied: np.ndarray, k: int) -> tuple[np.ndarray, sp.csr_matrix]:
    """(`with_rings(occupied, k)`, its `ring_adjacency`), computing each cell's disk only once."""
    disk = h3b.grid_disk
    occupied = np.unique(occupied).tolist()
    known = {c: disk(c, k) for c in occupied}
    cells = np.unique(np.array(list(chain.from_iterable(known.values())), dtype=np.int64))
    return cells, ring_adjacency(cells, k, known=known)


def ring_adjacency(cells: np.ndarray, k: int, known: dict | None = None) -> sp.csr_matrix:
    """Binary weights: cell j is a neighbour of cell i when within `k` rings (self excluded).

    Only neighbours inside `cells` count, so cells at the edge of the study area have fewer.
    `cells` must be sorted (as `with_rings` returns them).
    """
    n = len(cells)
    disk = h3b.grid_disk
    known = known or {}
    disks = [known[c] if c in known else disk(c, k) for c in cells.tolist()]
    sizes = np.fromiter((len(d) for d in disks), dtype=np.int64, count=n)
    flat = np.array(list(chain.from_iterable(disks)), dtype=np.int64)
    row = np.repeat(np.arange(n), sizes)
    pos = np.minimum(np.searchsorted(cells, flat), max(n - 1, 0))
    keep = (cells[pos] == flat) & (pos != row) if n else np.zeros(0, dtype=bool)
    return sp.csr_matrix((np.ones(int(keep.sum())), (row[keep], pos[keep])), shape=(n, n))


def sum_by_cell(cells_sorted: np.ndarray, record_cells: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Sum `values` of records into the positions of `cells_sorted` (every record cell must be there)."""
    pos = np.searchsorted(cells_sorted, record_cells)
    return np.bincount(pos, weights=values, minlength=len(cells_sorted))


def parents(cells: np.ndarray, resolution: int) -> np.ndarray:
    """The parent cell at a coarser `resolution` of every cell (computed once per distinct cell)."""
    unique, inverse = np.unique(cells, return_inverse=True)
    if len(unique) and h3n.get_resolution(int(unique[0])) == resolution:
        return cells
    up = np.fromiter((h3n.cell_to_parent(int(c), resolution) for c in unique), dtype=np.int64, count=len(unique))
    return up[inverse]
