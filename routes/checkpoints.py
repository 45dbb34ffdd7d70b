"""Checkpoints as routes.flows.assign takes them: normalisation and per-edge/per-node detection.

A checkpoint is a node (catches everyone passing it) or an edge ``(u, v, key)`` (catches both
directions of that link), with a detection probability.  Several sites at one place combine as
``1 - prod(1 - p)``.  See docs/CONTRACTS.md for the table form.
"""
from __future__ import annotations

import math
from typing import Iterable

import networkx as nx
import numpy as np
import pandas as pd

__all__ = ["normalise_checkpoints", "checkpoint_arrays", "reverse_edge"]




def normalise_checkpoints(G: nx.MultiDiGraph, checkpoints, detection: float = 0.5) -> pd.DataFrame | None:
    """Checkpoints as a DataFrame with ``site_id``, ``detection``, ``node``, ``edge``.

    Accepts a (Geo)DataFrame with ``site_id``, ``detection`` and ``node`` or ``edge``; a dict
    ``{node: p}`` / ``{(u, v, key): p}``; or an iterable of nodes/edges (detection = ``detection``).
    """
    if checkpoints is None:
        return None
    if isinstance(checkpoints, pd.DataFrame):
        frame = pd.DataFrame(checkpoints).copy()
        if "node" not in frame.columns and "edge" not in frame.columns:
            raise ValueError("checkpoints: need a 'node' or an 'edge' column")
        if "detection" not in frame.columns:
            frame["detection"] = detection
        if "site_id" not in frame.columns:
            frame["site_id"] = [f"cp{i}" for i in range(len(frame))]
    else:
        if isinstance(checkpoints, dict):
            items = list(checkpoints.items())
        elif isinstance(checkpoints, (str, bytes)) or not isinstance(checkpoints, Iterable):
            raise TypeError("checkpoints: expected a DataFrame, a dict {node or edge: p} or a list")
        else:
            items = [(c, detection) for c in checkpoints]
        rows = []
        for i, (where, p) in enumerate(items):
            is_edge = isinstance(where, tuple) and len(where) in (2, 3) and where not in G
            rows.append({"site_id": f"cp{i}", "detection": p,
                         "node": None if is_edge else where, "edge": where if is_edge else None})
        frame = pd.DataFrame(rows, columns=["site_id", "detection", "node", "edge"])
    for col in ("node", "edge"):
        if col not in frame.columns:
            frame[col] = None
    frame["node"] = frame["node"].astype(object)
    frame["edge"] = frame["edge"].astype(object)
    for i, row in frame.iterrows():
        p = row["detection"]
        if not isinstance(p, (int, float, np.floating, np.integer)) or not 0.0 <= float(p) <= 1.0:
            raise ValueError(f"checkpoints row {i} ({row['site_id']}): detection must be a probability in "
                             f"[0, 1], got {p!r}")
        node, edge = row["node"], row["edge"]
        has_node = node is not None and not (isinstance(node, float) and math.isnan(node))
        has_edge = edge is not None and not (isinstance(edge, float) and math.isnan(edge))
        if has_node == has_edge:
            raise ValueError(f"checkpoints row {i} ({row['site_id']}): give exactly one of node or edge")
        if has_node:
            if node not in G:
                raise ValueError(f"checkpoints row {i} ({row['site_id']}): node {node!r} is not in the graph")
            frame.at[i, "edge"] = None
        else:
            edge = tuple(edge)
            if len(edge) == 2:
                if not G.has_edge(*edge):
                    raise ValueError(f"checkpoints row {i} ({row['site_id']}): edge {edge!r} is not in the graph")
                edge = (edge[0], edge[1], min(G[edge[0]][edge[1]]))
            if not G.has_edge(*edge):
                raise ValueError(f"checkpoints row {i} ({row['site_id']}): edge {edge!r} is not in the graph")
            frame.at[i, "edge"] = edge
            frame.at[i, "node"] = None
    frame["detection"] = frame["detection"].astype(float)
    return frame.reset_index(drop=True)


def reverse_edge(comp, G: nx.MultiDiGraph, edge) -> int | None:
    u, v, key = edge
    if G.has_edge(v, u, key):
        return comp.edge_pos[(v, u, key)]
    if not G.has_edge(v, u):
        return None
    length = G.edges[edge]["length"]
    keys = list(G[v][u])
    best = min(keys, key=lambda k2: abs(G.edges[v, u, k2]["length"] - length))
    return comp.edge_pos[(v, u, best)]


def checkpoint_arrays(comp, G, cps: pd.DataFrame | None):
    """Per-edge and per-node detection (combined when several sites share one), and site lists."""
    edge_p = np.zeros(len(comp.edges))
    node_p = np.zeros(comp.n)
    edge_sites: dict[int, list] = {}
    node_sites: dict[int, list] = {}
    if cps is None or cps.empty:
        return edge_p, node_p, edge_sites, node_sites
    for row in cps.itertuples(index=False):
        p = float(row.detection)
        if row.edge is not None:
            idxs = [comp.edge_pos[row.edge]]
            rev = reverse_edge(comp, G, row.edge)
            if rev is not None:
                idxs.append(rev)
            for i in idxs:
                edge_p[i] = 1 - (1 - edge_p[i]) * (1 - p)
                edge_sites.setdefault(i, []).append((row.site_id, p))
        else:
            i = comp.index[row.node]
            node_p[i] = 1 - (1 - node_p[i]) * (1 - p)
            node_sites.setdefault(i, []).append((row.site_id, p))
    return edge_p, node_p, edge_sites, node_sites
