"""Checking and filtering intercept records before hotspot analysis.

Every hotspot function takes the intercept GeoDataFrame of geodata/schema.py.  This module
checks it once (clear messages naming the input and field), applies the shared filters
(date range, case type, mode) and fingerprints the data so a fitted model knows what it saw.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geodata.schema import CASE_TYPES, MODE_VALUES, MODES, as_selection

MIN_RECORDS = 3  # fewer records than this in a selection: nothing to analyse

# The case-type selections every hotspot function understands.
SEPARATE = "separate"  # each case type analysed on its own (the default: the report asks for it)
POOLED = "all"  # every record together

REQUIRED_COLUMNS = ("persons", "case_type", "mode", "geometry")


@dataclass(frozen=True)
class Points:
    """Plain arrays of the records that survived the filters (positions in degrees)."""

    lon: np.ndarray
    lat: np.ndarray
    persons: np.ndarray
    case_type: np.ndarray
    mode: np.ndarray
    date: np.ndarray  # datetime64[ns]; NaT when only a range is known
    index: np.ndarray  # row positions in the caller's frame, to map labels back
    date_lo: np.ndarray  # first and last possible day (datetime64[ns]): equal for a day-precision date
    date_hi: np.ndarray

    def __len__(self) -> int:
        return len(self.lon)

    def subset(self, mask: np.ndarray) -> "Points":
        return Points(
            self.lon[mask], self.lat[mask], self.persons[mask], self.case_type[mask],
            self.mode[mask], self.date[mask], self.index[mask], self.date_lo[mask], self.date_hi[mask],
        )

    def in_one_period(self, period: str) -> np.ndarray:
        """True where the record's possible dates all fall in one `period` (a year-only date is in no month)."""
        dated = ~np.isnat(self.date_lo) & ~np.isnat(self.date_hi)
        out = np.zeros(len(self), dtype=bool)
        if dated.any():
            lo = pd.PeriodIndex(pd.DatetimeIndex(self.date_lo[dated]), freq=period)
            hi = pd.PeriodIndex(pd.DatetimeIndex(self.date_hi[dated]), freq=period)
            out[dated] = lo == hi
        return out


def check_intercepts(intercepts, *, name: str = "intercepts") -> None:
    """Raise ValueError/TypeError naming the field when `intercepts` is not usable."""
    import geopandas as gpd

    if not isinstance(intercepts, gpd.GeoDataFrame):
        raise TypeError(f"{name} must be a GeoDataFrame in the intercept schema, got {type(intercepts).__name__}")
    missing = [c for c in REQUIRED_COLUMNS if c not in intercepts.columns]
    if missing:
        raise ValueError(f"{name} is missing column(s) {', '.join(missing)} of the intercept schema")
    if len(intercepts) == 0:
        raise ValueError(f"{name} is empty: there are no intercept records to analyse")
    if intercepts.crs is None:
        raise ValueError(f"{name} has no CRS; intercept records are stored in EPSG:4326")
    geom = intercepts.geometry
    if geom.isna().any() or geom.is_empty.any():
        bad = intercepts.index[geom.isna() | geom.is_empty][:5].tolist()
        raise ValueError(f"{name}.geometry is missing for rows {bad}")
    if not (geom.geom_type == "Point").all():
        bad = intercepts.index[geom.geom_type != "Point"][:5].tolist()
        raise ValueError(f"{name}.geometry must be Points; rows {bad} are not")
    persons = pd.to_numeric(intercepts["persons"], errors="coerce")
    if persons.isna().any() or (persons < 1).any():
        bad = intercepts.index[persons.isna() | (persons < 1)][:5].tolist()
        raise ValueError(f"{name}.persons must be a whole number >= 1; rows {bad} are not")
    unknown_case = ~intercepts["case_type"].isin(CASE_TYPES)
    if unknown_case.any():
        bad = intercepts.index[unknown_case][:5].tolist()
        raise ValueError(f"{name}.case_type must be one of {CASE_TYPES}; rows {bad} are not")
    unknown_mode = ~intercepts["mode"].isin(MODE_VALUES)   # "unknown": files without a mode (issue 11)
    if unknown_mode.any():
        bad = intercepts.index[unknown_mode][:5].tolist()
        raise ValueError(f"{name}.mode must be one of {MODE_VALUES}; rows {bad} are not")


def record_dates(intercepts) -> pd.Series:
    """One date per record: the middle of its possible days (`record_date_ranges`), else NaT."""
    lo, hi = record_date_ranges(intercepts)
    return (lo + (hi - lo) / 2).astype("datetime64[ns]")


PRECISION_PERIOD = {"month": "M", "year": "Y"}


