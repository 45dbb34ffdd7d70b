"""The shipped layers: schema, provenance, geometry and the place checks of the foundation issue."""
import geopandas as gpd
import pytest
import shapely

import geodata
from geodata.crs import METRIC_CRS, geodesic_length_m

LAYERS = geodata.layer_names()


def test_layer_names_are_the_documented_ones():
    assert set(LAYERS) == {"pakistan", "neighbours", "borders", "coastline", "crossings",
                           "launch_points", "hubs", "sources", "destinations", "provinces", "districts",
                           "neighbour_provinces"}


@pytest.mark.parametrize("name", LAYERS)
def test_layer_schema_and_provenance(name):
    gdf = geodata.layer(name)
    assert isinstance(gdf, gpd.GeoDataFrame) and len(gdf) > 0
    assert gdf.crs.to_epsg() == 4326
    for col in ("id", "name", "kind", "source"):
        assert col in gdf.columns, f"{name} lacks {col}"
        assert gdf[col].notna().all() and (gdf[col].astype(str).str.len() > 0).all(), f"{name}.{col} has blanks"
    assert gdf["id"].is_unique
    assert gdf.geometry.is_valid.all()
    assert not gdf.geometry.is_empty.any()


def test_layer_returns_a_copy():
    a = geodata.layer("hubs")
    a.loc[0, "name"] = "changed"
    assert geodata.layer("hubs").loc[0, "name"] != "changed"


def test_unknown_layer_lists_valid_names():
    with pytest.raises(KeyError, match="valid layers are: borders"):
        geodata.layer("roads")


def _border_km(neighbour):
    b = geodata.layer("borders")
    return sum(geodesic_length_m(g) for g in b[b["neighbour"] == neighbour].geometry) / 1000


def test_afghanistan_border_length_is_official_within_10_percent():
    assert _border_km("AFG") == pytest.approx(2640, rel=0.10)


def test_iran_border_length_is_official_within_10_percent():
    assert _border_km("IRN") == pytest.approx(959, rel=0.10)


def test_length_km_column_matches_geometry():
    b = geodata.layer("borders")
    for _, row in b.iterrows():
        assert row["length_km"] == pytest.approx(geodesic_length_m(row.geometry) / 1000, abs=0.1)


def test_line_of_control_is_labelled_de_facto():
    b = geodata.layer("borders").set_index("id")
    loc = b.loc["border-ind-line-of-control"]
    assert loc["status"] == "line_of_control" and "de facto" in loc["name"]
    assert loc.geometry.bounds[1] >= 32.8  # it runs through Kashmir, not the Punjab plains


@pytest.mark.parametrize("crossing_id, neighbour", [
    ("crossing-torkham", "AFG"), ("crossing-chaman", "AFG"), ("crossing-taftan", "IRN"),
    ("crossing-wagah", "IND"), ("crossing-khunjerab", "CHN"), ("crossing-gabd", "IRN"),
    ("crossing-mand-balo", "IRN"), ("crossing-ghulam-khan", "AFG"), ("crossing-angoor-adda", "AFG"),
])
def test_named_crossings_exist(crossing_id, neighbour):
    c = geodata.layer("crossings").set_index("id")
    assert c.loc[crossing_id, "neighbour"] == neighbour


def test_every_land_crossing_lies_within_5_km_of_its_neighbours_border():
    c = geodata.layer("crossings").to_crs(METRIC_CRS)
    b = geodata.layer("borders").to_crs(METRIC_CRS)
    land = c[c["crossing_type"].str.startswith("land")]
    assert len(land) >= 10
    for _, row in land.iterrows():
        line = b[b["neighbour"] == row["neighbour"]].geometry.union_all()
        assert row.geometry.distance(line) < 5000, row["id"]


def test_crossing_attributes_follow_the_analysis():
    c = geodata.layer("crossings").set_index("id")
    assert set(c["crossing_type"]) == {"land_official", "land_informal", "airport", "seaport"}
    assert (c.loc["crossing-torkham", ["daily_crossings_low", "daily_crossings_high"]] == [15000, 20000]).all()
    assert (c.loc["crossing-chaman", ["daily_crossings_low", "daily_crossings_high"]] == [10000, 20000]).all()
    assert not c.loc["crossing-mand-balo", "legal_exit"] and c.loc["crossing-taftan", "legal_exit"]
    assert c.loc["crossing-torkham", "source"].startswith("unodc-2011 §3.2")


def test_every_launch_point_lies_within_5_km_of_the_coast():
    coast = geodata.layer("coastline").to_crs(METRIC_CRS).geometry.union_all()
    lp = geodata.layer("launch_points").to_crs(METRIC_CRS)
    assert {"launch-gwadar", "launch-jiwani", "launch-pasni", "launch-ormara"} <= set(lp["id"])
    assert (lp.distance(coast) < 5000).all(), lp.assign(d=lp.distance(coast))[["id", "d"]]


def test_every_source_district_lies_inside_pakistan():
    pak = geodata.layer("pakistan").geometry.union_all()
    s = geodata.layer("sources")
    assert len(s) == 23  # the analysis's 23 source districts (§4.1)
    assert s.within(pak).all()
    assert "Azad Jammu and Kashmir" in set(s["province"])


def test_source_destinations_refer_to_destination_ids():
    dest = set(geodata.layer("destinations")["id"])
    for links in geodata.layer("sources")["destinations"]:
        assert set(links.split("|")) <= dest


def test_destination_costs_are_the_analysis_figures():
    d = geodata.layer("destinations").set_index("id")
    assert d.loc["dest-italy", "cost_pkr_low"] == 800_000
    assert d.loc["dest-greece", "cost_pkr_low"] == 650_000
    assert d.loc["dest-turkey", "cost_pkr_low"] == 400_000


def test_pakistan_contains_its_cities_and_not_its_neighbours():
    pak = geodata.layer("pakistan").geometry.iloc[0]
    assert pak.contains(shapely.Point(67.01, 24.86))      # Karachi
    assert pak.contains(shapely.Point(74.31, 35.92))      # Gilgit
    assert not pak.contains(shapely.Point(74.80, 34.08))  # Srinagar, across the LoC
    assert not pak.contains(shapely.Point(60.86, 29.50))  # Zahedan


def test_coastline_runs_along_the_makran_and_sindh_coast():
    coast = geodata.layer("coastline").geometry.iloc[0]
    minx, miny, maxx, maxy = coast.bounds
    assert minx < 61.8 and maxx > 68.0 and maxy < 26.0
