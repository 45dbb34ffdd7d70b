"""Planner page through streamlit's AppTest, on the hand-built detour network."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app_fixtures import ensure_account
from test_placement_fixtures import demand_frame, detour_graph

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "planner.py")


def signed_in_as(at, role):
    import time

    from ui import auth

    region = "Balochistan" if role == "commander" else None  # a commander always has a region
    at.session_state["user"] = ensure_account({"username": f"test-{role}", "role": role, "region": region})
    at.session_state[auth.SIGNED_IN_AT_KEY] = at.session_state[auth.LAST_SEEN_KEY] = time.time()


def _app(show_map=False, timeout=120):
    at = AppTest.from_file(PAGE, default_timeout=timeout)
    signed_in_as(at, "planner")
    at.session_state["planner_show_map"] = show_map  # the 2 MB base map is slow to serialise; one test keeps it
    at.session_state["planner_network"] = detour_graph()
    at.session_state["planner_demand"] = demand_frame([("src-A", "dst-X", "land", 1000.0, "smuggling"),
                                                       ("src-A", "dst-X", "land", 250.0, "trafficking")])
    return at.run()


def _metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def test_static_then_robust_plan_and_comparison():
    at = _app()
    assert not at.exception
    at.number_input(key="planner_k").set_value(1)
    at.text_input(key="planner_name").set_value("static-1")
    at.button(key="planner_run").click().run()
    assert not at.exception
    # the page shows what the library computes on the same inputs
    G, demand = at.session_state["planner_network"], at.session_state["planner_demand"]
    from routes.flows import assign
    from models import placement as P
    expected = P.plan(assign(G, demand), 1)
    after = P.evaluate(expected, G, demand, model="best_response").share_after
    assert _metric(at, "Intercepted (static)") == f"{expected.share:.1%}"
    assert _metric(at, "After best response") == f"{after:.1%}"
    assert at.session_state["planner_plans"]["static-1"]["plan"].site_ids == expected.site_ids
    method = at.radio(key="planner_method")
    method.set_value(method.options[1])
    at.text_input(key="planner_name").set_value("robust-1")
    at.button(key="planner_run").click().run()
    assert not at.exception
    assert _metric(at, "After best response") == "40.0%"    # shared road S-J: nothing avoids it
    # comparison of the two saved plans
    assert at.selectbox(key="planner_cmp_a").value == "static-1"
    tables = [t.value for t in at.dataframe]
    cmp = next(t for t in tables if "after best response" in t.columns)
    assert list(cmp.index) == ["static-1", "robust-1"]
    assert cmp.loc["robust-1", "after best response"] == pytest.approx(0.4)
    assert cmp.loc["static-1", "after best response"] == pytest.approx(after)
    assert cmp.loc["robust-1", "after best response"] >= cmp.loc["static-1", "after best response"]


def test_refused_request_shows_message():
    at = _app()
    at.number_input(key="planner_k").set_value(1)
    at.multiselect(key="planner_required").set_value(["n3", "n6"])
    at.button(key="planner_run").click().run()
    assert not at.exception
    assert any("2 required sites do not fit in a budget of k = 1" in e.value for e in at.error)


def test_rotation_download():
    at = _app(show_map=True)
    at.number_input(key="planner_k_mobile").set_value(1)
    at.number_input(key="planner_days").set_value(7)
    at.button(key="planner_rotation").click().run()
    assert not at.exception
    assert _metric(at, "Worst-case expected interception") == "40.0%"
    rot = at.session_state["planner_rot"]
    assert len(rot.schedule) == 7 and (rot.schedule["site_id"] == "e1-2-0").all()
    assert isinstance(rot.probabilities, pd.DataFrame)


def test_page_refuses_a_commander_and_a_donor():
    for role in ("commander", "donor"):
        at = AppTest.from_file(PAGE, default_timeout=120)
        signed_in_as(at, role)
        at.session_state["planner_show_map"] = False
        at.run()
        assert not at.exception
        assert any(f"not available to the {role} role" in e.value for e in at.error), role
        assert not at.title  # nothing of the page renders


def test_informed_share_chart_names_the_crossing_and_escapes_plan_names():
    from models import placement as P
    from test_placement_fixtures import flows_for

    G = detour_graph()
    d = demand_frame([("src-A", "dst-X", "land", 1000.0, "smuggling")])
    attack = "<img src=x onerror=alert(1)>"
    records = {}
    for name, pl in ((attack, P.plan(flows_for(G, d), 1)), ("robust", P.plan_robust(G, d, 1))):
        records[name] = {"plan": pl, "best_response": P.evaluate(pl, G, d, model="best_response")}
    at = AppTest.from_file(PAGE, default_timeout=600)
    signed_in_as(at, "planner")
    at.session_state["planner_show_map"] = False
    at.session_state["planner_network"], at.session_state["planner_demand"] = G, d
    at.session_state["planner_plans"] = records
    at.run()
    assert not at.exception
    assert any("share of smugglers who know the plan" in h.value for h in at.subheader)
    # static (0.6 today, 0 once everyone knows) against robust (0.4 either way): they cross at 1/3
    text = " ".join(m.value for m in at.markdown)
    assert "**33%**" in text and "robust overtakes" in text
    assert "<img" not in text and "&lt;img" in text
