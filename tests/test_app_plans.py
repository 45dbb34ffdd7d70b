"""Saved plans: export and import round trips, comparison, duplicates, version conflicts, audit entries."""
import json

import pandas as pd
import pytest

from app_fixtures import fresh_database
from store.plans import StoredPlan, load_plan, save_plan
from ui import plan_io

SITES = pd.DataFrame([
    {"site_id": "taftan", "node": 171, "edge": None, "detection": 0.5, "capacity": None, "lon": 61.5695, "lat": 28.9401},
    {"site_id": "n40-km120", "node": None, "edge": (36, 32, 0), "detection": 0.7, "capacity": 250.0,
     "lon": 66.4825, "lat": 29.6912},
])
PLAN = StoredPlan("Makran coast", 3, "amina", None, "test", SITES)


@pytest.fixture
def db(monkeypatch, tmp_path):
    return fresh_database(monkeypatch, tmp_path)


@pytest.mark.parametrize("writer,file_name", [(plan_io.to_geojson, "p.geojson"), (plan_io.to_csv, "p.csv"),
                                              (plan_io.to_kml, "p.kml")])
def test_export_then_import_gives_the_same_sites(writer, file_name):
    data = writer(PLAN)
    back = plan_io.read_sites(data if isinstance(data, bytes) else data.encode(), file_name)
    assert back["site_id"].tolist() == ["taftan", "n40-km120"]
    assert back["node"].tolist()[0] == 171 and pd.isna(back["node"].tolist()[1])
    assert back["edge"].tolist() == [None, (36, 32, 0)]
    assert back["detection"].tolist() == [0.5, 0.7]
    assert back["capacity"].tolist()[1] == 250.0
    assert back["lon"].tolist() == pytest.approx([61.5695, 66.4825], abs=1e-6)


def test_geojson_export_is_points_in_lon_lat_with_plan_metadata():
    doc = json.loads(plan_io.to_geojson(PLAN))
    feature = doc["features"][0]
    assert feature["geometry"]["coordinates"] == pytest.approx([61.5695, 28.9401])
    assert feature["properties"]["plan"] == "Makran coast" and feature["properties"]["version"] == 3


def test_kml_export_is_kml_with_a_placemark_per_site():
    text = plan_io.to_kml(PLAN).decode()
    assert text.count("<Placemark") == 2 and "<kml" in text and "taftan" in text


@pytest.mark.parametrize("csv,message", [
    ("site_id,detection,node,edge\na,0.5,,\n", "row 1, site 'a': give exactly one of 'node' or 'edge'"),
    ("site_id,detection,node,edge\na,1.5,3,\n", "row 1, field 'detection': 1.5 is not a probability"),
    ("site_id,detection,node,edge\na,0.5,3,\nb,x,4,\n", "row 2, field 'detection': 'x' is not a number"),
    ("site_id,detection,node,edge\na,0.5,,1-2\n", "row 1, field 'edge': '1-2' is not 'u,v,key'"),
    ("site_id,node\na,3\n", "column 'detection' is missing"),
    ("site_id,detection,node,edge\na,0.5,3,\na,0.5,4,\n", "site_id 'a' appears more than once"),
])
def test_bad_plan_files_are_rejected_naming_row_and_field(csv, message):
    with pytest.raises(ValueError) as err:
        plan_io.read_sites(csv.encode(), "plan.csv")
    assert "plan.csv" in str(err.value) and message in str(err.value)


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="not '.xlsx'"):
        plan_io.read_sites(b"x", "plan.xlsx")


def test_compare_matches_link_sites_in_either_direction():
    other = pd.DataFrame([
        {"site_id": "x", "node": None, "edge": (32, 36, 0), "detection": 0.6},   # same link as n40-km120
        {"site_id": "gwadar", "node": 208, "edge": None, "detection": 0.5},
    ])
    diff = plan_io.compare(SITES, other).set_index("location")
    assert diff.loc["link 32-36", "status"] == "both"
    assert diff.loc["link 32-36", "detection_a"] == 0.7 and diff.loc["link 32-36", "detection_b"] == 0.6
    assert diff.loc["node 171", "status"] == "only A" and diff.loc["node 208", "status"] == "only B"
    assert len(diff) == 3


def test_duplicate_and_import_save_new_plans_with_audit(db):
    from store.audit import entries
    from ui import plan_actions as plans

    user = {"username": "amina", "role": "planner"}
    save_plan("Makran coast", SITES, author="amina")
    assert plans.duplicate("Makran coast", "Makran B", user) == 1
    copy = load_plan("Makran B")
    assert copy.sites["site_id"].tolist() == ["taftan", "n40-km120"] and "copy of 'Makran coast'" in copy.note
    with pytest.raises(ValueError, match="already exists"):
        plans.duplicate("Makran coast", "Makran B", user)
    version = plans.import_plan(plan_io.to_csv(load_plan("Makran coast")).encode(), "m.csv", "Makran coast", user)
    assert version == 2  # imported on top of the latest version
    actions = entries(action="save_plan")
    assert len(actions) == 3 and set(actions["actor"]) == {"amina"}


