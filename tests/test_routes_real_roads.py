"""The default network on real road alignments (issue 14): geometry, lengths, conflation, cache."""
from __future__ import annotations

import shutil

import geopandas as gpd
import networkx as nx
import osmnx as ox
import pytest
from shapely.geometry import LineString

from geodata.crs import geodesic_length_m, geodesic_m
from routes import build_network, import_roads
from routes.conflate import Tolerance, match
from routes.network import default_network
from routes.real_roads import RoadGraph

LAND = ("road", "track", "crossing")


@pytest.fixture(scope="module")
def G():
    return default_network()


def _town(G, name, country="PK"):
    return next(n for n, d in G.nodes(data=True)
                if d.get("name") == name and d.get("kind") == "town" and d.get("country") == country)


def _place(G, n):
    """The place a node stands for (a road-point junction stands for its town)."""
    d = G.nodes[n]
    return G.nodes[int(d["road_point_of"])].get("name") if d.get("road_point_of") is not None else d.get("name")


def _sub(G, modes):
    return G.edge_subgraph([(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if d["mode"] in modes])


def test_every_land_edge_says_where_its_geometry_comes_from(G):
    sources = {d.get("geometry_source") for *_, d in G.edges(data=True) if d["mode"] in LAND}
    assert sources == {"naturalearth", "schematic"}
    for u, v, d in G.edges(data=True):
        if d["mode"] == "track":
            assert d["geometry_source"] == "schematic"  # informal tracks are not in the road data
        if d.get("geometry_source") == "schematic" and d["mode"] in LAND:
            assert "geometry" not in d and d.get("conflation", "derived") != "matched"


def test_real_edges_carry_their_road_and_its_geodesic_length(G):
    real = [(u, v, d) for u, v, d in G.edges(data=True) if d.get("geometry_source") == "naturalearth"]
    assert len(real) > 200
    for u, v, d in real:
        line = d["geometry"]
        assert isinstance(line, LineString) and len(line.coords) >= 2
        assert abs(geodesic_length_m(line) - d["length"]) <= 0.01 * d["length"]
        # osmnx convention: the line runs from u to v
        assert line.coords[0] == pytest.approx((G.nodes[u]["x"], G.nodes[u]["y"]), abs=1e-9)
        assert line.coords[-1] == pytest.approx((G.nodes[v]["x"], G.nodes[v]["y"]), abs=1e-9)
        assert "Natural Earth" in d["source"]


def test_n40_and_n25_road_paths_match_the_published_lengths(G):
    roads = _sub(G, ("road",))
    quetta_taftan = nx.shortest_path_length(roads, _town(G, "Quetta"), _town(G, "Taftan"), weight="length")
    karachi_chaman = nx.shortest_path_length(roads, _town(G, "Karachi"), _town(G, "Chaman"), weight="length")
    assert quetta_taftan / 1000 == pytest.approx(610, rel=0.05)
    assert karachi_chaman / 1000 == pytest.approx(813, rel=0.05)


def test_the_n40_between_nushki_and_dalbandin_is_the_real_road(G):
    edges = [d for u, v, d in G.edges(data=True) if d.get("ref") == "N-40"
             and {G.nodes[u].get("name"), G.nodes[v].get("name")} == {"Nushki", "Dalbandin"}]
    assert edges and all(d["geometry_source"] == "naturalearth" for d in edges)
    line = edges[0]["geometry"]
    # the real road bends: it is longer than the chord, but far shorter than the old 1.2 detour guess
    chord = geodesic_m(*line.coords[0], *line.coords[-1])
    assert 1.0 < edges[0]["length"] / chord < 1.2


def test_van_and_the_turkish_border_are_reached_on_real_roads(G):
    land = _sub(G, LAND)
    path = nx.shortest_path(land, _town(G, "Taftan"), _town(G, "Van", "TR"), weight="length")
    legs = [min(G[a][b].values(), key=lambda d: d["length"]) for a, b in zip(path, path[1:])]
    real_km = sum(d["length"] for d in legs if d["geometry_source"] == "naturalearth") / 1000
    total_km = sum(d["length"] for d in legs) / 1000
    assert 2400 < total_km < 3100
    assert real_km / total_km > 0.8
    iran = [d for u, v, d in G.edges(data=True) if d["mode"] == "road"
            and {_place(G, u), _place(G, v)} == {"Zahedan", "Bam"}]
    assert iran and iran[0]["geometry_source"] == "naturalearth"


def test_osmnx_functions_run_on_the_real_network(G):
    nodes, edges = ox.graph_to_gdfs(G)
    assert len(edges) == G.number_of_edges() and edges.crs == "EPSG:4326"
    n40 = next((u, v, k, d) for u, v, k, d in G.edges(keys=True, data=True)
               if d.get("ref") == "N-40" and d.get("geometry_source") == "naturalearth")
    # a point on the real road, not on the chord between the towns
    on_road = n40[3]["geometry"].interpolate(0.37, normalized=True)
    u, v, _ = ox.distance.nearest_edges(G, on_road.x, on_road.y)
    assert {u, v} == {n40[0], n40[1]}
    route = ox.routing.shortest_path(G, _town(G, "Quetta"), _town(G, "Taftan"), weight="length")
    assert route[0] == _town(G, "Quetta") and route[-1] == _town(G, "Taftan")


# --- conflation rules on a hand-made road --------------------------------------------------------


def _roads(*lines):
    return RoadGraph(gpd.GeoDataFrame({"class": ["road"] * len(lines), "source": ["test"] * len(lines)},
                                      geometry=list(lines), crs="EPSG:4326"))


def test_a_straight_road_between_two_places_is_matched_with_its_length():
    roads = _roads(LineString([(66.0, 29.0), (66.5, 29.0)]), LineString([(66.5, 29.0), (67.0, 29.0)]))
    places = {"a": (66.1, 29.0), "b": (66.9, 29.009)}  # b is 1 km north of the road
    points = roads.attach(places, 10_000)
    assert points["b"].distance_m == pytest.approx(997, abs=5)
    found = match(roads, "a", "b", places["a"], places["b"], Tolerance())
    assert found.path is not None
    expected = geodesic_m(66.1, 29.0, 66.9, 29.0) + geodesic_m(66.9, 29.0, 66.9, 29.009)
    assert found.path.length_m == pytest.approx(expected, rel=1e-3)


def test_a_place_off_every_road_or_a_long_detour_stays_schematic():
    # a U-shaped road: 100 km down, across and back up between places 10 km apart
    u_road = LineString([(66.0, 29.0), (66.0, 28.1), (66.1, 28.1), (66.1, 29.0)])
    roads = _roads(u_road)
    places = {"a": (66.0, 29.0), "b": (66.1, 29.0), "far": (66.05, 29.3)}
    roads.attach(places, 10_000)
    detour = match(roads, "a", "b", places["a"], places["b"], Tolerance())
    assert detour.path is None and "exceeds" in detour.reason
    off = match(roads, "a", "far", places["a"], places["far"], Tolerance())
    assert off.path is None and "no road within" in off.reason


def test_import_roads_refuses_a_changed_file(tmp_path):
    src = tmp_path / "shared"
    src.mkdir()
    for shipped, (name, _) in import_roads.ROAD_FILES.items():
        shutil.copyfile(import_roads.DATA / shipped, src / name)
    out = tmp_path / "out"
    out.mkdir()
    assert len(import_roads.import_roads(src, out)) == 2
    (src / "roads.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(ValueError, match="SHA-256"):
        import_roads.import_roads(src, out)


def test_load_or_build_caches_the_network_keyed_by_its_inputs(tmp_path, monkeypatch):
    monkeypatch.setenv("CHECKPOST_DATA_DIR", str(tmp_path))
    first = build_network.load_or_build()
    cached = list((tmp_path / "cache").glob("network-*.pickle"))
    assert len(cached) == 1
    again = build_network.load_or_build()
    assert again.graph["cache_key"] == first.graph["cache_key"]
    assert nx.utils.graphs_equal(nx.MultiDiGraph(again.edges(keys=True)), nx.MultiDiGraph(first.edges(keys=True)))
    # a cache for other inputs is never used: rename the file to another key
    cached[0].rename(tmp_path / "cache" / "network-000000000000000000000000.pickle")
    assert build_network._read_cache("0" * 64) is None


# --- an OSM extract merged into the default network ----------------------------------------------


def _grid_osm(path, lon0, lat0, n=5, step=0.02):
    """A small street grid centred on (lon0, lat0) as OSM XML: rows primary, columns residential."""
    nodes, ways = [], []
    ids = {}
    for i in range(n):
        for j in range(n):
            nid = 1000 + i * n + j
            ids[i, j] = nid
            lon = lon0 + (j - n // 2) * step
            lat = lat0 + (i - n // 2) * step
            nodes.append(f'<node id="{nid}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"/>')
    wid = 1
    for i in range(n):
        refs = "".join(f'<nd ref="{ids[i, j]}"/>' for j in range(n))
        ways.append(f'<way id="{wid}" version="1">{refs}<tag k="highway" v="primary"/>'
                    f'<tag k="name" v="Row {i}"/></way>')
        wid += 1
    for j in range(n):
        refs = "".join(f'<nd ref="{ids[i, j]}"/>' for i in range(n))
        ways.append(f'<way id="{wid}" version="1">{refs}<tag k="highway" v="residential"/></way>')
        wid += 1
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="test">\n'
                    + "\n".join(nodes + ways) + "\n</osm>\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def merged(G, tmp_path_factory):
    from routes.network import from_osm_xml

    nushki = _town(G, "Nushki")
    path = _grid_osm(tmp_path_factory.mktemp("osm") / "nushki.osm", G.nodes[nushki]["x"], G.nodes[nushki]["y"])
    return from_osm_xml(path, merge_into=G)


def test_the_extract_replaces_the_roads_inside_its_area(G, merged):
    from routes.osm_merge import extract_area

    extract = merged.subgraph([n for n, d in merged.nodes(data=True) if "osmid" in d])
    area = extract_area(extract)
    inner = area.buffer(-1e-4)
    for u, v, d in merged.edges(data=True):
        if d["mode"] in ("road", "track") and d.get("geometry_source") != "osm":
            line = d.get("geometry") or LineString([(merged.nodes[u]["x"], merged.nodes[u]["y"]),
                                                    (merged.nodes[v]["x"], merged.nodes[v]["y"])])
            # only straight connectors may run inside; no network road is left there
            assert not line.intersects(inner) or d["name"] == "extract connector"
    osm_edges = [d for *_, d in merged.edges(data=True) if d.get("geometry_source") == "osm"]
    # osmnx merges the two segments at each of the 4 grid corners: 80 directed segments become 72
    assert len(osm_edges) == 2 * (5 * 4 + 5 * 4) - 4 * 2
    lon0, lat0 = G.nodes[_town(G, "Nushki")]["x"], G.nodes[_town(G, "Nushki")]["y"]
    rows_m = sum(geodesic_m(lon0 - 0.04, lat0 + i * 0.02, lon0 + 0.04, lat0 + i * 0.02) for i in range(-2, 3))
    grid_m = rows_m + 5 * geodesic_m(lon0, lat0 - 0.04, lon0, lat0 + 0.04)
    assert sum(d["length"] for d in osm_edges) / 2 == pytest.approx(grid_m, rel=0.01)
    assert all(isinstance(d["geometry"], LineString) for d in osm_edges)
    assert {d["speed_kph"] for d in osm_edges if d.get("highway") == "primary"} == {60.0}
    assert {d["speed_kph"] for d in osm_edges if d.get("highway") == "residential"} == {30.0}
    assert merged.number_of_nodes() > G.number_of_nodes()  # the input network is not modified
    assert not any("osmid" in d for _, d in G.nodes(data=True))


def test_routes_cross_the_seam_and_nothing_outside_changes(G, merged):
    from routes.osm_merge import extract_area

    land = _sub(merged, ("road", "track", "crossing"))
    path = nx.shortest_path(land, _town(merged, "Quetta"), _town(merged, "Dalbandin"), weight="length")
    sources = [min(merged[a][b].values(), key=lambda d: d["length"]).get("geometry_source")
               for a, b in zip(path, path[1:])]
    assert "osm" in sources and any(merged.nodes[n].get("seam") for n in path)
    assert ox.stats.basic_stats(merged)["n"] == merged.number_of_nodes()
    before = nx.shortest_path_length(_sub(G, ("road",)), _town(G, "Quetta"), _town(G, "Dalbandin"), weight="length")
    after = nx.shortest_path_length(land, _town(merged, "Quetta"), _town(merged, "Dalbandin"), weight="length")
    assert after == pytest.approx(before, rel=0.02)  # a 10 km grid changes a 400 km trip only a little
    area = extract_area(merged.subgraph([n for n, d in merged.nodes(data=True) if "osmid" in d]))
    for u, v, k, d in G.edges(keys=True, data=True):
        line = d.get("geometry") or LineString([(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])])
        if not line.intersects(area) or d["mode"] not in ("road", "track"):
            assert merged.has_edge(u, v, k)
            kept = merged.edges[u, v, k]
            assert kept["length"] == d["length"] and kept.get("geometry_source") == d.get("geometry_source")


# --- sites and clicks on the real geometry -------------------------------------------------------


def _n40_nushki_dalbandin(G):
    return next((u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if d.get("ref") == "N-40"
                and (G.nodes[u].get("name"), G.nodes[v].get("name")) == ("Nushki", "Dalbandin"))


def test_geometry_positions_round_trip_on_a_real_edge(G):
    from routes.geometry import edge_point_at, edge_position

    edge = _n40_nushki_dalbandin(G)
    length = G.edges[edge]["length"]
    for along in (0.0, 0.25 * length, 0.5 * length, length):
        p = edge_point_at(G, edge, along)
        back, along_again, off = edge_position(G, edge, p.x, p.y)
        assert off < 1.0 and along_again == pytest.approx(along, abs=2.0)


def test_candidate_sites_stand_on_the_real_road_halfway_along(G):
    from models.placement import candidates
    from routes.geometry import edge_position

    sites = candidates(G, within=None)  # every site: the territory filter is not what is tested
    on_edges = sites[sites["edge"].notna()]
    real = [(r.edge, r.along_m, r.geometry) for r in on_edges.itertuples()
            if G.edges[r.edge].get("geometry_source") == "naturalearth"]
    assert len(real) > 50
    for edge, along, point in real:
        assert along == pytest.approx(G.edges[edge]["length"] / 2, rel=1e-9)
        _, along_again, off = edge_position(G, edge, point.x, point.y)
        assert off < 5.0 and along_again == pytest.approx(along, rel=0.01)
    assert sites.loc[sites["node"].notna(), "along_m"].isna().all()


def test_a_click_beside_the_real_n40_snaps_onto_the_road(G):
    from models.placement import add_site, candidates
    from routes.geometry import point_at
    from ui.catch import Snapper

    edge = _n40_nushki_dalbandin(G)
    line = G.edges[edge]["geometry"]
    on_road = point_at(line, 60_000)  # 60 km west of Nushki on the real road
    click = (on_road.x, on_road.y + 0.02)  # about 2 km north of it
    site = Snapper(G).snap(*click)
    assert site["ref"] == "N-40" and site["geometry_source"] == "naturalearth"
    assert {site["edge"][0], site["edge"][1]} == {edge[0], edge[1]}
    assert site["snap_distance_km"] == pytest.approx(2.2, abs=0.4)
    # the snapped point is on the real road: at along_km on the edge, and near the point clicked beside
    from routes.geometry import edge_point_at

    at = edge_point_at(G, tuple(site["edge"]), site["along_km"] * 1000)
    assert geodesic_m(at.x, at.y, site["lon"], site["lat"]) < 20
    assert geodesic_m(on_road.x, on_road.y, site["lon"], site["lat"]) < 2_500
    sites = add_site(candidates(G, within=None), G, *click, site_id="user-n40")
    row = sites.set_index("site_id").loc["user-n40"]
    assert geodesic_m(row["geometry"].x, row["geometry"].y, site["lon"], site["lat"]) < 20
    at = edge_point_at(G, row["edge"], row["along_m"])
    assert geodesic_m(at.x, at.y, row["geometry"].x, row["geometry"].y) < 20
