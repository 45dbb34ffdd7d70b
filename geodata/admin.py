"""Where a point is: country, province and district by point-in-polygon, and named regions.

    >>> from geodata.admin import locate, parse_region
    >>> locate([66.99, 68.86], [30.18, 27.70])      # Quetta, Sukkur
       country     province district admin_note
    0       PK  Balochistan   Quetta       None
    1       PK        Sindh   Sukkur       None
    >>> parse_region("Balochistan").contains(68.86, 27.70)
    False

Layers, in order: Pakistan's districts (which give province and country), Iran's and Afghanistan's
provinces, then the other neighbours (country only).  A point in none of them (on a boundary, in a
sliver between two layers' edges) gets the nearest polygon within ``BOUNDARY_TOLERANCE_M``; a point
at sea gets the nearest coast's polygon within the territorial sea (12 nautical miles); a point beyond
every shipped polygon gets the country of the nearest gazetteer place within ``PLACE_TOLERANCE_M``.
Each of these is said in ``admin_note``; a point inside a polygon has no note.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.crs import METRIC_CRS, STORAGE_CRS, haversine_m

BOUNDARY_TOLERANCE_M = 2_000.0
TERRITORIAL_SEA_M = 22_224.0  # 12 nautical miles
PLACE_TOLERANCE_M = 30_000.0
ISO3_TO_ISO2 = {"PAK": "PK", "AFG": "AF", "IRN": "IR", "IND": "IN", "CHN": "CN", "OMN": "OM", "ARE": "AE",
                "TUR": "TR"}
COUNTRY_NAMES = {"PK": "Pakistan", "AF": "Afghanistan", "IR": "Iran", "IN": "India", "CN": "China",
                 "OM": "Oman", "AE": "United Arab Emirates", "TR": "Turkey", "GR": "Greece", "IT": "Italy",
                 "ES": "Spain", "GB": "United Kingdom", "SA": "Saudi Arabia", "MY": "Malaysia",
                 "ID": "Indonesia", "QA": "Qatar", "CX": "Christmas Island"}
COLUMNS = ("country", "province", "district", "admin_note")
POLYGON_COUNTRIES = ("PK", "AF", "IR", "IN", "CN", "OM", "AE")  # countries some shipped polygon covers


@dataclass(frozen=True)
class _Polygons:
    """All admin polygons in one table: what each one says about a point inside it."""

    geometry: np.ndarray       # lon/lat polygons (prepared)
    metric: np.ndarray         # the same in METRIC_CRS, for distances
    country: np.ndarray
    province: np.ndarray
    district: np.ndarray
    label: np.ndarray
    tree: shapely.STRtree
    edges: shapely.STRtree     # polygon edges in METRIC_CRS, cut into short pieces: fast nearest queries
    edge_owner: np.ndarray     # polygon index of each edge piece


@lru_cache(maxsize=1)
def _polygons() -> _Polygons:
    import geodata

    districts = geodata.layer("districts")
    provinces = geodata.layer("neighbour_provinces")
    countries = geodata.layer("neighbours")
    frames = [
        pd.DataFrame({"country": "PK", "province": districts["province"], "district": districts["name"],
                      "label": districts["name"] + " district", "geometry": districts.geometry}),
        pd.DataFrame({"country": provinces["country"].map(ISO3_TO_ISO2), "province": provinces["name"],
                      "district": None, "label": provinces["name"], "geometry": provinces.geometry}),
        pd.DataFrame({"country": countries["iso3"].map(ISO3_TO_ISO2), "province": None, "district": None,
                      "label": countries["name"], "geometry": countries.geometry}),
    ]
    table = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=STORAGE_CRS)
    geoms = table.geometry.to_numpy()
    shapely.prepare(geoms)
    metric = table.geometry.to_crs(METRIC_CRS).to_numpy()
    pieces, owner = _edge_pieces(metric)
    return _Polygons(geoms, metric, table["country"].to_numpy(object), table["province"].to_numpy(object),
                     table["district"].to_numpy(object), table["label"].to_numpy(object),
                     shapely.STRtree(geoms), shapely.STRtree(pieces), owner)


def _edge_pieces(polygons: np.ndarray, size: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Every ring of every polygon cut into lines of at most ``size`` vertices, with the owner's index."""
    pieces, owner = [], []
    for k, geom in enumerate(polygons):
        for ring in shapely.get_rings(shapely.get_parts(geom)):
            coords = shapely.get_coordinates(ring)
            for start in range(0, len(coords) - 1, size - 1):
                pieces.append(shapely.linestrings(coords[start:start + size]))
                owner.append(k)
    return np.array(pieces, dtype=object), np.array(owner, dtype=np.int64)


def _inside(polys: _Polygons, points: np.ndarray) -> np.ndarray:
    """Index of the first (lowest-index, so districts first) polygon containing each point, else -1."""
    hit = np.full(len(points), -1, dtype=np.int64)
    x, y = shapely.get_x(points), shapely.get_y(points)
    pairs = polys.tree.query(points)  # bounding-box candidates; exact test below on prepared polygons
    for k in np.unique(pairs[1])[::-1]:  # descending, so the lowest index (districts first) is written last
        cand = pairs[0][pairs[1] == k]
        cand = cand[shapely.contains_xy(polys.geometry[k], x[cand], y[cand])]
        hit[cand] = k
    return hit


