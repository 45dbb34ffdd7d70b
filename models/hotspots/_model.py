"""The hotspot estimator: weighted DBSCAN outlines with counts, trends and readable labels (``HotspotModel``)."""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import joblib
import numpy as np
import pandas as pd
import shapely
from sklearn.base import BaseEstimator

from geodata.crs import METRIC_CRS, STORAGE_CRS
from geodata.schema import CASE_TYPES, MODES
from models.hotspots import _cluster as clustering
from models.hotspots import _context as context
from models.hotspots import _grid as grid
from models.hotspots._emerging import MIN_PERIODS, _emerging_points, mann_kendall
from models.hotspots._input import MIN_RECORDS, SEPARATE, case_groups, data_version, require_spread, select

TREND_RESOLUTION = 7  # emerging categories inside HotspotModel: monthly series need cells this coarse
FORMAT_VERSION = 1


# --------------------------------------------------------------------------- the estimator

class HotspotModel(BaseEstimator):
    """Find route hotspots: weighted density clustering of H3 cells, refined outlines.

    Parameters
    ----------
    eps_m : neighbourhood radius in metres: records closer than this can belong to one hotspot.
    density_factor : a hotspot's neighbourhood must hold this many times the persons of an
        ordinary stretch of route (a median neighbourhood in which each dense patch counts once).  Used when `min_persons` is None.
    min_persons : fixed persons threshold for a core cell instead of `density_factor`.
    min_records : a hotspot needs at least this many records near its core (one large group
        caught once is not a hotspot).
    outline_mass : share of the hotspot's above-background persons its outline must hold.
    resolution : H3 resolution of the aggregation grid; None picks one with cells about
        half `eps_m` across.
    case_type, mode, date_from, date_to : filters ("separate" analyses each case type apart).
    trend_period : period for the growth trend and emerging categories ("M"); None skips them.
    layers : dict of GeoDataFrames ("crossings", "launch_points", "hubs", "roads") for the labels;
        None loads the shipped layers where available.
    """

    def __init__(self, eps_m: float = 4000.0, density_factor: float = 6.0, min_persons: float | None = None,
                 min_records: int = 10, outline_mass: float = 0.9, resolution: int | None = None,
                 case_type=SEPARATE, mode=None, date_from=None, date_to=None, trend_period: str | None = "M",
                 layers: dict | None = None):
        self.eps_m = eps_m
        self.density_factor = density_factor
        self.min_persons = min_persons
        self.min_records = min_records
        self.outline_mass = outline_mass
        self.resolution = resolution
        self.case_type = case_type
        self.mode = mode
        self.date_from = date_from
        self.date_to = date_to
        self.trend_period = trend_period
        self.layers = layers

    # scikit-learn protocol: get_params/set_params come from BaseEstimator (names read from __init__)
    def set_params(self, **params) -> "HotspotModel":
        names = self._get_param_names()
        for name in params:
            if name not in names:
                raise ValueError(f"HotspotModel has no parameter {name!r}; parameters: {names}")
        return super().set_params(**params)

    def __repr__(self) -> str:
        shown = {k: v for k, v in self.get_params().items() if k != "layers"}
        return "HotspotModel(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"

    def _check_params(self):
        if not np.isfinite(self.eps_m) or self.eps_m <= 0:
            raise ValueError(f"eps_m must be a positive distance in metres, got {self.eps_m!r}")
        if self.min_persons is None and not self.density_factor > 0:
            raise ValueError(f"density_factor must be > 0, got {self.density_factor!r}")
        if self.min_persons is not None and not self.min_persons > 0:
            raise ValueError(f"min_persons must be > 0 or None, got {self.min_persons!r}")
        if not 0 < self.outline_mass <= 1:
            raise ValueError(f"outline_mass must be in (0, 1], got {self.outline_mass!r}")
        if int(self.min_records) < 1:
            raise ValueError(f"min_records must be >= 1, got {self.min_records!r}")
        if self.resolution is not None:
            return grid.check_resolution(self.resolution)
        return grid.resolution_for_spacing(self.eps_m / 2)

    # fitting ------------------------------------------------------------------
    def fit(self, intercepts, y=None, *, progress=None) -> "HotspotModel":
        """Find hotspots in `intercepts` (intercept-schema GeoDataFrame).  `progress(share, text)` is optional."""
        report = progress or (lambda share, text: None)
        resolution = self._check_params()
        points = select(intercepts, case_type=self.case_type, mode=self.mode,
                        date_from=self.date_from, date_to=self.date_to)
        require_spread(points, minimum=max(MIN_RECORDS, 2), name="intercepts", what="HotspotModel.fit")
        report(0.05, "aggregating records to hexagons")
        record_cells = grid.cells_of(points.lon, points.lat, resolution)
        labels = np.full(len(points), -1, dtype=int)
        rows, outlines, monthly = [], [], []
        groups = case_groups(points, self.case_type)
        self.thresholds_ = {}
        for g, (group, mask) in enumerate(groups):
            report(0.1 + 0.6 * g / len(groups), f"clustering {group} records")
            idx = np.flatnonzero(mask)
            found = clustering.cluster_cells(
                record_cells[idx], points.persons[idx], resolution=resolution, eps_m=float(self.eps_m),
                min_persons=self.min_persons, density_factor=float(self.density_factor),
                outline_mass=float(self.outline_mass), min_records=int(self.min_records))
            self.thresholds_[group] = found.threshold
            group_labels = self._label_records(found, record_cells[idx], len(outlines))
            labels[idx] = group_labels
            for k, outline in enumerate(found.outlines):
                members = idx[group_labels == len(outlines) + k]
                if len(members) == 0:
                    continue
                rows.append(self._summary(points, members, group, len(outlines) + k))
                monthly.append(self._monthly(points, members, len(outlines) + k))
            outlines.extend(found.outlines)
        report(0.8, "describing hotspots")
        self.resolution_ = resolution
        self.labels_ = np.full(len(intercepts), -1, dtype=int)
        self.labels_[points.index] = labels
        self.hotspots_ = self._hotspot_table(rows, outlines)
        self.monthly_ = (pd.concat(monthly, ignore_index=True) if monthly
                         else pd.DataFrame(columns=["hotspot_id", "month", "case_type", "persons"]))
        if self.trend_period and len(self.hotspots_):
            self._add_trends(points, record_cells)
        self.data_version_ = data_version(intercepts)
        self.n_records_ = int(len(points))
        report(1.0, f"{len(self.hotspots_)} hotspots")
        return self

    def fit_predict(self, intercepts, y=None) -> np.ndarray:
        return self.fit(intercepts).labels_

    @staticmethod
    def _label_records(found, cells, offset) -> np.ndarray:
        """Hotspot id for each record: the outline containing its cell's centre, else -1."""
        out = np.full(len(cells), -1, dtype=int)
        if not found.outlines:
            return out
        lon, lat = grid.cell_centres(found.cells)
        x, y = clustering.to_metric(lon, lat)
        cell_label = np.full(len(found.cells), -1, dtype=int)
        for k, outline in enumerate(found.outlines):
            inside = shapely.contains_xy(outline, x, y) & (cell_label < 0)
            cell_label[inside] = offset + k
        return cell_label[np.searchsorted(found.cells, cells)]

    @staticmethod
    def _summary(points, members, group, hotspot_id) -> dict:
        persons = points.persons[members]
        x, y = clustering.to_metric(points.lon[members], points.lat[members])
        cx, cy = np.average(x, weights=persons), np.average(y, weights=persons)
        lon, lat = clustering.to_storage(cx, cy)
        row = {"hotspot_id": hotspot_id, "case_type": group, "records": len(members),
               "persons": int(persons.sum()), "centroid_lon": float(lon), "centroid_lat": float(lat)}
        for ct in CASE_TYPES:
            sel = points.case_type[members] == ct
            row[f"records_{ct}"] = int(sel.sum())
            row[f"persons_{ct}"] = int(persons[sel].sum())
        for md in MODES:
            sel = points.mode[members] == md
            row[f"records_{md}"] = int(sel.sum())
            row[f"persons_{md}"] = int(persons[sel].sum())
        dates = points.date[members]
        dates = dates[~np.isnat(dates)]
        row["first_seen"] = pd.Timestamp(dates.min()) if len(dates) else pd.NaT
        row["last_seen"] = pd.Timestamp(dates.max()) if len(dates) else pd.NaT
        return row

    @staticmethod
    def _monthly(points, members, hotspot_id) -> pd.DataFrame:
        dates = points.date[members]
        dated = ~np.isnat(dates) & points.in_one_period("M")[members]  # a year-only date is in no month
        frame = pd.DataFrame({"month": pd.DatetimeIndex(dates[dated]).to_period("M").to_timestamp(),
                              "case_type": points.case_type[members][dated], "persons": points.persons[members][dated]})
        table = frame.groupby(["month", "case_type"], as_index=False)["persons"].sum()
        table.insert(0, "hotspot_id", hotspot_id)
        return table

    def _hotspot_table(self, rows, outlines) -> gpd.GeoDataFrame:
        columns = ["hotspot_id", "case_type", "label", "records", "persons"]
        if not rows:
            return gpd.GeoDataFrame(pd.DataFrame(columns=columns), geometry=gpd.GeoSeries([], crs=STORAGE_CRS),
                                    crs=STORAGE_CRS)
        table = pd.DataFrame(rows)
        shapes = gpd.GeoSeries([outlines[i] for i in table["hotspot_id"]], crs=METRIC_CRS)
        table["area_km2"] = np.round(shapes.area.to_numpy() / 1e6, 2)
        layers = self.layers if self.layers is not None else context.default_layers()
        described = context.describe(table["centroid_lon"].to_numpy(), table["centroid_lat"].to_numpy(), layers)
        table = pd.concat([table, described], axis=1)
        first = [c for c in columns if c in table.columns]
        table = table[first + [c for c in table.columns if c not in first]]
        return gpd.GeoDataFrame(table, geometry=shapes.to_crs(STORAGE_CRS).to_numpy(), crs=STORAGE_CRS)

    def _add_trends(self, points, record_cells):
        """Growth trend per hotspot (emerging/growing/fading/steady) and its emerging-hotspot category."""
        if self.monthly_.empty:  # no dated record in any hotspot: nothing to say about time
            self.hotspots_["trend"] = "no dates"
            self.hotspots_["emerging"] = "not available: the records have no dates"
            return
        months = self.monthly_.groupby(["hotspot_id", "month"])["persons"].sum().unstack(fill_value=0)
        all_months = pd.date_range(self.monthly_["month"].min(), self.monthly_["month"].max(), freq="MS")
        span = pd.date_range(self.hotspots_["first_seen"].min().to_period("M").to_timestamp(),
                             self.hotspots_["last_seen"].max().to_period("M").to_timestamp(), freq="MS")
        months = months.reindex(index=self.hotspots_["hotspot_id"], columns=span.union(all_months), fill_value=0)
        series = months.to_numpy(dtype=float)
        trend = np.full(len(series), "steady", dtype=object)
        if series.shape[1] >= MIN_PERIODS:
            _, z, p = mann_kendall(series)
            trend[(p <= 0.05) & (z > 0)] = "growing"
            trend[(p <= 0.05) & (z < 0)] = "fading"
            # emerging: the first half of the span was quiet next to the second (under a quarter of it)
            half = series.shape[1] // 2
            early = series[:, :half].mean(axis=1)
            late = series[:, half:].mean(axis=1)
            trend[(late > 0) & (early < 0.25 * late)] = "emerging"
        self.hotspots_["trend"] = trend
        self.hotspots_["emerging"] = self._emerging_categories(points, record_cells)

    def _emerging_categories(self, points, record_cells) -> list:
        """Each hotspot's emerging category: the persons-weighted commonest one among its cells."""
        resolution = min(self.resolution_, TREND_RESOLUTION)
        try:
            cells = _emerging_points(points, resolution=resolution, period=self.trend_period, rings=1, alpha=0.05,
                                     case_type=self.case_type,
                                     record_cells=grid.parents(record_cells, resolution), polygons=False)
        except ValueError as err:  # too few periods or dated records: say so in the table
            return [f"not available: {err}"] * len(self.hotspots_)
        out = []
        centres = cells.geometry
        for row in self.hotspots_.itertuples():
            inside = centres.within(row.geometry) & (cells["case_type"] == row.case_type).to_numpy()
            chosen = cells[inside & (cells["category"] != "no pattern detected")]
            if chosen.empty:
                out.append("no pattern detected")
            else:
                out.append(chosen.groupby("category")["persons"].sum().idxmax())
        return out

    # persistence --------------------------------------------------------------
    def save(self, path) -> Path:
        """Save the fitted model (parameters, results and data version) with joblib."""
        if not hasattr(self, "hotspots_"):
            raise ValueError("HotspotModel is not fitted yet: call fit(intercepts) before save()")
        path = Path(path)
        payload = {"format": FORMAT_VERSION, "params": {k: v for k, v in self.get_params().items() if k != "layers"},
                   "state": {k: v for k, v in vars(self).items() if k.endswith("_")}}
        joblib.dump(payload, path)
        return path

    @classmethod
    def load(cls, path) -> "HotspotModel":
        """Load a model saved with `save`; its `data_version_` says which records it was fitted on."""
        payload = joblib.load(Path(path))
        if not isinstance(payload, dict) or payload.get("format") != FORMAT_VERSION:
            raise ValueError(f"{path} is not a saved HotspotModel (format {FORMAT_VERSION})")
        model = cls(**payload["params"])
        for key, value in payload["state"].items():
            setattr(model, key, value)
        return model

    def fitted_on(self, intercepts) -> bool:
        """True when `intercepts` are the records this model was fitted on (same data version)."""
        return getattr(self, "data_version_", None) == data_version(intercepts)


def load(path) -> HotspotModel:
    return HotspotModel.load(path)


