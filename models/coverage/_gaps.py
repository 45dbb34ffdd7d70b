"""Coverage of a plan: flow, intercepted and uncovered persons/year by border segment, corridor, crossing, launch point and district (``gaps``)."""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.crs import METRIC_CRS
from models.coverage import _tables as T
from models.coverage._geometry import (border_segments, corridor_lines, edges_crossing_segments, nearest_distance_m,
                                       site_points)

DEFAULT_SEGMENT_KM = 25.0
DEFAULT_GAP_MAX_SHARE = 0.5        # a gap intercepts less than half of what passes
DEFAULT_GAP_MIN_FLOW_SHARE = 0.01  # ... of a flow of at least 1% of all migrants
NEAR_KM = 50.0                     # "a checkpoint nearby" in the plain-words reasons
STUDY_BELT_KM = 100.0              # border belt around Pakistan in which gaps are looked for


@dataclass
class CoverageReport:
    """What a checkpoint plan intercepts and misses, element by element (persons per year)."""

    segments: gpd.GeoDataFrame      # land-border segments
    corridors: gpd.GeoDataFrame     # road ref / track / sea lane / air leg
    crossings: gpd.GeoDataFrame
    launch_points: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame     # by origin of the demand (source districts)
    by_case_mode: pd.DataFrame      # case_type x mode: partitions the total
    splits: dict                    # table name -> long table key x case_type x mode
    paths: pd.DataFrame             # per route (planner view only)
    checkpoints: gpd.GeoDataFrame   # the plan's sites with a point each
    total_volume: float
    intercepted_volume: float
    adaptive: bool
    parameters: dict = field(default_factory=dict)
    sources: list = field(default_factory=list)    # provenance of the scenario (demand, plan, layers)
    data_version: str = ""
    created: str = ""
    marginal: pd.DataFrame | None = None            # attach marginal_value(...) for the report
    holding: object | None = None                    # attach holding_centres(...) for the report

    @property
    def share(self) -> float:
        return self.intercepted_volume / self.total_volume if self.total_volume > 0 else 0.0

    @property
    def uncovered_volume(self) -> float:
        return self.total_volume - self.intercepted_volume

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by name (planner view; see ``donor_tables`` for the donor view)."""
        out = {"segments": self.segments, "corridors": self.corridors, "crossings": self.crossings,
               "launch_points": self.launch_points, "districts": self.districts, "by_case_mode": self.by_case_mode}
        out.update({f"{name}_by_case_mode": frame for name, frame in self.splits.items()})
        return out

    def within(self, area, graph=None) -> "CoverageReport":
        """The report for a commander's area (a lon/lat polygon, GeoSeries or GeoDataFrame): the
        elements that touch it, and the routes that pass through it (``graph``: the flows' network,
        needed to place the routes; without it totals stay national)."""
        from shapely.ops import unary_union

        if isinstance(area, (gpd.GeoDataFrame, gpd.GeoSeries)):
            area = unary_union(list(area.to_crs("EPSG:4326").geometry if isinstance(area, gpd.GeoDataFrame)
                                    else area.to_crs("EPSG:4326")))
        if area is None or not hasattr(area, "intersects") or area.is_empty:
            raise ValueError("area: expected a non-empty lon/lat polygon (shapely geometry, GeoSeries or GeoDataFrame)")

        def clip(frame):
            keep = np.array([g is not None and not g.is_empty and g.intersects(area) for g in frame.geometry],
                            dtype=bool)
            return frame[keep].reset_index(drop=True)

        tables = {name: clip(getattr(self, name)) for name in ("segments", "corridors", "crossings", "launch_points",
                                                                 "districts")}
        keys = {"segments": "segment_id", "corridors": "corridor", "crossings": "id", "launch_points": "id",
                "districts": "district_id"}
        splits = {name: split[split[keys[name]].isin(set(tables[name][keys[name]]))].reset_index(drop=True)
                  for name, split in self.splits.items()}
        paths, by = self.paths, self.by_case_mode
        if graph is not None:
            from shapely.geometry import Point
            inside = {n for n, d in graph.nodes(data=True) if area.intersects(Point(d["x"], d["y"]))}
            paths = self.paths[[bool(inside & set(ns)) for ns in self.paths["nodes"]]].reset_index(drop=True)
            by = paths.groupby(["case_type", "mode"])[["volume", "intercepted", "met"]].sum().reset_index()
            by = by.rename(columns={"volume": "flow"})
            by["uncovered"] = by["flow"] - by["intercepted"]
            by["share_intercepted"] = by["intercepted"] / by["flow"].where(by["flow"] > 0)
        return CoverageReport(**tables, by_case_mode=by, splits=splits, paths=paths,
                              checkpoints=self.checkpoints[[g.intersects(area) for g in self.checkpoints.geometry]],
                              total_volume=float(paths["volume"].sum()),
                              intercepted_volume=float(paths["intercepted"].sum()), adaptive=self.adaptive,
                              parameters={**self.parameters, "area": area.wkt[:200]}, sources=self.sources,
                              data_version=self.data_version, created=self.created, marginal=None, holding=None)

    def biggest_gaps(self, n: int = 5) -> pd.DataFrame:
        """The n gap rows (segments, corridors, crossings, launch points) with the most uncovered flow."""
        rows = []
        for table, frame in (("border segment", self.segments), ("corridor", self.corridors),
                             ("crossing", self.crossings), ("launch point", self.launch_points)):
            if frame.empty:
                continue
            for _, r in frame[frame["gap"]].iterrows():
                rows.append({"element": table, "where": r["label"], "flow": r["flow"], "intercepted": r["intercepted"],
                             "uncovered": r["uncovered"], "share_intercepted": r["share_intercepted"],
                             "why": r["why"]})
        cols = ["element", "where", "flow", "intercepted", "uncovered", "share_intercepted", "why"]
        out = pd.DataFrame(rows, columns=cols)
        return out.sort_values("uncovered", ascending=False, kind="stable").head(n).reset_index(drop=True)


def _why(row, adaptive: bool) -> str:
    d_km = row["distance_to_checkpoint_m"] / 1000.0
    parts = []
    if not np.isfinite(d_km):
        parts.append("no checkpoint in the plan")
    elif d_km > NEAR_KM:
        parts.append(f"no checkpoint within {d_km:,.0f} km")
    elif row["intercepted"] <= 0:
        parts.append(f"a checkpoint {d_km:,.0f} km away, but none of these routes passes it")
    else:
        parts.append(f"only {row['share_intercepted']:.0%} of this flow meets a checkpoint that stops it")
    if adaptive and row.get("flow_static", row["flow"]) < 0.9 * row["flow"]:
        parts.append(f"smugglers moved here to avoid checkpoints (+{row['flow'] - row['flow_static']:,.0f}/year)")
    return "; ".join(parts)


def _flag(frame: pd.DataFrame, points, *, min_flow: float, max_share: float, adaptive: bool, label,
          area) -> gpd.GeoDataFrame:
    frame = frame.copy()
    frame["distance_to_checkpoint_m"] = nearest_distance_m(frame, points) if len(frame) else []
    frame["in_study_area"] = in_study_area(frame, area)
    frame["gap"] = ((frame["flow"] >= min_flow) & (frame["flow"] > 0)
                    & (frame["share_intercepted"].fillna(0) < max_share) & frame["in_study_area"])
    frame["label"] = [label(r) for _, r in frame.iterrows()]
    frame["why"] = [_why(r, adaptive) if g else "" for (_, r), g in zip(frame.iterrows(), frame["gap"])]
    return frame


@functools.lru_cache(maxsize=4)
def study_area(belt_km: float = STUDY_BELT_KM):
    """Pakistan and a border belt of ``belt_km`` around it (lon/lat polygon): where gaps are looked for.

    Routes run on to Turkey, Greece and the Gulf; their far legs carry flow but no Pakistani
    checkpoint could close them, so they are never called gaps.
    """
    import geodata

    country = geodata.layer("pakistan").to_crs(METRIC_CRS)
    belt = country.geometry.buffer(float(belt_km) * 1000.0).union_all()
    return gpd.GeoSeries([belt], crs=METRIC_CRS).to_crs("EPSG:4326").iloc[0]


def in_study_area(frame: gpd.GeoDataFrame, area) -> np.ndarray:
    """Whether each row's geometry touches ``area``; a row with no geometry cannot be placed, so it is outside."""
    if area is None:
        return np.ones(len(frame), dtype=bool)
    return np.array([g is not None and not g.is_empty and g.intersects(area) for g in frame.geometry], dtype=bool)


