"""Marginal-value curve and holding centres (p-median): against models.placement and brute force."""
from __future__ import annotations


import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from models import coverage as C
from models import placement as P
from models.coverage._holding import brute_force_p_median, distance_matrix, solve_p_median
from models.placement._robust import own_flows
from coverage_fixtures import demand_frame, detour_graph
from test_placement_fixtures import grid_graph, random_instance


@pytest.mark.parametrize("seed", [0, 3])
def test_marginal_curve_equals_plan_and_grows(seed):
    G, demand, flows, sites = random_instance(seed, n_sites=8, n_od=10)
    curve = C.marginal_value(G, demand, k_max=4, candidates=sites, flows=flows)
    assert list(curve["k"]) == [0, 1, 2, 3, 4]
    assert curve["share"].iloc[0] == 0.0
    for _, row in curve.iterrows():
        pl = P.plan(flows, int(row["k"]), candidates=sites)
        assert row["share"] == pytest.approx(pl.share, abs=1e-9)
        assert len(row["sites"]) == row["k"]
        assert len(row["sites_after"]) == row["k"]
    assert (np.diff(curve["share"]) >= -1e-9).all()
    assert (np.diff(curve["share_after"]) >= -1e-9).all()
    # the robust plan after re-routing never beats the static optimum on fixed routes
    assert (curve["share_after"] <= curve["share"] + 1e-6).all()
    np.testing.assert_allclose(curve["gain"].sum(), curve["share"].iloc[-1])


def test_marginal_with_existing_sites_starts_from_them():
    G, demand, flows, sites = random_instance(1, n_sites=8, n_od=10)
    first = sites["site_id"].iloc[0]
    curve = C.marginal_value(G, demand, existing=[first], k_max=2, candidates=sites, flows=flows, robust=False)
    base = P.plan(flows, 0, candidates=sites, existing=[first])
    assert curve["share"].iloc[0] == pytest.approx(base.share)
    assert all(first not in s for s in curve["sites"])
    assert "share_after" not in curve.columns


def test_marginal_detour_network_known_values():
    # one OD, 1000 migrants: a site on the shared road S-J (p = 0.4) catches 40% however they route
    G = detour_graph()
    demand = demand_frame([("src-A", "dst-X", "land", 1000.0, "smuggling")])
    flows = own_flows(G, demand)
    curve = C.marginal_value(G, demand, k_max=1, flows=flows)
    assert curve.loc[1, "share"] == pytest.approx(0.6)      # crossing on the cheapest route, p = 0.6
    assert curve.loc[1, "share_after"] == pytest.approx(0.4)  # smugglers avoid it: the shared road is best


def test_marginal_bad_k():
    G, demand, flows, sites = random_instance(0, n_sites=6, n_od=5)
    with pytest.raises(ValueError, match="k_max must be a non-negative whole number"):
        C.marginal_value(G, demand, k_max=-1, candidates=sites, flows=flows)


# ----------------------------------------------------------------------------- holding centres
def _points(G, nodes, prefix):
    return gpd.GeoDataFrame({f"{prefix}_id": [f"{prefix}{n}" for n in nodes], "node": nodes,
                             "name": [f"{prefix} {n}" for n in nodes]},
                            geometry=[Point(G.nodes[n]["x"], G.nodes[n]["y"]) for n in nodes], crs="EPSG:4326")


@pytest.mark.parametrize("seed", range(6))
def test_p_median_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    G = grid_graph(5, seed)
    nodes = list(G.nodes)
    arr_nodes = [int(n) for n in rng.choice(nodes, 7, replace=False)]
    cand_nodes = [int(n) for n in rng.choice(nodes, 8, replace=False)]
    arrivals = _points(G, arr_nodes, "arrival")
    arrivals["persons"] = rng.integers(1, 500, len(arrivals)).astype(float)
    k = int(rng.integers(1, 4))
    plan = C.holding_centres(arrivals, k, candidates=_points(G, cand_nodes, "candidate"), network=G)
    dist = distance_matrix(G, arr_nodes, cand_nodes)
    combo, best = brute_force_p_median(arrivals["persons"].to_numpy(), dist, k)
    assert plan.objective == pytest.approx(best, rel=1e-9)
    assert len(plan.centres) == k
    # every arrival goes to its nearest open centre
    open_nodes = list(plan.centres["node"])
    for _, r in plan.assignment.iterrows():
        here = distance_matrix(G, [r["node"]], open_nodes)[0]
        assert r["distance_m"] == pytest.approx(here.min())
    assert plan.centres["persons"].sum() == pytest.approx(arrivals["persons"].sum())


