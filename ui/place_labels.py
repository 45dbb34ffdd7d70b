"""Which place names the base map labels, and from which zoom level each appears.

Towns come from the shipped GeoNames extract (``geodata/layers/places.csv``), ranked by population;
the seed's crossings and transit hubs are labelled by name from their layers.  Larger places appear
first (zoomed out), smaller ones as the user zooms in; places abroad one level later than Pakistan's,
and villages abroad (under 10,000 people) not at all.
"""
from __future__ import annotations

from functools import lru_cache

import pandas as pd

import geodata
from geodata import LAYERS_DIR

# (population at least, zoom from which the label shows) for Pakistan's towns, largest first.
POPULATION_ZOOM = ((1_000_000, 5), (300_000, 6), (100_000, 7), (30_000, 8), (10_000, 9), (0, 10))
ABROAD_EXTRA_ZOOM = 1
REGION = (44.0, 20.0, 82.0, 40.0)  # lon/lat window labelled (Iran to India)
LAYER_LABELS = {"crossings": (7, "crossing"), "hubs": (6, "hub")}


def zoom_for(population: float, abroad: bool) -> int:
    """The zoom level from which a place of this population is labelled."""
    for floor, zoom in POPULATION_ZOOM:
        if population >= floor:
            return zoom + (ABROAD_EXTRA_ZOOM if abroad else 0)
    return POPULATION_ZOOM[-1][1]


@lru_cache(maxsize=1)
def town_rows() -> tuple[tuple, ...]:
    """(lat, lon, name, min_zoom, css class) of the populated places in the region."""
    places = pd.read_csv(LAYERS_DIR / "places.csv", usecols=["name", "country", "lon", "lat", "population", "kind"],
                         keep_default_na=False)
    west, south, east, north = REGION
    places = places[places["lon"].between(west, east) & places["lat"].between(south, north)
                    & places["kind"].isin(["populated_place", "town", "fishing_village"])]
    places = places.sort_values("population", ascending=False).drop_duplicates(["name", "country"])
    rows = []
    for name, country, lon, lat, population in places[["name", "country", "lon", "lat", "population"]].itertuples(
            index=False):
        abroad = country != "PK"
        population = float(population or 0)
        css = "abroad" if abroad else ("big" if population >= 1_000_000 else "town")
        zoom = zoom_for(population, abroad)
        if abroad and zoom > POPULATION_ZOOM[-1][1]:
            continue  # villages abroad: not needed, and each label is sent with every map
        rows.append((lat, lon, name, zoom, css))
    return tuple(rows)


def layer_rows(points: tuple[str, ...]) -> list[tuple]:
    """Labels of the shipped crossings and hubs among ``points``."""
    rows = []
    for name, (zoom, css) in LAYER_LABELS.items():
        if name not in points:
            continue
        gdf = geodata.layer(name)
        rows += [(g.y, g.x, label, zoom, css) for g, label in zip(gdf.geometry, gdf["name"])]
    return rows


def place_label_rows(points: tuple[str, ...]) -> list[tuple]:
    """Every label of the base map: towns, then crossings and hubs when those layers are shown.

    A name is written once: a hub or crossing named like a town keeps whichever label shows earlier.
    """
    towns = {str(r[2]).lower(): r for r in town_rows()}
    extra, dropped = [], set()
    for row in layer_rows(points):
        key = str(row[2]).split(" (")[0].lower()
        town = towns.get(key)
        if key in dropped or (town is not None and town[3] <= row[3]):
            continue  # already written: as a town, or as a crossing (layer order: crossings first)
        dropped.add(key)
        extra.append(row)
    return [r for key, r in towns.items() if key not in dropped] + extra