def _tables(paths: pd.DataFrame, G, elements: dict):
    """All tables for one set of scored paths: {name: (frame with sums, split)}."""
    out = {}
    for name, pairs, key_col in (
            ("segments", T.segment_pairs(paths, elements["crossing_edges"]), "segment_id"),
            ("corridors", T.corridor_pairs(paths, G), "key"),
            ("crossings", T.node_pairs(paths, set(elements["crossings"]["key"])), "key"),
            ("launch_points", T.node_pairs(paths, set(elements["launch_points"]["key"])), "key"),
            ("districts", pd.DataFrame({"row": paths["row"], "key": paths["origin"]}), "key")):
        main, split = T.aggregate(pairs, paths)
        split = split.rename(columns={"key": key_col})
        split["uncovered"] = split["flow"] - split["intercepted"]
        out[name] = (T.finish(elements[name], main, key_col), split)
    return out


LABELS = {
    "segments": lambda r: f"{r['border']} border, km {r['km_from']:,.0f}-{r['km_to']:,.0f}",
    "corridors": lambda r: f"{r['corridor']} ({r['mode']})",
    "crossings": lambda r: f"{r['name']} crossing",
    "launch_points": lambda r: f"{r['name']} launch point",
    "districts": lambda r: str(r["name"]),
}


