"""routes.demand.default_demand: shape, shares from the scenario file, edits take effect."""
import copy

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

import geodata
from routes import demand, params


@pytest.fixture(scope="module")
def table():
    return demand.default_demand()


def test_columns_and_ids_follow_the_contract(table):
    assert list(table.columns) == ["origin", "destination", "mode_preference", "migrants_per_year", "case_type",
                                   "source"]
    assert set(table["origin"]) <= set(geodata.layer("sources")["id"])
    assert set(table["destination"]) <= set(geodata.layer("destinations")["id"])
    assert set(table["mode_preference"]) <= {"land", "sea", "air", "any"}
    assert set(table["case_type"]) == {"smuggling", "trafficking"}
    assert (table["migrants_per_year"] > 0).all()
    assert table["source"].str.contains("unodc-2011").all()


def test_total_and_air_share_come_from_the_scenario_file(table):
    total = params.value("demand.total_migrants_per_year")
    assert table["migrants_per_year"].sum() == pytest.approx(total)
    air = table.loc[table["mode_preference"] == "air", "migrants_per_year"].sum()
    assert air / total == pytest.approx(params.value("demand.air_share"))


def test_districts_get_volume_in_proportion_to_their_weight(table):
    src = geodata.layer("sources").set_index("id")
    per_origin = table.groupby("origin")["migrants_per_year"].sum()
    share = per_origin / per_origin.sum()
    want = src["weight"] / src["weight"].sum()
    pd.testing.assert_series_equal(share.sort_index(), want.loc[share.index].sort_index(), check_names=False)


def test_community_pull_links_districts_to_their_destinations(table):
    # unodc-2011 §4.1: Mirpur -> UK (air only here), Quetta (Hazara) -> Australia
    mirpur = table[table["origin"] == "src-mirpur-ajk"]
    assert set(mirpur["destination"]) == {"dest-uk"} and set(mirpur["mode_preference"]) == {"air"}
    quetta = table[table["origin"] == "src-quetta"]
    assert set(quetta["destination"]) == {"dest-australia"} and set(quetta["mode_preference"]) == {"any"}
    # Oman by sea or air, Iran and Turkey (IGTOS) over land
    assert set(table.loc[table["destination"] == "dest-oman", "mode_preference"]) == {"sea", "air"}
    assert set(table.loc[table["destination"] == "dest-iran", "mode_preference"]) <= {"land"}
    land = table[table["mode_preference"] == "land"]
    assert set(land["destination"]) <= {"dest-iran", "dest-turkey", "dest-greece"}


def test_case_types_split_by_district(table):
    tr = table[table["origin"] == "src-rahim-yar-khan"]
    assert set(tr["case_type"]) == {"trafficking"}
    sm = table[table["origin"] == "src-gujrat"].groupby("case_type")["migrants_per_year"].sum()
    assert sm["trafficking"] / sm.sum() == pytest.approx(params.value("demand.trafficking_share_on_smuggling_routes"))


def test_edited_parameters_take_effect():
    tree = copy.deepcopy(params.load())
    tree["demand"]["total_migrants_per_year"]["value"] = 1000
    tree["demand"]["air_share"]["value"] = 0.5
    t = demand.default_demand(tree=tree)
    assert t["migrants_per_year"].sum() == pytest.approx(1000)
    assert t.loc[t["mode_preference"] == "air", "migrants_per_year"].sum() == pytest.approx(500)


def test_scenario_file_path_can_be_swapped(tmp_path, monkeypatch):
    text = params.DEFAULT_SCENARIO.read_text(encoding="utf-8").replace("value: 60000", "value: 12345")
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("CHECKPOST_SCENARIO", str(path))
    assert demand.default_demand()["migrants_per_year"].sum() == pytest.approx(12345)


def test_every_parameter_has_a_source():
    tree = params.load()

    def walk(node, path):
        if isinstance(node, dict) and "value" in node:
            assert node.get("source"), path
            return
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{path}.{k}")

    walk(tree, "")
    for dest, spec in tree["demand"]["destinations"].items():
        assert spec["source"], dest


def test_transit_flows_are_optional(table):
    t = demand.default_demand(include_transit=True)
    extra = t.iloc[len(table):]
    assert set(extra["origin"]) == {"hub-peshawar", "hub-quetta", "hub-karachi"}


def test_unknown_destination_in_sources_is_named():
    bad = gpd.GeoDataFrame({"id": ["src-x"], "name": ["X"], "kind": ["source"], "source": ["test"], "weight": [1.0],
                            "destinations": ["dest-mars"], "case_types": ["smuggling"]},
                           geometry=[Point(70, 30)], crs="EPSG:4326")
    with pytest.raises(ValueError, match="src-x.*dest-mars"):
        demand.default_demand(sources=bad)


def test_bad_case_type_is_named():
    bad = gpd.GeoDataFrame({"id": ["src-x"], "name": ["X"], "kind": ["source"], "source": ["test"], "weight": [1.0],
                            "destinations": ["dest-uk"], "case_types": ["labour"]},
                           geometry=[Point(70, 30)], crs="EPSG:4326")
    with pytest.raises(ValueError, match="case_types 'labour'"):
        demand.default_demand(sources=bad)
