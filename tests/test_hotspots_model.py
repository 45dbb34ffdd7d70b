"""HotspotModel: planted hotspots recovered, tables add up, filters, persistence, labels, bad input."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from geodata.schema import RECORD_LEVEL_FIELDS
from hotspots_planted import planted_intercepts
from models.hotspots import CATEGORY_TEXT, HotspotModel, load
from models.hotspots._eval import match

NO_LAYERS: dict = {}


@pytest.fixture(scope="module")
def scenario():
    return planted_intercepts(0)


@pytest.fixture(scope="module")
def fitted(scenario):
    records, _ = scenario
    return HotspotModel(layers=NO_LAYERS, case_type="all").fit(records)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_hotspots_are_found(seed):
    records, planted = planted_intercepts(seed)
    model = HotspotModel(layers=NO_LAYERS, case_type="all", trend_period=None).fit(records)
    score = match(model.hotspots_, planted)
    assert score["recall"] >= 0.8 and score["precision"] >= 0.8, score


def test_planted_hotspots_found_per_case_type():
    records, planted = planted_intercepts(5)
    model = HotspotModel(layers=NO_LAYERS, trend_period=None).fit(records)  # case types apart (default)
    assert set(model.hotspots_["case_type"]) <= {"smuggling", "trafficking", "unknown"}
    for case in ("smuggling", "trafficking"):
        score = match(model.hotspots_[model.hotspots_["case_type"] == case], planted[planted["case_type"] == case])
        assert score["recall"] == 1.0 and score["precision"] == 1.0, (case, score)


def test_tables_add_up(fitted, scenario):
    records, _ = scenario
    table = fitted.hotspots_
    assert len(fitted.labels_) == len(records)
    for row in table.itertuples():
        members = records[fitted.labels_ == row.hotspot_id]
        assert row.records == len(members)
        assert row.persons == members["persons"].sum()
        assert sum(getattr(row, f"persons_{c}") for c in ("smuggling", "trafficking", "unknown")) == row.persons
        assert sum(getattr(row, f"records_{m}") for m in ("land", "sea", "air")) == row.records
        assert row.first_seen == members["date"].min() and row.last_seen == members["date"].max()
        # every labelled record lies inside (or within one cell of) its outline
        metric = gpd.GeoSeries([row.geometry], crs="EPSG:4326").to_crs("EPSG:32642").iloc[0]
        inside = members.to_crs("EPSG:32642").distance(metric) <= 1000
        assert inside.all()
    assert (fitted.labels_ == -1).sum() > 0.5 * len(records)  # the background stays noise
    monthly = fitted.monthly_.groupby("hotspot_id")["persons"].sum()
    np.testing.assert_array_equal(monthly.loc[table["hotspot_id"]].to_numpy(), table["persons"].to_numpy())


def test_outputs_aggregate_only(fitted):
    leaked = set(RECORD_LEVEL_FIELDS) - {"geometry"}
    assert not leaked & set(fitted.hotspots_.columns)
    assert not leaked & set(fitted.monthly_.columns)
    assert (fitted.hotspots_.geometry.geom_type == "Polygon").all()  # outlines, never record points
    assert (fitted.hotspots_["records"] >= fitted.min_records).all()


def test_trend_categories_are_known(fitted):
    assert set(fitted.hotspots_["trend"]) <= {"emerging", "growing", "fading", "steady"}
    assert set(fitted.hotspots_["emerging"]) <= set(CATEGORY_TEXT)


def test_planted_emerging_hotspot_is_called_emerging(scenario, fitted):
    _, planted = scenario
    score = match(fitted.hotspots_, planted)
    trends = {planted.iloc[i]["trend"]: fitted.hotspots_.iloc[j]["trend"] for i, j, _ in score["pairs"]}
    assert trends["emerging"] == "emerging"
    assert trends["growing"] == "growing"
    assert trends["fading"] == "fading"


def test_params_protocol_and_clone():
    from sklearn.base import clone

    model = HotspotModel(eps_m=2500, density_factor=4)
    assert model.get_params()["eps_m"] == 2500
    copy = clone(model)
    assert copy.get_params() == model.get_params() and copy is not model
    assert model.set_params(min_records=4).min_records == 4
    with pytest.raises(ValueError, match="no parameter 'radius'"):
        model.set_params(radius=3)


def test_save_and_load_keep_params_results_and_data_version(fitted, scenario, tmp_path):
    records, _ = scenario
    path = fitted.save(tmp_path / "hotspots.joblib")
    again = load(path)
    assert again.get_params() == {**fitted.get_params(), "layers": None}
    pd.testing.assert_frame_equal(pd.DataFrame(again.hotspots_.drop(columns="geometry")),
                                  pd.DataFrame(fitted.hotspots_.drop(columns="geometry")))
    np.testing.assert_array_equal(again.labels_, fitted.labels_)
    assert again.data_version_ == fitted.data_version_ and again.fitted_on(records)
    changed = records.copy()
    changed.loc[changed.index[0], "persons"] += 1
    assert not again.fitted_on(changed)
    with pytest.raises(ValueError, match="not fitted yet"):
        HotspotModel().save(tmp_path / "x.joblib")
    (tmp_path / "junk.joblib").write_bytes(b"")
    import joblib
    joblib.dump({"something": 1}, tmp_path / "junk.joblib")
    with pytest.raises(ValueError, match="is not a saved HotspotModel"):
        load(tmp_path / "junk.joblib")


def test_date_and_mode_filters(scenario):
    records, _ = scenario
    model = HotspotModel(layers=NO_LAYERS, case_type="all", date_from="2025-01-01", date_to="2025-06-30",
                         trend_period=None).fit(records)
    assert (model.hotspots_["first_seen"] >= pd.Timestamp("2025-01-01")).all()
    assert (model.hotspots_["last_seen"] < pd.Timestamp("2025-07-01")).all()
    outside = (records["date"] < "2025-01-01") | (records["date"] > "2025-06-30 23:59")
    assert (model.labels_[outside.to_numpy()] == -1).all()
    mixed = records.copy()
    mixed.loc[mixed.index[::2], "mode"] = "sea"
    sea = HotspotModel(layers=NO_LAYERS, case_type="all", mode="sea", trend_period=None).fit(mixed)
    assert (sea.hotspots_["persons_land"] == 0).all() and (sea.hotspots_["persons_sea"] > 0).all()


def test_labels_name_road_place_and_crossing():
    records, planted = planted_intercepts(0, n_hotspots=1)
    centre = planted.geometry.iloc[0]
    layers = {
        "hubs": gpd.GeoDataFrame({"name": ["Townville"]}, geometry=[Point(centre.x - 0.3, centre.y)], crs="EPSG:4326"),
        "crossings": gpd.GeoDataFrame({"name": ["Borderpost"]}, geometry=[Point(centre.x, centre.y + 0.3)],
                                      crs="EPSG:4326"),
        "roads": gpd.GeoDataFrame({"ref": ["N-99"]}, geometry=[LineString([(centre.x - 1, centre.y),
                                                                           (centre.x + 1, centre.y)])],
                                  crs="EPSG:4326"),
    }
    model = HotspotModel(layers=layers, case_type="all", trend_period=None).fit(records)
    row = model.hotspots_.iloc[0]
    # The planted centre lies off the Makran coast, beyond 12 nautical miles: no country prefix.
    assert row["country"] is None
    assert row["label"].startswith("N-99 31 km east of Townville, ")  # crossing 33 km away: within 50 km
    assert row["label"].endswith("km from Borderpost crossing")
    assert row["nearest_hub"] == "Townville" and 25 < row["hub_km"] < 35  # 0.3 degrees of longitude at 25-29 N
    assert row["road_ref"] == "N-99" and row["road_km"] < 3


@pytest.mark.parametrize("build, message", [
    (lambda r: r.iloc[:0], "is empty"),
    (lambda r: r.iloc[:1], "at least 3"),
    (lambda r: r.assign(geometry=[Point(64.4, 28.9)] * len(r)).set_crs("EPSG:4326", allow_override=True),
     "at one position"),
    (lambda r: r.assign(persons=0), "persons must be a whole number >= 1"),
    (lambda r: r.drop(columns="case_type"), "missing column"),
    (lambda r: pd.DataFrame(r), "must be a GeoDataFrame"),
])
def test_bad_input_messages(build, message):
    records, _ = planted_intercepts(3, n_background=200, n_hotspots=1)
    with pytest.raises((ValueError, TypeError), match=message):
        HotspotModel(layers=NO_LAYERS).fit(build(records))


@pytest.mark.parametrize("params, message", [
    ({"eps_m": -5}, "eps_m must be a positive distance"),
    ({"outline_mass": 1.5}, "outline_mass must be in"),
    ({"resolution": 3}, "resolution must be an H3 resolution"),
    ({"case_type": "smuggled"}, "case_type filter"),
])
def test_bad_parameters(params, message):
    records, _ = planted_intercepts(3, n_background=200, n_hotspots=1)
    with pytest.raises(ValueError, match=message):
        HotspotModel(layers=NO_LAYERS, **params).fit(records)


def test_no_hotspot_in_pure_background():
    records, _ = planted_intercepts(6, n_hotspots=0)
    model = HotspotModel(layers=NO_LAYERS, case_type="all").fit(records)
    assert len(model.hotspots_) == 0 and (model.labels_ == -1).all()


def test_match_scores_by_hand():
    planted = gpd.GeoDataFrame({"radius_m": [1000.0, 1000.0]}, geometry=[Point(64.0, 28.0), Point(65.0, 28.0)],
                               crs="EPSG:4326")
    same = planted.to_crs("EPSG:32642").buffer(1000, quad_segs=32).to_crs("EPSG:4326")
    far = planted.iloc[[0]].to_crs("EPSG:32642").translate(5000).buffer(1000).to_crs("EPSG:4326")
    found = gpd.GeoDataFrame(geometry=pd.concat([same.iloc[[0]], far]), crs="EPSG:4326")
    score = match(found, planted)
    assert score["recall"] == 0.5 and score["precision"] == 0.5
    assert score["pairs"][0][:2] == (0, 0) and score["pairs"][0][2] == pytest.approx(1.0, abs=1e-3)


def test_command_line_fit_gi_star_emerging(tmp_path, capsys):
    from models.hotspots.__main__ import main

    records, planted = planted_intercepts(0, case_type="smuggling")
    source = tmp_path / "records.gpkg"
    records.to_file(source, driver="GPKG")
    assert main(["fit", str(source), "--out", str(tmp_path / "hotspots.geojson"), "--save",
                 str(tmp_path / "model.joblib")]) == 0
    found = gpd.read_file(tmp_path / "hotspots.geojson")
    assert match(found, planted)["recall"] == 1.0
    assert load(tmp_path / "model.joblib").fitted_on(records)
    assert main(["gi-star", str(source), "--out", str(tmp_path / "cells.csv"), "--permutations", "99"]) == 0
    cells = pd.read_csv(tmp_path / "cells.csv")
    assert {"z", "p_fdr", "class"} <= set(cells.columns) and "geometry" not in cells.columns
    assert main(["emerging", str(source), "--out", str(tmp_path / "trend.csv"), "--resolution", "6"]) == 0
    assert "rows written" in capsys.readouterr().out


def test_labels_follow_row_positions_whatever_the_index(scenario, fitted):
    records, _ = scenario
    shuffled_index = records.set_axis(np.zeros(len(records), dtype=int))  # duplicate index labels
    model = HotspotModel(layers=NO_LAYERS, case_type="all", trend_period=None).fit(shuffled_index)
    np.testing.assert_array_equal(model.labels_, fitted.labels_)


def test_undated_records_still_give_hotspots_without_trends(scenario):
    records, planted = scenario
    model = HotspotModel(layers=NO_LAYERS, case_type="all").fit(records.assign(date=pd.NaT))
    assert match(model.hotspots_, planted)["recall"] == 1.0
    assert (model.hotspots_["trend"] == "no dates").all()
    assert model.hotspots_["first_seen"].isna().all()
