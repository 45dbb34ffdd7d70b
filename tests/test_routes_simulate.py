"""routes.simulate.intercepts: schema, determinism, planted hotspots and checkpoint volumes."""
import networkx as nx
import numpy as np
import pandas as pd
import pytest

from geodata.crs import geodesic_m
from geodata.schema import CASE_TYPES, INTERCEPT_COLUMNS, MODES, empty_intercepts
from routes import flows, simulate


def corridor_graph():
    """Quetta - Dalbandin - Taftan (fast) and Quetta - Turbat - Mand (slow), in Pakistan."""
    G = nx.MultiDiGraph(crs="EPSG:4326")
    places = {1: ("Quetta", 66.97, 30.18), 2: ("Dalbandin", 64.40, 28.89), 3: ("Taftan", 61.60, 28.97),
              4: ("Turbat", 63.05, 26.00), 5: ("Mand", 61.97, 26.10)}
    for n, (name, x, y) in places.items():
        G.add_node(n, x=x, y=y, name=name, kind="town", country="PK")

    def link(u, v, hours, mode="road"):
        for a, b in ((u, v), (v, u)):
            G.add_edge(a, b, length=hours * 60_000, travel_time=hours * 3600, mode=mode, cost_pkr=0.0)

    link(1, 2, 5)
    link(2, 3, 5)
    link(1, 4, 9)
    link(4, 5, 3)
    link(5, 3, 4, mode="track")
    return G


def assigned(scale=1.0):
    demand = pd.DataFrame({"origin": [1, 1], "destination": [3, 3],
                           "migrants_per_year": [24_000.0 * scale, 6_000.0 * scale],
                           "mode_preference": "land", "case_type": ["smuggling", "trafficking"]})
    return flows.assign(corridor_graph(), demand, {2: 0.3})


def test_records_follow_the_intercept_schema():
    sim = simulate.intercepts(assigned(), n_months=6, seed=1)
    rec = sim.records
    assert list(rec.columns) == list(INTERCEPT_COLUMNS)
    assert dict(rec.dtypes) == dict(empty_intercepts().dtypes)
    assert rec.crs.to_epsg() == 4326
    assert rec["synthetic"].all()
    assert set(rec["case_type"]) <= set(CASE_TYPES) and set(rec["mode"]) <= set(MODES)
    assert (rec["persons"] >= 1).all()
    assert rec["id"].is_unique
    assert rec["date"].min() >= pd.Timestamp("2024-01-01") and rec["date"].max() < pd.Timestamp("2024-07-01")
    assert {"smuggling", "trafficking"} <= set(rec["case_type"])


def test_same_seed_same_records_other_seed_different():
    f = assigned()
    a = simulate.intercepts(f, n_months=4, seed=7)
    b = simulate.intercepts(f, n_months=4, seed=7)
    c = simulate.intercepts(f, n_months=4, seed=8)
    pd.testing.assert_frame_equal(a.records, b.records)
    pd.testing.assert_frame_equal(a.hotspots, b.hotspots)
    assert not a.records["geometry"].equals(c.records["geometry"])


def test_checkpoint_intercepts_match_the_assigned_interception():
    f = assigned(scale=10.0)  # about 13,000 caught: Poisson noise about 2.5%
    sim = simulate.intercepts(f, n_months=12, seed=2, n_hotspots=0, patrol_catch_per_1000km=0.0,
                              growth_per_year=0.0, noise_m=0.0)
    caught = sim.records["persons"].sum()
    assert f.intercepted_volume > 10_000
    assert caught == pytest.approx(f.intercepted_volume, rel=0.1)
    # without noise every checkpoint record sits on Dalbandin
    assert np.allclose(sim.records.geometry.x, 64.40) and np.allclose(sim.records.geometry.y, 28.89)
    assert set(sim.records["agency"]) == {"FC"}


def test_checkpoints_argument_reassigns_flows():
    f = flows.assign(corridor_graph(), pd.DataFrame({"origin": [1], "destination": [3],
                                                     "migrants_per_year": [12_000.0]}))
    sim = simulate.intercepts(f, {4: 0.5}, n_months=12, seed=0, n_hotspots=0, patrol_catch_per_1000km=0.0,
                              noise_m=0.0)
    assert len(sim.records) > 0
    assert np.allclose(sim.records.geometry.x, 63.05)  # Turbat


def test_planted_hotspots_are_where_and_when_they_say():
    sim = simulate.intercepts(assigned(), n_months=24, seed=4, n_hotspots=4, noise_m=500.0)
    hs = sim.hotspots
    assert list(hs["trend"]) == list(simulate.TRENDS)
    assert list(hs.columns[:6]) == ["hotspot_id", "radius_m", "start", "end", "trend", "persons"]
    rec = sim.records
    for h in hs.itertuples():
        mine = rec[rec["notes"].str.contains(f"hotspot {h.hotspot_id} ")]
        assert len(mine) > 10
        d = geodesic_m(mine.geometry.x.to_numpy(), mine.geometry.y.to_numpy(),
                       np.full(len(mine), h.geometry.x), np.full(len(mine), h.geometry.y))
        assert np.quantile(d, 0.95) < h.radius_m + 2_000
        assert mine["date"].min() >= h.start and mine["date"].max() <= h.end + pd.Timedelta(days=1)
        first, second = (mine["date"] < pd.Timestamp("2025-01-01")), (mine["date"] >= pd.Timestamp("2025-01-01"))
        n1, n2 = mine.loc[first, "persons"].sum(), mine.loc[second, "persons"].sum()
        if h.trend == "growing":
            assert n2 > 1.5 * n1
        if h.trend == "fading":
            assert n1 > 1.5 * n2
        if h.trend == "emerging":
            assert n1 == 0 and n2 > 0
    # hotspot centres are separated from each other
    xy = hs.geometry
    for i in range(len(hs)):
        for j in range(i + 1, len(hs)):
            assert geodesic_m(xy.iloc[i].x, xy.iloc[i].y, xy.iloc[j].x, xy.iloc[j].y) > 2 * hs["radius_m"].max()


def test_patrols_only_inside_pakistan():
    G = corridor_graph()
    G.nodes[3]["country"] = "IR"
    demand = pd.DataFrame({"origin": [1], "destination": [3], "migrants_per_year": [50_000.0]})
    f = flows.assign(G, demand)
    sim = simulate.intercepts(f, n_months=6, seed=0, n_hotspots=0, noise_m=0.0, patrol_catch_per_1000km=0.2)
    assert len(sim.records) > 0
    assert (sim.records["notes"] == "simulated: patrol").all()
    # the links ending in Taftan (tagged IR here) get no patrol records: nothing west of Dalbandin/Mand
    assert sim.records.geometry.x.min() >= 61.97 - 1e-9


@pytest.mark.parametrize("kwargs, message", [({"n_months": 0}, "n_months"), ({"report_share": 0}, "report_share"),
                                             ({"n_hotspots": -1}, "n_hotspots")])
def test_bad_arguments_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        simulate.intercepts(assigned(), **kwargs)
