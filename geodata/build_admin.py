"""Build the admin-geography layers `provinces`, `districts` and `neighbour_provinces`.

    python -m geodata.build --admin-only [--admin-data ../shared/data]

Inputs (public domain, checked by SHA-256 before use): geoBoundaries' 2019 Pakistan districts
(`pak_admin2.geojson`), the provinces dissolved from them (`pak_admin1.geojson`, names and ISO codes)
and Natural Earth's admin-1 of Iran and Afghanistan (`neighbours_admin1_naturalearth.geojson`), all as
prepared in the shared data folder; plus the shipped `pakistan` and `neighbours` layers.

Where the district polygons and the shipped Pakistan outline (OpenStreetMap) disagree, one rule decides
(geodata/SOURCES.md explains it with the measured areas):
- the outline wins at every international boundary and on the coast: districts are clipped to it, so
  the Sir Creek / Rann of Kutch claim line and Siachen beyond the Line of Control are not Pakistan here,
  and the map-traced district coast (median 3 km off) gives way to the 10 m outline;
- the salt pans the outline leaves out (Hamun-i-Mashkel, Hamun-i-Lora) stay with their districts: a
  district-only area of at least ``MIN_KEPT_KM2`` that no neighbour's polygon covers, that lies at
  least ``COAST_CLEARANCE_M`` from the coast and that does not touch India (whose boundary with
  Pakistan is the de-facto line the outline draws) is kept;
- where the outline is Pakistan but no district covers it (Cholistan, border slivers), the area goes
  to the district that shares the longest edge with it;
- a district seat the map-traced boundaries leave in the next district (Jacobabad, Bannu, Hangu,
  Matiari, Tando Muhammad Khan; geodata/sources/district_seats.csv, positions from GeoNames) gets a
  disc of the listed radius around it moved into its own district.
Neighbours' provinces are clipped to Pakistan's territory so no point lies in two countries.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geodata.crs import METRIC_CRS, STORAGE_CRS

DEFAULT_ADMIN_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
ADMIN_INPUTS = ("pak_admin1.geojson", "pak_admin2.geojson", "neighbours_admin1_naturalearth.geojson")
MIN_KEPT_KM2 = 100.0
COAST_CLEARANCE_M = 5_000.0
EDGE_PROBE_DEG = 0.002  # ~200 m: how close a district must run along a gap to share its edge
DISTRICT_SOURCE = "geoboundaries-2019 PAK-ADM2-60131773"
SEATS_CSV = Path(__file__).resolve().parent / "sources" / "district_seats.csv"
NE_SOURCE = "naturalearth-10m admin-1"


def check_inputs(folder: Path) -> dict[str, str]:
    """SHA-256 of each input, verified against the folder's measurements.json when present."""
    expected = {}
    manifest = folder / "measurements.json"
    if manifest.exists():
        expected = {k: v["sha256"] for k, v in json.loads(manifest.read_text())["files"].items()}
    digests = {}
    for name in ADMIN_INPUTS:
        path = folder / name
        if not path.exists():
            raise FileNotFoundError(f"admin geography input {path} is missing; pass --admin-data DIR")
        digests[name] = hashlib.sha256(path.read_bytes()).hexdigest()
        if name in expected and expected[name] != digests[name]:
            raise ValueError(f"{path}: SHA-256 {digests[name]} differs from measurements.json {expected[name]}")
    return digests


