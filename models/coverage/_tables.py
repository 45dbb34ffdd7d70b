"""Per-path scoring and the aggregation of paths into coverage tables (border segments, corridors, ...).

Every table row carries ``flow`` (persons/year whose route uses the element), ``intercepted`` (the
expected number of them caught anywhere on their route) and ``uncovered`` = flow - intercepted, so
volume is conserved row by row; ``by_case_mode`` and ``districts`` partition the total volume.
"""
from __future__ import annotations

import inspect

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from shapely.geometry import Point

from geodata.crs import STORAGE_CRS
from models.coverage._geometry import corridor_of

COUNT_COLUMNS = ("flow", "intercepted", "uncovered")
PATH_COLUMNS = ["row", "origin", "destination", "case_type", "mode", "volume", "p_intercept", "intercepted", "met",
                "nodes", "edges"]


def checkpoint_table(plan) -> pd.DataFrame:
    """Checkpoint sites of a Plan, a checkpoint (Geo)DataFrame, or None (no checkpoints)."""
    from models.placement._sites import validate_sites

    if plan is None:
        return validate_sites(pd.DataFrame({"site_id": pd.Series(dtype=object), "detection": pd.Series(dtype=float),
                                            "node": pd.Series(dtype=object), "edge": pd.Series(dtype=object)}))
    sites = plan.sites if hasattr(plan, "sites") else plan
    if not isinstance(sites, pd.DataFrame):
        raise TypeError(f"plan: expected a models.placement.Plan, a checkpoint DataFrame or None, "
                        f"got {type(plan).__name__}")
    return validate_sites(sites)


def _main_mode(G: nx.MultiDiGraph, edges) -> str:
    modes = {G.edges[e].get("mode") for e in edges}
    return "sea" if "sea" in modes else "air" if "air" in modes else "land"


def score_paths(paths: pd.DataFrame, G: nx.MultiDiGraph, sites: pd.DataFrame) -> pd.DataFrame:
    """Paths with ``p_intercept``, ``intercepted`` and ``met`` (the route passes a working checkpoint)."""
    from models.placement import intercepted

    for col in ("volume", "nodes", "edges"):
        if col not in paths.columns:
            raise ValueError(f"flows.paths: missing column {col!r}")
    base = pd.DataFrame(paths.drop(columns=["geometry"], errors="ignore")).reset_index(drop=True)
    if len(sites):
        scored = intercepted(base, G, sites)
    else:
        scored = base.copy()
        scored["p_intercept"] = 0.0
        scored["intercepted"] = 0.0
    out = pd.DataFrame({"row": np.arange(len(scored))})
    out["origin"] = scored["origin"].to_numpy() if "origin" in scored.columns else None
    out["destination"] = scored["destination"].to_numpy() if "destination" in scored.columns else None
    out["case_type"] = (scored["case_type"].astype(str).to_numpy() if "case_type" in scored.columns
                        else "unknown")
    out["mode"] = (scored["mode"].astype(str).to_numpy() if "mode" in scored.columns
                   else [_main_mode(G, es) for es in scored["edges"]])
    out["volume"] = pd.to_numeric(scored["volume"]).to_numpy(float)
    if (out["volume"] < 0).any():
        raise ValueError("flows.paths: negative volume")
    out["p_intercept"] = scored["p_intercept"].to_numpy(float)
    out["intercepted"] = out["volume"] * out["p_intercept"]
    out["met"] = np.where(out["p_intercept"] > 0, out["volume"], 0.0)
    out["nodes"] = scored["nodes"].to_numpy()
    out["edges"] = scored["edges"].to_numpy()
    return out[PATH_COLUMNS]


def rerouted_paths(flows, sites: pd.DataFrame, *, model: str, detour: float) -> pd.DataFrame:
    """Paths after smugglers re-route around ``sites`` (``routes.flows.assign`` logit, or best response)."""
    G, demand = flows.graph, getattr(flows, "demand", None)
    if demand is None:
        raise ValueError("flows: adaptive=True needs flows.demand to re-route (pass adaptive=False otherwise)")
    if model == "logit":
        from routes.flows import assign

        allowed = set(inspect.signature(assign).parameters) - {"G", "demand", "checkpoints"}
        prm = dict(getattr(flows, "parameters", {}) or {})
        if "default_detection" in prm:
            prm["detection"] = prm.pop("default_detection")
        kw = {k: v for k, v in prm.items() if k in allowed}
        cps = sites[[c for c in ("site_id", "detection", "node", "edge") if c in sites.columns]] if len(sites) else None
        return assign(G, demand, checkpoints=cps, **kw).paths
    if model == "best_response":
        from models.placement import evaluate

        return evaluate(sites, G, demand, adaptive=True, model="best_response", detour=detour).paths_after
    raise ValueError(f"rerouting must be 'logit' or 'best_response', got {model!r}")


