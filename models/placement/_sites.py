"""Candidate checkpoint sites and their incidence with routes.

A site sits on a graph node (a crossing, a launch point, a transit hub) or on a
link (an edge; a checkpoint on a link catches both directions).  Sites are
thinned to one per road/track segment between junctions, because every edge of
an unbranched chain carries exactly the same routes: more than one candidate
per chain only adds identical columns to the optimiser.
"""
from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
from shapely.geometry import LineString, Point

from geodata.crs import METRIC_CRS, STORAGE_CRS
from routes.geometry import edge_line, edge_point_at, edge_position

# Scenario parameters, editable per call.  Detection is the probability that a
# checkpoint of this type stops a party that passes it; capacity is persons a
# day it can process (interview, hold, hand over).
DEFAULT_DETECTION: dict[str, float] = {
    "crossing": 0.6,      # fixed post with FIA immigration desk
    "launch_point": 0.5,  # coast guard at a fishing jetty
    "hub": 0.3,           # bus/truck terminal in a transit city: crowds dilute checks
    "road": 0.4,          # road checkpoint (Levies/FC/police)
    "track": 0.25,        # mobile picket on a desert track
    "user": 0.5,
}
DEFAULT_CAPACITY: dict[str, float] = {
    "crossing": 600.0,     # unodc-2011 §8.1: 500-600 at once in Quetta
    "launch_point": 100.0,
    "hub": 300.0,
    "road": 200.0,
    "track": 60.0,
    "user": 200.0,
}
NODE_SITE_KINDS = ("crossing", "launch_point", "hub")
EDGE_SITE_MODES = ("road", "track", "crossing")
SITE_COLUMNS = ["site_id", "site_type", "detection", "capacity", "node", "edge", "along_m", "name", "source",
                "geometry"]
SITE_SOURCE = "checkpost:placement.candidates"


def link_ids(G: nx.MultiDiGraph) -> dict[tuple, tuple]:
    """Map every edge (u, v, key) to one id per physical link, shared by both directions.

    The reverse of (u, v, k) is (v, u, k) when it exists with the same mode,
    else the reverse edge of the same mode whose length is closest.
    """
    ids: dict[tuple, tuple] = {}
    for u, v, k, data in G.edges(keys=True, data=True):
        if (u, v, k) in ids:
            continue
        link = (u, v, k)
        ids[link] = link
        if not G.has_edge(v, u):
            continue
        mode = data.get("mode")
        back = G[v][u]
        if k in back and back[k].get("mode") == mode and (v, u, k) not in ids:
            ids[(v, u, k)] = link
            continue
        length = float(data.get("length", 0.0))
        options = [(abs(float(d.get("length", 0.0)) - length), k2) for k2, d in back.items()
                   if d.get("mode") == mode and (v, u, k2) not in ids]
        if options:
            ids[(v, u, min(options)[1])] = link
    return ids


def _edge_line(G, u, v, k) -> LineString:
    return edge_line(G, u, v, k)


def _segments(G: nx.MultiDiGraph, links: dict, site_nodes: set) -> list[list[tuple]]:
    """Chains of links of an edge-site mode between junctions (degree != 2) or site nodes."""
    und = nx.MultiGraph()
    for (u, v, k), link in links.items():
        if link == (u, v, k) and G.edges[u, v, k].get("mode") in EDGE_SITE_MODES:
            und.add_edge(u, v, key=link)
    # a chain stops at branching points, site nodes and any named place (town, source,
    # destination...) where routes may start or end: only plain junctions are passed through
    stops = {n for n in und.nodes if und.degree(n) != 2 or n in site_nodes
             or G.nodes[n].get("kind") not in (None, "junction")}
    seen: set = set()
    chains = []
    for u, v, link in sorted(und.edges(keys=True), key=lambda e: str(e[2])):
        if link in seen:
            continue
        chain = [link]
        seen.add(link)
        for cur in (v, u):  # walk both ways until a stop
            while cur not in stops:
                step = [(a, b, lk) for a, b, lk in und.edges(cur, keys=True) if lk not in seen]
                if not step:
                    break
                _, b, lk = step[0]
                seen.add(lk)
                chain.append(lk)
                cur = b
        chains.append(chain)
    return chains


JURISDICTION_BUFFER_M = 10_000.0  # border crossings sit on the line: keep sites this close to it