def _nearest(polys: _Polygons, points: np.ndarray, limit_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Nearest polygon (index, distance m) within ``limit_m`` for each lon/lat point, else (-1, nan)."""
    index, dist = np.full(len(points), -1, dtype=np.int64), np.full(len(points), np.nan)
    if len(points) == 0:
        return index, dist
    metric = gpd.GeoSeries(points, crs=STORAGE_CRS).to_crs(METRIC_CRS).to_numpy()
    pairs, found = polys.edges.query_nearest(metric, max_distance=limit_m, return_distance=True,
                                             all_matches=False)
    index[pairs[0]], dist[pairs[0]] = polys.edge_owner[pairs[1]], found
    return index, dist


def _unit_xyz(lon, lat) -> np.ndarray:
    lon, lat = np.radians(lon), np.radians(lat)
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


@lru_cache(maxsize=1)
def _place_tree():
    from scipy.spatial import cKDTree

    from geodata.gazetteer import populated_places

    places = populated_places()
    return places, cKDTree(_unit_xyz(places["lon"].to_numpy(), places["lat"].to_numpy()))


def nearest_places(lon, lat) -> tuple[pd.DataFrame, np.ndarray]:
    """The nearest gazetteer populated place of each point and its great-circle distance (m)."""
    places, tree = _place_tree()
    _, idx = tree.query(_unit_xyz(np.asarray(lon, float), np.asarray(lat, float)))
    best = places.iloc[idx].reset_index(drop=True)
    return best, haversine_m(np.asarray(lon, float), np.asarray(lat, float), best["lon"].to_numpy(),
                             best["lat"].to_numpy())


def locate(lon, lat) -> pd.DataFrame:
    """Country (ISO 3166-1 alpha-2), province and district of each point (lon/lat, EPSG:4326).

    Parameters
    ----------
    lon, lat : float or array-like
        Longitudes and latitudes of the same length.

    Returns
    -------
    pandas.DataFrame
        One row per point with ``country``, ``province``, ``district`` (None where unknown or
        not shipped, e.g. districts abroad) and ``admin_note`` (None when the point lies inside a
        polygon; otherwise how it was placed, or why it was not).
    """
    lon = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    lat = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    if lon.shape != lat.shape:
        raise ValueError(f"locate: {lon.size} longitudes but {lat.size} latitudes")
    polys = _polygons()
    valid = np.isfinite(lon) & np.isfinite(lat)
    points = shapely.points(np.where(valid, lon, 0.0), np.where(valid, lat, 0.0))
    hit = np.where(valid, _inside(polys, points), -1)
    notes = np.full(len(lon), None, dtype=object)
    notes[~valid] = "no position"
    by_place = _place_outside(polys, points, lon, lat, hit, notes, valid)
    out = pd.DataFrame({name: np.full(len(lon), None, dtype=object) for name in COLUMNS})
    found = hit >= 0
    for name in ("country", "province", "district"):
        out.loc[found, name] = getattr(polys, name)[hit[found]]
    out.loc[~found, "country"] = by_place[~found]
    out["admin_note"] = notes
    return out


def _place_outside(polys, points, lon, lat, hit, notes, valid) -> np.ndarray:
    """Boundary points, slivers, territorial sea, then the gazetteer: fills ``hit`` and ``notes`` in place.

    Returns the country codes found from the gazetteer (None elsewhere).
    """
    by_place = np.full(len(lon), None, dtype=object)
    outside = np.flatnonzero(valid & (hit < 0))
    if outside.size == 0:
        return by_place
    index, dist = _nearest(polys, points[outside], TERRITORIAL_SEA_M)
    place, place_m = nearest_places(lon[outside], lat[outside])
    # A point within 2 km of a town of a country we hold no polygon for is on that country's land, not at sea.
    foreign_land = (place_m <= BOUNDARY_TOLERANCE_M) & ~place["country"].isin(list(POLYGON_COUNTRIES)).to_numpy()
    for j, (i, k, d) in enumerate(zip(outside, index, dist)):
        if k >= 0 and d <= BOUNDARY_TOLERANCE_M:
            hit[i], notes[i] = k, f"on or near a boundary: nearest polygon {polys.label[k]} ({d / 1000:.1f} km)"
        elif k >= 0 and not foreign_land[j]:
            hit[i], notes[i] = k, f"at sea: {d / 1000:.1f} km off {polys.label[k]} (within 12 nautical miles)"
        elif place_m[j] <= PLACE_TOLERANCE_M:
            by_place[i] = place["country"].iat[j]
            notes[i] = (f"no shipped boundary here: country of the nearest gazetteer place, "
                        f"{place['name'].iat[j]} ({place_m[j] / 1000:.1f} km)")
        else:
            notes[i] = "outside every shipped boundary"
    return by_place


# ---------------------------------------------------------------- regions

def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def _shown(text, limit: int = 60) -> str:
    """User text echoed in an error message: letters, digits and plain punctuation only (no markup)."""
    return re.sub(r"[^\w \-.,;:']", "?", str(text))[:limit]


PROVINCE_ALIASES = {
    "kp": "Khyber Pakhtunkhwa", "kpk": "Khyber Pakhtunkhwa", "nwfp": "Khyber Pakhtunkhwa",
    "fata": "Khyber Pakhtunkhwa", "gb": "Gilgit-Baltistan", "northernareas": "Gilgit-Baltistan",
    "ajk": "Azad Jammu and Kashmir", "azadkashmir": "Azad Jammu and Kashmir",
    "ict": "Islamabad Capital Territory", "islamabad": "Islamabad Capital Territory",
    "baluchistan": "Balochistan", "sind": "Sindh",
}


@lru_cache(maxsize=1)
def _names() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(province key -> name, district key -> name, district name -> its province)."""
    import geodata

    provinces = geodata.layer("provinces")["name"].tolist()
    districts = geodata.layer("districts")
    by_key = {_key(p): p for p in provinces}
    by_key.update({k: v for k, v in PROVINCE_ALIASES.items()})
    return (by_key, {_key(d): d for d in districts["name"]},
            dict(zip(districts["name"], districts["province"])))


def province_names() -> list[str]:
    """Pakistan's provinces and territories as named in the shipped layer."""
    return sorted(set(_names()[0].values()))


def district_names(province: str | None = None) -> list[str]:
    """Districts of the shipped layer (of one province when given)."""
    of = _names()[2]
    wanted = None if province is None else canonical_province(province)
    return sorted(d for d, p in of.items() if wanted is None or p == wanted)


def canonical_province(name: str) -> str:
    """The shipped name of a province given any common spelling; ValueError when unknown."""
    found = _names()[0].get(_key(name))
    if found is None:
        raise ValueError(f"'{_shown(name)}' is not a province or territory of Pakistan; use one of "
                         f"{', '.join(province_names())}")
    return found


@dataclass(frozen=True)
class Region:
    """A commander's region: one province, or a list of districts."""

    kind: str                 # "province" or "districts"
    names: tuple[str, ...]

    @property
    def label(self) -> str:
        """How the region is stored and shown: 'Balochistan' or 'districts: Quetta; Pishin'."""
        return self.names[0] if self.kind == "province" else "districts: " + "; ".join(self.names)

    def column(self) -> str:
        """The record attribute this region is a set of values of."""
        return "province" if self.kind == "province" else "district"

    def contains_located(self, located: pd.DataFrame) -> np.ndarray:
        """Mask over a ``locate`` result (or records with the same columns): inside this region."""
        pakistan = located["country"].to_numpy(object) == "PK"
        return pakistan & located[self.column()].isin(self.names).to_numpy()

    def contains(self, lon, lat) -> np.ndarray | bool:
        """True where the point lies in the region (by the same rule as stored records)."""
        mask = self.contains_located(locate(lon, lat))
        return bool(mask[0]) if np.ndim(lon) == 0 else mask

    def polygon(self):
        """The region's outline (lon/lat), for maps and database tests."""
        import geodata

        layer = geodata.layer("provinces" if self.kind == "province" else "districts")
        return layer[layer["name"].isin(self.names)].geometry.union_all()


def parse_region(text) -> Region:
    """A region from its stored text: a province name, or district names separated by ';' or ','.

    Raises ValueError naming what is not known (so an unknown region is refused, never widened).
    """
    if text is None or not str(text).strip():
        raise ValueError("no region given: a commander needs one province or a list of districts")
    body = re.sub(r"^\s*districts?\s*:\s*", "", str(text), flags=re.IGNORECASE)
    provinces, districts, _ = _names()
    if body == str(text) and _key(body) in provinces:
        return Region("province", (provinces[_key(body)],))
    items = [item.strip() for item in re.split(r"[;,]", body) if item.strip()]
    unknown = [item for item in items if _key(item) not in districts]
    if not items or unknown:
        raise ValueError(f"region '{_shown(text, 120)}': {', '.join(repr(_shown(u)) for u in unknown) or 'nothing'} "
                         f"is not a province or a district of Pakistan; use a province "
                         f"({', '.join(province_names())}) or district names separated by ';'")
    return Region("districts", tuple(dict.fromkeys(districts[_key(item)] for item in items)))


def describe_location(lon: float, lat: float) -> str:
    """Where one point lies, for messages: 'Sindh, Sukkur district' or 'Iran, Sistan and Baluchestan'."""
    row = locate(lon, lat).iloc[0]
    if row["country"] is None:
        return "outside every shipped boundary"
    country = COUNTRY_NAMES.get(row["country"], row["country"])
    if row["country"] == "PK":
        return f"{row['province']}, {row['district']} district"
    return f"{country}, {row['province']}" if row["province"] else country


__all__ = ["locate", "parse_region", "Region", "describe_location", "province_names", "district_names",
           "canonical_province", "COUNTRY_NAMES", "BOUNDARY_TOLERANCE_M", "TERRITORIAL_SEA_M"]
