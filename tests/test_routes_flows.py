"""Known-answer tests of routes.flows.assign on small hand-built graphs."""
import itertools
import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from routes import flows

# Route choice parameters that make hand arithmetic easy: 1 hour = 1,000 PKR, logit scale 1,000 PKR.
EASY = dict(value_of_time_pkr_per_hour=1000, logit_scale_pkr=1000, loss_if_caught_pkr=10000, k=2,
            informed_share=1.0)


def diamond():
    """1 -> 2 -> 4 takes 2 h, 1 -> 3 -> 4 takes 3 h; all links two-way; a sea edge 1 -> 4 of 4 h."""
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for n, (x, y) in {1: (0, 0), 2: (1, 1), 3: (1, -1), 4: (2, 0)}.items():
        G.add_node(n, x=x, y=y, name=f"n{n}", kind="town")
    G.nodes[1]["layer_id"] = "src-a"
    G.nodes[4]["layer_id"] = "dst-b"

    def link(u, v, hours, mode="road", cost=0.0):
        for a, b in ((u, v), (v, u)):
            G.add_edge(a, b, length=hours * 80_000, travel_time=hours * 3600, mode=mode, cost_pkr=cost,
                       source="test")

    link(1, 2, 1)
    link(2, 4, 1)
    link(1, 3, 1)
    link(3, 4, 2)
    link(1, 4, 4, mode="sea")
    return G


def od(volume=100.0, pref="land", origin=1, destination=4):
    return pd.DataFrame({"origin": [origin], "destination": [destination], "migrants_per_year": [volume],
                         "mode_preference": [pref], "case_type": ["smuggling"]})


def test_k1_takes_the_shortest_path():
    res = flows.assign(diamond(), od(), **{**EASY, "k": 1})
    assert len(res.paths) == 1
    assert res.paths.iloc[0]["nodes"] == [1, 2, 4]
    assert res.paths.iloc[0]["volume"] == pytest.approx(100.0)
    assert res.paths.iloc[0]["travel_time"] == pytest.approx(7200.0)
    assert res.paths.iloc[0]["length"] == pytest.approx(160_000.0)
    assert res.edge_flows.loc[(1, 2, 0), "volume"] == pytest.approx(100.0)
    assert res.edge_flows.loc[(1, 3, 0), "volume"] == 0.0


def test_logit_split_matches_hand_computation():
    # costs 2,000 and 3,000 PKR, scale 1,000: shares 1/(1+e^-1) and e^-1/(1+e^-1)
    res = flows.assign(diamond(), od(), **EASY)
    by_route = {tuple(r.nodes): r.volume for r in res.paths.itertuples()}
    share = 1 / (1 + math.exp(-1))
    assert by_route[(1, 2, 4)] == pytest.approx(100 * share)
    assert by_route[(1, 3, 4)] == pytest.approx(100 * (1 - share))
    assert res.total_volume == pytest.approx(100.0)
    assert res.intercepted_share == 0.0
    assert set(res.paths["mode"]) == {"land"}


def test_money_cost_enters_generalised_cost():
    G = diamond()
    G.edges[2, 4, 0]["cost_pkr"] = 1500.0  # route via 2 now costs 3,500 against 3,000
    res = flows.assign(G, od(), **EASY)
    by_route = {tuple(r.nodes): r.volume for r in res.paths.itertuples()}
    assert by_route[(1, 3, 4)] == pytest.approx(100 / (1 + math.exp(-0.5)))


def test_node_checkpoint_reroutes_and_reports_interception():
    # checkpoint p=0.5 on node 2: route via 2 costs 2,000 + 0.5 * 10,000 = 7,000 against 3,000
    res = flows.assign(diamond(), od(), {2: 0.5}, **EASY)
    by_route = {tuple(r.nodes): r for r in res.paths.itertuples()}
    via2 = 100 * math.exp(-4) / (1 + math.exp(-4))
    assert by_route[(1, 2, 4)].volume == pytest.approx(via2)
    assert by_route[(1, 2, 4)].p_intercept == pytest.approx(0.5)
    assert by_route[(1, 3, 4)].volume == pytest.approx(100 - via2)
    assert res.intercepted_volume == pytest.approx(0.5 * via2)
    assert res.total_volume == pytest.approx(100.0)
    cp = res.checkpoint_flows.iloc[0]
    assert cp["volume"] == pytest.approx(via2) and cp["intercepted"] == pytest.approx(0.5 * via2)


def test_uninformed_travellers_keep_their_routes():
    res = flows.assign(diamond(), od(), {2: 0.5}, **{**EASY, "informed_share": 0.75})
    by_route = {tuple(r.nodes): r.volume for r in res.paths.itertuples()}
    informed = math.exp(-4) / (1 + math.exp(-4))
    uninformed = 1 / (1 + math.exp(-1))
    assert by_route[(1, 2, 4)] == pytest.approx(100 * (0.75 * informed + 0.25 * uninformed))
    assert sum(by_route.values()) == pytest.approx(100.0)