def _check_inputs(flows, gap_max_share: float) -> None:
    for attr in ("paths", "graph"):
        if not hasattr(flows, attr):
            raise TypeError(f"flows: expected a routes.flows.FlowResult with .{attr}, got {type(flows).__name__}")
    if not 0.0 <= gap_max_share <= 1.0:
        raise ValueError(f"gap_max_share must be a share in [0, 1], got {gap_max_share!r}")


def _scored_paths(flows, sites, *, adaptive: bool, rerouting: str, detour: float):
    """(static paths, paths after re-routing or the static ones again), each scored against the sites."""
    G = flows.graph
    static = T.score_paths(flows.paths, G, sites)
    if float(static["volume"].sum()) <= 0:
        raise ValueError("flows: no path carries any volume, there is nothing to cover")
    if not adaptive:
        return static, static
    return static, T.score_paths(T.rerouted_paths(flows, sites, model=rerouting, detour=detour), G, sites)


def _elements(G, borders, sources, segment_km: float, scored: pd.DataFrame) -> dict:
    """The elements coverage is counted on: border segments, corridors, crossings, launch points, districts."""
    if sources is None:
        import geodata
        sources = geodata.layer("sources")
    segs = border_segments(borders, length_km=segment_km)
    corridors = corridor_lines(G)
    corridors.insert(0, "key", list(zip(corridors["corridor"], corridors["mode"])))
    return {"segments": segs, "crossing_edges": edges_crossing_segments(G, segs), "corridors": corridors,
            "crossings": T.place_nodes(G, "crossing"), "launch_points": T.place_nodes(G, "launch_point"),
            "districts": T.district_frame(scored, G, sources)}


def _finish_frame(name: str, frame, flow_static, pts, *, min_flow, max_share, adaptive, area):
    """One element table with its static flow, gap flags, labels and reasons."""
    frame = frame.copy()
    frame["flow_static"] = flow_static
    frame = _flag(frame, pts, min_flow=min_flow, max_share=max_share, adaptive=adaptive, label=LABELS[name],
                  area=area)
    if name != "segments":
        frame = frame.drop(columns=["key"])
    if name == "districts":
        frame["share_met"] = np.where(frame["flow"] > 0, frame["met"] / frame["flow"].where(frame["flow"] > 0),
                                      np.nan)
        frame["why"] = [f"{m:.0%} of its emigrants' routes meet a checkpoint" if g else ""
                        for m, g in zip(frame["share_met"].fillna(0), frame["gap"])]
    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")


