"""Which country a point lies in, by point-in-polygon on the shipped country layers.

Uses ``geodata.layer("pakistan")`` and ``geodata.layer("neighbours")`` (Afghanistan, Iran, India,
China, Oman, UAE).  A point in none of them but within Pakistan's territorial sea (12 nautical
miles, measured in the national metric CRS) is Pakistan: harbours and boats off Gwadar or Karachi
lie just off the land polygon.  A point in none of them gets ``None``: outside the shipped layers.  The
*study area* is the union of these countries: a file whose points mostly fall there only when
latitude and longitude are exchanged is a swapped file.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely

PAKISTAN = "Pakistan"
TERRITORIAL_SEA_M = 22_224.0          # 12 nautical miles
_NEAR_DEGREES = 0.3                   # bounding-box margin that surely holds the 12 nmi band (prefilter only)


@lru_cache(maxsize=1)
def _countries() -> tuple[list[str], list]:
    import geodata

    names, shapes = [], []
    for layer_name in ("pakistan", "neighbours"):
        frame = geodata.layer(layer_name).to_crs("EPSG:4326")
        for name, geometry in zip(frame["name"], frame.geometry):
            shapely.prepare(geometry)
            names.append(str(name))
            shapes.append(geometry)
    return names, shapes


@lru_cache(maxsize=1)
def _pakistan_edges():
    """Pakistan's outline as short segments in the metric CRS, in a search tree (buffering is too slow)."""
    import geodata
    from geodata.crs import METRIC_CRS

    frame = geodata.layer("pakistan")
    outline = frame.to_crs(METRIC_CRS).geometry.boundary.union_all()
    coords = [shapely.get_coordinates(part) for part in shapely.get_parts(outline)]
    segments = shapely.linestrings(np.concatenate([np.stack([c[:-1], c[1:]], axis=1) for c in coords]))
    return shapely.STRtree(segments), frame.total_bounds


def _near_pakistan(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """True where a point lies within 12 nautical miles of Pakistan's outline."""
    from pyproj import Transformer

    from geodata.crs import METRIC_CRS

    tree, (x0, y0, x1, y1) = _pakistan_edges()
    near = np.zeros(len(lon), dtype=bool)
    box = ((lon >= x0 - _NEAR_DEGREES) & (lon <= x1 + _NEAR_DEGREES)
           & (lat >= y0 - _NEAR_DEGREES) & (lat <= y1 + _NEAR_DEGREES))
    if box.any():
        x, y = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True).transform(lon[box], lat[box])
        hits = tree.query(shapely.points(x, y), predicate="dwithin", distance=TERRITORIAL_SEA_M)
        inside = np.zeros(int(box.sum()), dtype=bool)
        inside[np.unique(hits[0])] = True
        near[box] = inside
    return near


def countries_of(lon, lat) -> list[str | None]:
    """Country name for each (lon, lat); ``None`` outside the shipped country layers.

    Parameters
    ----------
    lon, lat : array-like of float
        Positions in EPSG:4326.
    """
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    found: list[str | None] = [None] * len(lon)
    left = np.ones(len(lon), dtype=bool)
    for name, shape in zip(*_countries()):
        if not left.any():
            break
        inside = np.zeros(len(lon), dtype=bool)
        inside[left] = shapely.contains_xy(shape, lon[left], lat[left])
        for i in np.flatnonzero(inside):
            found[i] = name
        left &= ~inside
    if left.any():
        rest = np.flatnonzero(left)
        for i in rest[_near_pakistan(lon[rest], lat[rest])]:
            found[i] = PAKISTAN
    return found


def in_study_area(lon, lat) -> np.ndarray:
    """True where (lon, lat) lies in Pakistan or a shipped neighbouring country."""
    return np.array([country is not None for country in countries_of(lon, lat)], dtype=bool)


def shipped_country_names() -> list[str]:
    """Names of the countries the layers cover (for messages)."""
    return list(_countries()[0])
