"""Shipped geographic layers of Checkpost, in EPSG:4326.

    >>> import geodata
    >>> geodata.layer_names()
    ['borders', 'coastline', 'crossings', ...]
    >>> crossings = geodata.layer("crossings")
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import geopandas as gpd

from geodata.crs import METRIC_CRS, STORAGE_CRS

LAYERS_DIR = Path(__file__).resolve().parent / "layers"

_DESCRIPTIONS = {
    "pakistan": "Pakistan's territory (AJK and Gilgit-Baltistan up to the Line of Control)",
    "neighbours": "Afghanistan, Iran, India, China, Oman and the UAE, for map context",
    "borders": "Pakistan's land borders by neighbour, with geodesic length_km",
    "coastline": "Pakistan's coast (Sindh and Makran)",
    "crossings": "official and informal land crossings, international airports and seaports",
    "launch_points": "coastal boat launch points",
    "hubs": "transit and staging towns",
    "sources": "source districts with weights and linked destinations",
    "destinations": "destination countries' entry points with costs in PKR",
    "provinces": "Pakistan's provinces and territories (union of the districts)",
    "districts": "Pakistan's districts (geoBoundaries 2019 set of 126, clipped to the outline)",
    "neighbour_provinces": "Iran's and Afghanistan's provinces (Natural Earth admin-1)",
}
REQUIRED_COLUMNS = ("id", "name", "kind", "source")

# The destinations layer names countries by ISO3; GeoNames files places by ISO2 (Christmas Island is its own "CX").
DESTINATION_GEONAMES_COUNTRY = {"IRN": "IR", "TUR": "TR", "GRC": "GR", "ESP": "ES", "ITA": "IT", "OMN": "OM",
                                "ARE": "AE", "SAU": "SA", "GBR": "GB", "AUS": "CX"}

__all__ = ["layer", "layer_names", "describe", "METRIC_CRS", "STORAGE_CRS"]


def layer_names() -> list[str]:
    """Names of the shipped layers."""
    return sorted(_DESCRIPTIONS)


def describe() -> dict[str, str]:
    """Layer name -> one-line description."""
    return dict(_DESCRIPTIONS)


@lru_cache(maxsize=None)
def _read(name: str) -> gpd.GeoDataFrame:
    path = LAYERS_DIR / f"{name}.geojson"
    gdf = gpd.read_file(path)
    if gdf.crs is None or gdf.crs.to_epsg() != 4326:
        gdf = gdf.set_crs(STORAGE_CRS, allow_override=True)
    missing = [c for c in REQUIRED_COLUMNS if c not in gdf.columns]
    if missing:
        raise ValueError(f"{path}: layer {name!r} lacks required column(s) {missing}")
    return gdf


def layer(name: str) -> gpd.GeoDataFrame:
    """Return the shipped layer `name` as a GeoDataFrame in EPSG:4326 (a fresh copy)."""
    if name not in _DESCRIPTIONS:
        raise KeyError(f"unknown layer {name!r}; valid layers are: {', '.join(layer_names())}")
    return _read(name).copy()