def _pairs_from(paths: pd.DataFrame, column: str, key_of) -> pd.DataFrame:
    """(row, key) pairs: every key an element of ``paths[column]`` maps to, once per path."""
    rows, keys = [], []
    for r, seq in zip(paths["row"], paths[column]):
        seen = set()
        for item in seq:
            for key in key_of(item):
                if key not in seen:
                    seen.add(key)
                    rows.append(r)
                    keys.append(key)
    return pd.DataFrame({"row": rows, "key": keys})


def aggregate(pairs: pd.DataFrame, paths: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sum flow / intercepted / met per key, and per key x case_type x mode."""
    cols = ["flow", "intercepted", "met"]
    if pairs.empty:
        empty = pd.DataFrame({"key": pd.Series(dtype=object), **{c: pd.Series(dtype=float) for c in cols}})
        split = pd.DataFrame({"key": pd.Series(dtype=object), "case_type": pd.Series(dtype=object),
                              "mode": pd.Series(dtype=object), **{c: pd.Series(dtype=float) for c in cols}})
        return empty, split
    hit = pairs.merge(paths[["row", "volume", "intercepted", "met", "case_type", "mode"]], on="row")
    hit = hit.rename(columns={"volume": "flow"})
    main = hit.groupby("key", sort=False)[cols].sum().reset_index()
    split = hit.groupby(["key", "case_type", "mode"], sort=True)[cols].sum().reset_index()
    return main, split


def finish(frame: pd.DataFrame, main: pd.DataFrame, key_col: str) -> pd.DataFrame:
    """Join sums onto a table (zeros where no path), add uncovered and shares."""
    sums = main.rename(columns={"key": key_col}).set_index(key_col)
    out = frame.copy()
    for col in ("flow", "intercepted", "met"):
        out[col] = out[key_col].map(sums[col]).fillna(0.0).astype(float) if len(sums) else 0.0
    out["uncovered"] = out["flow"] - out["intercepted"]
    out["share_intercepted"] = np.where(out["flow"] > 0, out["intercepted"] / out["flow"].where(out["flow"] > 0), np.nan)
    return out


def segment_pairs(paths, crossing_edges) -> pd.DataFrame:
    return _pairs_from(paths, "edges", lambda e: crossing_edges.get(tuple(e), ()))


def corridor_pairs(paths, G) -> pd.DataFrame:
    def key(e):
        label = corridor_of(G.edges[tuple(e)])
        return () if label is None else ((label, G.edges[tuple(e)].get("mode")),)
    return _pairs_from(paths, "edges", key)


def node_pairs(paths, nodes: set) -> pd.DataFrame:
    return _pairs_from(paths, "nodes", lambda n: (n,) if n in nodes else ())


def place_nodes(G: nx.MultiDiGraph, kind: str) -> gpd.GeoDataFrame:
    """Graph nodes of one kind (crossing, launch_point) as a table with their layer id and point."""
    rows = [{"key": n, "id": d.get("layer_id", str(n)), "name": d.get("name", str(n)), "kind": kind,
             "geometry": Point(d["x"], d["y"])} for n, d in G.nodes(data=True) if d.get("kind") == kind]
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=["key", "id", "name", "kind", "geometry"]),
                            geometry="geometry", crs=G.graph.get("crs", STORAGE_CRS))


def district_frame(paths: pd.DataFrame, G: nx.MultiDiGraph, sources: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """One row per origin of the demand, named from the ``sources`` layer where it is a source district."""
    by_id = {} if sources is None else {r["id"]: r for _, r in sources.iterrows()}
    layer_node = {d.get("layer_id"): n for n, d in G.nodes(data=True) if d.get("layer_id") is not None}
    rows = []
    for origin in pd.unique(paths["origin"]):
        src = by_id.get(origin)
        if src is not None:
            rows.append({"key": origin, "district_id": origin, "name": src["name"],
                         "province": src.get("province", ""), "kind": "source district", "geometry": src.geometry})
            continue
        node = layer_node.get(origin, origin if origin in G else None)
        d = G.nodes[node] if node is not None else {}
        rows.append({"key": origin, "district_id": str(origin), "name": d.get("name", str(origin)), "province": "",
                     "kind": d.get("kind", "origin"),
                     "geometry": Point(d["x"], d["y"]) if "x" in d else None})
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=["key", "district_id", "name", "province", "kind", "geometry"]),
                            geometry="geometry", crs=STORAGE_CRS)
