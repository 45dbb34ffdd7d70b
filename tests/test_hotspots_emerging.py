"""Emerging-hotspot categories on hand-built series, Mann-Kendall against pymannkendall, bad input."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pymannkendall
import pytest

from hotspots_planted import planted_intercepts
from models.hotspots import _grid as grid
from models.hotspots import CATEGORY_TEXT, emerging
from models.hotspots._emerging import categorise, mann_kendall

SIGNIFICANT, NOT = 0.001, 0.9


def test_mann_kendall_equals_pymannkendall_with_ties():
    rng = np.random.default_rng(0)
    series = rng.integers(0, 4, (40, 12)).astype(float)  # many ties
    series[0] = np.arange(12)  # strict upward trend
    s, z, p = mann_kendall(series)
    for row, si, zi, pi in zip(series, s, z, p):
        ref = pymannkendall.original_test(row)
        assert (ref.s, ref.z, ref.p) == pytest.approx((si, zi, pi), abs=1e-12)
    assert s[0] == 66 and p[0] < 1e-4


def cell(hot_pattern, z_values=None):
    """One cell's (z, p) series from a pattern string: H hot, C cold, . nothing."""
    z = np.array([{"H": 3.0, "C": -3.0, ".": 0.2}[c] for c in hot_pattern]) if z_values is None else np.asarray(z_values)
    p = np.array([SIGNIFICANT if c in "HC" else NOT for c in hot_pattern])
    return z, p


def category(pattern, z_values=None):
    z, p = cell(pattern, z_values)
    return categorise(z[None, :], p[None, :])["category"][0]


@pytest.mark.parametrize("pattern, z_values, expected", [
    ("..........H", None, "new hot spot"),
    (".......HHHH", None, "consecutive hot spot"),
    ("HHHHHHHHHHH", np.linspace(2, 6, 11), "intensifying hot spot"),
    ("HHHHHHHHHHH", np.linspace(6, 2, 11), "diminishing hot spot"),
    ("HHHHHHHHHHH", [3, 4, 3, 4, 3, 4, 3, 4, 3, 4, 3], "persistent hot spot"),
    (".H.HH..H..H", None, "sporadic hot spot"),
    ("C.C..H...HH", None, "oscillating hot spot"),
    ("HHHHHHHHHH.", None, "historical hot spot"),
    ("..........C", None, "new cold spot"),
    ("........CCC", None, "consecutive cold spot"),
    ("CCCCCCCCCCC", [-3, -4, -3, -4, -3, -4, -3, -4, -3, -4, -3], "persistent cold spot"),
    ("CCCCCCCCCCC", np.linspace(-2, -6, 11), "intensifying cold spot"),
    (".C..C.C...C", None, "sporadic cold spot"),
    ("CCCCCCCCCC.", None, "historical cold spot"),
    ("...........", None, "no pattern detected"),
    ("..H.H......", None, "no pattern detected"),  # on and off, but not in the latest period
])
def test_hand_built_series(pattern, z_values, expected):
    assert category(pattern, z_values) == expected
    assert expected in CATEGORY_TEXT


def test_latest_side_wins_when_a_historical_hot_spot_turns_cold():
    assert category("HHHHHHHHHHHHHHHHHHHHC") == "new cold spot"


def test_every_category_has_one_sentence():
    assert len(CATEGORY_TEXT) == 17
    for text in CATEGORY_TEXT.values():
        assert text.endswith(".") and text.count(". ") == 0


def test_emerging_finds_the_planted_newcomer():
    records, planted = planted_intercepts(4, n_background=2000, n_hotspots=4, hotspot_records=(400, 500),
                                          case_type="smuggling")
    cells = emerging(records, resolution=6, period="M", case_type="all")
    assert cells.attrs["first_period"] == "2024-01" and cells.attrs["last_period"] == "2025-12"
    named = cells.set_index("cell")
    for row in planted.itertuples():
        centre = grid.cell_names(grid.cells_of(np.array([row.geometry.x]), np.array([row.geometry.y]), 6))[0]
        found = named.loc[centre, "category"]
        if row.trend == "emerging":  # active only in the last 40% of months
            assert found in ("consecutive hot spot", "new hot spot"), found
        if row.trend == "fading":  # gone for the second half: no hot category in the latest period
            assert found in ("no pattern detected", "historical hot spot", "consecutive cold spot",
                             "new cold spot", "sporadic cold spot"), found
        if row.trend == "growing":
            assert found.endswith("hot spot") and found != "new hot spot", found


def test_emerging_needs_dates():
    records, _ = planted_intercepts(0, n_background=200, n_hotspots=1)
    undated = records.assign(date=pd.NaT)
    with pytest.raises(ValueError, match="none of the .* intercepts has a date"):
        emerging(undated)
    # a date range stands in for a missing date
    ranged = undated.assign(date_from=records["date"], date_to=records["date"] + pd.Timedelta(days=2))
    assert len(emerging(ranged, resolution=6, case_type="all")) > 0
    # some records undated: they are left out and counted
    partly = records.copy()
    partly.loc[partly.index[:10], "date"] = pd.NaT
    assert emerging(partly, resolution=6, case_type="all").attrs["undated_records"] == 10


def test_emerging_needs_enough_periods():
    records, _ = planted_intercepts(0, n_background=200, n_hotspots=1)
    days = np.arange(len(records)) % 50  # 2024-01-01 .. 2024-02-19: two months
    records = records.assign(date=pd.Timestamp("2024-01-01") + pd.to_timedelta(days, unit="D"))
    with pytest.raises(ValueError, match="span 2 period\\(s\\).*at least 3"):
        emerging(records)
    with pytest.raises(ValueError, match="is not a pandas period frequency"):
        emerging(records, period="fortnightly")
