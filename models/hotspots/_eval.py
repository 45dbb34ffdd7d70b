"""Scoring found hotspots against planted ground truth.

A planted hotspot counts as found when a found hotspot's outline covers its centre and the
outline and the planted disk (radius `radius_m`) overlap with IoU >= `min_iou`.  Recall is the
share of planted hotspots found; precision the share of found hotspots that match a planted one.
Areas are compared in the metric CRS.
"""
from __future__ import annotations

import numpy as np
import shapely

from geodata.crs import METRIC_CRS


def match(found, planted, *, min_iou: float = 0.3) -> dict:
    """{'recall', 'precision', 'pairs': [(planted_index, found_index, iou)], 'n_found', 'n_planted'}."""
    if "radius_m" not in planted.columns:
        raise ValueError("planted hotspots need a radius_m column")
    outlines = found.to_crs(METRIC_CRS).geometry.to_numpy() if len(found) else np.array([], dtype=object)
    centres = planted.to_crs(METRIC_CRS).geometry
    disks = shapely.buffer(centres.to_numpy(), planted["radius_m"].to_numpy(dtype=float), quad_segs=32)
    pairs = []
    found_hit = np.zeros(len(outlines), dtype=bool)
    planted_hit = np.zeros(len(disks), dtype=bool)
    for i, (centre, disk) in enumerate(zip(centres.to_numpy(), disks)):
        for j, outline in enumerate(outlines):
            if not shapely.covers(outline, centre):
                continue
            union = shapely.area(shapely.union(outline, disk))
            iou = shapely.area(shapely.intersection(outline, disk)) / union if union > 0 else 0.0
            if iou >= min_iou:
                pairs.append((i, j, float(iou)))
                found_hit[j] = True
                planted_hit[i] = True
    return {
        "recall": float(planted_hit.mean()) if len(disks) else float("nan"),
        "precision": float(found_hit.mean()) if len(outlines) else float("nan"),
        "pairs": pairs,
        "n_found": len(outlines),
        "n_planted": len(disks),
    }