def record_date_ranges(intercepts) -> tuple[pd.Series, pd.Series]:
    """(first, last) possible day of each record, from `date` and its `date_precision` or the range.

    A record dated to a month or a year (`date_precision` "month" / "year", date on the first day)
    spans that whole month or year: it must not be counted as a record of its first day.
    """
    date = pd.to_datetime(intercepts["date"], errors="coerce") if "date" in intercepts else pd.Series(pd.NaT, index=intercepts.index)
    lo, hi = date.copy(), date.copy()
    if "date_precision" in intercepts:
        precision = intercepts["date_precision"].astype("string").fillna("day").str.lower()
        for name, freq in PRECISION_PERIOD.items():
            rows = (precision == name).to_numpy() & date.notna().to_numpy()
            if rows.any():
                periods = pd.PeriodIndex(pd.DatetimeIndex(date[rows]), freq=freq)
                lo[rows] = periods.start_time.to_numpy()
                hi[rows] = periods.end_time.normalize().to_numpy()
    if "date_from" in intercepts and "date_to" in intercepts:
        lo = lo.fillna(pd.to_datetime(intercepts["date_from"], errors="coerce"))
        hi = hi.fillna(pd.to_datetime(intercepts["date_to"], errors="coerce"))
    return lo.astype("datetime64[ns]"), hi.astype("datetime64[ns]")


def select(intercepts, *, case_type=SEPARATE, mode=None, date_from=None, date_to=None,
           name: str = "intercepts") -> Points:
    """Check `intercepts`, apply the filters and return plain arrays.

    `case_type` may be "separate" or "all" (no filtering here: the caller groups), one case type,
    or a list of them.  `mode` is None (all), one mode or a list.  Dates are inclusive; records
    without any date are dropped only when a date filter is set.
    """
    check_intercepts(intercepts, name=name)
    keep = np.ones(len(intercepts), dtype=bool)
    if case_type not in (SEPARATE, POOLED):
        chosen = as_selection(case_type, CASE_TYPES, "case_type filter")
        keep &= intercepts["case_type"].isin(chosen).to_numpy()
    chosen_modes = as_selection(mode, MODES, "mode filter")
    if chosen_modes is not None:
        keep &= intercepts["mode"].isin(chosen_modes).to_numpy()
    lo, hi = record_date_ranges(intercepts)
    dates = (lo + (hi - lo) / 2).astype("datetime64[ns]")
    if date_from is not None:
        keep &= (dates >= pd.Timestamp(date_from)).to_numpy()
    if date_to is not None:
        # inclusive of the whole last day when a bare date is given
        end = pd.Timestamp(date_to)
        if end == end.normalize():
            end = end + pd.Timedelta(days=1) - pd.Timedelta(1, "ns")
        keep &= (dates <= end).to_numpy()
    if not keep.any():
        raise ValueError(
            f"no {name} records are left after the filters "
            f"(case_type={case_type!r}, mode={mode!r}, date_from={date_from}, date_to={date_to})"
        )
    frame = intercepts.loc[keep]
    geom = frame.geometry
    if str(frame.crs).upper() not in ("EPSG:4326", "OGC:CRS84"):
        geom = geom.to_crs("EPSG:4326")
    return Points(
        lon=geom.x.to_numpy(dtype=float),
        lat=geom.y.to_numpy(dtype=float),
        persons=frame["persons"].to_numpy(dtype=float),
        case_type=frame["case_type"].astype(str).to_numpy(),
        mode=frame["mode"].astype(str).to_numpy(),
        date=dates[keep].to_numpy(dtype="datetime64[ns]"),
        index=np.flatnonzero(keep),
        date_lo=lo[keep].to_numpy(dtype="datetime64[ns]"),
        date_hi=hi[keep].to_numpy(dtype="datetime64[ns]"),
    )


def case_groups(points: Points, case_type) -> list[tuple[str, np.ndarray]]:
    """(group name, mask) pairs: one per case type present when analysed apart, else one pooled group."""
    if case_type == SEPARATE:
        return [(ct, points.case_type == ct) for ct in CASE_TYPES if (points.case_type == ct).any()]
    label = POOLED if case_type == POOLED else (case_type if isinstance(case_type, str) else "+".join(case_type))
    return [(label, np.ones(len(points), dtype=bool))]


def require_spread(points: Points, *, minimum: int, name: str, what: str) -> None:
    """Reject inputs that cannot show any concentration: too few records, or all at one spot."""
    if len(points) < minimum:
        raise ValueError(f"{what} needs at least {minimum} {name} records, got {len(points)}")
    if np.ptp(points.lon) == 0 and np.ptp(points.lat) == 0:
        raise ValueError(
            f"all {len(points)} {name} records are at one position "
            f"({points.lon[0]:.5f}, {points.lat[0]:.5f}); {what} needs records spread over space"
        )


def data_version(intercepts) -> str:
    """A short hash of the records' content (positions, persons, types, modes, dates) for provenance."""
    frame = pd.DataFrame({
        "x": intercepts.geometry.x.to_numpy(dtype=float),
        "y": intercepts.geometry.y.to_numpy(dtype=float),
        "persons": pd.to_numeric(intercepts["persons"]).to_numpy(dtype=float),
        "case_type": intercepts["case_type"].astype(str).to_numpy(),
        "mode": intercepts["mode"].astype(str).to_numpy(),
        "date": record_dates(intercepts).to_numpy(dtype="datetime64[ns]"),
    })
    row_hashes = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    return hashlib.sha256(row_hashes.tobytes()).hexdigest()[:16]