def test_p_median_hand_example():
    # a line of towns 0 - 1 - 2 - 3 (equal spacing d): 100 persons at 0, 100 at 3, 1 at 1
    w = np.array([100.0, 100.0, 1.0])
    d = np.array([[0, 1, 2, 3], [3, 2, 1, 0], [1, 0, 1, 2]], dtype=float)
    chosen, obj, status = solve_p_median(w, d * 1000, 1)
    assert obj == pytest.approx(300_000) and list(chosen) == [1]   # 100*1 + 100*2 + 1*0
    assert status == "Optimal"
    chosen, obj, _ = solve_p_median(w, d * 1000, 2)
    assert sorted(chosen) == [0, 3] and obj == pytest.approx(1000.0)


def test_p_median_snaps_points_to_the_network():
    G = grid_graph(3, 0)
    arrivals = pd.DataFrame({"name": ["a", "b"], "persons": [10.0, 20.0],
                             "lon": [G.nodes[0]["x"] + 0.01, G.nodes[8]["x"]], "lat": [G.nodes[0]["y"], G.nodes[8]["y"]]})
    plan = C.holding_centres(arrivals, 2, candidates=_points(G, [0, 4, 8], "c"), network=G)
    assert sorted(plan.centres["node"]) == [0, 8] and plan.objective == pytest.approx(0.0)


def test_holding_bad_inputs():
    G = grid_graph(3, 0)
    cands = _points(G, [0, 4], "c")
    arrivals = _points(G, [1, 2], "a")
    with pytest.raises(ValueError, match="missing column 'persons'"):
        C.holding_centres(arrivals, 1, candidates=cands, network=G)
    arrivals["persons"] = [5.0, -1.0]
    with pytest.raises(ValueError, match="arrivals row 1: persons must be a number >= 0"):
        C.holding_centres(arrivals, 1, candidates=cands, network=G)
    arrivals["persons"] = [5.0, 1.0]
    with pytest.raises(ValueError, match="k must be a whole number from 1 to the 2 candidates"):
        C.holding_centres(arrivals, 3, candidates=cands, network=G)
    arrivals["node"] = [1, 999]
    with pytest.raises(ValueError, match="node 999 is not in the network"):
        C.holding_centres(arrivals, 1, candidates=cands, network=G)


def test_default_arrivals_are_the_named_places():
    arr = C.default_arrivals()
    assert set(arr["arrival_id"]) == {"seaport-karachi", "hub-quetta", "airport-isb", "crossing-taftan"}
    assert (arr["persons"] > 0).all() and arr["source"].str.contains("unodc-2011 §8.1|§3.2").all()


def test_marginal_keeps_growing_when_the_robust_solver_stops_short(monkeypatch):
    """If plan_robust returns a worse k+1 plan (its stopping tolerance), the previous sites plus the
    best extra one are used: a best-responding smuggler can only lose from an extra checkpoint."""
    G, demand, flows, sites = random_instance(2, n_sites=8, n_od=10)
    real = P.plan_robust

    def stops_short(network, demand, k, **kw):
        if k == 2:   # pretend the solver stopped on the two weakest sites
            weakest = list(sites.sort_values("detection")["site_id"].iloc[:2])
            return real(network, demand, 2, **{**kw, "required": weakest})
        return real(network, demand, k, **kw)

    monkeypatch.setattr(P, "plan_robust", stops_short)
    curve = C.marginal_value(G, demand, k_max=2, candidates=sites, flows=flows)
    assert (np.diff(curve["share_after"]) >= -1e-12).all()
    weakest = set(sites.sort_values("detection")["site_id"].iloc[:2])
    assert set(curve.loc[2, "sites_after"]) != weakest            # the weak plan (5.5% < 18.4% at k=1) was replaced
    assert set(curve.loc[1, "sites_after"]) < set(curve.loc[2, "sites_after"])   # by k = 1's sites plus one
    # whatever was kept at k = 2 is worth what the curve says
    chosen = sites[sites["site_id"].isin(curve.loc[2, "sites_after"])]
    assert P.evaluate(chosen, G, demand, model="best_response").share_after == pytest.approx(curve.loc[2, "share_after"])
