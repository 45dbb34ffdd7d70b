"""Hotspot labels anywhere on the routes: the nearest populated place in the country the hotspot lies in."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geodata.gazetteer import find
from geodata.schema import INTERCEPT_DEFAULTS, empty_intercepts
from models.hotspots import HotspotModel
from models.hotspots import _context as context

# Planted centres: near Saravan (Iran, 13 km from the Pakistan border), Kandahar, and Van (Turkey).
PLANTED = {"IR": (62.33, 27.25), "AF": (65.75, 31.55), "TR": (43.45, 38.55)}
COUNTRY = {"IR": "Iran", "AF": "Afghanistan", "TR": "Turkey"}


def planted_abroad(seed: int = 0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    lon, lat, ids = [], [], []
    for code, (x, y) in PLANTED.items():
        lon += list(x + rng.normal(0, 0.01, 150))
        lat += list(y + rng.normal(0, 0.01, 150))
        ids += [f"{code}-{i}" for i in range(150)]
    # a sparse background along the whole route, so the planted clusters stand out as they would
    lon += list(rng.uniform(43, 70, 1500))
    lat += list(rng.uniform(25, 39, 1500))
    ids += [f"bg-{i}" for i in range(1500)]
    n = len(ids)
    frame = pd.DataFrame({"id": ids, "date": pd.Timestamp("2024-05-01") + pd.to_timedelta(rng.integers(0, 60, n), "D"),
                          "date_from": pd.NaT, "date_to": pd.NaT, "persons": rng.integers(1, 6, n),
                          "case_type": "smuggling", "mode": "land", "agency": "", "place_name": "", **INTERCEPT_DEFAULTS,
                          "nationality": "", "notes": "", "synthetic": True, "source": "test"})
    frame = frame.astype(empty_intercepts().dtypes.drop("geometry").to_dict())
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


@pytest.fixture(scope="module")
def labelled():
    layers = {"towns": context.towns()}
    model = HotspotModel(layers=layers, case_type="all", trend_period=None).fit(planted_abroad())
    return model.hotspots_


@pytest.mark.parametrize("code", list(PLANTED))
def test_label_names_a_place_in_the_country_of_the_hotspot(labelled, code):
    x, y = PLANTED[code]
    row = labelled.loc[((labelled["centroid_lon"] - x) ** 2 + (labelled["centroid_lat"] - y) ** 2).idxmin()]
    assert row["country"] == code
    assert row["label"].startswith(f"{COUNTRY[code]}")
    place = row["label"].split(" of ")[-1] if " of " in row["label"] else row["label"].split(": at ")[-1]
    assert find(place, country=code).country == code          # the named place is in that country
    assert "geonames:" in row["label_source"]                  # the card says where the place comes from


def test_iran_label_reads_like_a_person_would_say_it(labelled):
    row = labelled.loc[(labelled["centroid_lon"] - 62.33).abs().idxmin()]
    assert row["label"].startswith("Iran, Sistan and Baluchestan: ")
    assert row["label"].endswith("south of Sarāvān")
    assert pd.isna(row["nearest_crossing"]) or row["crossing_km"] <= 50   # far crossings are left out


def test_far_roads_and_crossings_are_left_out():
    from shapely.geometry import LineString, Point

    layers = {"crossings": gpd.GeoDataFrame({"name": ["Taftan"]}, geometry=[Point(61.6, 28.97)], crs="EPSG:4326"),
              "roads": gpd.GeoDataFrame({"ref": ["N-40"]}, geometry=[LineString([(61.6, 28.97), (66.99, 30.18)])],
                                        crs="EPSG:4326")}
    table = context.describe(np.array([51.42]), np.array([35.69]), layers)   # Tehran: 1,000 km away
    assert pd.isna(table.at[0, "nearest_crossing"]) and pd.isna(table.at[0, "road_ref"])
    assert "Taftan" not in table.at[0, "label"] and "N-40" not in table.at[0, "label"]
    assert table.at[0, "label"].startswith("Iran, Tehran")
