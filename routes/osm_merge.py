"""Merge an OpenStreetMap extract into a network: the extract's roads replace the network's inside
the extract's area, joined to the rest at the area's edge.

``merge_extract(base, extract)``:

1. the area is the convex hull of the extract's nodes (lon/lat);
2. every road or track edge of ``base`` whose line enters the area is cut there: the parts outside
   stay (with their share of length, time and fare), each ending at a *seam* node on the area's
   edge; the parts inside are dropped (crossing, sea and air legs are never touched);
3. the extract's nodes and edges are added (new integer ids, the OSM id kept as ``osmid``), every
   edge with a ``geometry`` and ``geometry_source="osm"``;
4. every seam node, and every ``base`` node inside the area (towns, crossings, layer features), is
   joined to the nearest extract node by a short straight connector.

Edges of ``base`` that do not enter the area are copied unchanged.
"""
from __future__ import annotations

import networkx as nx
import numpy as np
import shapely
from shapely.geometry import LineString, MultiPoint, Point

from geodata.crs import geodesic_length_m, geodesic_m

REPLACED_MODES = ("road", "track")
CONNECTOR_SPEED_KPH = 30.0
SCALED_ATTRS = ("length", "travel_time", "cost_pkr")


def extract_area(extract: nx.MultiDiGraph):
    """Convex hull (lon/lat) of an extract's nodes."""
    points = MultiPoint([(d["x"], d["y"]) for _, d in extract.nodes(data=True)])
    if len(points.geoms) < 3:
        raise ValueError("merge: the OSM extract needs at least three nodes to span an area")
    return points.convex_hull


def _edge_line(G: nx.MultiDiGraph, u, v, data: dict) -> LineString:
    geom = data.get("geometry")
    if geom is not None:
        return geom
    return LineString([(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])])


def _outside_piece(line: LineString, area, end: tuple[float, float]) -> LineString | None:
    """The part of ``line`` outside ``area`` that starts or ends at ``end``, oriented away from it."""
    rest = line.difference(area)
    for part in shapely.get_parts(rest):
        if part.geom_type != "LineString" or part.is_empty:
            continue
        coords = list(part.coords)
        if Point(coords[0]).distance(Point(end)) < 1e-9:
            return part
        if Point(coords[-1]).distance(Point(end)) < 1e-9:
            return LineString(coords[::-1])
    return None


