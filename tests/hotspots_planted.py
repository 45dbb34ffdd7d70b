"""Planted-hotspot intercept records for the hotspot tests and benchmarks.

Background records are spread along a few Balochistan route lines (N-40 Quetta-Taftan, N-10
coast, N-85 Hoshab-Panjgur-Nag...) with lateral noise; planted hotspots are Gaussian clusters
centred on those lines.  `radius_m` of a planted hotspot is 2 sigma (86% of its records within).
Everything is in the intercept schema with synthetic=True, and the same seed gives the same data.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point

from geodata.schema import empty_intercepts

TO_METRIC = Transformer.from_crs("EPSG:4326", "EPSG:32642", always_xy=True)
TO_LONLAT = Transformer.from_crs("EPSG:32642", "EPSG:4326", always_xy=True)

# Approximate lon/lat of towns on the main Balochistan routes (hand-recorded).
ROUTE_LINES = {
    "N-40": [(66.99, 30.18), (66.02, 29.55), (64.41, 28.89), (62.74, 28.95), (61.60, 28.97)],
    "N-10": [(66.95, 24.90), (64.63, 25.21), (63.47, 25.26), (62.32, 25.13), (61.77, 25.05)],
    "N-85": [(63.97, 26.30), (64.10, 26.97), (65.40, 27.70), (66.60, 28.60)],
    "M-8": [(63.05, 26.00), (62.30, 26.05), (61.97, 26.09)],
}


def _metric_lines():
    out = {}
    for ref, pts in ROUTE_LINES.items():
        x, y = TO_METRIC.transform(*zip(*pts))
        out[ref] = LineString(list(zip(x, y)))
    return out


def planted_intercepts(seed: int = 0, *, n_background: int = 3000, n_hotspots: int = 5,
                       hotspot_records: tuple[int, int] = (150, 400), radius_m: tuple[float, float] = (2500, 6000),
                       lateral_m: float = 400.0, months: int = 24, start: str = "2024-01-01",
                       case_type: str | None = None):
    """(records, planted) with `n_hotspots` Gaussian clusters on route lines over a noisy background.

    `planted` has hotspot_id, radius_m, start, end, trend, persons, case_type, geometry (centre).
    `case_type` None mixes smuggling and trafficking (each hotspot has one); else all records get it.
    """
    rng = np.random.default_rng(seed)
    lines = _metric_lines()
    refs = list(lines)
    lengths = np.array([lines[r].length for r in refs])
    month_starts = pd.date_range(start, periods=months + 1, freq="MS")

    xs, ys, persons, cases, dates = [], [], [], [], []

    def add(x, y, case, month_weights):
        n = len(x)
        xs.append(x)
        ys.append(y)
        persons.append(1 + rng.poisson(2.0, n))
        cases.append(np.full(n, case, dtype=object))
        month = rng.choice(months, size=n, p=month_weights / month_weights.sum())
        day = rng.integers(0, 28, size=n)
        dates.append(month_starts[month].to_numpy() + day.astype("timedelta64[D]"))

    # background: uniform along all lines, lateral Gaussian noise, flat in time
    ref_pick = rng.choice(len(refs), size=n_background, p=lengths / lengths.sum())
    bx, by = np.empty(n_background), np.empty(n_background)
    for k, ref in enumerate(refs):
        sel = ref_pick == k
        pts = shapely.line_interpolate_point(lines[ref], rng.uniform(0, 1, sel.sum()), normalized=True)
        bx[sel] = shapely.get_x(pts)
        by[sel] = shapely.get_y(pts)
    bx += rng.normal(0, lateral_m, n_background)
    by += rng.normal(0, lateral_m, n_background)
    bg_case = rng.choice(["smuggling", "trafficking", "unknown"], size=n_background, p=[0.6, 0.3, 0.1])
    for case in ("smuggling", "trafficking", "unknown"):
        sel = bg_case == case
        add(bx[sel], by[sel], case_type or case, np.ones(months))

    # planted hotspots, at least 6 radii apart
    rows, centres = [], []
    trends = ("emerging", "growing", "fading", "steady")
    attempts = 0
    while len(rows) < n_hotspots and attempts < 1000:
        attempts += 1
        radius = float(rng.uniform(*radius_m))
        k = int(rng.choice(len(refs), p=lengths / lengths.sum()))
        c = lines[refs[k]].interpolate(rng.uniform(0.05, 0.95), normalized=True)
        if any(np.hypot(c.x - o.x, c.y - o.y) < 3 * (radius + r) for o, r in centres):
            continue
        centres.append((c, radius))
        i = len(rows)
        trend = trends[i % 4]
        t = np.arange(months, dtype=float)
        profile = {"emerging": np.where(t >= months * 0.6, 1.0, 0.0), "growing": 0.2 + t / months,
                   "fading": np.where(t <= months * 0.5, 1.0 - t / months, 0.0), "steady": np.ones(months)}[trend]
        n = int(rng.integers(*hotspot_records))
        case = case_type or ("smuggling" if i % 2 == 0 else "trafficking")
        add(c.x + rng.normal(0, radius / 2, n), c.y + rng.normal(0, radius / 2, n), case, profile)
        active = np.flatnonzero(profile > 0)
        lon, lat = TO_LONLAT.transform(c.x, c.y)
        rows.append({"hotspot_id": f"P{i}", "radius_m": radius, "start": month_starts[active[0]],
                     "end": month_starts[active[-1] + 1] - pd.Timedelta(days=1), "trend": trend,
                     "persons": float(persons[-1].sum()), "case_type": case, "route": refs[k],
                     "geometry": Point(lon, lat)})

    x, y = np.concatenate(xs), np.concatenate(ys)
    lon, lat = TO_LONLAT.transform(x, y)
    n = len(x)
    order = rng.permutation(n)
    base = empty_intercepts()
    frame = pd.DataFrame({
        "id": pd.Series([f"T{seed}-{i:06d}" for i in range(n)], dtype="string"),
        "date": pd.Series(np.concatenate(dates)[order]).astype("datetime64[ns]"),
        "date_from": pd.Series([pd.NaT] * n, dtype="datetime64[ns]"),
        "date_to": pd.Series([pd.NaT] * n, dtype="datetime64[ns]"),
        "date_precision": pd.Series(["day"] * n, dtype="string"),
        "persons": pd.Series(np.concatenate(persons)[order], dtype="int64"),
        "case_type": pd.Series(np.concatenate(cases)[order], dtype="string"),
        "mode": pd.Series(["land"] * n, dtype="string"),
        "agency": pd.Series(["FC"] * n, dtype="string"),
        "place_name": pd.Series([""] * n, dtype="string"),
        "nationality": pd.Series([""] * n, dtype="string"),
        "notes": pd.Series(["test fixture"] * n, dtype="string"),
        "synthetic": pd.Series([True] * n, dtype="bool"),
        "source": pd.Series([f"tests/hotspots_planted.py seed={seed}"] * n, dtype="string"),
        "position_precision": pd.Series(["point"] * n, dtype="string"),
    })
    records = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon[order], lat[order]), crs="EPSG:4326")
    assert list(records.columns) == list(base.columns)
    columns = ["hotspot_id", "radius_m", "start", "end", "trend", "persons", "case_type", "route", "geometry"]
    planted = gpd.GeoDataFrame(pd.DataFrame(rows, columns=columns), geometry="geometry", crs="EPSG:4326")
    return records, planted


def scaled_intercepts(n_records: int, seed: int = 0, *, n_hotspots: int = 10, hotspot_share: float = 0.3):
    """About `n_records` records with the same shape at any size: `hotspot_share` of them in planted hotspots."""
    per_hotspot = hotspot_share * n_records / n_hotspots
    return planted_intercepts(seed, n_background=int(n_records * (1 - hotspot_share)), n_hotspots=n_hotspots,
                              hotspot_records=(int(per_hotspot * 0.6), int(per_hotspot * 1.4)))
