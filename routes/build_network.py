"""Build the default multimodal route network from the geodata layers and routes/data/corridors.yaml.

    python -m routes.build_network            # rebuild and write routes/data/default_network.graphml
    python -m routes.build_network --check    # rebuild in memory, print a summary, write nothing

Parts of the graph (see docs/routes.md):

* corridors: chains of gazetteer places; each link is a two-way edge laid on the real road between
  its places (Natural Earth roads, ``routes.road_links``: geometry and geodesic length from the
  road) or, where no real road matches, schematic (geodesic length times the class's detour
  factor); travel time at the class's speed, fare per km as ``cost_pkr``;
* layer features (crossings, launch points, hubs, sources, destinations) are nodes with ``layer_id``,
  joined to the nearest corridor place by a short ``road`` link;
* crossings: road or track to the crossing point on the border, then a ``crossing`` edge into the
  first town abroad, with waiting time and a fee;
* coastal sea legs: a visibility graph around the shipped land (Pakistan and its neighbours), kept
  off the coast by a clearance, reduced to the edges on shortest paths between harbours;
* long-haul sea legs from the ``searoute`` lane network; air legs as great-circle hops.

The built graph is written as GraphML with a hash of its inputs; ``load_or_build`` reads a disk
cache keyed by that hash, else the GraphML when the hash still matches, else rebuilds in memory.
"""
from __future__ import annotations

import argparse
import hashlib
import itertools
import os
import pickle
import warnings
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pyproj
import shapely
import yaml
from shapely.geometry import LineString, Point
from shapely.ops import nearest_points

from geodata.crs import METRIC_CRS, geodesic_m
from routes.real_roads import RoadGraph, road_files
from routes.road_links import LinkRequest, lay_links

HERE = Path(__file__).resolve().parent
CORRIDORS = HERE / "data" / "corridors.yaml"
ARTIFACT = HERE / "data" / "default_network.graphml"
LAYERS_USED = ("pakistan", "neighbours", "borders", "crossings", "launch_points", "hubs", "sources", "destinations")
ISO3_TO_ISO2 = {"PAK": "PK", "AFG": "AF", "IRN": "IR", "IND": "IN", "CHN": "CN", "OMN": "OM", "ARE": "AE"}
FEATURE_KINDS = {"crossings": "crossing", "launch_points": "launch_point", "hubs": "hub", "sources": "source",
                 "destinations": "destination"}
MAX_PLACE_OUTSIDE_M = 20_000.0  # a Pakistani place farther than this outside the territory is a bad match
MAX_FEATURE_LINK_M = 60_000.0  # a layer feature farther than this from every place is an input error
EDGE_FLOAT_ATTRS = ("length", "travel_time", "cost_pkr", "speed_kph")
LAND_MODES = ("road", "track", "crossing")

_TO_METRIC = pyproj.Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
_TO_LONLAT = pyproj.Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)


def _metric(geom):
    """A lon/lat geometry in METRIC_CRS."""
    return shapely.transform(geom, lambda c: np.column_stack(_TO_METRIC.transform(c[:, 0], c[:, 1])))


def _val(node):
    return node["value"] if isinstance(node, dict) and "value" in node else node


def _split_place(ref: str) -> tuple[str, str]:
    name, _, country = str(ref).partition("@")
    return name.strip(), (country.strip() or "PK")


