"""The Streamlit "Hotspots" page (pages/hotspots.py), driven headless with AppTest, and its helpers."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app_fixtures import ensure_account
from hotspots_planted import planted_intercepts
from models.hotspots import HotspotModel

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "hotspots.py")
# the page module by file (not via sys.path: pages/ holds names like coverage.py that shadow libraries)
_spec = importlib.util.spec_from_file_location("hotspots_page", ROOT / "pages" / "hotspots.py")
page = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(page)  # render() only runs when the file is run as a script


@pytest.fixture(scope="module")
def scenario():
    return planted_intercepts(0)


def run_page(records, user=None) -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=120)
    app.session_state["hotspot_records"] = records
    app.session_state["hotspot_layers"] = {}  # labels from coordinates: keeps the test off the network build
    if user is not None:
        app.session_state["user"] = ensure_account(user)
    return app.run()


def test_page_shows_hotspots_card_table_and_downloads(scenario):
    records, planted = scenario
    app = run_page(records)
    assert not app.exception, app.exception
    assert app.title[0].value == "Hotspots"
    assert any("Simulated data" in w.value for w in app.warning)
    table = app.dataframe[-1].value
    assert len(table) >= len(planted)  # case types apart: each planted hotspot in its own case type
    assert not {"id", "notes", "place_name", "nationality"} & set(table.columns)
    labels = [m.label for m in app.metric]
    assert labels[:4] == ["persons", "records", "area", "trend"]
    # the sidebar's main parameter reaches the model: the bar a hotspot must clear goes up
    def fitted():
        return list(app.session_state["hotspot_models"].values())[0]

    def hotspot_count():
        return [int(m.value.split("**")[1].split()[0]) for m in app.markdown if " hotspots**" in m.value][0]

    assert hotspot_count() == len(table)
    before = dict(fitted().thresholds_)
    app.sidebar.slider[1].set_value(20.0).run()
    assert not app.exception
    assert fitted().density_factor == 20.0
    assert all(fitted().thresholds_[group] > before[group] for group in before)
    assert hotspot_count() == len(fitted().hotspots_)


def test_page_without_records_says_what_to_do():
    app = run_page(planted_intercepts(0)[0].iloc[:0])
    assert not app.exception
    assert any("Import them on the Data page" in i.value for i in app.info)


def test_page_bad_records_give_a_message_not_a_crash(scenario):
    records, _ = scenario
    one_spot = records.iloc[:50].copy()
    one_spot["geometry"] = [records.geometry.iloc[0]] * 50
    app = run_page(one_spot)
    assert not app.exception
    assert any("at one position" in w.value for w in app.warning)


def test_downloads_and_card(scenario):
    records, _ = scenario
    model = HotspotModel(layers={}, case_type="all").fit(records)
    csv, geojson = page.downloads(model)
    table = pd.read_csv(pd.io.common.BytesIO(csv))
    assert list(table["hotspot_id"]) == list(model.hotspots_["hotspot_id"])
    features = json.loads(geojson)["features"]
    assert len(features) == len(model.hotspots_) and features[0]["geometry"]["type"] == "Polygon"
    info = page.card(model, int(model.hotspots_["hotspot_id"].iloc[0]))
    assert sum(info["by_case_type"].values()) == info["persons"] == int(model.hotspots_["persons"].iloc[0])
    assert int(info["monthly"].to_numpy().sum()) == info["persons"]
    assert info["category_text"].endswith(".")


def test_donor_heat_is_hexagon_totals(scenario):
    records, _ = scenario
    points = page.heat_points(records, donor=False)
    hexes = page.heat_points(records, donor=True)
    assert len(points) == len(records) and len(hexes) < len(records) / 3
    assert sum(w for *_, w in hexes) == pytest.approx(records["persons"].sum())


def test_category_colours():
    assert page.category_colour("new hot spot") == page.HOT_COLOURS["new"]
    assert page.category_colour("persistent cold spot") == page.COLD_COLOUR
    assert page.category_colour("no pattern detected") == page.NO_PATTERN_COLOUR


def test_page_reads_the_store(tmp_path, monkeypatch, scenario):
    from store.db import reset_engines
    from store.records import import_records

    monkeypatch.setenv("CHECKPOST_DB_URL", f"sqlite:///{tmp_path / 'hotspots.sqlite'}")
    reset_engines()
    try:
        planner = {"username": "p", "role": "planner", "region": None}  # store reads need a signed-in user
        empty = AppTest.from_file(PAGE, default_timeout=120)
        empty.session_state["hotspot_layers"] = {}
        empty.session_state["user"] = planner
        empty.run()
        assert not empty.exception
        assert any("Import them on the Data page" in i.value for i in empty.info)
        records, planted = scenario
        import_records(records.assign(source="test fixture"), "fixture.csv", "tester")
        app = AppTest.from_file(PAGE, default_timeout=120)
        app.session_state["hotspot_layers"] = {}
        app.session_state["user"] = planner
        app.run()
        assert not app.exception
        assert len(app.dataframe[-1].value) >= len(planted)
        anonymous = AppTest.from_file(PAGE, default_timeout=120)
        anonymous.session_state["hotspot_layers"] = {}
        anonymous.run()  # no signed-in user: the store refuses, the page says so
        assert not anonymous.exception and any("Sign in first" in e.value for e in anonymous.error)
    finally:
        reset_engines()


def test_page_with_undated_records(scenario):
    records, _ = scenario
    app = run_page(records.assign(date=pd.NaT))
    assert not app.exception
    assert "no dates" in [m.value for m in app.metric]


def test_map_layers_outlines_hexagons_and_heat(scenario):
    from models.hotspots import gi_star

    records, _ = scenario
    model = HotspotModel(layers={}, case_type="all").fit(records)
    cells = gi_star(records, permutations=99, case_type="all")
    groups = page.map_layers(model, cells, records, show_cells=True, show_heat=True, donor=True)
    names = [g.layer_name for g in groups]
    assert names[0].startswith("Hotspots") and names[1].startswith("Gi*") and "hexagon totals" in names[2]
    outline_features = list(groups[0]._children.values())[0].data["features"]
    assert len(outline_features) == len(model.hotspots_)
    hex_features = list(groups[1]._children.values())[0].data["features"]
    assert all(f["properties"]["class"] != "not significant" for f in hex_features) and hex_features
    only_outlines = page.map_layers(model, cells, records, show_cells=False, show_heat=False, donor=False)
    assert len(only_outlines) == 1


def test_commander_sees_only_the_records_of_their_region(scenario, monkeypatch):
    """A field commander assigned to Sindh gets Sindh's records only; a planner gets all of them."""
    import geopandas as gpd
    from shapely.geometry import Point

    from geodata.admin import locate

    records, _ = scenario
    in_sindh = (locate(records.geometry.x, records.geometry.y)["province"] == "Sindh").to_numpy()
    sindh_point = gpd.GeoSeries([Point(68.4, 25.4)], crs=records.crs)  # Hyderabad, Sindh
    extra = records.iloc[:3].copy()
    extra["id"] = ["sindh-1", "sindh-2", "sindh-3"]
    extra["geometry"] = list(sindh_point) * 3
    mixed = pd.concat([records, extra], ignore_index=True)
    expected_sindh = int(in_sindh.sum()) + 3
    assert 0 < expected_sindh < len(mixed)

    state = {"hotspot_records": mixed, "user": {"username": "c", "role": "commander", "region": "Sindh"}}
    monkeypatch.setattr(page.st, "session_state", state)
    assert len(page.load_records(None, None, None)) == expected_sindh
    state["user"] = {"username": "p", "role": "planner", "region": "Sindh"}
    assert len(page.load_records(None, None, None)) == len(mixed)
