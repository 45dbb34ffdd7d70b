"""Lay the network's land links: on a real road alignment where one matches, else schematic.

The network builder collects every road, track and crossing link first (``LinkRequest``), then
``lay_links`` attaches all their end places to the real roads in one pass and adds each link as a
two-way edge:

* ``geometry_source="naturalearth"``: ``geometry`` is the real road (place, road point, along the
  roads, road point, place) and ``length`` its geodesic length;
* ``geometry_source="schematic"``: no real road under it (tracks always; see ``routes.conflate``
  for the rules, the reason is in ``conflation``); ``length`` is the geodesic distance times the
  class's detour factor and the edge has no ``geometry`` (drawn straight, marked schematic).

Travel time is length at the class's speed (crossings: 40 km/h plus the waiting time); ``cost_pkr``
the class's fare per km (crossings: their fee).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from geodata.crs import geodesic_m
from routes.conflate import Match, Tolerance, match
from routes.real_roads import RoadGraph

CROSSING_SPEED_KPH = 40.0
CROSSING_DETOUR = 1.2
REAL_SOURCE = "alignment: Natural Earth 1:10m roads (public domain), routes/data/roads_naturalearth*.geojson"
SCHEMATIC_MODES = ("track",)
SPUR_MIN_M = 2_000.0  # a place farther than this off its road gets a road-point junction and a spur
SPUR_SPEED_KPH = 30.0  # informal tracks are not in the road data: always schematic


@dataclass
class LinkRequest:
    """A two-way land link the builder asked for."""

    u: int
    v: int
    road_class: str  # a class of corridors.yaml, or "crossing"
    name: str
    ref: str
    source: str
    crossing: dict = field(default_factory=dict)  # the crossing_links entry (crossings only)


def lay_links(g, requests: list[LinkRequest], classes: Mapping[str, Mapping], spec: Mapping,
              roads: RoadGraph | None) -> dict[str, int]:
    """Add every requested link to ``g`` (a build_network._Graph), on real roads where they match.

    Parameters
    ----------
    g : routes.build_network._Graph
    requests : list of LinkRequest
    classes : mapping
        Road classes of corridors.yaml with plain values.
    spec : mapping
        The whole corridors.yaml (its ``conflation`` section gives the tolerances).
    roads : RoadGraph or None
        None lays every link schematically.

    Returns
    -------
    dict
        Number of links laid per ``geometry_source``.
    """
    if roads is not None:
        ends = {n for r in requests for n in (r.u, r.v)}
        roads.attach({n: g.xy(n) for n in sorted(ends)}, Tolerance.from_spec(spec).snap_max_m)
    spur_min_m = _spec_value(spec.get("conflation", {}), "spur_min_m", SPUR_MIN_M)
    counts = {"naturalearth": 0, "schematic": 0}
    for req in requests:
        cls = classes.get(req.road_class, {})
        found = _match(g, req, cls, spec, roads)
        if found.path is not None:
            req, found = _via_road_points(g, req, found, roads, spur_min_m, cls, spec)
        if req.road_class == "crossing":
            _lay_crossing(g, req, found)
        else:
            _lay_road(g, req, cls, found)
        counts["naturalearth" if found.path is not None else "schematic"] += 1
    return counts


def _spec_value(section: Mapping, name: str, default: float) -> float:
    node = (section or {}).get(name, default)
    return float(node.get("value", default) if isinstance(node, Mapping) else node)


def _road_point_node(g, place: int, roads: RoadGraph, spur_min_m: float) -> int:
    """The node where ``place`` meets the road: the place itself when it is within ``spur_min_m``,
    else a junction at its road point joined to the place by a straight spur (schematic)."""
    point = roads.points[place]
    if point.distance_m <= spur_min_m:
        return place
    data = g.G.nodes[place]
    node = g.node(("road_point", place), point.lon, point.lat, name=f"{data.get('name', place)} (road)",
                  kind="junction", country=data.get("country"), road_point_of=place,
                  source="derived: nearest point of the real road to the place")
    length = float(geodesic_m(*g.xy(place), point.lon, point.lat))
    g.link(place, node, mode="road", length=length, travel_time=length / (SPUR_SPEED_KPH / 3.6), cost_pkr=0.0,
           name=f"to {data.get('name', place)}", ref="", road_class="link", geometry_source="schematic",
           conflation="connector: the place to its nearest real road point",
           source="derived: straight connector from the place to the real road")
    return node


def _via_road_points(g, req: LinkRequest, found: Match, roads: RoadGraph, spur_min_m: float, cls: Mapping,
                     spec: Mapping) -> tuple[LinkRequest, Match]:
    """Re-anchor a matched link on its ends' road points, so through traffic stays on the road."""
    u = _road_point_node(g, req.u, roads, spur_min_m)
    v = _road_point_node(g, req.v, roads, spur_min_m)
    if (u, v) == (req.u, req.v):
        return req, found
    moved = LinkRequest(u, v, req.road_class, req.name, req.ref, req.source, req.crossing)
    roads.points.setdefault(u, roads.points[req.u])
    roads.points.setdefault(v, roads.points[req.v])
    again = match(roads, u, v, g.xy(u), g.xy(v), Tolerance.from_spec(spec, cls))
    return (moved, again) if again.path is not None else (req, found)


def _match(g, req: LinkRequest, cls: Mapping, spec: Mapping, roads: RoadGraph | None) -> Match:
    """The real road under a request, or why it stays schematic."""
    if roads is None:
        return Match(None, "schematic network (real roads not used)")
    if cls.get("mode") in SCHEMATIC_MODES:
        return Match(None, "informal track: not in the road data")
    return match(roads, req.u, req.v, g.xy(req.u), g.xy(req.v), Tolerance.from_spec(spec, cls))


def _geometry_attrs(found: Match, source: str) -> tuple[dict, str]:
    """Edge attributes describing where the geometry came from, and the edge's source text."""
    if found.path is None:
        return {"geometry_source": "schematic", "conflation": found.reason}, source
    return ({"geometry_source": "naturalearth", "conflation": found.reason, "geometry": found.path.line},
            f"{source}; {REAL_SOURCE}")


def _lay_road(g, req: LinkRequest, cls: Mapping, found: Match) -> None:
    """A road or track link of a corridors.yaml class."""
    if found.path is not None:
        length = found.path.length_m
    else:
        length = float(geodesic_m(*g.xy(req.u), *g.xy(req.v))) * float(cls["detour_factor"])
    extra, source = _geometry_attrs(found, req.source)
    g.link(req.u, req.v, mode=cls["mode"], length=length, travel_time=length / (cls["speed_kph"] / 3.6),
           cost_pkr=cls["fare_pkr_per_km"] * length / 1000.0, name=req.name, ref=req.ref, source=source,
           road_class=req.road_class, **extra)


def _lay_crossing(g, req: LinkRequest, found: Match) -> None:
    """A crossing edge (through the border post) with its waiting time and fee."""
    cl = req.crossing
    if found.path is not None:
        length = found.path.length_m
    else:
        length = float(geodesic_m(*g.xy(req.u), *g.xy(req.v))) * CROSSING_DETOUR
    extra, source = _geometry_attrs(found, req.source)
    wait_s = 3600 * float(cl.get("wait_h", 2))
    g.link(req.u, req.v, mode="crossing", length=length, travel_time=length / (CROSSING_SPEED_KPH / 3.6) + wait_s,
           cost_pkr=float(cl.get("cost_pkr", 0) or 0), name=req.name, ref="", source=source, dedupe=False,
           **extra)