class _Graph:
    """Collects nodes and two-way links with provenance."""

    def __init__(self):
        self.G = nx.MultiDiGraph(crs="EPSG:4326", name="checkpost default network")
        self.keys: dict = {}
        self.pairs: set = set()

    def node(self, key, x, y, **attrs) -> int:
        if key in self.keys:
            return self.keys[key]
        nid = len(self.keys)
        self.keys[key] = nid
        self.G.add_node(nid, x=float(x), y=float(y), **{k: v for k, v in attrs.items() if v is not None})
        return nid

    def xy(self, n) -> tuple[float, float]:
        d = self.G.nodes[n]
        return d["x"], d["y"]

    def link(self, u, v, *, mode, length, travel_time, cost_pkr=0.0, name="", ref="", source, geometry=None,
             dedupe=True, **extra):
        if u == v:
            return
        pair = (min(u, v), max(u, v), mode)
        if dedupe and pair in self.pairs:
            return
        self.pairs.add(pair)
        if mode in LAND_MODES:
            extra.setdefault("geometry_source", "schematic")  # derived access links: straight, not a real road
        base = dict(mode=mode, length=float(length), travel_time=float(travel_time), cost_pkr=float(cost_pkr),
                    name=name, ref=ref, source=source, **extra)
        fwd = dict(base)
        back = dict(base)
        if geometry is not None:
            fwd["geometry"] = geometry
            back["geometry"] = LineString(list(geometry.coords)[::-1])
        self.G.add_edge(u, v, **fwd)
        self.G.add_edge(v, u, **back)


BUILD_MODULES = ("build_network.py", "real_roads.py", "conflate.py", "road_links.py")


