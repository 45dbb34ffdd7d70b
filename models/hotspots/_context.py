"""Nearest layer features and plain-words labels for hotspots, anywhere on the routes.

A planner reads "Iran, Sistan and Baluchestan: 14 km south-east of Saravan" or "Pakistan, Balochistan,
Chagai district: N-40 12 km east of Dalbandin, 40 km from Taftan crossing" faster than coordinates.
The country and province are where the hotspot's centre lies (geodata.admin.locate, point-in-polygon);
the place is the nearest populated place of the gazetteer (GeoNames) or of the point layers in that
same country.  The nearest road and crossing are named only within ``CONTEXT_MAX_KM``; ``label_source``
says where the label's parts come from.  Layers that are not available are left out of the label.
"""
from __future__ import annotations

import functools

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.crs import METRIC_CRS, haversine_m

POINT_LAYERS = ("crossings", "launch_points", "hubs")
CONTEXT_MAX_KM = 50.0      # nearest road / crossing named only this close
ROAD_IN_LABEL_KM = 5.0     # a road this close is where the hotspot is ("N-40 12 km east of ...")
AT_PLACE_M = 2000.0        # closer than this: "at <place>"
_COMPASS = ("north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west")


def default_layers() -> dict[str, gpd.GeoDataFrame]:
    """The shipped point layers and a road layer from the route network, where they exist."""
    return dict(_default_layers_cached())


@functools.lru_cache(maxsize=1)
def _default_layers_cached() -> dict[str, gpd.GeoDataFrame]:
    layers: dict[str, gpd.GeoDataFrame] = {}
    try:
        import geodata

        get_layer = geodata.layer
    except (ImportError, AttributeError):
        get_layer = None
    if get_layer is not None:
        for name in POINT_LAYERS:
            try:
                layers[name] = get_layer(name)
            except (KeyError, FileNotFoundError, ValueError, OSError):
                continue
    towns = _towns()
    if towns is not None:
        layers["towns"] = towns
    roads = _network_roads()
    if roads is not None:
        layers["roads"] = roads
    return layers


def _towns(min_population: int = 5000) -> gpd.GeoDataFrame | None:
    """Populated places of every gazetteer country (Pakistan's from ``min_population``), with country and source."""
    try:
        from geodata.gazetteer import populated_places

        places = populated_places()
    except (ImportError, FileNotFoundError, OSError):
        return None
    places = places[(places["country"] != "PK") | (places["population"] >= min_population)]
    return gpd.GeoDataFrame({"name": places["name"].to_numpy(), "country": places["country"].to_numpy(),
                             "source": places["source"].to_numpy()},
                            geometry=gpd.points_from_xy(places["lon"], places["lat"]), crs="EPSG:4326")


def towns() -> gpd.GeoDataFrame | None:
    """The gazetteer's populated places as a label layer (the ``towns`` entry of :func:`default_layers`)."""
    return _towns()


def _network_roads() -> gpd.GeoDataFrame | None:
    try:
        import osmnx as ox

        from routes.network import default_network

        graph = default_network()
    except (ImportError, FileNotFoundError, OSError, ValueError, KeyError):
        return None
    edges = ox.graph_to_gdfs(graph, nodes=False)
    if "ref" not in edges.columns:
        return None
    edges = edges[edges["ref"].notna() & (edges["ref"].astype(str) != "")]
    if "mode" in edges.columns:
        edges = edges[edges["mode"].isin(["road", "track"])]
    return gpd.GeoDataFrame({"ref": edges["ref"].astype(str).to_numpy()}, geometry=edges.geometry.to_numpy(),
                            crs=edges.crs)


