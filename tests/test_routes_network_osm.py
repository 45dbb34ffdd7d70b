"""routes.network.from_osm_xml on a small hand-written OSM fixture."""
from pathlib import Path

import osmnx as ox
import pandas as pd
import pytest

from routes import flows, network

FIXTURE = Path(__file__).parent / "data" / "osm" / "quetta_sample.osm"


def test_from_osm_xml_builds_a_road_graph_with_travel_times():
    G = network.from_osm_xml(FIXTURE)
    assert G.graph["crs"] == "EPSG:4326"
    modes = {d["mode"] for *_, d in G.edges(data=True)}
    assert modes == {"road"}
    n40 = [d for *_, d in G.edges(data=True) if d.get("ref") == "N-40"]
    assert n40 and all(d["speed_kph"] == 80 for d in n40)  # maxspeed tag
    loop = [d for *_, d in G.edges(data=True) if d.get("name") == "Loop Road"]
    assert loop and all(d["speed_kph"] == network.HIGHWAY_SPEEDS_KPH["secondary"] for d in loop)
    for *_, d in G.edges(data=True):
        assert d["travel_time"] == pytest.approx(d["length"] / (d["speed_kph"] / 3.6), rel=1e-3)
        assert d["source"] == "osm-xml:quetta_sample.osm"


def test_oneway_street_has_one_direction_and_two_way_roads_both():
    G = network.from_osm_xml(FIXTURE)
    assert G.has_edge(1, 9) and not G.has_edge(9, 1)
    assert G.has_edge(1, 3) and G.has_edge(3, 1)


def test_osm_graph_works_with_osmnx_and_assign():
    G = network.from_osm_xml(FIXTURE)
    nodes, edges = ox.graph_to_gdfs(G)
    assert len(nodes) == G.number_of_nodes() and len(edges) == G.number_of_edges()
    assert ox.distance.nearest_nodes(G, 66.70, 30.14) == 5
    # Quetta (1) to the west end (5): the N-40 is faster than the secondary loop
    res = flows.assign(G, pd.DataFrame({"origin": [1], "destination": [5], "migrants_per_year": [10.0]}), k=1)
    assert res.paths.iloc[0]["nodes"] == ox.routing.shortest_path(G, 1, 5, weight="travel_time")
    assert res.paths.iloc[0]["nodes"] == [1, 3, 4, 5]


def test_missing_file_is_named():
    with pytest.raises(FileNotFoundError, match="nowhere.osm"):
        network.from_osm_xml("nowhere.osm")


def test_from_place_finishes_the_downloaded_graph_like_an_extract(monkeypatch):
    # offline: stand in for the download with the fixture, check the same post-processing applies
    asked = {}

    def fake_graph_from_place(name, network_type):
        asked["args"] = (name, network_type)
        return ox.graph_from_xml(FIXTURE, retain_all=True)

    monkeypatch.setattr(network.ox, "graph_from_place", fake_graph_from_place)
    G = network.from_place("Quetta, Pakistan")
    assert asked["args"] == ("Quetta, Pakistan", "drive")
    assert G.graph["crs"] == "EPSG:4326" and G.graph["source"] == "osm-place:Quetta, Pakistan"
    assert all(d["mode"] == "road" and d["travel_time"] > 0 for *_, d in G.edges(data=True))