def test_edge_checkpoint_catches_both_directions():
    G = diamond()
    demand = pd.concat([od(), od(origin=4, destination=1)], ignore_index=True)
    res = flows.assign(G, demand, {(2, 4, 0): 0.5}, **EASY)
    for o, d, route in ((1, 4, (1, 2, 4)), (4, 1, (4, 2, 1))):
        row = [r for r in res.paths.itertuples() if tuple(r.nodes) == route][0]
        assert row.p_intercept == pytest.approx(0.5)
    assert res.edge_flows.loc[(2, 4, 0), "intercepted"] > 0
    assert res.edge_flows.loc[(4, 2, 0), "intercepted"] > 0
    assert res.total_volume == pytest.approx(200.0)


def test_checkpoint_dataframe_form_and_serial_checkpoints():
    cps = pd.DataFrame({"site_id": ["A", "B"], "detection": [0.5, 0.2], "node": [2, None],
                        "edge": [None, (2, 4, 0)]})
    res = flows.assign(diamond(), od(), cps, **{**EASY, "k": 1, "loss_if_caught_pkr": 0.0})
    assert res.paths.iloc[0]["nodes"] == [1, 2, 4]
    assert res.paths.iloc[0]["p_intercept"] == pytest.approx(1 - 0.5 * 0.8)
    cf = res.checkpoint_flows.set_index("site_id")
    # A sees everyone and catches half; B sees the remaining 50 and catches 20% of them
    assert cf.loc["A", "volume"] == pytest.approx(100) and cf.loc["A", "intercepted"] == pytest.approx(50)
    assert cf.loc["B", "volume"] == pytest.approx(50) and cf.loc["B", "intercepted"] == pytest.approx(10)
    assert res.intercepted_volume == pytest.approx(60)


def test_mode_preference_limits_modes():
    G = diamond()
    G.remove_edges_from([(1, 2, 0), (2, 1, 0), (1, 3, 0), (3, 1, 0)])
    res = flows.assign(G, od(pref="sea"), **EASY)
    assert res.paths.iloc[0]["mode"] == "sea"
    with pytest.warns(UserWarning, match="no route"):
        res = flows.assign(G, od(pref="land"), **EASY)
    assert res.paths.empty and len(res.unrouted) == 1
    assert res.unrouted.iloc[0]["migrants_per_year"] == 100.0


def test_layer_ids_map_to_nodes():
    res = flows.assign(diamond(), od(origin="src-a", destination="dst-b"), **{**EASY, "k": 1})
    assert res.paths.iloc[0]["nodes"] == [1, 2, 4]
    assert res.paths.iloc[0]["origin"] == "src-a"


def test_geometry_follows_edges():
    G = diamond()
    from shapely.geometry import LineString

    G.edges[1, 2, 0]["geometry"] = LineString([(0, 0), (0.2, 0.9), (1, 1)])
    res = flows.assign(G, od(), **{**EASY, "k": 1})
    assert list(res.paths.iloc[0].geometry.coords) == [(0, 0), (0.2, 0.9), (1, 1), (2, 0)]


def test_sampled_volumes_are_whole_and_repeatable():
    a = flows.assign(diamond(), od(1000), sample=True, seed=3, **EASY)
    b = flows.assign(diamond(), od(1000), sample=True, seed=3, **EASY)
    assert a.paths["volume"].tolist() == b.paths["volume"].tolist()
    assert a.paths["volume"].sum() == 1000
    assert all(float(v).is_integer() for v in a.paths["volume"])


def _random_graph(seed, n=8, p=0.45):
    rng = np.random.default_rng(seed)
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for i in range(n):
        G.add_node(i, x=float(rng.uniform()), y=float(rng.uniform()))
    for u, v in itertools.combinations(range(n), 2):
        if rng.uniform() < p:
            t = float(rng.uniform(600, 7200))
            G.add_edge(u, v, length=t * 20, travel_time=t, mode="road", cost_pkr=0.0)
            G.add_edge(v, u, length=t * 20, travel_time=t, mode="road", cost_pkr=0.0)
    return G


@pytest.mark.parametrize("seed", range(6))
def test_exact_method_equals_brute_force_enumeration(seed):
    G = _random_graph(seed)
    o, d = 0, 7
    if not nx.has_path(G, o, d):
        pytest.skip("no path in this random graph")
    simple = [tuple(p) for p in nx.all_simple_paths(nx.DiGraph(G), o, d)]
    cost = {p: sum(G.edges[a, b, 0]["travel_time"] for a, b in zip(p, p[1:])) for p in simple}
    k = 3
    best = sorted(simple, key=cost.get)[:k]
    res = flows.assign(G, od(origin=o, destination=d), k=k, method="exact", value_of_time_pkr_per_hour=3600,
                       logit_scale_pkr=1000, informed_share=1.0)
    got = [tuple(n) for n in res.paths.sort_values("cost")["nodes"]]
    assert got == best
    # shares are the logit of those costs (1 PKR per second)
    c = np.array([cost[p] for p in best])
    want = np.exp(-(c - c.min()) / 1000)
    want = 100 * want / want.sum()
    assert res.paths.sort_values("cost")["volume"].to_numpy() == pytest.approx(want)
    # the fast method finds the same cheapest route
    fast = flows.assign(G, od(origin=o, destination=d), k=1, value_of_time_pkr_per_hour=3600, informed_share=1.0)
    assert tuple(fast.paths.iloc[0]["nodes"]) == best[0]