def test_two_editors_cannot_overwrite_each_other(db):
    from ui.plan_actions import save_proposal
    from ui.proposal import new_proposal

    sites = [{"site_id": "taftan", "node": 171, "edge": None, "detection": 0.5, "lon": 61.57, "lat": 28.94}]
    amina = new_proposal(sites=sites)
    assert save_proposal(amina, {"username": "amina"}, "Chagai", "") == ("success", "Saved 'Chagai' as version 1.")
    # Bilal opens version 1, Amina saves version 2, then Bilal saves: refused with a reload message.
    bilal = new_proposal("Chagai", 1, "", sites)
    assert save_proposal(amina, {"username": "amina"}, "Chagai", "more")[0] == "success"
    level, message = save_proposal(bilal, {"username": "bilal"}, "Chagai", "")
    assert level == "error" and "version 2 by amina" in message and "reload" in message
    # A new plan may not take an existing name silently either.
    level, message = save_proposal(new_proposal(sites=sites), {"username": "c"}, "Chagai", "")
    assert level == "error" and "already exists" in message


def test_opening_a_saved_plan_restores_its_sites_for_editing(db):
    from app_fixtures import small_network
    from ui.plan_actions import enrich, stored_sites_as_proposal
    from ui.proposal import add_site

    G = small_network()
    sites = pd.DataFrame([{"site_id": "taftan", "node": 2, "edge": None, "detection": 0.4, "lon": 61.57, "lat": 28.94},
                          {"site_id": "n40", "node": None, "edge": (0, 1, 0), "detection": 0.6, "lon": 65.7, "lat": 29.86}])
    save_plan("Chagai", sites, author="amina", note="first")
    state = stored_sites_as_proposal(load_plan("Chagai"))
    enrich(state, G)
    assert (state["name"], state["version"], state["note"]) == ("Chagai", 1, "first")
    by_id = {s["site_id"]: s for s in state["sites"]}
    assert by_id["taftan"]["site_type"] == "crossing" and by_id["taftan"]["node"] == 2
    assert by_id["n40"]["site_type"] == "road" and by_id["n40"]["ref"] == "N-40" and by_id["n40"]["edge"] == (0, 1, 0)
    assert by_id["n40"]["detection"] == 0.6
    # the reopened plan still knows where its sites stand: the same link is not added twice
    assert not add_site(state, {"site_id": "again", "node": None, "edge": (1, 0, 0), "detection": 0.5})


# ------------------------------------------------------------------ optimiser runs: named, kept, assessed
def _planner_app():
    import time
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from coverage_fixtures import demand_frame, detour_graph
    from ui import auth

    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "pages" / "planner.py"), default_timeout=120)
    from app_fixtures import ensure_account

    at.session_state["user"] = ensure_account({"username": "amina", "role": "planner", "region": None})
    at.session_state[auth.SIGNED_IN_AT_KEY] = at.session_state[auth.LAST_SEEN_KEY] = time.time()
    at.session_state["planner_show_map"] = False
    at.session_state["planner_network"] = at.session_state["app_network"] = detour_graph()
    at.session_state["planner_demand"] = at.session_state["app_demand"] = demand_frame(
        [("src-A", "dst-X", "land", 1000.0, "smuggling")])
    return at.run()


def test_optimiser_runs_get_fresh_names_and_never_replace_each_other(db):
    at = _planner_app()
    assert at.text_input(key="planner_name").value == "plan 1"
    at.number_input(key="planner_k").set_value(1)
    at.button(key="planner_run").click().run()
    assert not at.exception
    assert at.text_input(key="planner_name").value == "plan 2"     # the next run gets its own name
    first = at.session_state["planner_plans"]["plan 1"]["plan"]
    at.number_input(key="planner_k").set_value(2)
    at.text_input(key="planner_name").set_value("plan 1")
    at.button(key="planner_run").click().run()
    assert any("A run named 'plan 1' exists already" in e.value for e in at.error)
    assert list(at.session_state["planner_plans"]) == ["plan 1"]
    assert at.session_state["planner_plans"]["plan 1"]["plan"] is first
    at.text_input(key="planner_name").set_value("two sites")
    at.button(key="planner_run").click().run()
    assert list(at.session_state["planner_plans"]) == ["plan 1", "two sites"]


