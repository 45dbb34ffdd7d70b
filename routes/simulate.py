"""Scenario simulation of intercept records where flows meet checkpoints and patrols.

``intercepts(flows, checkpoints, n_months=..., seed=...)`` turns a :class:`routes.flows.FlowResult`
into synthetic intercept records (intercept schema of ``geodata.schema``, ``synthetic=True``):

* checkpoint intercepts: every checkpoint site catches, month by month, the expected persons of the
  flow assignment (with re-routing), drawn as Poisson groups near the site;
* patrol intercepts: anywhere along routes in Pakistan, a small per-km catch rate;
* planted hotspots: a few places on busy routes where intercepts cluster for a period and follow a
  trend (emerging, growing, fading, steady).  They are returned as ground truth in
  ``Simulation.hotspots`` so a hotspot model can be scored against them.

Positions carry spatial noise (metres, geodesic); overall volume follows a yearly growth rate.  The
same seed gives the same records.
"""
from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, Point

from geodata.crs import WGS84
from geodata.schema import empty_intercepts

TRENDS = ("emerging", "growing", "fading", "steady")
GROUP_SIZE = {"land": 6.0, "sea": 18.0, "air": 2.0}  # mean persons per intercept event (assumption)

__all__ = ["Simulation", "intercepts", "TRENDS"]


@dataclass
class Simulation:
    records: gpd.GeoDataFrame
    hotspots: gpd.GeoDataFrame
    parameters: dict


def _record_mode(edge_mode: str) -> str:
    return {"sea": "sea", "air": "air"}.get(edge_mode, "land")


def _agency(edge_mode: str, lon: float, lat: float) -> str:
    """A plausible intercepting agency for a simulated intercept (unodc-2011 §8.2 IATF members)."""
    if edge_mode == "sea":
        return "Coast Guards" if lon < 66.5 else "MSA"
    if edge_mode in ("air", "crossing"):
        return "FIA"
    if lon > 66.6 and lat < 26.6:
        return "Rangers"  # Sindh
    if lon > 69.3 or lat > 31.5:
        return "Police"  # Punjab, Khyber Pakhtunkhwa
    return "FC"  # Balochistan


def _month_starts(start, n_months: int) -> pd.DatetimeIndex:
    return pd.date_range(pd.Timestamp(start).normalize().replace(day=1), periods=n_months + 1, freq="MS")


