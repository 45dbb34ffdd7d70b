"""Nearest layer features and plain-words labels for hotspots.

A planner reads "N-40 east of Dalbandin, 12 km from Taftan crossing" faster than coordinates.
The features come from the shipped geodata layers (crossings, launch points, hubs, towns of the
gazetteer) and the road `ref`s of the route network; any that are not available are left out of
the label.
"""
from __future__ import annotations

import functools

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.crs import METRIC_CRS, haversine_m

POINT_LAYERS = ("crossings", "launch_points", "hubs")
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
    """Pakistani populated places from the gazetteer table, to name where a hotspot is."""
    from pathlib import Path

    import geodata

    path = Path(geodata.__file__).parent / "layers" / "places.csv"
    if not path.exists():
        return None
    places = pd.read_csv(path, usecols=["name", "country", "lon", "lat", "population", "kind"])
    places = places[(places["country"] == "PK") & (places["kind"] == "populated_place")
                    & (places["population"] >= min_population)]
    return gpd.GeoDataFrame({"name": places["name"].to_numpy()},
                            geometry=gpd.points_from_xy(places["lon"], places["lat"]), crs="EPSG:4326")


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


def describe(lon: np.ndarray, lat: np.ndarray, layers: dict) -> pd.DataFrame:
    """Nearest crossing, launch point, hub and road for each centre, and a readable label."""
    table = pd.DataFrame(index=range(len(lon)))
    for name, column in (("crossings", "crossing"), ("launch_points", "launch_point"), ("hubs", "hub")):
        names, dist = nearest_points(lon, lat, layers.get(name))
        table[f"nearest_{column}"] = names
        table[f"{column}_km"] = np.round(dist / 1000, 1)
    refs, road_dist = nearest_road(lon, lat, layers.get("roads"))
    table["road_ref"] = refs
    table["road_km"] = np.round(road_dist / 1000, 1)
    table["label"] = [_label(i, lon[i], lat[i], table, layers) for i in range(len(lon))]
    return table


def _label(i, lon, lat, table, layers) -> str:
    parts = []
    place = _nearest_place(lon, lat, layers)
    road = table.at[i, "road_ref"]
    road_part = road if road is not None and table.at[i, "road_km"] <= 5 else None
    if place is not None:
        name, plon, plat, dist = place
        where = f"at {name}" if dist < 2000 else f"{compass(plon, plat, lon, lat)} of {name}"
        parts.append(f"{road_part} {where}" if road_part else where)
    elif road_part:
        parts.append(road_part)
    else:
        parts.append(f"{abs(lat):.3f}°{'N' if lat >= 0 else 'S'} {abs(lon):.3f}°{'E' if lon >= 0 else 'W'}")
    crossing, km = table.at[i, "nearest_crossing"], table.at[i, "crossing_km"]
    if crossing is not None and np.isfinite(km) and (place is None or crossing != place[0]):
        named = any(word in crossing for word in ("Airport", "Port", "Pass", "Corridor", "Gate", "crossing"))
        parts.append(f"{km:.0f} km from {crossing}" + ("" if named else " crossing"))  # no "Airport crossing"
    return ", ".join(parts)


def _nearest_place(lon, lat, layers):
    best = None
    for name in ("towns", "hubs", "launch_points", "crossings"):
        layer = layers.get(name)
        if layer is None or len(layer) == 0:
            continue
        names, dist = nearest_points(np.array([lon]), np.array([lat]), layer)
        if best is None or dist[0] < best[3]:
            pts = layer.to_crs("EPSG:4326").geometry.representative_point()
            k = int(np.flatnonzero(layer["name"].astype(str).to_numpy() == names[0])[0]) if "name" in layer else 0
            best = (names[0], float(pts.x.iloc[k]), float(pts.y.iloc[k]), float(dist[0]))
    return best
