"""Static placement: candidates, MILP vs brute force, spopt equivalence, errors, capacity, compare."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pulp
import pytest
import scipy.sparse as sp

from models import placement as P
from models.placement._sites import incidence, validate_sites
from models.placement import _milp as milp
from test_placement_fixtures import (brute_force, chain_graph, demand_frame, detour_graph, flows_for,
                                     random_instance)

DEMAND_ONE = [("src-A", "dst-X", "land", 1000.0, "smuggling")]


def test_candidates_one_per_segment_plus_crossings():
    G = detour_graph()
    c = P.candidates(G)
    # crossings 3 and 6; road segments 1-2, 2-3, 3-4, 6-4 and the chain 2-5-6 (through plain junction 5) once
    assert sorted(c.loc[c["site_type"] == "crossing", "node"]) == [3, 6]
    segs = {frozenset(e[:2]) for e in c["edge"] if e is not None}
    assert len(segs) == 5
    assert {frozenset((1, 2)), frozenset((2, 3)), frozenset((3, 4)), frozenset((6, 4))} <= segs
    assert sum(1 for s in segs if s & {5}) == 1  # 2-5 or 5-6, not both
    assert c.crs.to_string() == "EPSG:4326"
    assert set(c["detection"]) == {P.DEFAULT_DETECTION["crossing"], P.DEFAULT_DETECTION["road"]}
    assert {"site_id", "site_type", "detection", "capacity", "geometry", "node", "edge"} <= set(c.columns)
    assert c["site_id"].is_unique


def test_candidates_detection_override_and_bad_value():
    G = detour_graph()
    c = P.candidates(G, detection={"road": 0.9})
    assert (c.loc[c["site_type"] == "road", "detection"] == 0.9).all()
    with pytest.raises(ValueError, match=r"detection\['road'\].*\[0, 1\]"):
        P.candidates(G, detection={"road": 1.5})


def test_add_site_snaps_to_nearest_link():
    G = detour_graph()
    c = P.candidates(G)
    c2 = P.add_site(c, G, 66.75, 30.01, name="Levies post")
    new = c2.iloc[-1]
    assert frozenset(new["edge"][:2]) == frozenset((1, 2))
    assert new["source"] == "user" and len(c2) == len(c) + 1
    with pytest.raises(ValueError, match="already exists"):
        P.add_site(c2, G, 66.75, 30.01, site_id=new["site_id"])


def test_hand_checked_single_route():
    G = chain_graph()
    flows = flows_for(G, demand_frame(DEMAND_ONE))
    pl = P.plan(flows, 2, greedy_shortcut=False)
    # best two of: crossing 0.6 and three road segments 0.4: 1 - 0.4 * 0.6 = 0.76
    assert pl.share == pytest.approx(0.76)
    assert pl.volume == pytest.approx(760.0)
    assert "n3" in pl.site_ids and pl.status == "optimal" and pl.gap <= 1e-4
    assert pl.sites["catch"].sum() == pytest.approx(760.0)
    assert pl.paths["p_intercept"].iloc[0] == pytest.approx(0.76)


@pytest.mark.parametrize("seed", range(6))
def test_milp_equals_brute_force(seed):
    G, demand, flows, sites = random_instance(seed, n_sites=10 + seed % 3)
    for k in (1, 2, 3, 4):
        pl = P.plan(flows, k, candidates=sites, greedy_shortcut=False)
        best, _ = brute_force(flows, sites, k)
        assert pl.status == "optimal" and pl.gap <= 1e-4
        assert P.plan(flows, k, candidates=sites).volume == pytest.approx(best, rel=1e-7)
        assert pl.volume == pytest.approx(best, rel=1e-7), (seed, k)
        assert len(pl.sites) == k
        assert pl.greedy_volume <= pl.volume + 1e-6


def test_brute_force_with_existing_required_forbidden():
    G, demand, flows, sites = random_instance(11, n_sites=12)
    ids = list(sites["site_id"])
    free_plan = P.plan(flows, 3, candidates=sites)
    forbid = free_plan.site_ids[:1]
    req = [s for s in ids if s not in free_plan.site_ids][:1]
    exist = [s for s in ids if s not in free_plan.site_ids and s not in req][:2]
    pl = P.plan(flows, 3, candidates=sites, existing=exist, required=req, forbidden=forbid, greedy_shortcut=False)
    best, best_set = brute_force(flows, sites, 3, existing=exist, required=req, forbidden=forbid)
    assert pl.volume == pytest.approx(best, rel=1e-7)
    assert set(req) <= set(pl.site_ids) and set(exist) <= set(pl.site_ids)
    assert not set(forbid) & set(pl.site_ids)
    assert len(pl.sites) == 3 + len(exist)
    assert pl.sites.set_index("site_id").loc[exist, "existing"].all()


def test_binary_coverage_matches_brute_force_and_uses_mclp_form():
    G, demand, flows, sites = random_instance(5, n_sites=12, binary=True)
    pl = P.plan(flows, 3, candidates=sites, greedy_shortcut=False)
    assert pl.stats["formulation"] == "coverage"
    assert pl.volume == pytest.approx(brute_force(flows, sites, 3)[0], rel=1e-9)


@pytest.mark.parametrize("seed", [2, 7])
def test_objective_equals_spopt_mclp(seed):
    from spopt.locate import MCLP
    G, demand, flows, sites = random_instance(seed, n_sites=12, binary=True)
    A = incidence(flows.paths, validate_sites(sites), G).toarray()
    cost = np.where(A > 0, 0.0, 1.0)  # covered iff "distance" 0 <= radius 0.5
    weights = flows.paths["volume"].to_numpy(float)
    for k in (1, 3):
        ref = MCLP.from_cost_matrix(cost, weights, service_radius=0.5, p_facilities=k)
        ref = ref.solve(pulp.HiGHS(msg=False))
        pl = P.plan(flows, k, candidates=sites, greedy_shortcut=False)
        assert pl.volume == pytest.approx(pulp.value(ref.problem.objective), rel=1e-9)


def test_capacity_caps_the_catch():
    G = chain_graph()
    flows = flows_for(G, demand_frame([("src-A", "dst-X", "land", 36500.0, "smuggling")]))
    c = P.candidates(G)
    c["capacity"] = np.where(c["site_type"] == "crossing", 50.0, np.nan)  # 50/day = 18,250/year
    c = c[c["site_type"] == "crossing"]
    uncapped = P.plan(flows, 1, candidates=c)
    capped = P.plan(flows, 1, candidates=c, capacity=True)
    assert uncapped.volume == pytest.approx(0.6 * 36500)
    assert capped.volume == pytest.approx(50 * 365)


def test_capacity_shifts_choice_to_uncapped_site():
    G = chain_graph()
    flows = flows_for(G, demand_frame([("src-A", "dst-X", "land", 36500.0, "smuggling")]))
    c = P.candidates(G)
    c["capacity"] = np.where(c["site_type"] == "crossing", 10.0, np.nan)
    pl = P.plan(flows, 1, candidates=c, capacity=True)
    # the crossing catches at most 3,650 a year; a road post (0.4, unlimited) catches 14,600
    assert pl.sites["site_type"].iloc[0] == "road"
    assert pl.volume == pytest.approx(0.4 * 36500)


@pytest.mark.parametrize("kwargs, message", [
    ({"k": 99}, r"k = 99 is larger than the \d+ candidate sites available"),
    ({"k": 1, "required": ["n3", "e1-2-0"]}, r"2 required sites do not fit in a budget of k = 1"),
    ({"k": 2, "required": ["n3"], "forbidden": ["n3"]}, r"both required and forbidden"),
    ({"k": 2, "existing": ["n3"], "forbidden": ["n3"]}, r"already exist and cannot be forbidden"),
    ({"k": 1, "forbidden": ["nope"]}, r"forbidden: unknown site_id"),
    ({"k": -1}, r"non-negative whole number"),
    ({"k": 1.5}, r"non-negative whole number"),
])
def test_odd_requests_are_refused(kwargs, message):
    G = detour_graph()
    flows = flows_for(G, demand_frame(DEMAND_ONE))
    with pytest.raises(ValueError, match=message):
        P.plan(flows, **kwargs)


def test_empty_demand_is_refused():
    G = detour_graph()
    with pytest.raises(ValueError, match="demand is empty"):
        flows_for(G, demand_frame([("src-A", "dst-X", "land", 0.0, "smuggling")]))
    flows = flows_for(G, demand_frame(DEMAND_ONE))
    flows.paths = flows.paths.iloc[0:0]
    with pytest.raises(ValueError, match="empty demand"):
        P.plan(flows, 1)


def test_bad_candidate_table_is_refused():
    G = detour_graph()
    flows = flows_for(G, demand_frame(DEMAND_ONE))
    c = P.candidates(G)
    c.loc[0, "detection"] = 2.0
    with pytest.raises(ValueError, match=r"site 'n3' has detection 2.0"):
        P.plan(flows, 1, candidates=c)
    c = P.candidates(G)
    c.loc[1, "site_id"] = c.loc[0, "site_id"]
    with pytest.raises(ValueError, match="appears more than once"):
        P.plan(flows, 1, candidates=c)


def test_reductions_keep_the_optimum():
    # many identical columns (several sites on the same single route) and a zero column
    G = chain_graph()
    flows = flows_for(G, demand_frame(DEMAND_ONE))
    c = P.candidates(G)
    pl = P.plan(flows, 3, candidates=c)
    assert pl.volume == pytest.approx(1000 * (1 - 0.4 * 0.6 * 0.6))
    assert pl.stats["candidates_after_reduction"] <= len(c)


def test_greedy_is_submodular_bound_and_exact_on_disjoint_paths():
    # disjoint routes: greedy is optimal, pick the heaviest ones
    A = sp.csr_matrix(np.eye(5))
    w = np.array([5.0, 1.0, 4.0, 2.0, 3.0])
    chosen = milp.greedy(A, w, np.ones(5), 3)
    assert sorted(chosen) == [0, 2, 4]


def test_compare_rescores_on_given_flows():
    G = detour_graph()
    d = demand_frame(DEMAND_ONE + [("src-A", "dst-X", "land", 500.0, "trafficking")])
    flows = flows_for(G, d)
    a = P.plan(flows, 1, name="one")
    b = P.plan(flows, 2, name="two")
    table = P.compare({"one": a, "two": b}, flows)
    assert list(table.index) == ["one", "two"]
    assert table.loc["one", "share"] == pytest.approx(a.share)
    assert table.loc["two", "share"] >= table.loc["one", "share"]
    assert table.loc["one", "share_smuggling"] == pytest.approx(0.6)
    assert table.loc["one", "share_trafficking"] == pytest.approx(0.6)
    assert table.loc["two", "sites_shared_with_first"] == 1
    with pytest.raises(ValueError, match="no plans"):
        P.compare([])


def test_checkpoints_follow_contract():
    G = detour_graph()
    flows = flows_for(G, demand_frame(DEMAND_ONE))
    cp = P.plan(flows, 2).checkpoints
    assert {"site_id", "detection"} <= set(cp.columns)
    assert all((n is not None and not pd.isna(n)) or e is not None for n, e in zip(cp["node"], cp["edge"]))


def test_greedy_bound_is_valid_and_shortcut_is_proven():
    for seed in range(4):
        G, demand, flows, sites = random_instance(30 + seed, n_sites=12)
        A = incidence(flows.paths, validate_sites(sites), G)
        vol = flows.paths["volume"].to_numpy(float)
        chosen, value, bound = milp.greedy_with_bound(A, vol, sites["detection"].to_numpy(float), 3)
        best, _ = brute_force(flows, sites, 3)
        assert value <= best + 1e-6 <= bound + 2e-6
        pl = P.plan(flows, 3, candidates=sites)
        assert pl.volume == pytest.approx(best, rel=1e-4) and pl.gap <= 1e-4


def test_capacity_takes_checkpoints_in_travel_order():
    # route S-J-C1-D meets road post S-J (0.4, unlimited) before crossing C1 (0.6, 20/day = 7,300/year)
    G = chain_graph()
    vol = 36500.0
    flows = flows_for(G, demand_frame([("src-A", "dst-X", "land", vol, "smuggling")]))
    c = P.candidates(G)
    c = P.add_site(c[c["site_id"] == "n3"], G, 66.75, 30.0, site_type="road", detection=0.4, site_id="road-SJ")
    c["capacity"] = np.where(c["site_id"] == "n3", 20.0, np.nan)
    pl = P.plan(flows, 2, candidates=c, capacity=True)
    # road: 0.4 x 36,500 = 14,600; crossing: min(0.6 x 21,900, 7,300) = 7,300
    assert pl.volume == pytest.approx(14600 + 7300)
    # reversed direction: the crossing comes first and saturates (7,300), the road post takes 40% of 29,200
    back = flows_for(G, demand_frame([("dst-X", "src-A", "land", vol, "smuggling")]))
    pl = P.plan(back, 2, candidates=c, capacity=True)
    assert pl.volume == pytest.approx(7300 + 0.4 * 29200)


def test_greedy_bound_holds_on_overlapping_instances():
    rng = np.random.default_rng(0)
    for trial in range(5):
        A = sp.csr_matrix((rng.random((120, 25)) < 0.15).astype(float))
        w = rng.lognormal(2, 1, 120)
        p = np.ones(25) if trial % 2 else rng.uniform(0.3, 0.9, 25)
        _, value, bound = milp.greedy_with_bound(A, w, p, 4)
        exact = milp.solve(A, p, w, 4, greedy_shortcut=False)
        assert exact.status == "optimal"
        assert value <= exact.objective + 1e-6
        assert bound >= exact.objective * (1 - 1e-4) - 1e-6


def test_lp_pruning_keeps_the_optimum(monkeypatch):
    monkeypatch.setattr(milp, "LP_PRUNE_MIN_SITES", 0)
    for seed in (1, 6):
        G, demand, flows, sites = random_instance(seed, n_sites=12, binary=True)
        for k in (2, 3):
            pl = P.plan(flows, k, candidates=sites, greedy_shortcut=False)
            assert "lp_columns" in pl.stats
            assert pl.volume == pytest.approx(brute_force(flows, sites, k)[0], rel=1e-9)
    rng = np.random.default_rng(3)
    for trial in range(3):
        A = sp.csr_matrix((rng.random((400, 120)) < 0.03).astype(float))
        w = rng.lognormal(2, 1, 400)
        pruned = milp.solve(A, np.ones(120), w, 8, greedy_shortcut=False, forbidden=[0, 1])
        full = milp.solve(A, np.ones(120), w, 8, greedy_shortcut=False, lp_prune=False, forbidden=[0, 1])
        assert pruned.stats["lp_converged"]
        assert pruned.objective == pytest.approx(full.objective, rel=1e-9)
        assert pruned.bound >= full.objective * (1 - 1e-6)
        assert not {0, 1} & set(pruned.chosen)


def test_candidates_stay_inside_the_jurisdiction():
    # a spur into Afghanistan (Kandahar, 65.7E 31.6N) and one into India (Jodhpur, 73.0E 26.3N)
    from test_placement_fixtures import make_graph
    nodes = {1: (67.0, 30.2, "town", "quetta"), 2: (66.4, 30.9, "crossing"), 3: (65.7, 31.6, "town", "kandahar"),
             4: (68.0, 27.5, "town", "sindh"), 5: (73.0, 26.3, "town", "jodhpur")}
    G = make_graph(nodes, [(1, 2, "road"), (2, 3, "road"), (1, 4, "road"), (4, 5, "road")])
    inside = P.candidates(G)
    everywhere = P.candidates(G, within=None)
    assert len(everywhere) == 5  # crossing node + four road segments
    assert set(inside["site_id"]) == {"n2", "e1-2-0", "e1-4-0"}


def test_site_needs_exactly_one_of_node_or_edge():
    G = detour_graph()
    flows = flows_for(G, demand_frame(DEMAND_ONE))
    both = pd.DataFrame({"site_id": ["x"], "detection": [0.5], "node": [3], "edge": [(1, 2, 0)]})
    with pytest.raises(ValueError, match="site 'x' needs exactly one of node or edge"):
        P.plan(flows, 1, candidates=both)
    two = pd.DataFrame({"site_id": ["a", "b"], "detection": [0.5, 0.9], "node": [None, 3], "edge": [(2, 1), None]})
    pl = P.plan(flows, 2, candidates=two)  # (u, v) without key means key 0, caught both ways
    assert pl.share == pytest.approx(1 - 0.5 * 0.1)


def test_site_on_an_edge_the_network_lacks_is_named():
    G = detour_graph()
    flows = flows_for(G, demand_frame(DEMAND_ONE))
    away = pd.DataFrame({"site_id": ["far"], "detection": [0.5], "node": [None], "edge": [(1, 99, 0)]})
    for run in (lambda: P.plan(flows, 1, candidates=away),
                lambda: P.plan_robust(G, demand_frame(DEMAND_ONE), 1, candidates=away)):
        with pytest.raises(ValueError, match=r"site 'far' sits on edge \(1, 99, 0\) not in the network"):
            run()
