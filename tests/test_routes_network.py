"""The default multimodal network: contract, distances, sea legs, connectivity, osmnx, re-routing."""
import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pytest

import geodata
from geodata.crs import METRIC_CRS, geodesic_m
from routes import build_network, demand, flows, network

MODES = {"road", "track", "sea", "air", "crossing"}


@pytest.fixture(scope="module")
def G():
    return network.default_network()


@pytest.fixture(scope="module")
def base_flows(G):
    return flows.assign(G, demand.default_demand())


def town(G, name):
    hits = [n for n, d in G.nodes(data=True) if d.get("kind") == "town" and d.get("name") == name]
    assert len(hits) == 1, f"{name}: {hits}"
    return hits[0]


def feature(G, layer_id):
    hits = [n for n, d in G.nodes(data=True) if d.get("layer_id") == layer_id]
    assert len(hits) == 1, layer_id
    return hits[0]


def by_modes(G, modes):
    return nx.subgraph_view(G, filter_edge=lambda u, v, k: G.edges[u, v, k]["mode"] in modes)


def test_graph_follows_the_contract(G):
    assert G.graph["crs"] == "EPSG:4326"
    for n, d in G.nodes(data=True):
        assert isinstance(n, int)
        assert -180 <= d["x"] <= 180 and -90 <= d["y"] <= 90
        assert d["name"] and d["kind"] and d["source"]
    for u, v, k, d in G.edges(keys=True, data=True):
        assert d["mode"] in MODES
        assert d["length"] > 0 and d["travel_time"] > 0 and d["cost_pkr"] >= 0
        assert d["source"], (u, v, k)
        assert G.has_edge(v, u), f"one-way link {u}->{v}"
        if "geometry" in d:
            start, end = d["geometry"].coords[0], d["geometry"].coords[-1]
            assert np.allclose(start, (G.nodes[u]["x"], G.nodes[u]["y"]), atol=1e-6)
            assert np.allclose(end, (G.nodes[v]["x"], G.nodes[v]["y"]), atol=1e-6)
    modes = {d["mode"] for *_, d in G.edges(data=True)}
    assert modes == MODES
    refs = {d.get("ref") for *_, d in G.edges(data=True)}
    assert {"N-5", "N-25", "N-40", "N-10", "N-85", "M-8", "N-65", "N-50", "N-55", "N-70"} <= refs


def test_every_layer_feature_is_a_node(G):
    ids = {d["layer_id"] for _, d in G.nodes(data=True) if "layer_id" in d}
    for name in ("crossings", "launch_points", "hubs", "sources", "destinations"):
        assert set(geodata.layer(name)["id"]) <= ids, name


def test_every_source_reaches_its_destinations(G):
    for _, src in geodata.layer("sources").iterrows():
        reach = nx.descendants(G, feature(G, src["id"]))
        for dest in src["destinations"].split("|"):
            assert feature(G, dest) in reach, f"{src['id']} -> {dest}"


def test_quetta_taftan_by_road(G):
    km = nx.shortest_path_length(by_modes(G, {"road"}), town(G, "Quetta"), town(G, "Taftan"), weight="length") / 1000
    assert km == pytest.approx(634, rel=0.15)


def test_karachi_gwadar_by_road(G):
    km = nx.shortest_path_length(by_modes(G, {"road"}), town(G, "Karachi"), town(G, "Gwadar"), weight="length") / 1000
    assert km == pytest.approx(630, rel=0.15)


def test_gwadar_muscat_sea_leg(G):
    H = by_modes(G, {"sea", "road"})
    path = nx.shortest_path(H, feature(G, "launch-gwadar"), feature(G, "dest-oman"), weight="length")
    sea_km = sum(min(d["length"] for d in G[u][v].values() if d["mode"] == "sea")
                 for u, v in zip(path, path[1:]) if any(d["mode"] == "sea" for d in G[u][v].values())) / 1000
    a, b = G.nodes[feature(G, "launch-gwadar")], G.nodes[feature(G, "dest-oman")]
    great_circle = geodesic_m(a["x"], a["y"], b["x"], b["y"]) / 1000
    assert great_circle == pytest.approx(414, rel=0.06)
    assert great_circle - 20 <= sea_km <= 550  # the shore ends of the leg may sit a little closer
    assert 400 <= sea_km


def test_no_sea_leg_crosses_land_by_more_than_1km(G):
    layers = {"pakistan": geodata.layer("pakistan"), "neighbours": geodata.layer("neighbours")}
    land = build_network.land_geometry(layers, (52.0, 19.5, 70.5, 29.6))
    sea = [(u, v, d) for u, v, d in G.edges(data=True) if d["mode"] == "sea"]
    geoms = gpd.GeoSeries([d["geometry"] for *_, d in sea], crs="EPSG:4326").to_crs(METRIC_CRS)
    coastal = [g for g, (*_, d) in zip(geoms, sea) if d.get("sea_kind") == "coastal"]
    assert len(coastal) > 50
    over = [(G.nodes[u]["name"], G.nodes[v]["name"], g.intersection(land).length)
            for g, (u, v, d) in zip(geoms, sea) if d.get("sea_kind") == "coastal" and g.intersection(land).length > 1000]
    assert over == []


def test_air_legs_reach_dubai_from_every_international_airport(G):
    dubai = town(G, "Dubai")
    airports = geodata.layer("crossings").query("crossing_type == 'airport'")["id"]
    for a in airports:
        assert any(d["mode"] == "air" for d in G.get_edge_data(feature(G, a), dubai, default={}).values()), a


