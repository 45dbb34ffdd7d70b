"""Donor-safe tables: no record ids, no free text, no point finer than the aggregate, no small cell."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from coverage_fixtures import TEST_BORDER, checkpoint_at_crossing, hand_flows
from geodata.schema import RECORD_LEVEL_FIELDS
from models import coverage as C
from models.coverage._donor import SUPPRESSED, district_seats, suppress

MIN = 5
SEGMENTS = C.border_segments()
SEATS = district_seats()
COUNT_COLS = ("flow", "intercepted", "uncovered", "met", "persons", "records")


def _cells_ok(frame: pd.DataFrame, min_count=MIN):
    for c in COUNT_COLS:
        if c in frame.columns:
            v = frame[c].to_numpy(float)
            ok = np.isnan(v) | (np.abs(v) < 1e-9) | (v >= min_count - 1e-9)
            assert ok.all(), f"{c}: small cell(s) {v[~ok]}"


def _no_record_fields(frame: pd.DataFrame, records: pd.DataFrame):
    assert not [c for c in frame.columns if c in RECORD_LEVEL_FIELDS and c != "geometry"]
    assert not {"lon", "lat", "x", "y", "date"} & set(frame.columns)
    secret = set()
    for col in ("id", "notes", "place_name", "nationality"):
        secret |= {str(v) for v in records[col].dropna()}
    for c in frame.columns:
        if c == "geometry":
            continue
        shown = {str(v) for v in frame[c].dropna()}
        assert not (shown & secret), f"column {c} shows record text {sorted(shown & secret)[:3]}"


# Random intercept records near Pakistan's western borders and towns, with identifying free text.
# category words a table legitimately shows are not secret text
_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzXQZ", min_size=6, max_size=12).filter(
    lambda w: w not in {"unknown", "smuggling", "trafficking"})
_record = st.fixed_dictionaries({
    "lon": st.floats(60.8, 75.0), "lat": st.floats(24.5, 36.0),
    "persons": st.integers(1, 12),
    "case_type": st.sampled_from(["smuggling", "trafficking", "unknown", "Smuggling", None]),
    "mode": st.sampled_from(["land", "sea", "air", None]),
    "day": st.integers(0, 700), "notes": _word, "place_name": _word, "nationality": _word,
})


def _records(rows) -> gpd.GeoDataFrame:
    df = pd.DataFrame(rows)
    df["id"] = [f"REC-{i:05d}-{r['notes'][:3]}" for i, r in enumerate(rows)]
    df["date"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(df["day"], unit="D")
    df["notes"] = "note " + df["notes"]
    df["synthetic"] = True
    return gpd.GeoDataFrame(df.drop(columns=["lon", "lat", "day"]), geometry=gpd.points_from_xy(df["lon"], df["lat"]),
                            crs="EPSG:4326")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_record, min_size=1, max_size=60))
def test_donor_record_tables_property(rows):
    records = _records(rows)
    tables = C.donor_record_tables(records, segments=SEGMENTS, seats=SEATS, border_km=60)
    total = float(records["persons"].sum())
    assert set(tables) == {"by_month", "by_segment", "by_district"}
    # every record lands in exactly one month cell and one district: totals conserved when not blanked
    for name in ("by_month", "by_district"):
        frame = tables[name]
        if not frame["persons"].isna().any():
            assert frame["persons"].sum() == pytest.approx(total)
        else:
            assert total < MIN or frame["persons"].dropna().sum() <= total
    for name, frame in tables.items():
        _cells_ok(frame)
        _no_record_fields(frame, records)
        if isinstance(frame, gpd.GeoDataFrame):
            allowed = SEGMENTS.geometry if name == "by_segment" else SEATS.geometry
            allowed_wkb = {g.wkb for g in allowed}
            for g in frame.geometry:
                assert g is None or g.wkb in allowed_wkb, f"{name}: geometry is not an aggregate's own shape"
        # a pooled row pools at least two source rows (no single small row in disguise) or is blanked
        if len(frame) and (frame.iloc[:, 0] == SUPPRESSED).any():
            pooled = frame[frame.iloc[:, 0] == SUPPRESSED]
            assert ((pooled["pooled_rows"] >= 2) | pooled["persons"].isna()).all()


def test_records_aggregated_to_the_right_units_and_suppressed_by_records():
    taftan, karachi = (61.57, 28.94), (67.01, 24.86)
    rows = ([(*taftan, p, "2024-03-10") for p in (4, 3, 2)] + [(*taftan, 33, "2024-04-02"), (*taftan, 1, "2024-04-20")]
            + [(*karachi, p, "2024-03-05") for p in (6, 1, 1)] + [(*karachi, 1, "2024-05-05")] * 5)
    recs = gpd.GeoDataFrame({"id": [f"r{i}" for i in range(len(rows))], "persons": [r[2] for r in rows],
                             "case_type": "smuggling", "mode": "land", "date": pd.to_datetime([r[3] for r in rows]),
                             "notes": "x", "place_name": "y", "nationality": "z"},
                            geometry=[Point(r[0], r[1]) for r in rows], crs="EPSG:4326")
    t = C.donor_record_tables(recs, segments=SEGMENTS, seats=SEATS)
    month = t["by_month"].set_index("month")
    assert month.loc["2024-03", "records"] == 6 and month.loc["2024-03", "persons"] == 17   # 4+3+2 + 6+1+1
    # April: 2 records (one of 33 persons) is too few records, whatever the persons; May (5 records)
    # joins it so April cannot be recovered by subtraction
    assert "2024-04" not in month.index and "2024-05" not in month.index
    assert month.loc[SUPPRESSED, "records"] == 7 and month.loc[SUPPRESSED, "persons"] == 39
    assert month["persons"].sum() == 56
    seg = t["by_segment"]
    assert seg["persons"].sum() == 43 and seg["records"].sum() == 5 and seg["segment_id"].str.startswith("border-irn").all()
    dist = t["by_district"].set_index("name")
    assert dist.loc["Taftan", "persons"] == 43 and dist.loc["Karachi", "records"] == 8


def test_a_single_large_record_is_never_visible():
    rows = [(61.57, 28.94, 33, "2024-04-02")] + [(67.01, 24.86, 1, "2024-03-05")] * 6
    recs = gpd.GeoDataFrame({"persons": [r[2] for r in rows], "case_type": "smuggling", "mode": "land",
                             "date": pd.to_datetime([r[3] for r in rows])},
                            geometry=[Point(r[0], r[1]) for r in rows], crs="EPSG:4326")
    for name, frame in C.donor_record_tables(recs, segments=SEGMENTS, seats=SEATS).items():
        visible = frame[frame.iloc[:, 0] != SUPPRESSED]
        assert not (visible["persons"] == 33).any(), name
        assert (visible["records"].dropna() >= 5).all() or visible.empty, name


def test_year_only_dates_are_not_shown_as_january():
    recs = gpd.GeoDataFrame({"persons": [1] * 5, "case_type": "smuggling", "mode": "land",
                             "date": pd.to_datetime(["2024-01-01"] * 5), "date_precision": "year"},
                            geometry=[Point(67.01, 24.86)] * 5, crs="EPSG:4326")
    month = C.donor_record_tables(recs, segments=SEGMENTS, seats=SEATS)["by_month"]
    assert list(month["month"]) == ["2024 (month unknown)"]


def test_suppress_pools_small_cells_and_conserves():
    frame = pd.DataFrame({"k": list("abcde"), "flow": [100.0, 3.0, 1.0, 40.0, 0.0]})
    out = suppress(frame, ["flow"], label_col="k")
    assert out["flow"].sum() == pytest.approx(144.0)
    pooled = out[out["k"] == SUPPRESSED].iloc[0]
    assert pooled["flow"] == pytest.approx(44.0) and pooled["pooled_rows"] == 3   # 3 + 1 too small: 40 joins
    assert {"b", "c"}.isdisjoint(out["k"])
    assert 0.0 in set(out["flow"])          # zeros are not small: "none intercepted" stays visible


def test_coverage_donor_tables_hide_paths_and_small_cells():
    flows = hand_flows()
    flows.paths.loc[1, "volume"] = 3.0     # 3 trafficked persons: a small cell everywhere they appear
    rep = C.gaps(checkpoint_at_crossing(0.6), flows, adaptive=False, borders=TEST_BORDER)
    tables = C.donor_tables(rep)
    assert "paths" not in tables and "checkpoints" not in tables
    for name, frame in tables.items():
        _cells_ok(frame)
        assert not {"nodes", "edges", "origin", "destination", "key", "row"} & set(frame.columns), name
        assert not [c for c in frame.columns if c in RECORD_LEVEL_FIELDS and c != "geometry"], name
    seg = tables["segments"]
    assert seg["flow"].sum() == pytest.approx(rep.segments["flow"].sum())
    split = tables["segments_by_case_mode"]
    s0 = split[split["segment_id"] == "b1:000"]
    assert "trafficking" not in set(s0["case_type"])      # 3 persons pooled with smuggling's 600
    assert s0["flow"].sum() == pytest.approx(603.0)
    by = tables["by_case_mode"]
    assert by["flow"].sum() == pytest.approx(903.0)


def test_donor_records_bad_input():
    with pytest.raises(ValueError, match="missing column 'persons'"):
        C.donor_record_tables(pd.DataFrame({"id": ["a"]}))
    with pytest.raises(ValueError, match="records row 0: persons"):
        C.donor_record_tables(pd.DataFrame({"persons": [-2]}))