@functools.lru_cache(maxsize=4)
def _territory(name: str):
    """Polygon of a shipped territory layer, buffered by JURISDICTION_BUFFER_M (metres, metric CRS)."""
    import geodata
    shape = geodata.layer(name).to_crs(METRIC_CRS).union_all().buffer(JURISDICTION_BUFFER_M)
    return gpd.GeoSeries([shape], crs=METRIC_CRS).to_crs(STORAGE_CRS).iloc[0]


def candidates(G: nx.MultiDiGraph, *, detection: Mapping[str, float] | None = None,
               capacity: Mapping[str, float] | None = None, within="pakistan") -> gpd.GeoDataFrame:
    """Default candidate checkpoint sites of a route network.

    One site per crossing, launch-point and hub node, and one per road/track/
    crossing segment between junctions (on its longest link, halfway along the
    link's line: on a real road, a point of the road, ``along_m`` metres from the
    edge's start node).
    ``detection``/``capacity`` override the per-type defaults.  ``within``
    keeps only sites the agencies can staff: a shipped territory layer name
    (default ``"pakistan"``, with a 10 km margin for border posts), a shapely
    geometry in lon/lat, or None for every site.
    """
    if not isinstance(G, nx.MultiDiGraph):
        raise TypeError(f"candidates: network must be a networkx.MultiDiGraph, got {type(G).__name__}")
    det = {**DEFAULT_DETECTION, **(detection or {})}
    cap = {**DEFAULT_CAPACITY, **(capacity or {})}
    _check_probabilities(det, "detection")
    rows = []
    site_nodes = {n for n, d in G.nodes(data=True) if d.get("kind") in NODE_SITE_KINDS}
    for n in sorted(site_nodes, key=str):
        d = G.nodes[n]
        kind = d["kind"]
        rows.append({"site_id": f"n{n}", "site_type": kind, "detection": det[kind], "capacity": cap.get(kind, np.nan),
                     "node": n, "edge": None, "name": d.get("name", ""), "source": SITE_SOURCE,
                     "geometry": Point(d["x"], d["y"])})
    links = link_ids(G)
    for chain in _segments(G, links, site_nodes):
        best = max(chain, key=lambda e: float(G.edges[e].get("length", 0.0)))
        mode = G.edges[best].get("mode")
        data = G.edges[best]
        label = data.get("ref") or data.get("name") or ""
        half = float(data.get("length", 0.0)) / 2  # halfway along the road, not the chord's midpoint
        rows.append({"site_id": f"e{best[0]}-{best[1]}-{best[2]}", "site_type": mode, "detection": det[mode],
                     "capacity": cap.get(mode, np.nan), "node": None, "edge": tuple(best), "along_m": half,
                     "name": str(label), "source": SITE_SOURCE, "geometry": edge_point_at(G, tuple(best), half)})
    out = _frame(rows)
    if within is not None:
        area = _territory(within) if isinstance(within, str) else within
        out = out[out.geometry.within(area)].reset_index(drop=True)
    return out


def _frame(rows) -> gpd.GeoDataFrame:
    df = pd.DataFrame(rows, columns=SITE_COLUMNS)
    # keep node ids as given (ints stay ints), None where the site is on a link
    df["node"] = pd.Series([r.get("node") for r in rows], dtype="object", index=df.index)
    df["edge"] = pd.Series([r.get("edge") for r in rows], dtype="object", index=df.index)
    df["along_m"] = pd.to_numeric(df["along_m"], errors="coerce").astype(float)
    return gpd.GeoDataFrame(df, geometry="geometry", crs=STORAGE_CRS)


def _check_probabilities(det: Mapping, what: str) -> None:
    for key, p in det.items():
        if not (0.0 <= float(p) <= 1.0):
            raise ValueError(f"{what}[{key!r}] = {p}: a detection probability must lie in [0, 1]")