def _finish_split(name: str, split: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """One long split table (key x case_type x mode) with readable key columns."""
    if name == "corridors":
        split["corridor"] = [k[0] for k in split["key"]]
        split["corridor_mode"] = [k[1] for k in split["key"]]
        split = split.drop(columns=["key"])
    if name in ("crossings", "launch_points"):
        split["id"] = split["key"].map(dict(zip(frame["key"], frame["id"])))
        split = split.drop(columns=["key"])
    if name == "districts":
        split = split.rename(columns={"key": "district_id"})
    return split.reset_index(drop=True)


def _by_case_mode(paths: pd.DataFrame) -> pd.DataFrame:
    by = paths.groupby(["case_type", "mode"])[["volume", "intercepted", "met"]].sum().reset_index()
    by = by.rename(columns={"volume": "flow"})
    by["uncovered"] = by["flow"] - by["intercepted"]
    by["share_intercepted"] = np.where(by["flow"] > 0, by["intercepted"] / by["flow"].where(by["flow"] > 0), np.nan)
    return by


def gaps(plan, flows, *, adaptive: bool = True, rerouting: str = "logit", detour: float = 0.5,
         segment_km: float = DEFAULT_SEGMENT_KM, gap_min_flow: float | None = None,
         gap_max_share: float = DEFAULT_GAP_MAX_SHARE, borders: gpd.GeoDataFrame | None = None,
         sources: gpd.GeoDataFrame | None = None, area="pakistan") -> CoverageReport:
    """Where the checkpoints of ``plan`` intercept the migrants of ``flows`` and where they do not.

    Parameters
    ----------
    plan : models.placement.Plan, DataFrame or None
        The checkpoints (a ``Plan``, or a table with site_id, detection, node/edge).
    flows : routes.flows.FlowResult
        Paths, graph and demand.  With ``adaptive=True`` the smugglers first re-route around the
        checkpoints (``rerouting="logit"``: ``routes.flows.assign`` with the plan's checkpoints;
        ``"best_response"``: every OD takes its best evading route within ``detour``), and
        ``flow_static`` keeps the flow before they moved.
    gap_min_flow, gap_max_share : float
        A row is a gap when its flow is at least ``gap_min_flow`` (default 1% of all migrants), it
        intercepts less than ``gap_max_share`` and it lies in the study area.
    borders, sources : GeoDataFrame, optional
        Default to the shipped layers.
    area : "pakistan", shapely geometry or None
        The study area for gaps: Pakistan and its border belt (``study_area()``) by default; None
        looks everywhere.

    Returns
    -------
    CoverageReport
    """
    _check_inputs(flows, gap_max_share)
    G = flows.graph
    sites = T.checkpoint_table(plan)
    static, paths = _scored_paths(flows, sites, adaptive=adaptive, rerouting=rerouting, detour=detour)
    total = float(static["volume"].sum())
    elements = _elements(G, borders, sources, segment_km, pd.concat([static, paths]))
    now = _tables(paths, G, elements)
    before = _tables(static, G, elements) if adaptive else now
    pts = site_points(sites, G) if len(sites) else gpd.GeoSeries([], crs="EPSG:4326")
    min_flow = DEFAULT_GAP_MIN_FLOW_SHARE * total if gap_min_flow is None else float(gap_min_flow)
    area_label = "everywhere" if area is None else "the area given"
    if isinstance(area, str) and area == "pakistan":
        area, area_label = study_area(), f"Pakistan and a {STUDY_BELT_KM:.0f} km belt beyond its borders"
    tables = {name: _finish_frame(name, frame, before[name][0]["flow"].to_numpy(), pts, min_flow=min_flow,
                                  max_share=gap_max_share, adaptive=adaptive, area=area)
              for name, (frame, _) in now.items()}
    splits = {name: _finish_split(name, split, now[name][0]) for name, (_, split) in now.items()}
    checkpoints = gpd.GeoDataFrame(sites.drop(columns=["geometry"], errors="ignore").reset_index(drop=True),
                                   geometry=list(pts), crs="EPSG:4326")
    params = {"segment_km": float(segment_km), "gap_min_flow": min_flow, "gap_max_share": float(gap_max_share),
              "adaptive": adaptive, "rerouting": rerouting if adaptive else "none", "detour": detour,
              "plan_method": getattr(plan, "method", "given"), "k": getattr(plan, "k", len(sites)),
              "total_static": total, "static_share": float(static["intercepted"].sum()) / total,
              "study_area": area_label}
    return CoverageReport(
        **tables, by_case_mode=_by_case_mode(paths), splits=splits, paths=paths.drop(columns=["row"]),
        checkpoints=checkpoints, total_volume=float(paths["volume"].sum()),
        intercepted_volume=float(paths["intercepted"].sum()), adaptive=adaptive, parameters=params,
        sources=_provenance(flows, sites), data_version=_data_version(G),
        created=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))


def _provenance(flows, sites) -> list[str]:
    out = []
    demand = getattr(flows, "demand", None)
    if demand is not None and "source" in demand.columns:
        out += [f"demand: {s}" for s in sorted(set(map(str, demand["source"].dropna())))]
    for name, val in sorted((getattr(flows, "parameters", {}) or {}).items()):
        if isinstance(val, (int, float, str)):
            out.append(f"route choice: {name} = {val}")
    if "source" in sites.columns:
        out += [f"checkpoint sites: {s}" for s in sorted(set(map(str, sites["source"].dropna())))]
    if "site_type" in sites.columns:
        for typ, p in sites.groupby("site_type")["detection"].mean().items():
            out.append(f"detection assumed at {typ} checkpoints: {p:.0%}")
    out.append("borders, crossings, launch points, source districts: shipped geodata layers (geodata/SOURCES.md)")
    out.append("figures are model estimates from unodc-2011 scenario parameters, not statistics")
    return out


def _data_version(G) -> str:
    import hashlib

    import geodata

    h = hashlib.sha256()
    for path in sorted(geodata.LAYERS_DIR.glob("*.geojson")):
        h.update(path.read_bytes())
    h.update(str(G.graph.get("inputs_sha256", "")).encode())
    h.update(f"{G.number_of_nodes()}:{G.number_of_edges()}".encode())
    return h.hexdigest()[:12]
