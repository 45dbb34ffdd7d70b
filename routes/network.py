"""The multimodal route network: an osmnx-style MultiDiGraph (see docs/CONTRACTS.md).

* ``default_network()``: the shipped corridor-scale network (roads, tracks, crossings, sea and air
  legs), built by ``routes.build_network`` from the geodata layers and the corridor files in
  ``routes/data/``, cached in memory, as a GraphML artifact and as a pickle keyed by the build's inputs.
* ``from_osm_xml(path, merge_into=None)``: a real OpenStreetMap extract loaded with osmnx (mode
  ``road``), or merged into a network where its roads replace the network's (``routes.osm_merge``).
* ``from_place(name)``: the same, downloaded by osmnx when online and asked for.
"""
from __future__ import annotations

import functools
import threading
from pathlib import Path

import networkx as nx
import osmnx as ox

# Free-flow speeds (km/h) by OSM highway class where a way has no maxspeed.  Pakistani roads are
# slower than osmnx's observed-mean fallback suggests.  Source: assumption (NHA design speeds,
# rounded down for traffic and checkpoints).
HIGHWAY_SPEEDS_KPH = {
    "motorway": 110, "motorway_link": 60, "trunk": 70, "trunk_link": 40, "primary": 60,
    "primary_link": 40, "secondary": 50, "secondary_link": 30, "tertiary": 40, "tertiary_link": 30,
    "unclassified": 35, "residential": 30, "living_street": 15, "service": 20, "road": 40, "track": 25,
}
FALLBACK_SPEED_KPH = 40


def _finish_osm_graph(G: nx.MultiDiGraph, source: str) -> nx.MultiDiGraph:
    G = ox.routing.add_edge_speeds(G, hwy_speeds=HIGHWAY_SPEEDS_KPH, fallback=FALLBACK_SPEED_KPH)
    G = ox.routing.add_edge_travel_times(G)
    for _, _, data in G.edges(data=True):
        data["mode"] = "track" if data.get("highway") == "track" else "road"
        data.setdefault("cost_pkr", 0.0)
        data["source"] = source
        data["geometry_source"] = "osm"
    for _, data in G.nodes(data=True):
        data.setdefault("kind", "junction")
    G.graph["crs"] = "EPSG:4326"
    G.graph["source"] = source
    return G


def from_osm_xml(path: str | Path, merge_into: nx.MultiDiGraph | None = None) -> nx.MultiDiGraph:
    """Road graph of an OpenStreetMap XML extract (``.osm``), with speeds and travel times.

    Parameters
    ----------
    path : str or Path
        The ``.osm`` file.
    merge_into : networkx.MultiDiGraph, optional
        A network (e.g. ``default_network()``) whose roads inside the extract's area the extract
        replaces, joined at the area's edge (``routes.osm_merge``); the network itself is not changed.

    Returns
    -------
    networkx.MultiDiGraph
        The extract's road graph, or the merged network when ``merge_into`` is given.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"OSM extract not found: {path}")
    try:
        G = ox.graph_from_xml(path, retain_all=True)
    except ValueError as exc:
        raise ValueError(f"{path}: could not build a road graph from this OSM file ({exc})") from exc
    G = _finish_osm_graph(G, source=f"osm-xml:{path.name}")
    if merge_into is None:
        return G
    from routes.osm_merge import merge_extract

    return merge_extract(merge_into, G, source=f"osm-xml:{path.name}")


def from_place(name: str, network_type: str = "drive") -> nx.MultiDiGraph:
    """Road graph of a named place downloaded by osmnx (needs internet; never called offline)."""
    G = ox.graph_from_place(name, network_type=network_type)
    return _finish_osm_graph(G, source=f"osm-place:{name}")


_BUILD_LOCK = threading.Lock()  # the app's warm-up and the first page run must not both parse the graph


@functools.lru_cache(maxsize=1)
def _default_network_locked() -> nx.MultiDiGraph:
    from routes.build_network import load_or_build

    return load_or_build()


def _default_network_cached() -> nx.MultiDiGraph:
    with _BUILD_LOCK:
        return _default_network_locked()


def default_network(copy: bool = False) -> nx.MultiDiGraph:
    """The shipped multimodal network (cached; pass ``copy=True`` before editing it)."""
    G = _default_network_cached()
    return G.copy() if copy else G
