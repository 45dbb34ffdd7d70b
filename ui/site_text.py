"""Readable names for checkpoint sites: what a person calls them, never the internal id.

    details = describe_sites(sites, G)   # name, type, road, near (one row per site, same order)

A site on a link is named by its road ref and the nearest gazetteer place ("N-40 near Nushki"); a
site at a crossing or launch point by its own name ("Taftan crossing").  Names are unique within a
plan ("N-40 near Nushki (2)").  Public names: ``describe_sites``, ``site_name``, ``TYPE_LABELS``.
"""
from __future__ import annotations

import math
import re

import pandas as pd

TYPE_LABELS = {"crossing": "border crossing", "launch_point": "coastal launch point", "hub": "transit hub",
               "road": "road", "track": "track", "junction": "junction", "town": "town", "user": "own site",
               "node": "point", "link": "road or track"}
DETAIL_COLUMNS = ["name", "type", "road", "near"]
# names some networks generate for a link from its mode and node ids ("road 1-2"): ids, not a name
_GENERATED_LINK_NAME = re.compile(r"^(road|track|crossing|sea|air)( [\w-]+)? \d+-\d+$")


def road_label(ref: str, name: str) -> str:
    """What people call a link: its ref ("N-40"), else its own name ("Thatta-Keti Bandar road"), else ""."""
    if ref:
        return ref
    name = str(name or "").strip()
    if not name or _GENERATED_LINK_NAME.match(name):
        return ""
    return f"road to {name[len('access '):]}" if name.startswith("access ") else name


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _edge(value):
    if _missing(value):
        return None
    return tuple(int(part) for part in value)


def _point(G, site: dict, node, edge) -> tuple[float | None, float | None]:
    if not _missing(site.get("lon")) and not _missing(site.get("lat")):
        return float(site["lon"]), float(site["lat"])
    if node is not None and G is not None and node in G:
        return float(G.nodes[node]["x"]), float(G.nodes[node]["y"])
    if edge is not None and G is not None and G.has_edge(*edge):
        u, v = edge[:2]
        return (G.nodes[u]["x"] + G.nodes[v]["x"]) / 2, (G.nodes[u]["y"] + G.nodes[v]["y"]) / 2
    return None, None


def site_name(site: dict, G=None) -> dict:
    """``{"name", "type", "road", "near"}`` for one site (a dict with node or edge, lon/lat)."""
    from ui.catch import nearest_place

    node = None if _missing(site.get("node")) else int(site["node"])
    edge = _edge(site.get("edge"))
    lon, lat = _point(G, site, node, edge)
    near = nearest_place(lon, lat)[0] if lon is not None else ""
    kind, own, road = ("node" if node is not None else "link"), "", ""
    if node is not None and G is not None and node in G:
        kind, own = G.nodes[node].get("kind") or "node", str(G.nodes[node].get("name") or "")
    elif edge is not None and G is not None and G.has_edge(*edge):
        data = G.edges[edge]
        kind, road = data.get("mode") or "road", str(data.get("ref") or "")
        own = road_label(road, str(data.get("name") or ""))
    type_label = TYPE_LABELS.get(kind, kind.replace("_", " "))
    if own and node is not None:
        name = f"{own} {type_label}" if kind in ("crossing", "launch_point") else own
    elif own:
        name = f"{own} near {near}" if near and near not in own else own
    else:
        name = f"{type_label} near {near}" if near else type_label
    return {"name": name, "type": type_label, "road": road, "near": near}


def describe_sites(sites, G=None) -> pd.DataFrame:
    """Readable name, type, road ref and nearest place of every site, in the sites' order.

    Parameters
    ----------
    sites : DataFrame or list of dict
        Sites in the placement contract (``node`` or ``edge``, optional ``lon``/``lat``).
    G : networkx.MultiDiGraph, optional
        The network the sites stand on; without it names come from the nearest place only.

    Returns
    -------
    DataFrame
        ``name``, ``type``, ``road``, ``near``; ``name`` is unique within the plan.
    """
    records = sites.to_dict("records") if isinstance(sites, pd.DataFrame) else [dict(s) for s in sites]
    rows = [site_name(site, G) for site in records]
    seen: dict[str, int] = {}
    for row in rows:
        seen[row["name"]] = seen.get(row["name"], 0) + 1
        if seen[row["name"]] > 1:
            row["name"] = f"{row['name']} ({seen[row['name']]})"
    return pd.DataFrame(rows, columns=DETAIL_COLUMNS)
