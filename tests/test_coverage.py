"""models.coverage.gaps: hand-computed figures, volume conservation, re-routing, bad input."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString

from coverage_fixtures import TEST_BORDER, checkpoint_at_crossing, hand_flows
from geodata.crs import METRIC_CRS, geodesic_length_m
from models import coverage as C
from models import placement as P
from coverage_fixtures import demand_frame, detour_graph
from test_placement_fixtures import random_instance


def _row(frame, col, val):
    hit = frame[frame[col] == val]
    assert len(hit) == 1, f"{col}={val!r}: {len(hit)} rows"
    return hit.iloc[0]


def _conserved(rep):
    for name, frame in rep.tables().items():
        if len(frame):
            np.testing.assert_allclose(frame["intercepted"] + frame["uncovered"], frame["flow"], atol=1e-6,
                                       err_msg=name)
            assert (frame["intercepted"] <= frame["flow"] + 1e-9).all(), name
            assert (frame["uncovered"] >= -1e-9).all(), name


def test_hand_built_segments_corridors_crossings():
    rep = C.gaps(checkpoint_at_crossing(0.6), hand_flows(), adaptive=False, borders=TEST_BORDER)
    seg = rep.segments
    assert list(seg["segment_id"]) == ["b1:000", "b1:001", "b1:002"]
    assert seg["length_km"].iloc[:2].tolist() == pytest.approx([25.0, 25.0])
    s0, s1, s2 = (seg.iloc[i] for i in range(3))
    # main road: 700 cross segment 0, 60% of them are stopped at crossing 3
    assert (s0["flow"], s0["intercepted"], s0["uncovered"]) == pytest.approx((700.0, 420.0, 280.0))
    assert s0["share_intercepted"] == pytest.approx(0.6)
    assert (s1["flow"], s1["intercepted"], s1["uncovered"]) == pytest.approx((300.0, 0.0, 300.0))
    assert s2["flow"] == 0.0 and np.isnan(s2["share_intercepted"])
    # default gap thresholds: >= 1% of 1000 migrants and < 50% intercepted
    assert seg["gap"].tolist() == [False, True, False]
    # distance from segment 1 (lat 30.125-30.35 at lon 66.9) to the checkpoint at (67.0, 30.0)
    expected = LineString([(66.9, 30.125), (66.9, 30.35)])
    import geopandas as gpd
    d = gpd.GeoSeries([expected], crs="EPSG:4326").to_crs(METRIC_CRS).distance(
        gpd.GeoSeries.from_xy([67.0], [30.0], crs="EPSG:4326").to_crs(METRIC_CRS).iloc[0]).iloc[0]
    assert s1["distance_to_checkpoint_m"] == pytest.approx(d, rel=0.01)
    assert "17 km" in s1["why"]
    # corridors: the shared approach road carries everyone
    cor = rep.corridors
    r12 = _row(cor, "corridor", "road 1-2")
    assert (r12["flow"], r12["intercepted"], r12["uncovered"]) == pytest.approx((1000.0, 420.0, 580.0))
    assert _row(cor, "corridor", "road 5-6")["flow"] == pytest.approx(300.0)
    assert _row(cor, "corridor", "road 2-3")["intercepted"] == pytest.approx(420.0)
    # crossings: node 3 carries the main road, node 6 the detour
    cr = rep.crossings.set_index("id")
    assert cr.loc["3", ["flow", "intercepted"]].tolist() == pytest.approx([700.0, 420.0])
    assert cr.loc["6", ["flow", "intercepted", "uncovered"]].tolist() == pytest.approx([300.0, 0.0, 300.0])
    # district: 70% of emigrants' routes meet the checkpoint
    dist = _row(rep.districts, "district_id", "src-A")
    assert dist["share_met"] == pytest.approx(0.7) and dist["intercepted"] == pytest.approx(420.0)
    # by case type and mode: 600*0.6 and 100*0.6
    by = rep.by_case_mode.set_index("case_type")
    assert by.loc["smuggling", "intercepted"] == pytest.approx(360.0)
    assert by.loc["trafficking", ["flow", "intercepted"]].tolist() == pytest.approx([100.0, 60.0])
    split = rep.splits["segments"]
    s0_split = split[split["segment_id"] == "b1:000"].set_index("case_type")
    assert s0_split.loc["trafficking", "intercepted"] == pytest.approx(60.0)
    assert rep.share == pytest.approx(0.42)
    _conserved(rep)


def test_biggest_gaps_ranked_by_uncovered_flow():
    rep = C.gaps(checkpoint_at_crossing(0.6), hand_flows(), adaptive=False, borders=TEST_BORDER)
    top = rep.biggest_gaps(5)
    assert top["uncovered"].is_monotonic_decreasing
    assert top.iloc[0]["where"] == "road 1-2 (road)" and top.iloc[0]["uncovered"] == pytest.approx(580.0)
    assert "Testland border, km 25-50" in set(top["where"])


def test_no_checkpoints_everything_uncovered():
    rep = C.gaps(None, hand_flows(), adaptive=False, borders=TEST_BORDER)
    assert rep.intercepted_volume == 0.0 and rep.total_volume == pytest.approx(1000.0)
    assert rep.segments["gap"].tolist() == [True, True, False]
    assert all(w.startswith("no checkpoint in the plan") for w in rep.segments.loc[rep.segments["gap"], "why"])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_volume_conserved_everywhere_random_grid(seed):
    G, demand, flows, sites = random_instance(seed, n_sites=8, n_od=10)
    pl = P.plan(flows, 3, candidates=sites)
    border = TEST_BORDER.copy()
    border.geometry = [LineString([(66.3, 28.8), (66.3, 29.9)])]   # cuts the grid's first column of links
    rep = C.gaps(pl, flows, adaptive=False, borders=border)
    _conserved(rep)
    total = float(flows.paths["volume"].sum())
    assert rep.districts["flow"].sum() == pytest.approx(total)
    assert rep.by_case_mode["flow"].sum() == pytest.approx(total)
    assert rep.by_case_mode["intercepted"].sum() == pytest.approx(pl.volume)
    assert rep.share == pytest.approx(pl.share)
    for name in ("segments", "corridors", "crossings", "districts"):
        split, frame = rep.splits[name], rep.tables()[name]
        key = {"segments": "segment_id", "corridors": "corridor", "crossings": "id", "districts": "district_id"}[name]
        sums = split.groupby(key)[["flow", "intercepted", "uncovered"]].sum()
        main = frame.set_index(key)
        for col in ("flow", "intercepted", "uncovered"):
            np.testing.assert_allclose(sums[col], main.loc[sums.index, col], atol=1e-6)
    # a segment's flow is what the paths crossing it carry: check one against the geometry directly
    seg = rep.segments[rep.segments["flow"] > 0]
    assert len(seg)


def test_adaptive_matches_placement_evaluate_and_keeps_static_flow():
    from routes.flows import assign

    G = detour_graph()
    demand = demand_frame([("src-A", "dst-X", "land", 1000.0, "smuggling")])
    flows = assign(G, demand)
    sites = checkpoint_at_crossing(0.9)
    static = C.gaps(sites, flows, adaptive=False, borders=TEST_BORDER)
    moved = C.gaps(sites, flows, adaptive=True, borders=TEST_BORDER)
    ev = P.evaluate(sites, G, demand, model="logit", informed=None)  # the scenario share gaps uses
    assert moved.share == pytest.approx(ev.share_after, rel=1e-9)
    assert static.share == pytest.approx(ev.share_before, rel=1e-9)
    # the checkpoint pushes traffic onto the detour (segment 1): more flow there than before
    s1 = moved.segments.set_index("segment_id").loc["b1:001"]
    assert s1["flow_static"] == pytest.approx(static.segments.set_index("segment_id").loc["b1:001", "flow"])
    assert s1["flow"] > s1["flow_static"]
    _conserved(moved)


def test_best_response_rerouting_moves_everyone_to_the_detour():
    G = detour_graph()
    demand = demand_frame([("src-A", "dst-X", "land", 1000.0, "smuggling")])
    from models.placement._robust import own_flows
    flows = own_flows(G, demand)
    rep = C.gaps(checkpoint_at_crossing(0.6), flows, adaptive=True, rerouting="best_response", borders=TEST_BORDER)
    seg = rep.segments.set_index("segment_id")
    assert seg.loc["b1:000", "flow"] == 0.0 and seg.loc["b1:001", "flow"] == pytest.approx(1000.0)
    assert seg.loc["b1:000", "flow_static"] == pytest.approx(1000.0)
    assert rep.share == 0.0
    assert "smugglers moved here" in seg.loc["b1:001", "why"]


def test_border_segments_of_the_shipped_borders():
    segs = C.border_segments()
    import geodata

    borders = geodata.layer("borders")
    assert (segs["length_km"] <= 25.0 + 1e-6).all()
    for bid, group in segs.groupby("border_id"):
        metric_len = borders[borders["id"] == bid].to_crs(METRIC_CRS).length.iloc[0] / 1000.0
        assert group["length_km"].sum() == pytest.approx(metric_len, rel=1e-6)
        geo_len = geodesic_length_m(borders[borders["id"] == bid].geometry.iloc[0]) / 1000.0
        assert group["length_km"].sum() == pytest.approx(geo_len, rel=0.02)   # UTM 42N scale error
    irn = segs[segs["border_id"] == "border-irn-international"]
    for _, group in segs.groupby("border_id"):   # one short segment at the end of each border only
        assert len(group) == int(np.ceil(group["length_km"].sum() / 25.0 - 1e-9))
    assert (~irn.geometry.is_empty).all()
    ten = C.border_segments(length_km=10)
    assert len(ten) > 2 * len(segs) - 10


@pytest.mark.parametrize("kwargs, message", [
    ({"gap_max_share": 1.5}, "gap_max_share"),
    ({"segment_km": 0}, "length_km must be > 0"),
    ({"rerouting": "teleport", "adaptive": True}, "rerouting must be"),
])
def test_bad_parameters_rejected(kwargs, message):
    kwargs.setdefault("adaptive", False)
    with pytest.raises(ValueError, match=message):
        C.gaps(checkpoint_at_crossing(), hand_flows(), borders=TEST_BORDER, **kwargs)


def test_bad_inputs_rejected():
    with pytest.raises(TypeError, match="flows: expected a routes.flows.FlowResult"):
        C.gaps(None, pd.DataFrame())
    with pytest.raises(TypeError, match="plan: expected"):
        C.gaps("c3", hand_flows(), adaptive=False, borders=TEST_BORDER)
    bad = checkpoint_at_crossing()
    bad["detection"] = 2.0
    with pytest.raises(ValueError, match="detection"):
        C.gaps(bad, hand_flows(), adaptive=False, borders=TEST_BORDER)
    empty = hand_flows()
    empty.paths["volume"] = 0.0
    with pytest.raises(ValueError, match="no path carries any volume"):
        C.gaps(None, empty, adaptive=False, borders=TEST_BORDER)


def test_within_a_commanders_area():
    from shapely.geometry import box

    flows = hand_flows()
    rep = C.gaps(checkpoint_at_crossing(0.6), flows, adaptive=False, borders=TEST_BORDER)
    # a box around the detour only (lat 30.15-30.4, lon 66.7-67.3): segments 1-2, the detour roads, crossing 6
    area = box(66.7, 30.15, 67.3, 30.4)
    mine = rep.within(area, graph=flows.graph)
    assert list(mine.segments["segment_id"]) == ["b1:001", "b1:002"]   # km 25-55 lie in the box
    assert set(mine.corridors["corridor"]) == {"road 2-5", "road 5-6", "road 4-6"}
    assert list(mine.crossings["id"]) == ["6"] and mine.checkpoints.empty
    # routes through the area: the 300 on the detour, none intercepted
    assert mine.total_volume == pytest.approx(300.0) and mine.intercepted_volume == 0.0
    assert mine.by_case_mode["flow"].sum() == pytest.approx(300.0)
    assert set(mine.splits["segments"]["segment_id"]) == {"b1:001"}
    _conserved(mine)
    with pytest.raises(ValueError, match="area: expected a non-empty lon/lat polygon"):
        rep.within(None)


def test_robust_plan_share_is_what_gaps_reports_after_best_response():
    from routes.flows import assign

    G = detour_graph()
    demand = demand_frame([("src-A", "dst-X", "land", 1000.0, "smuggling")])
    robust = P.plan_robust(G, demand, 1)
    rep = C.gaps(robust, assign(G, demand), adaptive=True, rerouting="best_response", borders=TEST_BORDER)
    assert robust.site_ids == ["e1-2-0"]                     # the shared road: nothing avoids it
    assert rep.share == pytest.approx(robust.share) == pytest.approx(0.4)
    assert _row(rep.corridors, "corridor", "road 1-2")["intercepted"] == pytest.approx(400.0)
