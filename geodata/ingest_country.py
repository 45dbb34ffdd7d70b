"""Which country a point lies in, by point-in-polygon on the shipped country layers.

Uses ``geodata.layer("pakistan")`` and ``geodata.layer("neighbours")`` (Afghanistan, Iran, India,
China, Oman, UAE).  A point in none of them gets ``None``: outside the shipped layers.  The
*study area* is the union of these countries: a file whose points mostly fall there only when
latitude and longitude are exchanged is a swapped file.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely

PAKISTAN = "Pakistan"


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
    return found


def in_study_area(lon, lat) -> np.ndarray:
    """True where (lon, lat) lies in Pakistan or a shipped neighbouring country."""
    return np.array([country is not None for country in countries_of(lon, lat)], dtype=bool)


def shipped_country_names() -> list[str]:
    """Names of the countries the layers cover (for messages)."""
    return list(_countries()[0])
