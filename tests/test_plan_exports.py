"""Plan exports readable elsewhere: names, road, nearest place, catch, note, 6 decimals, safe cells, round trip."""
import io
import json
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from app_fixtures import fresh_database, small_demand, small_network
from store.plans import StoredPlan, load_plan, save_plan
from ui import plan_io
from ui.site_text import describe_sites

SITES = pd.DataFrame([
    {"site_id": "taftan", "node": 2, "edge": None, "detection": 0.5, "capacity": None,
     "lon": 61.5695123456789, "lat": 28.9401234567891},
    {"site_id": "n40", "node": None, "edge": (0, 1, 0), "detection": 0.6, "capacity": 250.0,
     "lon": 65.7, "lat": 29.86},
])
ATTACK_NOTE = '=HYPERLINK("http://x.example/steal","click")'
PLAN = StoredPlan("Chagai <img src=x onerror=alert(1)>", 2, "@amina", None, ATTACK_NOTE, SITES)
KML = "{http://www.opengis.net/kml/2.2}"


@pytest.fixture(scope="module")
def details():
    return plan_io.plan_details(PLAN, small_network(), small_demand(1000.0))


def test_sites_get_readable_names_from_the_network(details):
    # Taftan is node 2, a crossing; the N-40 link (0, 1) is named by its ref and the nearest gazetteer
    # place to (65.70, 29.86): Nushki, 46 km away.
    assert details["name"].tolist() == ["Taftan border crossing", "N-40 near Nushki"]
    assert details["road"].tolist() == ["", "N-40"] and details["type"].tolist() == ["border crossing", "road"]
    twice = describe_sites(pd.concat([SITES, SITES.assign(site_id="again", edge=[None, (1, 0, 0)])]), small_network())
    assert twice["name"].tolist()[3] == "N-40 near Nushki (2)"     # names stay unique within a plan


def test_catch_per_site_is_what_the_flows_say(details):
    # 1000 a year pass Taftan. N-40 carries 516 of them (the logit splits N-40 and the track) and stops
    # 60%: 309; Taftan stops half of the 691 not yet caught: 345.
    assert details["catch_per_year"].tolist() == [345.0, 309.0]


def test_csv_is_readable_formula_safe_and_six_decimals(details):
    text = plan_io.to_csv(PLAN, details)
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert frame.columns.tolist()[:9] == ["name", "type", "road", "near", "detection", "catch_per_year", "note",
                                          "lon", "lat"]
    assert frame["name"].tolist() == ["Taftan border crossing", "N-40 near Nushki"]
    assert frame["lon"][0] == "61.569512" and frame["lat"][0] == "28.940123"
    assert frame["note"][0] == "'" + ATTACK_NOTE and frame["author"][0] == "'@amina"
    assert not [cell for cell in frame.to_numpy().ravel() if cell[:1] in ("=", "+", "@")]


def test_kml_placemarks_are_named_and_described(details):
    root = ET.fromstring(plan_io.to_kml(PLAN, details))
    marks = root.findall(f".//{KML}Placemark")
    assert [m.findtext(f"{KML}name") for m in marks] == ["Taftan border crossing", "N-40 near Nushki"]
    text = marks[1].findtext(f"{KML}description")
    assert "road N-40" in text and "near Nushki" in text and "detection 60%" in text
    assert "catches about 309 migrants a year" in text
    coords = marks[0].findtext(f".//{KML}coordinates")
    assert coords.startswith("61.569512,28.940123")
    raw = plan_io.to_kml(PLAN, details).decode()
    assert "<img" not in raw                        # the plan name is XML-escaped, not markup


def test_geojson_has_readable_properties_and_ids_only_as_extra_columns(details):
    doc = json.loads(plan_io.to_geojson(PLAN, details))
    props = doc["features"][1]["properties"]
    assert props["name"] == "N-40 near Nushki" and props["road"] == "N-40" and props["catch_per_year"] == 309.0
    assert props["site_id"] == "n40" and props["edge"] == "0,1,0"
    assert doc["features"][0]["geometry"]["coordinates"] == [61.569512, 28.940123]


@pytest.mark.parametrize("writer,file_name", [(plan_io.to_geojson, "p.geojson"), (plan_io.to_csv, "p.csv"),
                                              (plan_io.to_kml, "p.kml"), (plan_io.to_gpkg, "p.gpkg")])
def test_export_then_import_on_saved_plans_gives_the_same_sites_and_names(monkeypatch, tmp_path, details,
                                                                             writer, file_name):
    from ui.plan_actions import import_plan

    fresh_database(monkeypatch, tmp_path)
    G = small_network()
    save_plan("Chagai", SITES, author="amina", note=ATTACK_NOTE)
    exported = writer(load_plan("Chagai"), details)
    data = exported if isinstance(exported, bytes) else exported.encode()
    assert plan_io.read_sites(data, file_name)["name"].tolist() == details["name"].tolist()
    assert import_plan(data, file_name, "Chagai copy", {"username": "bilal"}) == 1
    back = load_plan("Chagai copy")
    assert back.sites["site_id"].tolist() == ["taftan", "n40"]
    assert back.sites["edge"].tolist() == [None, (0, 1, 0)] and back.sites["detection"].tolist() == [0.5, 0.6]
    assert describe_sites(back.sites, G)["name"].tolist() == details["name"].tolist()


def test_a_link_without_a_ref_is_named_by_its_own_name():
    from ui.site_text import road_label

    assert road_label("N-40", "N-40 Quetta-Nushki") == "N-40"
    assert road_label("", "Thatta-Keti Bandar road") == "Thatta-Keti Bandar road"
    assert road_label("", "access Karachi Port") == "road to Karachi Port"
    assert road_label("", "track 0-4") == ""            # a generated name is node ids, not a name
    track = describe_sites([{"site_id": "t", "node": None, "edge": (0, 4, 0), "detection": 0.5}], small_network())
    assert track["name"].tolist()[0].startswith("track near ") and track["type"].tolist() == ["track"]
