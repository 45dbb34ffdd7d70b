"""A sparse, real-shaped incident set between Turkey and India for the hotspot statistics tests.

Shaped like the public incident files partners send (a few hundred records over 3,000 km): a handful
of single large events far from everything (a 150-person airport crowd, a 60-person boat, a 33-person
truck), one real concentration of many small records on the Afghanistan-Iran border (Nimroz), and
single small records scattered along the routes.  Same seed, same records.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.schema import empty_intercepts

# (lon, lat, persons): isolated single large events.
LARGE_EVENTS = {"kabul-airport": (69.21, 34.56, 150), "lake-van-boat": (42.90, 38.60, 60),
                "kerman-truck": (57.08, 30.28, 33)}
CONCENTRATION = (61.85, 31.00)  # Nimroz, Afghanistan-Iran border: the real concentration
CONCENTRATION_RECORDS = 40
SCATTERED_RECORDS = 120


def sparse_intercepts(seed: int = 0) -> gpd.GeoDataFrame:
    """Records in the intercept schema: large isolated events, one dense concentration, scattered singles."""
    rng = np.random.default_rng(seed)
    lon, lat, persons = [], [], []
    for x, y, p in LARGE_EVENTS.values():
        lon.append(x), lat.append(y), persons.append(p)
    # about 4 km spread: a dozen res-7 cells hold the concentration
    lon += list(CONCENTRATION[0] + rng.normal(0, 0.04, CONCENTRATION_RECORDS))
    lat += list(CONCENTRATION[1] + rng.normal(0, 0.04, CONCENTRATION_RECORDS))
    persons += list(1 + rng.poisson(1.5, CONCENTRATION_RECORDS))
    # scattered singles over Turkey-India, none within 100 km of the concentration or a large event
    centres = np.array([CONCENTRATION] + [v[:2] for v in LARGE_EVENTS.values()])
    while len(lon) < len(LARGE_EVENTS) + CONCENTRATION_RECORDS + SCATTERED_RECORDS:
        x, y = rng.uniform(40, 77), rng.uniform(24, 40)
        if np.min(np.hypot(centres[:, 0] - x, centres[:, 1] - y)) > 1.0:
            lon.append(x), lat.append(y), persons.append(int(1 + rng.poisson(1.0)))
    n = len(lon)
    frame = empty_intercepts().reindex(range(n))
    frame = gpd.GeoDataFrame(frame.drop(columns="geometry"), geometry=shapely.points(lon, lat), crs="EPSG:4326")
    frame["id"] = [f"sparse-{i}" for i in range(n)]
    frame["persons"] = np.asarray(persons, dtype=int)
    frame["case_type"] = "smuggling"
    frame["mode"] = "land"
    frame["date"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 730, n), unit="D")
    frame["synthetic"] = True
    return frame
