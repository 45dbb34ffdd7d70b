"""Every page and role in AppTest: who sees which page, what reaches the browser (st_folium's arguments)."""
import json
import time
from pathlib import Path

import pytest
import streamlit_folium
from streamlit.testing.v1 import AppTest

from app_fixtures import PLANTED, ensure_account, fresh_database, plant_records, small_demand, small_network
from ui import auth

ROOT = Path(__file__).resolve().parents[1]
USERS = {"planner": None, "commander": "Sindh", "donor": None, "admin": None}


@pytest.fixture
def db(monkeypatch, tmp_path):
    monkeypatch.delenv("CHECKPOST_DEMO", raising=False)
    engine = fresh_database(monkeypatch, tmp_path)
    plant_records()
    return engine


@pytest.fixture
def component_calls(monkeypatch):
    """Everything handed to the map component, as text."""
    calls = []

    def capture(**kwargs):
        calls.append(json.dumps(kwargs, default=str))
        return kwargs.get("default")

    monkeypatch.setattr(streamlit_folium, "_component_func", capture)
    return calls


def signed_in_app(role, page=None):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["user"] = ensure_account({"username": f"test-{role}", "role": role, "region": USERS[role]})
    at.session_state[auth.SIGNED_IN_AT_KEY] = time.time()
    at.session_state[auth.LAST_SEEN_KEY] = time.time()
    at.session_state["app_network"] = small_network()
    at.session_state["app_demand"] = small_demand()
    at.run()
    if page:
        at.switch_page(page).run()
    return at


def rendered_text(at) -> str:
    """All text the page rendered: markdown, captions, metrics and the cells of every table."""
    parts = [str(getattr(e, "value", "")) for kind in ("markdown", "caption", "title", "info", "warning", "error",
                                                       "success", "metric", "subheader")
             for e in getattr(at, kind)]
    for frame in at.dataframe:
        parts.append(frame.value.to_csv())
    return "\n".join(parts)


@pytest.mark.parametrize("role", ["planner", "commander", "donor", "admin"])
def test_menu_holds_only_the_pages_of_the_role(role):
    pages = auth.pages_for(role)
    expected = {
        "planner": {"overview", "hotspots", "planner", "propose", "plans", "coverage", "data"},
        "commander": {"overview", "hotspots", "propose", "plans", "data"},
        "donor": {"overview", "coverage"},
        "admin": {"admin"},
    }[role]
    assert {Path(p).stem for p in pages} == expected


@pytest.mark.parametrize("role,page,title", [
    ("planner", "pages/propose.py", "Propose checkpoints"),
    ("planner", "pages/plans.py", "Saved plans"),
    ("commander", "pages/propose.py", "Propose checkpoints"),
    ("admin", "pages/admin.py", "Users"),
])
def test_each_role_opens_its_pages(db, component_calls, role, page, title):
    at = signed_in_app(role, page)
    assert not at.exception, at.exception
    assert title in [t.value for t in at.title]


@pytest.mark.parametrize("role,page", [("donor", "pages/propose.py"), ("donor", "pages/plans.py"),
                                       ("donor", "pages/admin.py"), ("commander", "pages/admin.py"),
                                       ("admin", "pages/propose.py"), ("commander", "pages/planner.py")])
def test_a_forbidden_page_is_not_reachable_through_the_app(db, component_calls, role, page):
    at = signed_in_app(role)
    assert not at.exception
    with pytest.raises(ValueError, match="Could not find a navigation page"):  # not registered in st.navigation
        at.switch_page(page)


@pytest.mark.parametrize("role,page", [("donor", "pages/propose.py"), ("commander", "pages/admin.py"),
                                       ("planner", "pages/admin.py"), ("admin", "pages/overview.py")])
def test_the_page_itself_checks_the_role_again(db, component_calls, role, page):
    at = AppTest.from_file(str(ROOT / page), default_timeout=120)
    at.session_state["user"] = ensure_account({"username": "x", "role": role, "region": USERS[role]})
    at.run()
    assert any(f"not available to the {role} role" in e.value for e in at.error)
    assert not at.title and not component_calls


def test_a_page_opened_without_signing_in_stops(db, component_calls):
    at = AppTest.from_file(str(ROOT / "pages/overview.py"), default_timeout=120).run()
    assert any("sign in" in e.value for e in at.error) and not component_calls


