"""Coverage page through streamlit's AppTest on the hand-built detour network (planner and donor roles)."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geodata.schema import RECORD_LEVEL_FIELDS
from coverage_fixtures import demand_frame, detour_graph

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "coverage.py")


def _app(role):
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.session_state["app_network"] = detour_graph()
    at.session_state["app_demand"] = demand_frame([("src-A", "dst-X", "land", 1000.0, "smuggling"),
                                                   ("src-A", "dst-X", "land", 3.0, "trafficking")])
    if role is not None:
        at.session_state["role"] = role
    at = at.run()
    assert not at.exception
    return at


def _metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def _analyse(at, k=1):
    at.number_input(key="coverage_k").set_value(k)
    at.checkbox(key="coverage_adaptive").uncheck()
    at.button(key="coverage_run").click().run()
    assert not at.exception
    return at


def test_planner_sees_what_the_library_computes():
    at = _analyse(_app("planner"))
    from routes.flows import assign
    from models import coverage as C, placement as P
    G, demand = at.session_state["app_network"], at.session_state["app_demand"]
    flows = assign(G, demand)
    rep = C.gaps(P.plan(flows, 1), flows, adaptive=False)
    assert _metric(at, "Share intercepted") == f"{rep.share:.1%}"
    assert _metric(at, "Migrants a year (model)") == f"{rep.total_volume:,.0f}"
    # planner tables keep the per-case-type rows of the 3 trafficked persons
    frames = [t.value for t in at.dataframe]
    assert any("case_type" in f.columns and (f["case_type"] == "trafficking").any() for f in frames)


def test_donor_view_is_aggregates_only():
    at = _analyse(_app("donor"))
    assert not [r for r in at.radio if r.key == "coverage_audience"]    # donors cannot pick the planner report
    for frame in (t.value for t in at.dataframe):
        assert not {"nodes", "edges", "origin", "destination", "row"} & set(frame.columns)
        assert not [c for c in frame.columns if c in RECORD_LEVEL_FIELDS]
        for col in ("flow", "intercepted", "uncovered", "met"):
            if col in frame.columns:
                vals = frame[col].astype(str).str.replace(",", "")
                nums = vals[vals != "suppressed"].astype(float)
                assert ((nums == 0) | (nums >= 5)).all(), (col, list(nums))
        if "case_type" in frame.columns:
            assert "trafficking" not in set(frame["case_type"])   # 3 persons: pooled away
    at.button(key="coverage_prepare").click().run()
    assert not at.exception
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Report (HTML)", "Report (PDF)", "Tables (CSV + GeoJSON, zip)"]


def test_unknown_role_gets_the_donor_view():
    at = _analyse(_app(None))
    assert any("Donor view" in c.value for c in at.caption)
    assert not [r for r in at.radio if r.key == "coverage_audience"]


def test_before_analysis_the_page_explains_what_to_do():
    at = _app("planner")
    assert any("Analyse coverage" in i.value for i in at.info)


def test_donor_sees_recorded_intercepts_only_as_aggregates():
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import Point

    at = _analyse(_app("donor"))
    at.session_state["coverage_records"] = gpd.GeoDataFrame(
        {"id": ["SECRET-1", "SECRET-2", "SECRET-3"], "persons": [4, 3, 2], "case_type": "smuggling", "mode": "land",
         "date": pd.to_datetime(["2024-03-01", "2024-03-09", "2024-04-02"]), "notes": "name of informant",
         "place_name": "safe house", "nationality": "x", "synthetic": True},
        geometry=[Point(66.9, 30.0), Point(66.95, 30.0), Point(66.9, 30.25)], crs="EPSG:4326")
    at.run()
    assert not at.exception
    assert any("synthetic" in w.value for w in at.warning)
    assert any("100% of the persons counted here come from simulated" in w.value for w in at.warning)
    assert any("100% of the persons-per-year figures come from the route model" in i.value for i in at.info)
    text = " ".join(t.value.to_csv() for t in at.dataframe)
    assert "SECRET" not in text and "informant" not in text and "safe house" not in text
    months = next(t.value for t in at.dataframe if "month" in t.value.columns)
    # 3 records in all: fewer than 5 records, so even their pooled total is not shown (issue 12)
    assert months["persons"].tolist() == ["suppressed"] and months["month"].tolist() == ["other (suppressed)"]


def test_marginal_curve_on_top_of_the_plan():
    at = _analyse(_app("planner"))
    at.number_input(key="coverage_kmax").set_value(1)
    at.button(key="coverage_curve").click().run()
    assert not at.exception
    curve = at.session_state["coverage_marginal"]
    plan_sites = list(at.session_state["coverage_report"].checkpoints["site_id"])
    assert list(curve["k"]) == [0, 1]
    assert all(s not in plan_sites for s in curve.loc[1, "sites"])        # new sites only
    assert curve.loc[0, "share"] == pytest.approx(at.session_state["coverage_report"].share)
