"""Admin geography: the shipped province/district layers, point-in-polygon tagging, regions (issue 12)."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

import geodata
from geodata.admin import describe_location, locate, parse_region
from geodata.crs import METRIC_CRS

# Towns whose province everyone knows, a few km either side of the Sindh–Balochistan and Punjab–KP lines.
SINDH_BALOCHISTAN = [
    ("Karachi", 67.01, 24.86, "Sindh"), ("Hub", 66.93, 25.05, "Balochistan"),
    ("Kandhkot", 69.18, 28.24, "Sindh"), ("Sui", 69.07, 28.62, "Balochistan"),
    ("Jacobabad", 68.4376, 28.2819, "Sindh"), ("Dera Murad Jamali", 68.14, 28.55, "Balochistan"),
    ("Sehwan", 67.86, 26.42, "Sindh"), ("Usta Muhammad", 68.04, 28.18, "Balochistan"),
]
PUNJAB_KP = [
    ("Attock", 72.36, 33.77, "Punjab"), ("Nowshera", 71.97, 34.00, "Khyber Pakhtunkhwa"),
    ("Taxila", 72.80, 33.74, "Punjab"), ("Haripur", 72.93, 33.99, "Khyber Pakhtunkhwa"),
    ("Bhakkar", 71.06, 31.63, "Punjab"), ("Dera Ismail Khan", 70.90, 31.83, "Khyber Pakhtunkhwa"),
    ("Mianwali", 71.53, 32.58, "Punjab"), ("Lakki Marwat", 70.91, 32.61, "Khyber Pakhtunkhwa"),
]


@pytest.mark.parametrize("name, count", [("provinces", 7), ("districts", 126), ("neighbour_provinces", 55)])
def test_admin_layers_ship_with_provenance(name, count):
    layer = geodata.layer(name)
    assert len(layer) == count and layer.crs.to_epsg() == 4326
    assert layer[["id", "name", "kind", "source"]].notna().all().all() and layer["id"].is_unique
    assert layer.is_valid.all()


def test_provinces_are_the_union_of_their_districts_and_do_not_overlap():
    provinces = geodata.layer("provinces").to_crs(METRIC_CRS)
    districts = geodata.layer("districts").to_crs(METRIC_CRS)
    by_province = districts.dissolve("province").area
    for row in provinces.itertuples():
        assert row.geometry.area == pytest.approx(by_province[row.name], rel=1e-3)
    overlap = shapely.intersection(provinces.geometry.iloc[0], shapely.union_all(provinces.geometry.iloc[1:]))
    assert overlap.area / 1e6 < 1.0  # km²: only shared edges


def test_every_district_centroid_is_in_its_own_province():
    districts = geodata.layer("districts")
    metric = districts.to_crs(METRIC_CRS)
    centre = gpd.GeoSeries(metric.centroid, crs=METRIC_CRS)
    inside = metric.contains(centre)
    # a concave district's centroid may lie outside it: use a point surely inside instead
    centre[~inside] = metric.representative_point()[~inside]
    centre = centre.to_crs("EPSG:4326")
    got = locate(centre.x, centre.y)
    assert (got["country"] == "PK").all()
    assert list(got["province"]) == list(districts["province"])
    assert list(got["district"]) == list(districts["name"])


@pytest.mark.parametrize("town, lon, lat, province", SINDH_BALOCHISTAN + PUNJAB_KP)
def test_towns_on_both_sides_of_the_boundaries(town, lon, lat, province):
    got = locate(lon, lat).iloc[0]
    assert (got["country"], got["province"]) == ("PK", province), town


def test_a_point_on_the_sindh_balochistan_line_gets_one_province_noted():
    provinces = geodata.layer("provinces").set_index("name")
    line = shapely.intersection(provinces.at["Sindh", "geometry"].boundary,
                                provinces.at["Balochistan", "geometry"].boundary)
    on_line = shapely.get_coordinates(line)[len(shapely.get_coordinates(line)) // 2]
    got = locate(on_line[0], on_line[1]).iloc[0]
    assert got["province"] in ("Sindh", "Balochistan") and got["country"] == "PK"
    # 3 km either side of that spot the two provinces differ
    metric = gpd.GeoSeries(gpd.points_from_xy([on_line[0]], [on_line[1]]), crs="EPSG:4326").to_crs(METRIC_CRS)
    x, y = metric.x.iloc[0], metric.y.iloc[0]
    ring = gpd.GeoSeries(gpd.points_from_xy(x + 3000 * np.cos(np.linspace(0, 2 * np.pi, 16, endpoint=False)),
                                            y + 3000 * np.sin(np.linspace(0, 2 * np.pi, 16, endpoint=False))),
                         crs=METRIC_CRS).to_crs("EPSG:4326")
    assert {"Sindh", "Balochistan"} <= set(locate(ring.x, ring.y)["province"])


def test_where_the_outline_and_the_districts_disagree():
    got = locate([77.07, 63.09, 68.77], [35.50, 28.24, 24.28])
    assert got.at[0, "country"] != "PK"                               # Siachen, beyond the Line of Control
    assert (got.at[1, "country"], got.at[1, "province"]) == ("PK", "Balochistan")   # Hamun-i-Mashkel salt pan
    assert got.at[2, "country"] != "PK"                               # Sir Creek claim line: the outline wins


def test_points_abroad_get_their_country_and_province():
    got = locate([60.86, 65.71, 74.87, 43.38, 58.41], [29.50, 31.61, 31.63, 38.49, 23.59])
    assert list(got["country"]) == ["IR", "AF", "IN", "TR", "OM"]
    assert list(got["province"][:2]) == ["Sistan and Baluchestan", "Kandahar"]
    assert got["district"].isna().all()
    assert got.at[3, "admin_note"].startswith("no shipped boundary here: country of the nearest gazetteer place, Van")
    assert got["admin_note"][[0, 1, 2, 4]].isna().all()


def test_sea_slivers_and_nowhere_are_noted():
    got = locate([62.33, 65.0, np.nan], [25.03, 15.0, 25.0])
    assert (got.at[0, "country"], got.at[0, "district"]) == ("PK", "Gwadar")
    assert got.at[0, "admin_note"].startswith("at sea: ") and "Gwadar district" in got.at[0, "admin_note"]
    assert got.at[1, "country"] is None and got.at[1, "admin_note"] == "outside every shipped boundary"
    assert got.at[2, "admin_note"] == "no position"


def test_regions_parse_to_provinces_or_district_lists():
    assert parse_region("baluchistan").label == "Balochistan"
    assert parse_region("KPK").label == "Khyber Pakhtunkhwa"
    region = parse_region("districts: quetta, Pishin")
    assert region.label == "districts: Quetta; Pishin"
    assert region.contains(66.99, 30.18) and not region.contains(66.85, 29.80)   # Quetta yes, Mastung no
    for bad in ("", None, "Atlantis", "Quetta; Atlantis", "<img src=x onerror=alert(1)>"):
        with pytest.raises(ValueError):
            parse_region(bad)


@pytest.mark.parametrize("attack", ["<img src=x onerror=alert(1)>", "[click](http://x.example) **now**",
                                    "=HYPERLINK(\"http://x\")"])
def test_refusals_never_echo_markup(attack):
    with pytest.raises(ValueError) as refused:
        parse_region(attack)
    assert not any(ch in str(refused.value) for ch in "<>[]*=\"")  # the fixed text has only ( )


def test_describe_location_names_province_and_district():
    assert describe_location(68.86, 27.70) == "Sindh, Sukkur district"
    assert describe_location(60.86, 29.50) == "Iran, Sistan and Baluchestan"


def test_locate_is_vectorised_and_keeps_order():
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(61, 75, 5000), rng.uniform(24, 36, 5000)
    got = locate(lon, lat)
    one_by_one = [locate(x, y).iloc[0]["province"] for x, y in zip(lon[:25], lat[:25])]
    assert len(got) == 5000 and list(got["province"][:25].fillna("-")) == [p or "-" for p in one_by_one]


def test_gazetteer_covers_the_route_countries_with_a_country_filter():
    from geodata.gazetteer import ROUTE_COUNTRIES, countries, find, populated_places

    assert set(ROUTE_COUNTRIES) <= set(countries())
    for code in ROUTE_COUNTRIES:
        assert len(populated_places(code)) > 0 and set(populated_places(code)["country"]) == {code}
    assert find("Van", country="Turkey").country == "TR" == find("Van", country="TUR").country
    assert find("Zahedan", country="Iran").country == "IR"
    with pytest.raises(LookupError):
        find("Zahedan", country="PK")