def _trend_profile(trend: str, n_months: int, rng) -> tuple[np.ndarray, int, int]:
    """Monthly intensity (0..1) of a planted hotspot and its active month range [first, last]."""
    t = np.arange(n_months)
    if trend == "emerging":
        first = int(rng.integers(n_months // 2, max(n_months // 2 + 1, n_months - 3)))
        prof = np.where(t >= first, 0.5 + 0.5 * (t - first) / max(n_months - 1 - first, 1), 0.0)
        last = n_months - 1
    elif trend == "growing":
        first, last = 0, n_months - 1
        prof = 0.15 + 0.85 * t / max(n_months - 1, 1)
    elif trend == "fading":
        first = 0
        last = int(rng.integers(max(n_months // 2, 1), max(n_months - 2, n_months // 2 + 1)))
        prof = np.where(t <= last, 1.0 - 0.85 * t / max(last, 1), 0.0)
    elif trend == "steady":
        first, last = 0, n_months - 1
        prof = np.full(n_months, 0.6)
    else:
        raise ValueError(f"trend must be one of {TRENDS}, got {trend!r}")
    return prof, first, last


def _jitter(rng, lon, lat, sigma_m):
    """Points moved a Rayleigh(sigma) distance in a uniform direction (geodesic)."""
    lon = np.atleast_1d(np.asarray(lon, dtype=float))
    lat = np.atleast_1d(np.asarray(lat, dtype=float))
    if sigma_m <= 0:
        return lon, lat
    az = rng.uniform(0, 360, len(lon))
    dist = rng.rayleigh(sigma_m, len(lon))
    x, y, _ = WGS84.fwd(lon, lat, az, dist)
    return np.asarray(x), np.asarray(y)


def _in_disk(rng, lon, lat, radius_m, n):
    az = rng.uniform(0, 360, n)
    dist = radius_m * np.sqrt(rng.uniform(0, 1, n))
    x, y, _ = WGS84.fwd(np.full(n, lon), np.full(n, lat), az, dist)
    return np.asarray(x), np.asarray(y)


def _edge_line(G, u, v, key) -> LineString:
    data = G.edges[u, v, key]
    geom = data.get("geometry")
    if geom is not None:
        return geom
    return LineString([(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])])


def _in_pakistan(G, u, v) -> bool:
    cu, cv = G.nodes[u].get("country"), G.nodes[v].get("country")
    if cu is None and cv is None:
        return True  # graphs without country tags (e.g. an OSM extract): everything counts
    return cu == "PK" and cv in ("PK", None)


def _site_events(flows, G):
    """Expected persons/year caught per (site, case_type, mode) with the site's position."""
    cps = flows.checkpoints
    if cps is None or cps.empty:
        return []
    node_sites, edge_sites = {}, {}
    for row in cps.itertuples(index=False):
        if row.edge is not None:
            u, v, key = row.edge
            edge_sites.setdefault((u, v), []).append((row.site_id, float(row.detection), row.edge))
            edge_sites.setdefault((v, u), []).append((row.site_id, float(row.detection), row.edge))
        else:
            node_sites.setdefault(row.node, []).append((row.site_id, float(row.detection), None))
    out: dict = {}
    for path in flows.paths.itertuples(index=False):
        remaining = path.volume
        nodes, edges = path.nodes, path.edges
        seq = [("node", nodes[0], None)]
        for e in edges:
            seq += [("edge", (e[0], e[1]), e), ("node", e[1], e)]
        for kind, where, via in seq:
            sites = (node_sites if kind == "node" else edge_sites).get(where, [])
            for site_id, p, site_edge in sites:
                caught = remaining * p
                remaining -= caught
                mode_edge = via if via is not None else (edges[0] if edges else None)
                edge_mode = G.edges[mode_edge].get("mode", "road") if mode_edge is not None else "road"
                if kind == "node":
                    lon, lat = G.nodes[where]["x"], G.nodes[where]["y"]
                else:
                    mid = _edge_line(G, *site_edge).interpolate(0.5, normalized=True)
                    lon, lat = mid.x, mid.y
                key = (site_id, path.case_type, edge_mode)
                if key not in out:
                    out[key] = [0.0, lon, lat]
                out[key][0] += caught
    return [(site, case, mode, vol, lon, lat) for (site, case, mode), (vol, lon, lat) in out.items()]


def _patrol_events(flows, G, rate_per_km):
    """Expected persons/year caught by patrols per (edge, case_type)."""
    per_edge: dict = {}
    for path in flows.paths.itertuples(index=False):
        remaining = path.volume * (1 - path.p_intercept)  # who got past the checkpoints (approximation)
        for e in path.edges:
            if not _in_pakistan(G, e[0], e[1]):
                continue
            data = G.edges[e]
            if data.get("mode") == "air":
                continue
            p = 1 - np.exp(-rate_per_km * data["length"] / 1000.0)
            key = (e, path.case_type)
            per_edge[key] = per_edge.get(key, 0.0) + remaining * p
    return per_edge


RECORD_FIELDS = ("date", "persons", "case_type", "mode", "agency", "place_name", "notes", "lon", "lat")


class _Emitter:
    """Collects simulated records month by month; one random generator for the whole run."""

    def __init__(self, rng, months, report_share: float):
        self.rng = rng
        self.months = months
        self.days_in = np.array([(months[i + 1] - months[i]).days for i in range(len(months) - 1)])
        self.report_share = report_share
        self.cols: dict[str, list] = {c: [] for c in RECORD_FIELDS}

    def at(self, month, xs, ys, mode, case, agency, place, note, sigma) -> None:
        """One record per point (xs, ys), each moved by the spatial noise."""
        n_events = len(xs)
        if n_events == 0:
            return
        rng, cols = self.rng, self.cols
        persons = 1 + rng.poisson(GROUP_SIZE[mode] - 1, n_events)
        x, y = _jitter(rng, xs, ys, sigma)
        day = rng.integers(0, self.days_in[month], n_events)
        cols["date"].extend(self.months[month] + pd.to_timedelta(day, unit="D"))
        cols["persons"].extend(persons.tolist())
        for name, value in (("case_type", case), ("mode", mode), ("agency", agency), ("place_name", place),
                            ("notes", note)):
            cols[name].extend([value] * n_events)
        cols["lon"].extend(np.asarray(x).tolist())
        cols["lat"].extend(np.asarray(y).tolist())

    def n_events(self, lam_persons, mode) -> int:
        """Number of intercept events for an expected number of persons (groups of GROUP_SIZE)."""
        return int(self.rng.poisson(lam_persons * self.report_share / GROUP_SIZE[mode]))

    def emit(self, month, lam_persons, mode, case, lon, lat, agency, place, note, sigma, disk=None) -> None:
        """Events at (lon, lat), or spread over a disk of radius ``disk`` metres around it."""
        n = self.n_events(lam_persons, mode)
        if disk is not None:
            xs, ys = _in_disk(self.rng, lon, lat, disk, n)
        else:
            xs, ys = np.full(n, lon), np.full(n, lat)
        self.at(month, xs, ys, mode, case, agency, place, note, sigma)


def _check_options(n_months, n_hotspots, report_share, patrol_catch_per_1000km) -> None:
    if int(n_months) < 1:
        raise ValueError(f"n_months must be >= 1, got {n_months}")
    if n_hotspots < 0:
        raise ValueError(f"n_hotspots must be >= 0, got {n_hotspots}")
    if not 0 < report_share <= 1:
        raise ValueError(f"report_share must be in (0, 1], got {report_share}")
    if not 0 <= patrol_catch_per_1000km < 1:
        raise ValueError(f"patrol_catch_per_1000km must be in [0, 1), got {patrol_catch_per_1000km}")


def _reassigned(flows, checkpoints):
    """The flows re-assigned with ``checkpoints`` under the flows' own route-choice parameters."""
    from routes.flows import assign

    prm = flows.parameters
    return assign(flows.graph, flows.demand, checkpoints, k=prm.get("k"), method=prm.get("method", "penalty"),
                  value_of_time_pkr_per_hour=prm.get("value_of_time_pkr_per_hour"),
                  logit_scale_pkr=prm.get("logit_scale_pkr"), loss_if_caught_pkr=prm.get("loss_if_caught_pkr"),
                  penalty=prm.get("penalty"), detection=prm.get("default_detection"),
                  informed_share=prm.get("informed_share"), mode_sets=prm.get("mode_sets"))


def _emit_checkpoints(em: _Emitter, flows, G, growth, noise_m) -> None:
    """Intercepts where the flows meet the checkpoints, every month."""
    for site, case, edge_mode, vol, lon, lat in sorted(_site_events(flows, G), key=lambda t: (str(t[0]), t[1], t[2])):
        mode = _record_mode(edge_mode)
        for m in range(len(growth)):
            em.emit(m, vol / 12.0 * growth[m], mode, case, lon, lat, _agency(edge_mode, lon, lat), str(site),
                    f"simulated: checkpoint {site}", noise_m)


def _emit_patrols(em: _Emitter, flows, G, growth, patrol_catch_per_1000km, noise_m) -> None:
    """Intercepts by roving patrols, spread uniformly along the links travelled in Pakistan."""
    patrol = _patrol_events(flows, G, -np.log1p(-patrol_catch_per_1000km) / 1000.0)
    for (edge, case), vol in sorted(patrol.items(), key=lambda t: (str(t[0][0]), t[0][1])):
        if vol <= 0:
            continue
        edge_mode = G.edges[edge].get("mode", "road")
        mode = _record_mode(edge_mode)
        line = _edge_line(G, *edge)
        place = G.edges[edge].get("ref") or G.edges[edge].get("name") or ""
        for m in range(len(growth)):
            fractions = em.rng.uniform(0, 1, em.n_events(vol / 12.0 * growth[m], mode))
            pts = [line.interpolate(f, normalized=True) for f in fractions]
            em.at(m, np.array([p.x for p in pts]), np.array([p.y for p in pts]), mode, case,
                  _agency(edge_mode, line.centroid.x, line.centroid.y), str(place), "simulated: patrol", noise_m * 2)


def intercepts(flows, checkpoints=None, *, n_months: int = 24, seed: int = 0, start="2024-01-01",
               n_hotspots: int = 4, hotspot_radius_m: tuple[float, float] = (4000.0, 12000.0),
               hotspot_persons_per_month: float = 120.0, noise_m: float = 1500.0,
               patrol_catch_per_1000km: float = 0.02, growth_per_year: float = 0.08,
               report_share: float = 1.0) -> "Simulation":
    """Synthetic intercept records for ``flows`` (a FlowResult) meeting ``checkpoints``.

    Parameters
    ----------
    flows : FlowResult
    checkpoints : optional
        None to use the flows' own checkpoints, else anything ``routes.flows.assign`` accepts (the
        flows are re-assigned so smugglers re-route around them).
    n_months, start : int, date-like
        ``n_months`` months from ``start``.
    noise_m : float
        Sigma of the spatial noise (m).
    patrol_catch_per_1000km : float
        Share of travellers caught by roving patrols per 1,000 km travelled in Pakistan.
    report_share : float
        Thins all records (0..1].

    Returns
    -------
    Simulation
        ``records`` (synthetic=True) and the planted ``hotspots``.
    """
    _check_options(n_months, n_hotspots, report_share, patrol_catch_per_1000km)
    n_months = int(n_months)
    rng = np.random.default_rng(seed)
    G = flows.graph
    if checkpoints is not None:
        flows = _reassigned(flows, checkpoints)
    months = _month_starts(start, n_months)
    growth = (1 + growth_per_year) ** (np.arange(n_months) / 12.0)
    em = _Emitter(rng, months, report_share)
    _emit_checkpoints(em, flows, G, growth, noise_m)
    _emit_patrols(em, flows, G, growth, patrol_catch_per_1000km, noise_m)
    hotspots = _plant_hotspots(flows, G, rng, n_hotspots, hotspot_radius_m, n_months, months,
                               hotspot_persons_per_month, em.emit, noise_m)
    return Simulation(records=_to_records(em.cols, seed), hotspots=hotspots,
                      parameters={"n_months": n_months, "seed": seed, "start": str(months[0].date()),
                                  "n_hotspots": n_hotspots, "noise_m": noise_m,
                                  "patrol_catch_per_1000km": patrol_catch_per_1000km,
                                  "growth_per_year": growth_per_year, "report_share": report_share})


def _plant_hotspots(flows, G, rng, n_hotspots, radius_range, n_months, months, per_month, emit, noise_m):
    columns = ["hotspot_id", "radius_m", "start", "end", "trend", "persons", "case_type", "mode", "geometry"]
    if n_hotspots == 0:
        return gpd.GeoDataFrame(pd.DataFrame(columns=columns), geometry="geometry", crs="EPSG:4326")
    ef = flows.edge_flows
    ef = ef[(ef["volume"] > 0) & (ef["mode"] != "air")]
    cand = [e for e in ef.index if _in_pakistan(G, e[0], e[1])]
    if not cand:
        raise ValueError("flows: no edge in Pakistan carries flow, cannot plant hotspots")
    weights = ef.loc[cand, "volume"].to_numpy(dtype=float)
    weights = weights / weights.sum()
    min_sep = 2.5 * radius_range[1]
    centres = []
    tries = 0
    while len(centres) < n_hotspots and tries < 200 * n_hotspots:
        tries += 1
        e = cand[int(rng.choice(len(cand), p=weights))]
        pt = _edge_line(G, *e).interpolate(rng.uniform(0.1, 0.9), normalized=True)
        if any(WGS84.inv(pt.x, pt.y, c[1].x, c[1].y)[2] < min_sep for c in centres):
            continue
        centres.append((e, pt))
    rows = []
    case_by_edge = _case_mix(flows)
    for i, (edge, pt) in enumerate(centres):
        trend = TRENDS[i % len(TRENDS)]
        radius = float(rng.uniform(*radius_range))
        profile, first, last = _trend_profile(trend, n_months, rng)
        edge_mode = G.edges[edge].get("mode", "road")
        mode = _record_mode(edge_mode)
        mix = case_by_edge.get((edge[0], edge[1]), {"smuggling": 1.0})
        cases = sorted(mix)
        probs = np.array([mix[c] for c in cases], dtype=float)
        probs /= probs.sum()
        case = cases[int(np.argmax(probs))]
        persons = 0.0
        for m in range(n_months):
            lam = per_month * profile[m]
            if lam <= 0:
                continue
            persons += lam
            emit(m, lam, mode, case, pt.x, pt.y, _agency(edge_mode, pt.x, pt.y), f"hotspot H{i}",
                 f"simulated: planted hotspot H{i} ({trend})", noise_m * 0.3, disk=radius)
        rows.append({"hotspot_id": f"H{i}", "radius_m": radius, "start": months[first],
                     "end": months[last + 1] - pd.Timedelta(days=1), "trend": trend, "persons": persons,
                     "case_type": case, "mode": mode, "geometry": Point(pt.x, pt.y)})
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=columns), geometry="geometry", crs="EPSG:4326")


def _case_mix(flows) -> dict:
    mix: dict = {}
    for path in flows.paths.itertuples(index=False):
        for u, v, _ in path.edges:
            d = mix.setdefault((u, v), {})
            d[path.case_type] = d.get(path.case_type, 0.0) + path.volume
    return mix


def _to_records(cols, seed) -> gpd.GeoDataFrame:
    n = len(cols["date"])
    base = empty_intercepts()
    if n == 0:
        return base
    frame = pd.DataFrame({
        "id": pd.Series([f"SIM{seed}-{i:06d}" for i in range(n)], dtype="string"),
        "date": pd.to_datetime(pd.Series(cols["date"])).astype("datetime64[ns]"),
        "date_from": pd.Series([pd.NaT] * n, dtype="datetime64[ns]"),
        "date_to": pd.Series([pd.NaT] * n, dtype="datetime64[ns]"),
        "date_precision": pd.Series(["day"] * n, dtype="string"),
        "persons": pd.Series(cols["persons"], dtype="int64"),
        "case_type": pd.Series(cols["case_type"], dtype="string"),
        "mode": pd.Series(cols["mode"], dtype="string"),
        "agency": pd.Series(cols["agency"], dtype="string"),
        "place_name": pd.Series(cols["place_name"], dtype="string"),
        "nationality": pd.Series(["Pakistani"] * n, dtype="string"),
        "notes": pd.Series(cols["notes"], dtype="string"),
        "synthetic": pd.Series([True] * n, dtype="bool"),
        "source": pd.Series([f"routes.simulate seed={seed}"] * n, dtype="string"),
        "position_precision": pd.Series(["point"] * n, dtype="string"),
    })
    records = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(cols["lon"], cols["lat"]), crs="EPSG:4326")
    records = records.sort_values("date", kind="stable").reset_index(drop=True)
    records["id"] = pd.Series([f"SIM{seed}-{i:06d}" for i in range(n)], dtype="string")
    return records