def add_site(sites: gpd.GeoDataFrame, G: nx.MultiDiGraph, lon: float, lat: float, *, on: str = "edge",
             site_type: str = "user", detection: float | None = None, capacity: float | None = None,
             name: str = "", site_id: str | None = None) -> gpd.GeoDataFrame:
    """Return ``sites`` with a user-proposed site snapped to the nearest link (or node)."""
    if on not in ("edge", "node"):
        raise ValueError(f"add_site: on must be 'edge' or 'node', got {on!r}")
    p = DEFAULT_DETECTION.get(site_type, DEFAULT_DETECTION["user"]) if detection is None else float(detection)
    _check_probabilities({site_type: p}, "detection")
    here = gpd.GeoSeries([Point(lon, lat)], crs=STORAGE_CRS).to_crs(METRIC_CRS).iloc[0]
    if on == "node":
        nodes = list(G.nodes)
        pts = gpd.GeoSeries([Point(G.nodes[n]["x"], G.nodes[n]["y"]) for n in nodes], crs=STORAGE_CRS).to_crs(METRIC_CRS)
        n = nodes[int(np.argmin(pts.distance(here).to_numpy()))]
        row = {"node": n, "edge": None, "geometry": Point(G.nodes[n]["x"], G.nodes[n]["y"])}
        default_id = f"u-n{n}"
    else:
        edges = [e for e in link_ids(G).items() if e[0] == e[1] and G.edges[e[0]].get("mode") in EDGE_SITE_MODES]
        if not edges:
            raise ValueError("add_site: the network has no road, track or crossing link to put a site on")
        lines = gpd.GeoSeries([_edge_line(G, *e) for e, _ in edges], crs=STORAGE_CRS)
        dist = lines.to_crs(METRIC_CRS).distance(here).to_numpy()
        best = int(np.argmin(dist))
        e = edges[best][0]
        point, along, _ = edge_position(G, tuple(e), lon, lat)
        row = {"node": None, "edge": tuple(e), "along_m": along, "geometry": point}
        default_id = f"u-e{e[0]}-{e[1]}-{e[2]}"
    sid = site_id or default_id
    if sid in set(sites["site_id"]):
        raise ValueError(f"add_site: site_id {sid!r} already exists among the candidates")
    cap = DEFAULT_CAPACITY.get(site_type, np.nan) if capacity is None else float(capacity)
    row.update({"site_id": sid, "site_type": site_type, "detection": p, "capacity": cap, "name": name,
                "source": "user"})
    return _frame(sites.to_dict("records") + [row])


def validate_sites(sites: pd.DataFrame) -> pd.DataFrame:
    """Check a candidate table follows the checkpoint contract; return it with a clean index."""
    if not isinstance(sites, pd.DataFrame):
        raise TypeError(f"candidates must be a (Geo)DataFrame, got {type(sites).__name__}")
    for col in ("site_id", "detection"):
        if col not in sites.columns:
            raise ValueError(f"candidates: missing column {col!r}")
    if "node" not in sites.columns and "edge" not in sites.columns:
        raise ValueError("candidates: need a 'node' or an 'edge' column saying where each site sits")
    if sites["site_id"].duplicated().any():
        dup = sites.loc[sites["site_id"].duplicated(), "site_id"].iloc[0]
        raise ValueError(f"candidates: site_id {dup!r} appears more than once")
    det = pd.to_numeric(sites["detection"], errors="coerce")
    bad = det.isna() | (det < 0) | (det > 1)
    if bad.any():
        row = sites.loc[bad].iloc[0]
        raise ValueError(f"candidates: site {row['site_id']!r} has detection {row['detection']}, must lie in [0, 1]")
    out = sites.reset_index(drop=True).copy()
    out["detection"] = det.to_numpy(dtype=float)
    if "capacity" not in out.columns:
        out["capacity"] = np.nan
    for col in ("node", "edge"):
        if col not in out.columns:
            out[col] = None
    out["node"] = out["node"].astype(object)
    out["edge"] = out["edge"].astype(object)
    for i, (sid, node, edge) in enumerate(zip(out["site_id"], out["node"], out["edge"])):
        has_node = node is not None and not (isinstance(node, float) and np.isnan(node))
        has_edge = isinstance(edge, (tuple, list)) and len(edge) in (2, 3)
        if has_node == has_edge:
            raise ValueError(f"candidates: site {sid!r} needs exactly one of node or edge (u, v[, key])")
        if has_node:
            out.at[i, "node"] = node
            out.at[i, "edge"] = None
        else:
            out.at[i, "node"] = None
            out.at[i, "edge"] = tuple(edge) if len(edge) == 3 else (edge[0], edge[1], 0)
    return out