def _inputs_hash(layer_paths: list[Path]) -> str:
    h = hashlib.sha256()
    code = [HERE / name for name in BUILD_MODULES]
    for p in [CORRIDORS] + code + road_files() + sorted(layer_paths):
        if p.exists():
            h.update(p.name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def _layer_paths() -> list[Path]:
    """The layer files the build reads (the gazetteer's places table included)."""
    try:
        import geodata
    except ImportError:
        return []
    base = Path(geodata.__file__).resolve().parent / "layers"
    return [base / f"{name}.geojson" for name in LAYERS_USED] + [base / "places.csv"]


# --------------------------------------------------------------------------------------------


def build(layer=None, lookup=None, spec: dict | None = None, roads: RoadGraph | None = None,
          real_roads: bool = True) -> nx.MultiDiGraph:
    """Build the network.

    Parameters
    ----------
    layer, lookup : callable, optional
        ``layer(name)`` and ``lookup(name, country)``; default geodata's.
    spec : dict, optional
        The corridor specification (default ``routes/data/corridors.yaml``).
    roads : RoadGraph, optional
        Real road alignments (default: the shipped Natural Earth roads).
    real_roads : bool
        False builds the schematic network (every road a straight link times a detour factor), kept
        for comparison in ``bench/``.

    Returns
    -------
    networkx.MultiDiGraph
    """
    layer, lookup = _default_sources(layer, lookup)
    spec = _read_spec() if spec is None else spec
    layers = {name: layer(name) for name in LAYERS_USED}
    g = _Graph()
    place = _PlaceResolver(g, lookup, layers["pakistan"])
    classes = {name: {k: _val(v) for k, v in c.items()} for name, c in spec["classes"].items()}
    roads = (roads or RoadGraph()) if real_roads else None
    # road, track and crossing links are laid once every place is known (one pass onto the real roads)
    pending = _corridor_requests(spec, place)
    _add_crossings(g, spec, layers, place, pending)
    g.G.graph["links_by_geometry_source"] = str(lay_links(g, pending, classes, spec, roads))
    for ref in _places_named_outside_corridors(spec):
        place(ref)  # so layer features abroad (Dubai, Kuala Lumpur, ...) find their place node
    _add_features(g, layers)
    _add_air(g, spec, place)
    _add_long_haul_sea(g, spec, place)
    _add_coastal_sea(g, spec, layers, place)
    _tag_sea_countries(g, layers)
    _check_connected(g.G, layers)
    return _finish(g.G, real_roads)


def _default_sources(layer, lookup):
    """geodata's layer loader and gazetteer where none is given."""
    if layer is None or lookup is None:
        import geodata
        from geodata import gazetteer

        layer = layer or geodata.layer
        lookup = lookup or gazetteer.find
    return layer, lookup


def _read_spec() -> dict:
    with open(CORRIDORS, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


class _PlaceResolver:
    """Gazetteer places ("Name" or "Name@CC") as town nodes of the graph being built."""

    def __init__(self, g: "_Graph", lookup, pakistan: gpd.GeoDataFrame):
        self.g = g
        self.lookup = lookup
        self.pakistan_m = shapely.union_all(pakistan.to_crs(METRIC_CRS).geometry.values)
        shapely.prepare(self.pakistan_m)

    def __call__(self, ref: str) -> int:
        name, cc = _split_place(ref)
        key = ("place", name, cc)
        if key in self.g.keys:
            return self.g.keys[key]
        try:
            found = self.lookup(name, country=cc)
        except LookupError as exc:
            raise LookupError(f"{CORRIDORS.name}: place {ref!r} not in the gazetteer ({exc})") from exc
        # geodata.gazetteer.find gives a Place with provenance; a plain lookup gives (lon, lat)
        lon, lat = (found.lon, found.lat) if hasattr(found, "lon") else found
        source = getattr(found, "source", None) or f"gazetteer:{name}@{cc}"
        if cc == "PK":
            # a tolerant gazetteer match must still land in Pakistan
            off = self.pakistan_m.distance(Point(_TO_METRIC.transform(lon, lat)))
            if off > MAX_PLACE_OUTSIDE_M:
                raise ValueError(f"{CORRIDORS.name}: place {ref!r} resolved to ({lon:.3f}, {lat:.3f}), "
                                 f"{off / 1000:.0f} km outside Pakistan; check the spelling")
        return self.g.node(key, lon, lat, name=name, kind="town", country=cc, source=source)


def _corridor_requests(spec: dict, place) -> list[LinkRequest]:
    """One link request per consecutive pair of places of every corridor."""
    pending = []
    for cor in spec["corridors"]:
        nodes = [place(p) for p in cor["places"]]
        for a, b in zip(nodes, nodes[1:]):
            pending.append(LinkRequest(a, b, cor["class"], cor["name"], cor.get("ref", ""), cor["source"]))
    return pending


def _finish(G: nx.MultiDiGraph, real_roads: bool) -> nx.MultiDiGraph:
    """Street counts (osmnx.stats.basic_stats reads them) and provenance on the graph."""
    nx.set_node_attributes(G, _street_counts(G), "street_count")
    G.graph["inputs_sha256"] = _inputs_hash(_layer_paths())
    G.graph["source"] = "routes/build_network.py from geodata layers and routes/data/corridors.yaml"
    G.graph["road_alignments"] = "naturalearth-10m" if real_roads else "schematic"
    return G


def _places_named_outside_corridors(spec) -> list[str]:
    refs = [sp["place"] for sp in spec["sea_ports"]]
    refs += [r for leg in spec["long_haul_sea"] for r in (leg["from"], leg["to"])]
    for leg in spec["air"]["legs"]:
        for end in (leg["from"], leg["to"]):
            for r in end if isinstance(end, list) else [end]:
                if r != "pakistan" and not str(r).startswith(("airport-", "seaport-", "crossing-")):
                    refs.append(r)
    return refs


def _add_crossings(g, spec, layers, place, pending: list[LinkRequest]):
    """Crossing points as nodes; requests for the road to each and the crossing edge beyond."""
    crossings = layers["crossings"].set_index("id")
    borders = layers["borders"]
    for cl in spec["crossing_links"]:
        cid = cl.get("crossing")
        if cid:
            if cid not in crossings.index:
                raise ValueError(f"{CORRIDORS.name}: crossing_links names {cid!r}, not in the crossings layer")
            feat = crossings.loc[cid]
            node = g.node(("feature", cid), feat.geometry.x, feat.geometry.y, name=feat["name"], kind="crossing",
                          country="PK", layer_id=cid, source=feat["source"],
                          crossing_type=feat.get("crossing_type"))
            label = feat["name"]
        elif cl.get("near"):
            # informal crossing: the point of the neighbour's border nearest to `near`
            near = place(cl["near"])
            line = borders[borders["neighbour"] == cl["neighbour"]].geometry.union_all()
            nx_, ny_ = g.xy(near)
            metric_line = _metric(line)
            p = Point(_TO_METRIC.transform(nx_, ny_))
            on = _TO_LONLAT.transform(*nearest_points(metric_line, p)[0].coords[0])
            node = g.node(("border", cl["name"]), on[0], on[1], name=cl["name"], kind="crossing", country="PK",
                          source=cl["source"], crossing_type="informal_border_point")
            label = cl["name"]
        else:
            node = None
            label = cl["name"]
        src = place(cl["from"])
        dst = place(cl["to"]) if cl.get("to") else None
        if node is None:
            # onward crossing abroad: one crossing edge between two towns
            pending.append(LinkRequest(src, dst, "crossing", label, "", cl["source"], crossing=cl))
            continue
        pending.append(LinkRequest(src, node, cl.get("access", "link"), f"road to {label}", "", cl["source"]))
        if dst is not None:
            pending.append(LinkRequest(node, dst, "crossing", label, "", cl["source"], crossing=cl))


def _add_features(g, layers):
    """Every layer feature becomes a node, joined to the nearest place node (unless already placed)."""
    places = [(n, d) for n, d in g.G.nodes(data=True) if d.get("kind") == "town"]
    pxy = np.array([(d["x"], d["y"]) for _, d in places])
    for lname, kind in FEATURE_KINDS.items():
        for _, feat in layers[lname].iterrows():
            key = ("feature", feat["id"])
            existing = key in g.keys
            country = feat.get("country") if lname in ("hubs",) else None
            country = country or ("PK" if lname in ("crossings", "launch_points", "sources") else None)
            node = g.node(key, feat.geometry.x, feat.geometry.y, name=feat["name"], kind=kind, layer_id=feat["id"],
                          source=feat["source"], country=country,
                          crossing_type=feat.get("crossing_type") if lname == "crossings" else None)
            if existing:
                continue
            d = geodesic_m(np.full(len(pxy), feat.geometry.x), np.full(len(pxy), feat.geometry.y), pxy[:, 0], pxy[:, 1])
            j = int(np.argmin(d))
            if d[j] > MAX_FEATURE_LINK_M:
                raise ValueError(f"layer {lname}: feature {feat['id']} is {d[j] / 1000:.0f} km from the nearest "
                                 f"corridor place ({places[j][1]['name']}); add a corridor to corridors.yaml")
            town = places[j][0]
            if "country" not in g.G.nodes[node]:
                g.G.nodes[node]["country"] = places[j][1]["country"]
            length = max(d[j] * 1.3, 200.0)
            g.link(node, town, mode="road", length=length, travel_time=length / (30 / 3.6) + 600,
                   cost_pkr=0.0, name=f"access {feat['name']}", ref="",
                   source=f"derived: access road from {feat['id']} to {places[j][1]['name']} (geodesic x 1.3)")


def _node_for(g, ref, place):
    if str(ref).startswith(("airport-", "seaport-", "crossing-")):
        key = ("feature", ref)
        if key not in g.keys:
            raise ValueError(f"{CORRIDORS.name}: {ref!r} is not a crossings-layer feature")
        return g.keys[key]
    return place(ref)


def _add_air(g, spec, place):
    air = spec["air"]
    speed = _val(air["speed_kph"]) / 3.6
    overhead = _val(air["overhead_h"]) * 3600
    for leg in air["legs"]:
        froms = leg["from"]
        froms = air["from_pakistan"] if froms == "pakistan" else (froms if isinstance(froms, list) else [froms])
        tos = leg["to"] if isinstance(leg["to"], list) else [leg["to"]]
        for a, b in itertools.product(froms, tos):
            u, v = _node_for(g, a, place), _node_for(g, b, place)
            d = geodesic_m(*g.xy(u), *g.xy(v))
            g.link(u, v, mode="air", length=d, travel_time=d / speed + overhead, cost_pkr=leg["cost_pkr"],
                   name=f"air {g.G.nodes[u]['name']} - {g.G.nodes[v]['name']}", ref="", source=leg["source"])


def _add_long_haul_sea(g, spec, place):
    import searoute

    speed = _val(spec["sea"]["speed_kph"]) / 3.6
    for leg in spec["long_haul_sea"]:
        u, v = place(leg["from"]), place(leg["to"])
        route = searoute.searoute(list(g.xy(u)), list(g.xy(v)), units="km")
        coords = [g.xy(u)] + [tuple(c) for c in route["geometry"]["coordinates"]] + [g.xy(v)]
        line = LineString(coords)
        length = float(pyproj.Geod(ellps="WGS84").geometry_length(line))
        g.link(u, v, mode="sea", length=length, travel_time=length / speed, cost_pkr=leg["cost_pkr"],
               name=f"sea {g.G.nodes[u]['name']} - {g.G.nodes[v]['name']}", ref="", source=leg["source"]
               + "; lane geometry: searoute", geometry=line, sea_kind="long_haul")


# --------------------------------------------------------------------------------------------
# coastal sea graph


def land_geometry(layers, bbox=None):
    """Land (Pakistan and its neighbours) as one geometry in METRIC_CRS, clipped to ``bbox`` (lon/lat)."""
    land = gpd.GeoSeries(list(layers["pakistan"].geometry) + list(layers["neighbours"].geometry), crs="EPSG:4326")
    if bbox is not None:
        land = land.clip(shapely.box(*bbox))
    return shapely.union_all(land.to_crs(METRIC_CRS).values)


def _harbour(land_m, open_sea, p_m, offshore):
    """The open-sea point nearest to ``p_m`` (metric) that is ``offshore`` metres off the coast, and the
    coast point nearest to it (the straight way between them is all water)."""
    radii = np.arange(1000.0, 40_001.0, 1000.0)
    ang = np.linspace(0, 2 * np.pi, 72, endpoint=False)
    r, a = np.meshgrid(radii, ang, indexing="ij")
    pts = shapely.points(p_m.x + (r * np.cos(a)).ravel(), p_m.y + (r * np.sin(a)).ravel())
    local_land = land_m.intersection(shapely.box(p_m.x - 60_000, p_m.y - 60_000, p_m.x + 60_000, p_m.y + 60_000))
    ok = shapely.contains(open_sea, pts)
    ok[ok] = shapely.distance(local_land, pts[ok]) >= offshore
    if not ok.any():
        raise ValueError(f"no open water within 40 km of {_TO_LONLAT.transform(p_m.x, p_m.y)}")
    hb = pts[np.flatnonzero(ok)[0]]  # radii grow first, so the first hit is the nearest ring
    shore = nearest_points(local_land, hb)[0]
    return shore, hb


def _metric_line_lonlat(a_m: Point, b_m: Point, step_m=20_000.0) -> LineString:
    n = max(int(a_m.distance(b_m) // step_m), 1)
    xs = np.linspace(a_m.x, b_m.x, n + 1)
    ys = np.linspace(a_m.y, b_m.y, n + 1)
    lon, lat = _TO_LONLAT.transform(xs, ys)
    return LineString(np.column_stack([lon, lat]))


def _open_sea(land_m, region_m):
    """The largest water body of the window (lagoons and creeks are not harbours), prepared."""
    water = shapely.get_parts(region_m.difference(land_m))
    open_sea = max(water, key=lambda w: w.area)
    shapely.prepare(open_sea)
    return open_sea


def _harbours(g, spec, layers, place, land_m, open_sea, offshore) -> list[tuple]:
    """(place node, harbour point, shore point, label, source) of every launch point, seaport and
    foreign port; points in METRIC_CRS."""
    ports = [(("feature", fid), None) for fid in layers["launch_points"]["id"]]
    cross = layers["crossings"]
    ports += [(("feature", fid), None) for fid in cross.loc[cross["crossing_type"] == "seaport", "id"]]
    ports += [(None, sp) for sp in spec["sea_ports"]]
    harbours = []
    for key, sp in ports:
        node = g.keys[key] if key is not None else place(sp["place"])
        x, y = g.xy(node)
        shore, hb = _harbour(land_m, open_sea, Point(_TO_METRIC.transform(x, y)), offshore)
        label = g.G.nodes[node]["name"]
        harbours.append((node, hb, shore, label, sp["source"] if sp else g.G.nodes[node].get("source", "")))
    return harbours


def _coast_corners(land_m, region_m, obstacle, clearance) -> list[Point]:
    """Convex corners of the coast pushed out by the clearance: the visibility graph's waypoints."""
    free = land_m.buffer(clearance, quad_segs=2).simplify(clearance * 0.5)
    corners = []
    for poly in shapely.get_parts(free):
        ring = shapely.get_exterior_ring(shapely.orient_polygons(poly))
        pts = np.asarray(ring.coords)[:-1]
        if len(pts) < 3:
            continue
        prev, nxt = np.roll(pts, 1, axis=0), np.roll(pts, -1, axis=0)
        cross_z = (pts[:, 0] - prev[:, 0]) * (nxt[:, 1] - pts[:, 1]) - (pts[:, 1] - prev[:, 1]) * (nxt[:, 0] - pts[:, 0])
        corners.extend(Point(p) for p, z in zip(pts, cross_z) if z > 0)  # convex corner of a CCW ring
    return [c for c in corners if region_m.contains(c) and not obstacle.contains(c)]


def _visibility_graph(points: list[Point], obstacle) -> nx.Graph:
    """Straight lanes between every two points that do not touch the obstacle, weighted by length."""
    xy = np.array([(p.x, p.y) for p in points])
    ii, jj = np.triu_indices(len(points), k=1)
    lines = shapely.linestrings(np.stack([xy[ii], xy[jj]], axis=1))
    ok = ~shapely.intersects(obstacle, lines)
    V = nx.Graph()
    V.add_nodes_from(range(len(points)))
    dist = np.hypot(*(xy[ii] - xy[jj]).T)
    V.add_weighted_edges_from(zip(ii[ok].tolist(), jj[ok].tolist(), dist[ok].tolist()))
    return V


def _lanes_from_pakistan(g, V: nx.Graph, harbours: list) -> set[tuple[int, int]]:
    """The visibility edges on shortest paths from Pakistani harbours to every other harbour."""
    keep = set()
    n_h = len(harbours)
    for i in (i for i in range(n_h) if g.G.nodes[harbours[i][0]].get("country") == "PK"):
        _, paths = nx.single_source_dijkstra(V, i, weight="weight")
        for j in range(n_h):
            if j != i and j in paths:
                path = paths[j]
                keep.update((min(a, b), max(a, b)) for a, b in zip(path, path[1:]))
    return keep


def _add_sea_lanes(g, vis_nodes: list[Point], harbours: list, keep: set, speed, clearance) -> dict[int, int]:
    """Sea nodes and lanes of the kept visibility edges; returns visibility index -> graph node."""
    n_h = len(harbours)
    sea_node = {}
    for i in sorted({a for e in keep for a in e}):
        lon, lat = _TO_LONLAT.transform(vis_nodes[i].x, vis_nodes[i].y)
        label = f"{harbours[i][3]} harbour" if i < n_h else f"sea waypoint {i - n_h}"
        sea_node[i] = g.node(("sea", i), lon, lat, name=label, kind="sea",
                             source="derived: coastal visibility graph around the shipped land")
    for a, b in sorted(keep):
        geom = _metric_line_lonlat(vis_nodes[a], vis_nodes[b])
        length = float(pyproj.Geod(ellps="WGS84").geometry_length(geom))
        g.link(sea_node[a], sea_node[b], mode="sea", length=length, travel_time=length / speed,
               cost_pkr=0.0, name="coastal sea lane", ref="", geometry=geom, sea_kind="coastal",
               source="derived: coastal visibility graph (clearance "
                      f"{clearance:.0f} m) around the shipped land")
    return sea_node


def _add_embarkations(g, harbours: list, sea_node: dict, speed, fare) -> None:
    """Place -> shore (road) -> harbour (sea, carries the boat fare) for every harbour in use."""
    for i, (node, hb, shore, label, source) in enumerate(harbours):
        if i not in sea_node:
            continue
        slon, slat = _TO_LONLAT.transform(shore.x, shore.y)
        shore_node = g.node(("shore", node), slon, slat, name=f"{label} shore", kind="junction",
                            country=g.G.nodes[node].get("country"), source="derived: nearest coast point")
        d = max(geodesic_m(*g.xy(node), slon, slat) * 1.3, 100.0)
        g.link(node, shore_node, mode="road", length=d, travel_time=d / (30 / 3.6), name=f"to {label} shore",
               source="derived: nearest coast point of the place")
        geom = _metric_line_lonlat(shore, hb, step_m=500.0)
        length = float(pyproj.Geod(ellps="WGS84").geometry_length(geom))
        g.link(shore_node, sea_node[i], mode="sea", length=length, travel_time=length / speed + 3600,
               cost_pkr=fare / 2, name=f"{label} embarkation", ref="", geometry=geom, sea_kind="coastal",
               source=f"{source}; boat fare: corridors.yaml sea.cost_pkr")


def _add_coastal_sea(g, spec, layers, place):
    """Coastal sea legs: a visibility graph around the shipped land between the harbours, kept off
    the coast by a clearance and reduced to the lanes on shortest paths from Pakistani harbours."""
    sea = spec["sea"]
    bbox = _val(sea["region"])
    clearance = float(_val(sea["clearance_m"]))
    speed = _val(sea["speed_kph"]) / 3.6
    margin = 2.0
    land_m = land_geometry(layers, (bbox[0] - margin, bbox[1] - margin, bbox[2] + margin, bbox[3] + margin))
    region_m = _metric(shapely.box(*bbox).segmentize(0.1))
    open_sea = _open_sea(land_m, region_m)
    obstacle = land_m.buffer(500.0)
    shapely.prepare(obstacle)
    harbours = _harbours(g, spec, layers, place, land_m, open_sea, float(_val(sea["offshore_m"])))
    vis_nodes = [h[1] for h in harbours] + _coast_corners(land_m, region_m, obstacle, clearance)
    keep = _lanes_from_pakistan(g, _visibility_graph(vis_nodes, obstacle), harbours)
    sea_node = _add_sea_lanes(g, vis_nodes, harbours, keep, speed, clearance)
    _add_embarkations(g, harbours, sea_node, speed, float(_val(sea["cost_pkr"])))


def _tag_sea_countries(g, layers):
    """Sea nodes get the country of the nearest land (so simulated patrols stay in Pakistani waters)."""
    countries = [("PK", layers["pakistan"].geometry.union_all())]
    for _, row in layers["neighbours"].iterrows():
        countries.append((ISO3_TO_ISO2.get(row.get("iso3"), row.get("iso3")), row.geometry))
    for n, d in g.G.nodes(data=True):
        if d.get("country"):
            continue
        p = Point(d["x"], d["y"])
        d["country"] = min(countries, key=lambda c: c[1].distance(p))[0]


def _street_counts(G) -> dict:
    import osmnx as ox

    return ox.stats.count_streets_per_node(G)


def _check_connected(G, layers):
    sources = layers["sources"]
    by_layer = {d["layer_id"]: n for n, d in G.nodes(data=True) if "layer_id" in d}
    missing = []
    for _, src in sources.iterrows():
        o = by_layer.get(src["id"])
        reach = nx.descendants(G, o) if o is not None else set()
        for dest in str(src.get("destinations", "")).split("|"):
            if dest and by_layer.get(dest) not in reach:
                missing.append(f"{src['id']} -> {dest}")
    if missing:
        raise ValueError(f"default network: no route for {len(missing)} source-destination link(s): {missing[:5]}")


# --------------------------------------------------------------------------------------------
# artifact


def save(G: nx.MultiDiGraph, path: Path = ARTIFACT) -> Path:
    import osmnx as ox

    H = G.copy()
    ox.io.save_graphml(H, path)
    return path


def load(path: Path = ARTIFACT) -> nx.MultiDiGraph:
    import osmnx as ox

    G = ox.io.load_graphml(path, node_dtypes={"x": float, "y": float, "road_point_of": int},
                           edge_dtypes={a: float for a in EDGE_FLOAT_ATTRS})
    G.graph["crs"] = "EPSG:4326"
    # osmnx writes absent attributes as nothing; our optional string attrs come back as str
    return nx.convert_node_labels_to_integers(G, ordering="sorted") if not all(isinstance(n, int) for n in G) else G


def cache_path(key: str) -> Path:
    """Where the built network is cached for ``key``: ``$CHECKPOST_DATA_DIR/cache`` (default ./data)."""
    base = Path(os.environ.get("CHECKPOST_DATA_DIR", "data")).expanduser()
    return base / "cache" / f"network-{key[:24]}.pickle"


def _read_cache(key: str) -> nx.MultiDiGraph | None:
    """The cached network for ``key`` (written by this module into the app's own data directory)."""
    path = cache_path(key)
    try:
        with open(path, "rb") as fh:
            G = pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError):
        return None
    return G if isinstance(G, nx.MultiDiGraph) and G.graph.get("cache_key") == key else None


def _write_cache(G: nx.MultiDiGraph, key: str) -> None:
    """Cache ``G`` under ``key``; a read-only data directory only costs speed."""
    path = cache_path(key)
    G.graph["cache_key"] = key
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(G, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass


def load_or_build(path: Path = ARTIFACT, use_cache: bool = True) -> nx.MultiDiGraph:
    """The built network for the current inputs, from the fastest place that has it.

    In order: the on-disk cache keyed by the inputs' hash and the artifact's bytes (a pickle, about
    30x faster to read than GraphML), the GraphML artifact when its input hash matches, else a fresh
    in-memory build (with a warning).  The first two write the cache for the next start.
    """
    current = _inputs_hash(_layer_paths())
    artifact_sha = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "none"
    key = hashlib.sha256(f"{current}:{artifact_sha}".encode()).hexdigest()
    if use_cache and (G := _read_cache(key)) is not None:
        return G
    G = load(path) if path.exists() else None
    if G is None or G.graph.get("inputs_sha256") != current:
        if G is not None:
            warnings.warn(f"{path.name} is stale (inputs changed): rebuilding in memory; "
                          "run `python -m routes.build_network` to refresh it", stacklevel=2)
        G = build()
    if use_cache:
        _write_cache(G, key)
    return G


def summary(G: nx.MultiDiGraph) -> str:
    lines = [f"nodes {G.number_of_nodes()}, edges {G.number_of_edges()}"]
    by_mode: dict = {}
    for *_, d in G.edges(data=True):
        m = by_mode.setdefault(d["mode"], [0, 0.0])
        m[0] += 1
        m[1] += d["length"] / 1000
    for mode, (n, km) in sorted(by_mode.items()):
        lines.append(f"  {mode:9s} {n:5d} edges {km / 2:10.0f} km (one direction)")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="build and summarise, write nothing")
    parser.add_argument("--out", type=Path, default=ARTIFACT)
    args = parser.parse_args(argv)
    G = build()
    print(summary(G))
    if not args.check:
        save(G, args.out)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