def test_osmnx_functions_work_on_the_default_graph(G):
    nodes, edges = ox.graph_to_gdfs(G)
    assert len(nodes) == G.number_of_nodes() and len(edges) == G.number_of_edges()
    assert edges.crs.to_epsg() == 4326
    q = town(G, "Quetta")
    near = ox.distance.nearest_nodes(G, G.nodes[q]["x"] + 0.001, G.nodes[q]["y"])
    assert geodesic_m(G.nodes[near]["x"], G.nodes[near]["y"], G.nodes[q]["x"], G.nodes[q]["y"]) < 5_000
    route = ox.routing.shortest_path(G, town(G, "Karachi"), town(G, "Quetta"), weight="travel_time")
    assert route[0] == town(G, "Karachi") and route[-1] == q
    stats = ox.stats.basic_stats(G)
    assert stats["n"] == G.number_of_nodes() and stats["m"] == G.number_of_edges()


def test_checkpoint_on_n40_near_dalbandin_reroutes_via_mand(G, base_flows):
    n40 = [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True)
           if d.get("ref") == "N-40" and {G.nodes[u]["name"], G.nodes[v]["name"]} == {"Nushki", "Dalbandin"}]
    assert n40
    edge = n40[0]
    mand_track = [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True)
                  if G.nodes[u]["name"] == "Mand" and G.nodes[v].get("layer_id") == "crossing-mand-balo"]
    assert mand_track
    with_cp = flows.assign(G, base_flows.demand, {edge: 0.6})
    before, after = base_flows.edge_flows, with_cp.edge_flows
    assert before.loc[edge, "volume"] > 1000
    assert after.loc[edge, "volume"] < 0.6 * before.loc[edge, "volume"]
    assert after.loc[mand_track[0], "volume"] > before.loc[mand_track[0], "volume"] + 100
    assert with_cp.total_volume == pytest.approx(base_flows.demand["migrants_per_year"].sum())
    assert with_cp.total_volume == pytest.approx(base_flows.total_volume)
    # the only checkpoint catches 60% of everyone who still passes it, in either direction
    reverse = (edge[1], edge[0], edge[2])
    assert with_cp.intercepted_volume == pytest.approx(0.6 * (after.loc[edge, "volume"] + after.loc[reverse, "volume"]))


def test_default_demand_is_fully_routed(base_flows):
    assert base_flows.unrouted.empty
    assert base_flows.total_volume == pytest.approx(base_flows.demand["migrants_per_year"].sum())
    by_mode = base_flows.paths.groupby("mode")["volume"].sum()
    assert {"land", "sea", "air"} <= set(by_mode.index)


def test_australia_route_goes_through_dubai_and_ends_by_boat(G, base_flows):
    aus = base_flows.paths[base_flows.paths["destination"] == "dest-australia"]
    assert aus["volume"].sum() > 0
    top = aus.sort_values("volume").iloc[-1]
    names = [G.nodes[n]["name"] for n in top["nodes"]]
    assert "Dubai" in names
    last_hops = [G.edges[e]["mode"] for e in top["edges"]]
    assert "sea" in last_hops[-3:] and "air" in last_hops


def test_artifact_matches_a_fresh_build(G):
    fresh = build_network.build()
    assert fresh.number_of_nodes() == G.number_of_nodes()
    assert fresh.number_of_edges() == G.number_of_edges()
    total = lambda H: sum(d["length"] for *_, d in H.edges(data=True))  # noqa: E731
    assert total(fresh) == pytest.approx(total(G), rel=1e-6)


def test_transit_flows_route_through_pakistan_to_iran(G):
    table = demand.default_demand(include_transit=True)
    result = flows.assign(G, table)
    assert result.unrouted.empty
    afghan = result.paths[result.paths["origin"] == "hub-peshawar"]
    assert afghan["volume"].sum() == pytest.approx(6000)
    # nearly all cross Pakistan and leave it into Iran over a Balochistan crossing (not back via Afghanistan)
    exits = {"crossing-taftan", "crossing-mand-balo", "crossing-mashkel", "crossing-gabd", "Nok Kundi border tracks"}
    via_balochistan = [bool(({G.nodes[n].get("layer_id") for n in nodes} | {G.nodes[n]["name"] for n in nodes}) & exits)
                       for nodes in afghan["nodes"]]
    assert afghan.loc[via_balochistan, "volume"].sum() > 0.99 * 6000


def test_a_pakistani_place_matched_abroad_is_rejected():
    from geodata import gazetteer

    def wrong(name, country="PK"):
        return (55.3, 25.2) if name == "Dalbandin" else gazetteer.find(name, country)

    with pytest.raises(ValueError, match="'Dalbandin' resolved to .* outside Pakistan"):
        build_network.build(geodata.layer, wrong)


def test_default_network_is_built_once_when_two_threads_ask(monkeypatch):
    # the app's warm-up thread and the first page run both ask for the graph on a cold process
    import threading
    import time as _time

    import routes.build_network as build_network
    from routes import network

    calls = []

    def slow_build():
        calls.append(1)
        _time.sleep(0.3)
        return object()

    monkeypatch.setattr(build_network, "load_or_build", slow_build)
    network._default_network_locked.cache_clear()
    try:
        got = []
        threads = [threading.Thread(target=lambda: got.append(network.default_network())) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(calls) == 1 and got[0] is got[1]
    finally:
        network._default_network_locked.cache_clear()
