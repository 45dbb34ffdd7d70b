"""Coordinate reference systems used across Checkpost.

Exchange and storage are in WGS 84 lon/lat.  Buffers, distances and areas that
are not computed geodesically are computed in one national metric CRS: UTM
zone 42N covers Balochistan and Sindh, where almost all route work happens,
and its scale error stays under 1% across Pakistan.
"""
from __future__ import annotations

import numpy as np
from pyproj import Geod

STORAGE_CRS = "EPSG:4326"
METRIC_CRS = "EPSG:32642"

WGS84 = Geod(ellps="WGS84")


def geodesic_m(lon1, lat1, lon2, lat2):
    """Geodesic distance(s) in metres between lon/lat points (scalars or arrays)."""
    _, _, dist = WGS84.inv(lon1, lat1, lon2, lat2)
    return dist


def haversine_m(lon1, lat1, lon2, lat2):
    """Vectorised great-circle distance in metres (spherical, fast)."""
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * np.arcsin(np.sqrt(a))


def geodesic_length_m(geometry) -> float:
    """Geodesic length in metres of a (multi)line geometry in lon/lat."""
    return float(WGS84.geometry_length(geometry))