def site_spots(sites: pd.DataFrame, links: dict) -> list:
    """Per site where a checkpoint there acts: ("link", link id), ("node", node) or None."""
    spots = []
    for sid, node, edge in zip(sites["site_id"], sites["node"], sites["edge"]):
        if isinstance(edge, (tuple, list)) and len(edge) == 3:
            if tuple(edge) not in links:
                raise ValueError(f"candidates: site {sid!r} sits on edge {tuple(edge)} not in the network")
            spots.append(("link", links[tuple(edge)]))
        elif node is not None and not (isinstance(node, float) and np.isnan(node)):
            spots.append(("node", node))
        else:
            spots.append(None)
    return spots


def _site_keys(sites: pd.DataFrame, links: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(node, site index) and (link id, site index) pairs."""
    pairs: dict = {"node": [], "link": []}
    for i, spot in enumerate(site_spots(sites, links)):
        if spot is not None:
            pairs[spot[0]].append((spot[1], i))
    return (pd.DataFrame(pairs["node"], columns=["node", "site"]),
            pd.DataFrame(pairs["link"], columns=["link", "site"]))


def incidence(paths: pd.DataFrame, sites: pd.DataFrame, G: nx.MultiDiGraph, *,
              with_order: bool = False):
    """Sparse 0/1 matrix (paths x sites): 1 where the path passes the site's node or link.

    With ``with_order=True`` also returns a matrix of the same pattern holding
    1 + the position along the path where the site is first met (nodes at even,
    links at odd positions), so checkpoints can be taken in travel order.
    """
    links = link_ids(G)
    node_pairs, link_pairs = _site_keys(sites, links)
    n_paths = len(paths)
    rows, cols, where = [], [], []
    if len(node_pairs):
        lens = paths["nodes"].map(len).to_numpy()
        starts = np.repeat(np.cumsum(lens) - lens, lens)
        flat = pd.DataFrame({"row": np.repeat(np.arange(n_paths), lens),
                             "node": [n for seq in paths["nodes"] for n in seq]})
        flat["pos"] = 2 * (np.arange(len(flat)) - starts)
        hit = flat.merge(node_pairs, on="node")
        rows.append(hit["row"].to_numpy())
        cols.append(hit["site"].to_numpy())
        where.append(hit["pos"].to_numpy())
    if len(link_pairs):
        lens = paths["edges"].map(len).to_numpy()
        starts = np.repeat(np.cumsum(lens) - lens, lens)
        link_of = links.get
        flat_links = [link_of(tuple(e)) for seq in paths["edges"] for e in seq]
        code = {lk: i for i, lk in enumerate(link_pairs["link"].unique())}
        codes = np.fromiter((code.get(lk, -1) for lk in flat_links), dtype=np.int64, count=len(flat_links))
        row_idx = np.repeat(np.arange(n_paths), lens)
        pos = 2 * (np.arange(len(flat_links)) - starts) + 1
        keep = codes >= 0
        flat = pd.DataFrame({"row": row_idx[keep], "code": codes[keep], "pos": pos[keep]})
        pairs = pd.DataFrame({"code": link_pairs["link"].map(code).to_numpy(), "site": link_pairs["site"].to_numpy()})
        hit = flat.merge(pairs, on="code")
        rows.append(hit["row"].to_numpy())
        cols.append(hit["site"].to_numpy())
        where.append(hit["pos"].to_numpy())
    if rows:
        r, c, w = np.concatenate(rows), np.concatenate(cols), np.concatenate(where)
    else:
        r = c = w = np.zeros(0, dtype=np.int64)
    m = sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(n_paths, len(sites)))
    m.sum_duplicates()
    m.data[:] = 1.0  # a path passing a node twice still meets the checkpoint once
    if not with_order:
        return m
    first = pd.DataFrame({"r": r, "c": c, "w": w}).groupby(["r", "c"], sort=True)["w"].min()
    order = sp.csr_matrix((first.to_numpy() + 1.0, (first.index.get_level_values(0), first.index.get_level_values(1))),
                          shape=m.shape)
    order.sort_indices()
    return m, order


def resolve_ids(sites: pd.DataFrame, ids: Iterable, what: str) -> np.ndarray:
    """Positions of the given site ids in ``sites``; unknown ids are an error naming ``what``."""
    ids = list(ids) if not isinstance(ids, str) else [ids]
    pos = pd.Index(sites["site_id"]).get_indexer(ids)
    if (pos < 0).any():
        missing = [i for i, p in zip(ids, pos) if p < 0]
        raise ValueError(f"{what}: unknown site_id(s) {missing[:5]} (not among the candidates)")
    return np.unique(pos)