def test_donor_never_receives_record_level_data(db, component_calls):
    at = signed_in_app("donor", "pages/overview.py")
    assert not at.exception
    sent = "\n".join(component_calls) + rendered_text(at)
    assert component_calls
    for record_id, lon, lat, _ in PLANTED:  # a list, not `x not in sent`: no diff of a megabyte page
        leaked = [text for text in (record_id, f"{lon:.5f}", f"{lat:.5f}") if text in sent]
        assert not leaked, leaked
    for secret in ("SECRET-NOTE", "SECRET-PLACE", "SECRET-NATION", "FastMarkerCluster", "HeatLayer"):
        assert (secret in sent) is False, secret
    # aggregates are shown: 2 smuggling records (7 persons) and 2 trafficking (7 persons)
    table = at.dataframe[0].value.set_index("case_type")
    assert table.loc["smuggling", "records"] == 2 and table.loc["trafficking", "persons"] == 7


def test_planner_sees_every_record_as_one_cluster_layer(db, component_calls):
    at = signed_in_app("planner", "pages/overview.py")
    assert not at.exception
    sent = component_calls[-1]
    for _, lon, lat, _ in PLANTED:
        assert f"{round(lat, 5)}" in sent and f"{round(lon, 5)}" in sent
    # one L.marker( in the fast cluster's callback, run in the browser for all 4 points: no Marker per record
    # (counted in the page's layers: the base map's place labels have their own)
    page_layers = json.loads(sent)["feature_group"]
    assert page_layers.count("L.marker(") == 1 and "markerClusterGroup" in page_layers
    assert "4 intercept records on the map" in rendered_text(at)


def test_commander_sees_the_records_of_their_region_only(db, component_calls):
    at = signed_in_app("commander", "pages/overview.py")
    assert not at.exception
    sent = component_calls[-1]
    sindh = [r for r in PLANTED if "SINDH" in r[0]]
    others = [r for r in PLANTED if "SINDH" not in r[0]]
    for _, lon, lat, _ in sindh:
        assert f"{round(lon, 5)}" in sent
    for _, lon, lat, _ in others:
        assert (f"{round(lon, 5)}" in sent) is False, lon
    assert "2 intercept records in Sindh" in rendered_text(at)


def test_demo_mark_on_every_page_in_demo_mode(db, component_calls, monkeypatch):
    monkeypatch.setenv("CHECKPOST_DEMO", "1")
    # (AppTest drops the entry script's sidebar after switch_page, so each role's start page is checked
    # here; the browser test sees the mark on the Propose page.)
    for role in ("planner", "commander", "donor", "admin"):
        at = signed_in_app(role)
        assert any("DEMO MODE" in w.value for w in at.sidebar.warning), role
    monkeypatch.setenv("CHECKPOST_DEMO", "0")
    at = signed_in_app("planner")
    assert not any("DEMO" in w.value for w in at.sidebar.warning)


def test_a_map_click_on_the_propose_page_adds_a_site_with_its_catch_and_saves(db, component_calls):
    """The click st_folium returned (in session state before the run) lands on Taftan; everyone passes it."""
    from store.plans import load_plan

    at = signed_in_app("planner", "pages/propose.py")
    at.session_state["propose_map_offline"] = {"last_clicked": {"lat": 28.96, "lng": 61.60}}
    at.run()
    assert not at.exception, at.exception
    assert any("Added a checkpoint at Taftan border crossing." in s.value for s in at.success), [s.value for s in list(at.success) + list(at.info) + list(at.warning)]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Caught per year, static"] == "500" and metrics["Caught per year after re-routing"] == "500"
    assert "node-2" in component_calls[-1]  # the new site is on the map of this same run
    form_name = next(t for t in at.text_input if t.label == "Plan name")
    form_name.input("Taftan only")
    next(b for b in at.button if b.label == "Save plan").click().run()
    assert any("Saved 'Taftan only' as version 1" in s.value for s in at.success)
    assert load_plan("Taftan only").sites["node"].tolist() == [2]


def test_commander_click_outside_the_region_is_refused(db, component_calls):
    at = signed_in_app("commander", "pages/propose.py")  # commander of Sindh
    at.session_state["propose_map_offline"] = {"last_clicked": {"lat": 28.96, "lng": 61.60}}  # Taftan
    at.run()
    assert any("outside your region Sindh" in w.value for w in at.warning)
    assert at.session_state["proposal"]["sites"] == []