def test_an_optimiser_plan_is_saved_and_assessed_on_coverage(db):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from models import coverage as C
    from routes.flows import assign

    at = _planner_app()
    at.number_input(key="planner_k").set_value(1)
    at.button(key="planner_run").click().run()
    plan = at.session_state["planner_plans"]["plan 1"]["plan"]
    sites_shown = next(t.value for t in at.dataframe if "catch per year" in t.value.columns)
    assert not sites_shown.astype(str).apply(lambda c: c.str.fullmatch(r"[ne]\d.*")).any().any()  # no ids
    assert set(sites_shown["existing"]) <= {"Yes", "No"}
    at.text_input(key="planner_save_name").set_value("Detour road")
    next(b for b in at.button if b.label == "Save to Saved plans").click().run()
    assert not at.exception
    assert any("Saved 'Detour road' to Saved plans as version 1" in s.value for s in at.success)
    stored = load_plan("Detour road")
    assert stored.sites["site_id"].tolist() == plan.site_ids and stored.author == "amina"
    assert "optimiser run 'plan 1'" in stored.note
    # saving again under the same name is refused, not a silent new version
    next(b for b in at.button if b.label == "Save to Saved plans").click().run()
    assert any("already exists" in e.value for e in at.error)

    page = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "pages" / "coverage.py"), default_timeout=180)
    for key in ("user", "app_network", "app_demand"):
        page.session_state[key] = at.session_state[key]
    from ui import auth
    for key in (auth.SIGNED_IN_AT_KEY, auth.LAST_SEEN_KEY):
        page.session_state[key] = at.session_state[key]
    page.run()
    choice = "Saved plan: Detour road (version 1)"
    assert choice in page.selectbox(key="coverage_source").options
    page.selectbox(key="coverage_source").set_value(choice)
    page.checkbox(key="coverage_adaptive").uncheck()
    page.button(key="coverage_run").click().run()
    assert not page.exception
    flows = assign(at.session_state["app_network"], at.session_state["app_demand"])
    expected = C.gaps(plan_io.checkpoints_of(stored.sites), flows, adaptive=False)
    assert next(m.value for m in page.metric if m.label == "Share intercepted") == f"{expected.share:.1%}"
    assert expected.share == pytest.approx(plan.share)


def test_saved_plans_page_names_sites_and_fits_the_map_to_the_plan(db):
    import time
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from app_fixtures import small_demand, small_network
    from ui import auth

    sites = pd.DataFrame([{"site_id": "taftan", "node": 2, "edge": None, "detection": 0.5, "lon": 61.57, "lat": 28.94},
                          {"site_id": "n40", "node": None, "edge": (0, 1, 0), "detection": 0.6, "lon": 65.7,
                           "lat": 29.86}])
    save_plan("Chagai", sites, author="amina", note="<img src=x onerror=alert(1)>")
    save_plan("Taftan only", sites.iloc[:1], author="amina")
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "pages" / "plans.py"), default_timeout=120)
    from app_fixtures import ensure_account

    at.session_state["user"] = ensure_account({"username": "amina", "role": "planner", "region": None})
    at.session_state[auth.SIGNED_IN_AT_KEY] = at.session_state[auth.LAST_SEEN_KEY] = time.time()
    at.session_state["app_network"], at.session_state["app_demand"] = small_network(), small_demand()
    at.run()
    assert not at.exception
    table = next(t.value for t in at.dataframe if "near" in t.value.columns)
    assert table["name"].tolist() == ["Taftan border crossing", "N-40 near Nushki"]
    assert table["detection"].tolist() == ["50%", "60%"] and "site_id" not in table.columns
    # the view is the plan's: centred between Taftan and the N-40 site, zoomed to hold both (4.1 degrees wide)
    view = at.session_state["map_view"]
    assert view["center"] == pytest.approx(((28.94 + 29.86) / 2, (61.57 + 65.7) / 2))
    assert view["zoom"] == 7
    diff = next(t.value for t in at.dataframe if "detection in A" in t.value.columns)
    assert diff["site"].tolist() == ["N-40 near Nushki", "Taftan border crossing"]
    assert diff["in"].tolist() == ["only plan A", "both plans"] and diff["detection in A"].tolist() == ["60%", "50%"]
    at.selectbox(key="plans_open_name").set_value("Taftan only").run()
    assert at.session_state["map_view"]["center"] == pytest.approx((28.94, 61.57))   # refitted to the new plan
    assert at.session_state["map_view"]["zoom"] == 11


def test_a_robust_site_with_catch_0_is_explained(db):
    # on the detour network the robust k=2 plan takes crossing 3 (catch 600) and crossing 6 on the
    # detour, which nobody takes once the plan stands (catch 0): the page says why it is there
    at = _planner_app()
    at.number_input(key="planner_k").set_value(2)
    method = at.radio(key="planner_method")
    method.set_value(method.options[1])
    at.button(key="planner_run").click().run()
    assert not at.exception
    shown = next(t.value for t in at.dataframe if "catch per year" in t.value.columns)
    assert sorted(shown["catch per year"].tolist()) == [0, 600]
    assert any("A site with catch 0 stops nobody" in c.value for c in at.caption)
    measures = next(t.value for t in at.dataframe if "measure" in t.value.columns)
    assert measures["all"].str.fullmatch(r"\d+\.\d%").all()         # shares as percentages, not 0.6000001
