"""Intercept positions for the map: only what a map layer needs, read in one lean query.

store.records.query_intercepts builds the full record schema (strings, dates, provenance) and takes
about 7 s for 100,000 records; the map needs coordinates and case types only (about 10x faster).
The region rule is store.access's: a commander gets the records tagged with their province or
districts (point-in-polygon at import), a planner all of them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from store import access


@dataclass
class RecordPoints:
    lat: np.ndarray
    lon: np.ndarray
    counts: pd.DataFrame   # records and persons by case_type
    synthetic: bool        # any simulated record among them
    is_synthetic: np.ndarray | None = None  # per point: made by the scenario simulator

    def __len__(self) -> int:
        return len(self.lat)


def record_points(user: dict, case_types=None, batches=None) -> RecordPoints:
    """Positions of the intercepts ``user`` may see, of the given case types and import batches (all when None)."""
    frame = access.record_positions(user, case_types, batches=batches)
    counts = frame.groupby("case_type")["persons"].agg(records="count", persons="sum")
    synthetic = frame["synthetic"].fillna(False).astype(bool).to_numpy()
    return RecordPoints(frame["lat"].to_numpy(np.float64), frame["lon"].to_numpy(np.float64), counts,
                        bool(synthetic.any()), synthetic)