def test_demand_is_conserved_under_many_checkpoints():
    G = _random_graph(11, n=12, p=0.4)
    pairs = [(o, d) for o in range(3) for d in range(9, 12) if nx.has_path(G, o, d)]
    demand = pd.DataFrame({"origin": [o for o, _ in pairs], "destination": [d for _, d in pairs],
                           "migrants_per_year": 50.0})
    cps = {n: 0.4 for n in range(3, 9)}
    res = flows.assign(G, demand, cps)
    assert res.total_volume == pytest.approx(50.0 * len(pairs))
    per_od = res.paths.groupby(["origin", "destination"])["volume"].sum()
    assert np.allclose(per_od.to_numpy(), 50.0)
    assert 0 < res.intercepted_share < 1


def test_repeated_calls_use_the_route_cache_and_agree():
    G = _random_graph(5, n=10)
    demand = pd.DataFrame({"origin": [0], "destination": [9], "migrants_per_year": [10.0]})
    a = flows.assign(G, demand, {4: 0.3})
    b = flows.assign(G, demand, {4: 0.3})
    pd.testing.assert_frame_equal(a.edge_flows, b.edge_flows)


@pytest.mark.parametrize("bad, message", [
    ({"origin": ["nowhere"], "destination": [4], "migrants_per_year": [1.0]}, "origin 'nowhere'"),
    ({"origin": [1], "destination": [4], "migrants_per_year": [-1.0]}, "migrants_per_year"),
    ({"origin": [1], "destination": [4]}, "missing column"),
    ({"origin": [1], "destination": [4], "migrants_per_year": [1.0], "mode_preference": ["boat"]},
     "mode_preference 'boat'"),
])
def test_bad_demand_is_rejected_with_the_field_named(bad, message):
    with pytest.raises(ValueError, match=message):
        flows.assign(diamond(), pd.DataFrame(bad))


@pytest.mark.parametrize("cps, message", [
    ({99: 0.5}, "node 99 is not in the graph"),
    ({2: 1.5}, "detection must be a probability"),
    ({(1, 4, 7): 0.5}, r"edge \(1, 4, 7\) is not in the graph"),
])
def test_bad_checkpoints_are_rejected(cps, message):
    with pytest.raises(ValueError, match=message):
        flows.assign(diamond(), od(), cps)


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), p=st.floats(0.05, 0.95), informed=st.floats(0.0, 1.0),
       k=st.integers(1, 4), method=st.sampled_from(["penalty", "exact"]))
def test_a_checkpoint_never_draws_flow_and_demand_is_conserved(seed, p, informed, k, method):
    G = _random_graph(seed, n=9, p=0.4)
    rng = np.random.default_rng(seed)
    pairs = [(o, d) for o in range(3) for d in range(6, 9) if nx.has_path(G, o, d)]
    if not pairs:
        return
    demand = pd.DataFrame({"origin": [o for o, _ in pairs], "destination": [d for _, d in pairs],
                           "migrants_per_year": rng.uniform(1, 100, len(pairs))})
    edges = list(G.edges(keys=True))
    edge = edges[int(rng.integers(len(edges)))]
    kw = dict(k=k, method=method, informed_share=informed)
    before = flows.assign(G, demand, **kw)
    after = flows.assign(G, demand, {edge: p}, **kw)
    assert after.total_volume == pytest.approx(demand["migrants_per_year"].sum())
    per_od = after.paths.groupby("demand_row")["volume"].sum()
    assert np.allclose(per_od.sort_index().to_numpy(), demand["migrants_per_year"].to_numpy())
    reverse = (edge[1], edge[0], edge[2])
    through = lambda r: r.edge_flows.loc[edge, "volume"] + r.edge_flows.loc[reverse, "volume"]  # noqa: E731
    assert through(after) <= through(before) + 1e-6
    assert after.intercepted_volume == pytest.approx(p * through(after))


def test_cached_routes_follow_changed_parameters():
    G = diamond()
    sea_only = {"land": ("sea",), "sea": ("sea",), "air": ("air",), "any": ("road", "sea")}
    land = flows.assign(G, od(), **EASY)
    assert set(land.paths["mode"]) == {"land"}
    # same preference name, other modes: the cached land routes must not be reused
    sea = flows.assign(G, od(), mode_sets=sea_only, **EASY)
    assert list(sea.paths["mode"]) == ["sea"]
    # a larger loss makes the informed avoid the checkpoint more
    low = flows.assign(G, od(), {2: 0.5}, **{**EASY, "loss_if_caught_pkr": 1000})
    high = flows.assign(G, od(), {2: 0.5}, **{**EASY, "loss_if_caught_pkr": 10000})
    via2 = lambda r: r.edge_flows.loc[(1, 2, 0), "volume"]  # noqa: E731
    assert via2(high) < via2(low)
    assert via2(low) == pytest.approx(100 * math.exp(-0.5) / (math.exp(-0.5) + math.exp(-1)))