class _Merge:
    """State of one merge: the result graph, the area, the seam nodes made so far."""

    def __init__(self, base: nx.MultiDiGraph, extract: nx.MultiDiGraph, source: str):
        self.G = base.copy()
        self.area = extract_area(extract)
        shapely.prepare(self.area)
        self.extract = extract
        self.source = source
        self.next_id = max((n for n in base.nodes if isinstance(n, (int, np.integer))), default=-1) + 1
        self.seams: dict[tuple, int] = {}
        self.osm_ids: dict = {}

    def new_node(self, **attrs) -> int:
        nid = self.next_id
        self.next_id += 1
        self.G.add_node(nid, **attrs)
        return nid

    def seam(self, lon: float, lat: float) -> int:
        key = (round(lon, 7), round(lat, 7))
        if key not in self.seams:
            self.seams[key] = self.new_node(x=lon, y=lat, kind="junction", name="extract seam", seam=True,
                                            source=f"derived: edge of {self.source}")
        return self.seams[key]

    def cut_base_edges(self) -> None:
        """Drop base road/track edges inside the area, keep their outside parts up to a seam."""
        entering = [(u, v, k, d) for u, v, k, d in self.G.edges(keys=True, data=True)
                    if d.get("mode") in REPLACED_MODES and self.area.intersects(_edge_line(self.G, u, v, d))]
        for u, v, k, data in entering:
            line = _edge_line(self.G, u, v, data)
            self.G.remove_edge(u, v, k)
            for end, forward in ((u, True), (v, False)):
                xy = (self.G.nodes[end]["x"], self.G.nodes[end]["y"])
                if self.area.covers(Point(xy)):
                    continue
                piece = _outside_piece(line, self.area, xy)
                if piece is not None:
                    self._add_piece(end, piece, data, line, forward)

    def _add_piece(self, end, piece: LineString, data: dict, line: LineString, forward: bool) -> None:
        """Edge between ``end`` and a seam along ``piece``, in the original edge's direction."""
        fraction = geodesic_length_m(piece) / max(geodesic_length_m(line), 1e-9)
        seam = self.seam(*piece.coords[-1])
        attrs = {**data, **{a: float(data.get(a, 0.0) or 0.0) * fraction for a in SCALED_ATTRS}}
        attrs["source"] = f"{data.get('source', '')}; cut at the edge of {self.source}"
        if data.get("geometry") is not None:
            attrs["geometry"] = piece if forward else LineString(list(piece.coords)[::-1])
        if forward:
            self.G.add_edge(end, seam, **attrs)
        else:
            self.G.add_edge(seam, end, **attrs)

    def add_extract(self) -> None:
        """The extract's nodes and edges under new ids, each edge with a geometry."""
        for n, d in self.extract.nodes(data=True):
            self.osm_ids[n] = self.new_node(**{**d, "osmid": n, "source": self.source})
        for u, v, d in self.extract.edges(data=True):
            attrs = dict(d)
            attrs["geometry"] = _edge_line(self.extract, u, v, d)
            attrs["geometry_source"] = "osm"
            self.G.add_edge(self.osm_ids[u], self.osm_ids[v], **attrs)

    def join(self) -> None:
        """Connect seams and base nodes inside the area to their nearest extract node."""
        osm = list(self.osm_ids.values())
        from_extract = set(osm)
        xy = np.array([(self.G.nodes[n]["x"], self.G.nodes[n]["y"]) for n in osm])
        inside = [n for n, d in self.G.nodes(data=True) if n not in from_extract
                  and (d.get("seam") or self.area.covers(Point(d["x"], d["y"])))]
        for n in inside:
            x, y = self.G.nodes[n]["x"], self.G.nodes[n]["y"]
            dist = geodesic_m(np.full(len(osm), x), np.full(len(osm), y), xy[:, 0], xy[:, 1])
            j = int(np.argmin(dist))
            self._connector(n, osm[j], max(float(dist[j]), 1.0))

    def _connector(self, a, b, length: float) -> None:
        for s, t in ((a, b), (b, a)):
            line = LineString([(self.G.nodes[s]["x"], self.G.nodes[s]["y"]), (self.G.nodes[t]["x"], self.G.nodes[t]["y"])])
            self.G.add_edge(s, t, mode="road", length=length, travel_time=length / (CONNECTOR_SPEED_KPH / 3.6),
                            cost_pkr=0.0, name="extract connector", ref="", geometry=line,
                            geometry_source="schematic", conflation="connector: network to the OSM extract",
                            source=f"derived: straight connector to {self.source}")


def merge_extract(base: nx.MultiDiGraph, extract: nx.MultiDiGraph, source: str = "osm extract") -> nx.MultiDiGraph:
    """A copy of ``base`` whose roads inside the extract's area are the extract's.

    Parameters
    ----------
    base : networkx.MultiDiGraph
        The network to merge into (not modified), e.g. ``default_network()``.
    extract : networkx.MultiDiGraph
        An osmnx road graph (``from_osm_xml(path)``) with ``mode``, ``length`` and ``travel_time``.
    source : str
        Provenance written on new nodes and connectors.

    Returns
    -------
    networkx.MultiDiGraph
        The merged network; ``graph["merged_extracts"]`` lists the sources merged in.
    """
    if extract.number_of_edges() == 0:
        raise ValueError(f"merge: the OSM extract {source} has no roads")
    job = _Merge(base, extract, source)
    job.cut_base_edges()
    job.add_extract()
    job.join()
    G = job.G
    import osmnx as ox

    # osmnx.stats reads street_count; the cut and the connectors changed it around the seam
    nx.set_node_attributes(G, ox.stats.count_streets_per_node(G), "street_count")
    G.graph["merged_extracts"] = [*base.graph.get("merged_extracts", []), source]
    G.graph["crs"] = base.graph.get("crs", "EPSG:4326")
    return G