def compass(from_lon, from_lat, to_lon, to_lat) -> str:
    """Eight-point compass direction from one point to another (local flat approximation)."""
    dx = (to_lon - from_lon) * np.cos(np.radians((from_lat + to_lat) / 2))
    dy = to_lat - from_lat
    bearing = (np.degrees(np.arctan2(dx, dy)) + 360) % 360
    return _COMPASS[int(((bearing + 22.5) % 360) // 45)]


def nearest_points(lon: np.ndarray, lat: np.ndarray, layer: gpd.GeoDataFrame) -> tuple[list, np.ndarray]:
    """Name of and great-circle distance (m) to the nearest feature of a point layer."""
    if layer is None or len(layer) == 0:
        return [None] * len(lon), np.full(len(lon), np.nan)
    pts = layer.to_crs("EPSG:4326").geometry.representative_point()
    names = (layer["name"] if "name" in layer.columns else layer.index.to_series()).astype(str).to_numpy()
    dist = haversine_m(lon[:, None], lat[:, None], pts.x.to_numpy()[None, :], pts.y.to_numpy()[None, :])
    best = dist.argmin(axis=1)
    return [names[b] for b in best], dist[np.arange(len(lon)), best]


def nearest_road(lon: np.ndarray, lat: np.ndarray, roads: gpd.GeoDataFrame | None) -> tuple[list, np.ndarray]:
    """`ref` of the nearest road and the distance to it (m, metric CRS)."""
    if roads is None or len(roads) == 0:
        return [None] * len(lon), np.full(len(lon), np.nan)
    metric = roads.to_crs(METRIC_CRS)
    points = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326").to_crs(METRIC_CRS)
    tree = shapely.STRtree(metric.geometry.to_numpy())
    idx, dist = tree.query_nearest(points.to_numpy(), return_distance=True, all_matches=False)
    refs = [None] * len(lon)
    out = np.full(len(lon), np.nan)
    for p, r, d in zip(idx[0], idx[1], dist):
        refs[p] = str(metric["ref"].iloc[r])
        out[p] = d
    return refs, out


def _where(lon: np.ndarray, lat: np.ndarray) -> pd.DataFrame:
    """country, province, district of each centre; empty columns when the admin layers are missing."""
    try:
        from geodata.admin import locate

        return locate(lon, lat)
    except (ImportError, KeyError, FileNotFoundError, OSError):
        return pd.DataFrame({c: [None] * len(lon) for c in ("country", "province", "district", "admin_note")})


def describe(lon: np.ndarray, lat: np.ndarray, layers: dict) -> pd.DataFrame:
    """Country, province, nearest crossing, launch point, hub and road of each centre, and a readable label.

    Nearest crossing and road are left empty beyond ``CONTEXT_MAX_KM``.
    """
    table = pd.DataFrame(index=range(len(lon)))
    where = _where(lon, lat)
    table["country"] = where["country"].to_numpy(object)
    table["province"] = where["province"].to_numpy(object)
    table["district"] = where["district"].to_numpy(object)
    table["admin_note"] = where["admin_note"].to_numpy(object)
    for name, column in (("crossings", "crossing"), ("launch_points", "launch_point"), ("hubs", "hub")):
        names, dist = nearest_points(lon, lat, layers.get(name))
        table[f"nearest_{column}"] = names
        table[f"{column}_km"] = np.round(dist / 1000, 1)
    refs, road_dist = nearest_road(lon, lat, layers.get("roads"))
    table["road_ref"] = refs
    table["road_km"] = np.round(road_dist / 1000, 1)
    for name, km in (("nearest_crossing", "crossing_km"), ("road_ref", "road_km")):
        far = ~(table[km] <= CONTEXT_MAX_KM)
        table.loc[far, name] = None
        table.loc[far, km] = np.nan
    labels = [_label(i, lon[i], lat[i], table, layers) for i in range(len(lon))]
    table["label"] = [text for text, _ in labels]
    table["label_source"] = [source for _, source in labels]
    return table


def _region_prefix(row: pd.Series) -> str:
    from geodata.admin import COUNTRY_NAMES

    country = row["country"]
    if country is None or country != country:
        return ""
    parts = [COUNTRY_NAMES.get(country, country)]
    if row["province"] is not None and row["province"] == row["province"]:
        parts.append(str(row["province"]))
    if row["district"] is not None and row["district"] == row["district"] and row["district"] != row["province"]:
        parts.append(f"{row['district']} district")
    return ", ".join(parts)


def _label(i, lon, lat, table, layers) -> tuple[str, str]:
    """(label, where its parts come from) of one centre."""
    row = table.iloc[i]
    place = _nearest_place(lon, lat, layers, row["country"])
    road = row["road_ref"]
    road_part = road if road is not None and row["road_km"] <= ROAD_IN_LABEL_KM else None
    sources = []
    if place is not None:
        name, plon, plat, dist, source = place
        where = f"at {name}" if dist < AT_PLACE_M else f"{dist / 1000:.0f} km {compass(plon, plat, lon, lat)} of {name}"
        body = f"{road_part} {where}" if road_part else where
        sources.append(f"place: {name} ({source})")
    elif road_part:
        body = road_part
    else:
        body = f"{abs(lat):.3f}°{'N' if lat >= 0 else 'S'} {abs(lon):.3f}°{'E' if lon >= 0 else 'W'}"
    parts = [body]
    crossing, km = row["nearest_crossing"], row["crossing_km"]
    if crossing is not None and np.isfinite(km) and (place is None or crossing != place[0]):
        named = any(word in crossing for word in ("Airport", "Port", "Pass", "Corridor", "Gate", "crossing"))
        parts.append(f"{km:.0f} km from {crossing}" + ("" if named else " crossing"))  # no "Airport crossing"
    prefix = _region_prefix(row)
    note = row.get("admin_note")
    if prefix and isinstance(note, str) and note.startswith("no shipped boundary"):
        sources.insert(0, f"country: {note}")
    elif prefix:
        sources.insert(0, "country/province: shipped boundary layers (point-in-polygon)")
    if road_part:
        sources.append("road: route network")
    label = ", ".join(parts)
    return (f"{prefix}: {label}" if prefix else label), "; ".join(sources) or "coordinates"


def _same_country(layer: gpd.GeoDataFrame, country) -> gpd.GeoDataFrame:
    """Features of ``layer`` in ``country`` (layers without a country column count as anywhere)."""
    if country is None or country != country or "country" not in layer.columns:
        return layer
    return layer[layer["country"].astype(str).to_numpy() == country]


def _nearest_place(lon, lat, layers, country=None):
    """(name, lon, lat, distance m, source) of the nearest named place in the same country, or None."""
    best = None
    for name in ("towns", "hubs", "launch_points", "crossings"):
        layer = layers.get(name)
        if layer is None or len(layer) == 0:
            continue
        if name in ("launch_points", "crossings") and "country" not in layer.columns:
            layer = layer.assign(country="PK")  # Pakistan's coast and border posts
        layer = _same_country(layer, country).reset_index(drop=True)
        if len(layer) == 0:
            continue
        names, dist = nearest_points(np.array([lon]), np.array([lat]), layer)
        if best is None or dist[0] < best[3]:
            pts = layer.to_crs("EPSG:4326").geometry.representative_point()
            k = int(np.flatnonzero(layer["name"].astype(str).to_numpy() == names[0])[0]) if "name" in layer else 0
            source = str(layer["source"].iloc[k]) if "source" in layer.columns else f"{name} layer"
            best = (names[0], float(pts.x.iloc[k]), float(pts.y.iloc[k]), float(dist[0]), source)
    return best