def _polygons(geom):
    """Only the polygon parts of a geometry, as one MultiPolygon (empty when none)."""
    parts = [p for p in shapely.get_parts(shapely.make_valid(geom)) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.MultiPolygon([q for p in parts for q in shapely.get_parts(p)])


def _area_km2(geom) -> float:
    return float(gpd.GeoSeries([geom], crs=STORAGE_CRS).to_crs(METRIC_CRS).area.iloc[0]) / 1e6


def territory(outline, districts_union, neighbours: gpd.GeoDataFrame, coastline):
    """Pakistan's territory: the outline with holes filled, plus the inland salt pans it leaves out."""
    filled = shapely.union_all([shapely.Polygon(p.exterior) for p in shapely.get_parts(outline)])
    foreign = shapely.union_all(neighbours.geometry.to_numpy())
    india = neighbours.loc[neighbours["iso3"] == "IND"].geometry.union_all().buffer(EDGE_PROBE_DEG)
    coast_zone = gpd.GeoSeries([coastline], crs=STORAGE_CRS).to_crs(METRIC_CRS).buffer(COAST_CLEARANCE_M)
    coast_zone = coast_zone.to_crs(STORAGE_CRS).iloc[0]
    kept = []
    for piece in shapely.get_parts(shapely.difference(shapely.difference(districts_union, filled), foreign)):
        piece = _polygons(piece)
        if not piece.is_empty and _area_km2(piece) >= MIN_KEPT_KM2 and not piece.intersects(coast_zone) \
                and not piece.intersects(india):
            kept.append(piece)
    return _polygons(shapely.union_all([filled, *kept])), kept


def _longest_edge_owner(gap, geoms: list) -> int:
    edge = gap.boundary
    shared = [shapely.intersection(edge, g.buffer(EDGE_PROBE_DEG)).length for g in geoms]
    if max(shared) > 0:
        return max(range(len(geoms)), key=shared.__getitem__)
    return min(range(len(geoms)), key=lambda i: gap.distance(geoms[i]))


def districts_layer(raw: gpd.GeoDataFrame, land) -> gpd.GeoDataFrame:
    """Districts clipped to the territory, with the uncovered gaps given to a neighbouring district."""
    clipped = [_polygons(shapely.intersection(g, land)) for g in raw.geometry]
    gaps = shapely.difference(land, shapely.union_all(clipped))
    added_km2 = [0.0] * len(clipped)
    extra: list[list] = [[] for _ in clipped]
    for gap in shapely.get_parts(gaps):
        owner = _longest_edge_owner(gap, clipped)
        extra[owner].append(gap)
        added_km2[owner] += _area_km2(gap)
    geoms = [_polygons(shapely.union_all([g, *more])) if more else g for g, more in zip(clipped, extra)]
    geoms, moved = _seat_corrections(raw["adm2_code"].str.lower().tolist(), geoms, land)
    out = gpd.GeoDataFrame({
        "id": raw["adm2_code"].str.lower(), "name": raw["name"], "kind": "district",
        "source": [f"{DISTRICT_SOURCE} shape {s}; clipped to the osm-geo-maps outline" for s in raw["gb_shape_id"]],
        "province": raw["adm1_name"], "province_id": raw["adm1_iso"].str.lower(),
        "former_fata": raw["former_fata"].astype(bool), "gap_added_km2": [round(a, 1) for a in added_km2],
        "seat_fix_km2": [round(moved.get(i, 0.0), 1) for i in raw["adm2_code"].str.lower()],
    }, geometry=geoms, crs=STORAGE_CRS)
    out["area_km2"] = (out.to_crs(METRIC_CRS).area / 1e6).round(1)
    return out.sort_values("id").reset_index(drop=True)


def _seat_corrections(ids: list[str], geoms: list, land) -> tuple[list, dict[str, float]]:
    """Move a disc around each listed district seat into its district (km² moved per district id)."""
    seats = pd.read_csv(SEATS_CSV)
    moved: dict[str, float] = {}
    for seat in seats.itertuples():
        k = ids.index(seat.district_id)
        centre = gpd.GeoSeries(gpd.points_from_xy([seat.lon], [seat.lat]), crs=STORAGE_CRS).to_crs(METRIC_CRS)
        disc = centre.buffer(seat.radius_km * 1000, 64).to_crs(STORAGE_CRS).iloc[0]
        disc = _polygons(shapely.intersection(disc, land))
        gained = _polygons(shapely.difference(disc, geoms[k]))
        moved[seat.district_id] = _area_km2(gained) if not gained.is_empty else 0.0
        geoms = [_polygons(shapely.union_all([g, disc])) if i == k else _polygons(shapely.difference(g, disc))
                 for i, g in enumerate(geoms)]
    return geoms, moved


def provinces_layer(districts: gpd.GeoDataFrame, raw_provinces: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Provinces and territories as the union of their (adjusted) districts."""
    names = raw_provinces.set_index(raw_provinces["iso_3166_2"].str.lower())
    rows = []
    for pid, group in districts.groupby("province_id"):
        rows.append({"id": pid, "name": names.at[pid, "name"],
                     "kind": "province" if names.at[pid, "type"] == "Province" else "territory",
                     "source": f"dissolved from the districts layer ({DISTRICT_SOURCE}); name and ISO 3166-2 "
                               f"from {NE_SOURCE}",
                     "iso_3166_2": pid.upper(), "type": names.at[pid, "type"], "n_districts": len(group),
                     "geometry": _polygons(shapely.union_all(group.geometry.to_numpy()))})
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=STORAGE_CRS)
    out["area_km2"] = (out.to_crs(METRIC_CRS).area / 1e6).round(1)
    return out


def neighbour_provinces_layer(raw: gpd.GeoDataFrame, land) -> gpd.GeoDataFrame:
    """Iran's and Afghanistan's provinces, minus Pakistan's territory.

    Natural Earth splits Parwan and Uruzgan in two features each and gives Alborz Tehran's ISO code:
    features are merged by Wikidata id, and ``id`` is Natural Earth's own adm1_code (unique).
    """
    rows = []
    for _, group in raw.groupby("wikidataid", sort=False):
        first = group.iloc[0]
        codes = ", ".join(group["adm1_code"])
        rows.append({"id": first["adm1_code"].lower(), "name": first["name"], "kind": "province",
                     "source": f"{NE_SOURCE} {codes} ({first['wikidataid']}); clipped to Pakistan's territory",
                     "country": first["adm0_a3"], "iso_3166_2": first["iso_3166_2"],
                     "geometry": _polygons(shapely.difference(shapely.union_all(group.geometry.to_numpy()), land))})
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=STORAGE_CRS)
    return out.sort_values("id").reset_index(drop=True)


def build_admin(folder: Path, pakistan: gpd.GeoDataFrame, neighbours: gpd.GeoDataFrame,
                coastline: gpd.GeoDataFrame) -> tuple[dict[str, gpd.GeoDataFrame], dict]:
    """The three admin layers and a report of what the disagreement rule did (areas in km²)."""
    check_inputs(folder)
    raw_districts = gpd.read_file(folder / "pak_admin2.geojson")
    raw_provinces = gpd.read_file(folder / "pak_admin1.geojson")
    raw_neighbours = gpd.read_file(folder / "neighbours_admin1_naturalearth.geojson")
    districts_union = shapely.union_all(raw_districts.geometry.to_numpy())
    land, kept = territory(pakistan.geometry.union_all(), districts_union, neighbours,
                           coastline.geometry.union_all())
    districts = districts_layer(raw_districts, land)
    layers = {"districts": districts, "provinces": provinces_layer(districts, raw_provinces),
              "neighbour_provinces": neighbour_provinces_layer(raw_neighbours, land)}
    report = {"salt_pans_kept_km2": [round(_area_km2(k)) for k in kept],
              "district_area_dropped_km2": round(_area_km2(shapely.difference(districts_union, land))),
              "gaps_added_km2": round(float(districts["gap_added_km2"].sum())),
              "territory_km2": round(_area_km2(land))}
    return layers, report


__all__ = ["build_admin", "check_inputs", "territory", "DEFAULT_ADMIN_DATA"]
