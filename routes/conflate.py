"""Conflation: when does a real road path count as a corridor link's road?

A corridor link runs between two gazetteer places.  ``match`` asks the ``RoadGraph`` for the real
road between them and accepts it when

* both places lie within ``snap_max_m`` of a road (a place off every shipped road stays schematic),
* the path is not mostly connector: at least ``min_road_share`` of its length is on the roads,
* it is not an absurd detour: length <= max(``max_circuity`` x geodesic, geodesic + ``slack_m``);
  ``max_circuity`` comes from the link's road class (mountain highways wind more).

The tolerances live in ``routes/data/corridors.yaml`` (``conflation``); docs/routes.md gives the
corridor totals they produce against the published lengths.
"""
from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

from geodata.crs import geodesic_m
from routes.real_roads import RealPath, RoadGraph


@dataclass(frozen=True)
class Tolerance:
    """Acceptance rules for a real path under a corridor link."""

    snap_max_m: float = 10_000.0
    min_road_share: float = 0.5
    slack_m: float = 20_000.0
    max_circuity: float = 1.6

    @classmethod
    def from_spec(cls, spec: Mapping, road_class: Mapping | None = None) -> "Tolerance":
        """Rules from the ``conflation`` section of corridors.yaml and a road class's ``max_circuity``."""
        def val(node, default):
            node = node.get("value", default) if isinstance(node, Mapping) else node
            return float(default if node is None else node)

        conf = spec.get("conflation", {}) or {}
        circuity = (road_class or {}).get("max_circuity", conf.get("max_circuity"))
        return cls(snap_max_m=val(conf.get("snap_max_m"), cls.snap_max_m),
                   min_road_share=val(conf.get("min_road_share"), cls.min_road_share),
                   slack_m=val(conf.get("slack_m"), cls.slack_m),
                   max_circuity=val(circuity, cls.max_circuity))


@dataclass(frozen=True)
class Match:
    """Outcome of matching one link: the real path (None when schematic) and why."""

    path: RealPath | None
    reason: str


def match(roads: RoadGraph, a: Hashable, b: Hashable, lonlat_a: tuple[float, float],
          lonlat_b: tuple[float, float], rules: Tolerance) -> Match:
    """The real road under the link a-b, or why there is none.

    Parameters
    ----------
    roads : RoadGraph
        With ``a`` and ``b`` attached (``RoadGraph.attach``).
    a, b : hashable
        Keys the places were attached under.
    lonlat_a, lonlat_b : (float, float)
        The places' positions.
    rules : Tolerance

    Returns
    -------
    Match
    """
    for key, lonlat in ((a, lonlat_a), (b, lonlat_b)):
        point = roads.points.get(key)
        if point is None or point.distance_m > rules.snap_max_m:
            return Match(None, f"no road within {rules.snap_max_m / 1000:.0f} km of {lonlat}")
    path = roads.path(a, b, lonlat_a, lonlat_b)
    if path is None:
        return Match(None, "the two places are on unconnected roads")
    if path.road_m < rules.min_road_share * path.length_m:
        return Match(None, f"only {path.road_m / path.length_m:.0%} of the path is on a road")
    direct = float(geodesic_m(*lonlat_a, *lonlat_b))
    limit = max(rules.max_circuity * direct, direct + rules.slack_m)
    if path.length_m > limit:
        return Match(None, f"real path {path.length_m / 1000:.0f} km exceeds {limit / 1000:.0f} km "
                           f"(geodesic {direct / 1000:.0f} km)")
    return Match(path, "matched")
