"""The offline base map: Checkpost's shipped vector layers styled as a basemap, with the usual controls.

    m = base_map()                      # folium.Map, no web tiles, local assets only
    m = base_map(online_tiles=True)     # adds OpenStreetMap tiles as an optional base layer

Whole countries around the region (Natural Earth 1:110m beyond the detailed box), Pakistan, provinces
and districts when geodata ships them, roads, borders, the shipped point layers and place names that
appear by zoom level.  Pages never use this directly: ``ui.map_builder.MapBuilder`` adds their layers,
then the layer switcher and legend (``BASE_LEGEND`` plus the page's entries).  There is no river layer:
no continuous river network is shipped, and fragments would mislead.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import folium
import folium.plugins
from branca.element import Element

import geodata
from ui import offline  # noqa: F401  (rewires folium to the vendored assets on import)
from ui.layers import PluginAssets, link_coords
from ui.map_elements import LABEL_CSS, PlaceLabels
from ui.place_labels import place_label_rows

PAKISTAN_VIEW = {"location": (29.5, 67.5), "zoom_start": 5}
SEA_COLOUR = "#cfe3ef"
LAND_COLOUR = "#ecebe4"       # neighbouring countries
PAKISTAN_COLOUR = "#fbf8ef"
CONTEXT_COUNTRIES = Path(__file__).resolve().parents[1] / "static" / "basemap" / "context_countries.geojson"

POINT_STYLES = {
    # layer: (colour, radius px, label)
    "crossings": ("#c0392b", 6, "Crossings and legal exit points"),
    "launch_points": ("#1f618d", 6, "Coastal launch points"),
    "hubs": ("#7d3c98", 5, "Transit hubs"),
    "sources": ("#d68910", 5, "Source districts"),
    "destinations": ("#117864", 6, "Destinations"),
}
BORDER_COLOURS = {"international": "#222222", "working_boundary": "#555555", "line_of_control": "#555555"}
# (colour, label, symbol, point layer it belongs to or None): the legend entries of the base map.
BASE_LEGEND = [(colour, label, "dot", name) for name, (colour, _r, label) in POINT_STYLES.items()] + [
    ("#222222", "International border", "line", None),
    ("#555555", "Line of Control / Working Boundary (de facto)", "dash", None),
    ("#b08d57", "Main roads; dashed: desert tracks", "line", None),
]
TOOLTIP_FIELDS = {
    "crossings": ["name", "crossing_type", "neighbour", "source"],
    "launch_points": ["name", "district", "source"],
    "hubs": ["name", "role", "source"],
    "sources": ["name", "province", "destinations", "source"],
    "destinations": ["name", "country", "cost_pkr_low", "source"],
}


# Display simplification of the big polygon layers (metres, in METRIC_CRS): the map is a backdrop at
# national scale, and the full outlines made every page send 2.4 MB to the browser on each rerun.
DISPLAY_TOLERANCE_M = {"neighbours": 2_000.0, "pakistan": 1_000.0, "borders": 200.0, "coastline": 200.0}
DISPLAY_GRID_DEG = 1e-4  # coordinates rounded to about 11 m for display


@lru_cache(maxsize=None)
def _geojson(name: str) -> str:
    """Layer as GeoJSON text for display (cached: the shipped layers never change while the app runs)."""
    import shapely

    from geodata.crs import METRIC_CRS

    gdf = geodata.layer(name)
    for col in gdf.columns:
        if col != "geometry" and str(gdf[col].dtype) not in ("object", "string", "str", "float64", "int64", "bool"):
            gdf[col] = gdf[col].astype(object).where(gdf[col].notna(), None)
    tolerance = DISPLAY_TOLERANCE_M.get(name)
    if tolerance:
        metric = gdf.geometry.to_crs(METRIC_CRS).simplify(tolerance, preserve_topology=False)
        gdf = gdf.set_geometry(metric.to_crs(gdf.crs))
    gdf = gdf.set_geometry(shapely.set_precision(gdf.geometry.values, DISPLAY_GRID_DEG, mode="pointwise"))
    return gdf.to_json(drop_id=True)


def _polygon_layer(m, name, label, fill, weight, colour, show=True):
    folium.GeoJson(
        json.loads(_geojson(name)), name=label, show=show, control=True,
        style_function=lambda _f, fill=fill, colour=colour, weight=weight: {
            "fillColor": fill, "color": colour, "weight": weight, "fillOpacity": 1.0},
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
    ).add_to(m)


@lru_cache(maxsize=None)
def _neighbour_outlines() -> dict:
    """Neighbours' outlines without the straight edges where the layer was cut out of the world map."""
    from geodata.build import NEIGHBOURS_CLIP_BOUNDS

    west, south, east, north = NEIGHBOURS_CLIP_BOUNDS
    cut = ((0, west), (0, east), (1, south), (1, north))  # (axis, value) of each cut edge

    def on_cut(a, b):  # with a tolerance, in case display rounding moves a cut vertex off the exact value
        return any(abs(a[axis] - value) < 1e-6 and abs(b[axis] - value) < 1e-6 for axis, value in cut)

    lines = []
    for feature in json.loads(_geojson("neighbours"))["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        for ring in (ring for polygon in polygons for ring in polygon):
            run = [ring[0]]
            for a, b in zip(ring, ring[1:]):
                if on_cut(a, b):
                    if len(run) > 1:
                        lines.append(run)
                    run = [b]
                else:
                    run.append(b)
            if len(run) > 1:
                lines.append(run)
    return {"type": "Feature", "properties": {},
            "geometry": {"type": "MultiLineString", "coordinates": lines}}


ROAD_STYLES = {"road": ("#b08d57", 1.4, None), "track": ("#b08d57", 1.0, "4 3")}


@lru_cache(maxsize=1)
def _road_features() -> dict:
    """The route network's roads and desert tracks inside the region, each link once, as GeoJSON."""
    from routes.network import default_network

    G = default_network()
    features, seen = [], set()
    for u, v, k, data in G.edges(keys=True, data=True):
        if data.get("mode") not in ROAD_STYLES or (min(u, v), max(u, v), k) in seen:
            continue
        seen.add((min(u, v), max(u, v), k))
        line = {"type": "LineString", "coordinates": link_coords(G, u, v, data)}
        features.append({"type": "Feature", "geometry": line,
                         "properties": {"mode": data["mode"], "ref": str(data.get("ref") or data.get("name") or data["mode"]),
                                        "km": round(float(data.get("length", 0)) / 1000, 1)}})
    return {"type": "FeatureCollection", "features": features}


def _road_layer(m):
    folium.GeoJson(
        _road_features(), name="Main roads and desert tracks",
        style_function=lambda f: {"color": ROAD_STYLES[f["properties"]["mode"]][0],
                                  "weight": ROAD_STYLES[f["properties"]["mode"]][1],
                                  "dashArray": ROAD_STYLES[f["properties"]["mode"]][2], "opacity": 0.8},
        tooltip=folium.GeoJsonTooltip(fields=["ref", "mode", "km"], aliases=["road", "type", "length (km)"]),
    ).add_to(m)


def _border_layer(m):
    folium.GeoJson(
        json.loads(_geojson("borders")), name="Land borders (LoC dashed, de facto)",
        style_function=lambda f: {
            "color": BORDER_COLOURS.get(f["properties"]["status"], "#222"), "weight": 2.2,
            "dashArray": None if f["properties"]["status"] == "international" else "6 4"},
        tooltip=folium.GeoJsonTooltip(fields=["name", "length_km"], aliases=["border", "length (km)"]),
    ).add_to(m)
    folium.GeoJson(
        json.loads(_geojson("coastline")), name="Coastline",
        style_function=lambda _f: {"color": "#5d8aa8", "weight": 1.2},
    ).add_to(m)


def point_layer(name: str, show: bool = True) -> folium.FeatureGroup:
    """One shipped point layer as a single GeoJSON layer of circle markers with tooltips."""
    colour, radius, label = POINT_STYLES[name]
    group = folium.FeatureGroup(name=label, show=show)
    folium.GeoJson(
        json.loads(_geojson(name)),
        marker=folium.CircleMarker(radius=radius, color="#ffffff", weight=1, fill=True,
                                   fill_color=colour, fill_opacity=0.95),
        tooltip=folium.GeoJsonTooltip(fields=TOOLTIP_FIELDS[name]),
    ).add_to(group)
    return group


def _context_layer(m) -> None:
    """Whole neighbouring countries beyond the detailed box (Natural Earth 1:110m), under everything."""
    data = json.loads(CONTEXT_COUNTRIES.read_text())
    fills = {"type": "FeatureCollection", "features": [f for f in data["features"] if f["properties"]["part"] == "fill"]}
    lines = {"type": "FeatureCollection",
             "features": [f for f in data["features"] if f["properties"]["part"] == "outline"]}
    folium.GeoJson(fills, name="Countries beyond the region (1:110m)", control=False,
                   style_function=lambda _f: {"fillColor": LAND_COLOUR, "weight": 0, "fillOpacity": 1.0},
                   tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False)).add_to(m)
    folium.GeoJson(lines, name="Country outlines beyond the region", control=False,
                   style_function=lambda _f: {"color": "#9a9a9a", "weight": 0.6}).add_to(m)


def _admin_layers(m) -> None:
    """Province and district boundaries, when the geodata layers are shipped (guarded: optional)."""
    names = set(geodata.layer_names())
    for name, label, weight, dash, show in (("neighbour_provinces", "Neighbours' provinces", 0.6, "2 3", False),
                                            ("districts", "Districts", 0.5, "2 2", False),
                                            ("provinces", "Provinces", 1.2, "5 3", True)):
        if name not in names:
            continue
        fields = [c for c in ("name",) if c in geodata.layer(name).columns]
        folium.GeoJson(json.loads(_geojson(name)), name=label, show=show,
                       style_function=lambda _f, w=weight, d=dash: {"color": "#8c7b6b", "weight": w,
                                                                   "dashArray": d, "fill": False},
                       tooltip=folium.GeoJsonTooltip(fields=fields, labels=False) if fields else None).add_to(m)


def _controls(m) -> None:
    folium.plugins.Fullscreen(position="topleft").add_to(m)
    # No stale "Unavailable" text when the cursor leaves the map; bottom right, clear of the scale bar.
    folium.plugins.MousePosition(position="bottomright", separator=" , ", prefix="lat, lon:", empty_string="",
                                 num_digits=4).add_to(m)
    folium.plugins.MeasureControl(position="topleft", primary_length_unit="kilometers",
                                  secondary_length_unit="meters", primary_area_unit="sqkilometers").add_to(m)
    PluginAssets().add_to(m)  # cluster/heat scripts for the page layers sent later


def base_map(*, online_tiles: bool = False, points: tuple[str, ...] = tuple(POINT_STYLES),
             height: int | None = None) -> folium.Map:
    """The base map of Pakistan: shipped layers, place names by zoom, scale, cursor position, fullscreen.

    The layer switcher and the legend are not here: ``ui.map_builder.MapBuilder`` adds them after the
    page's layers, so no layer can be added after the switcher.
    """
    m = folium.Map(tiles=None, control_scale=True, prefer_canvas=True, min_zoom=3, max_zoom=14,
                   **PAKISTAN_VIEW)
    # Without tiles Leaflet knows no zoom limits; marker clusters refuse a map without maxZoom.
    m.options.update(maxZoom=14, minZoom=3)
    m.get_root().header.add_child(Element(
        f"<style>.leaflet-container{{background:{SEA_COLOUR};}}</style>{LABEL_CSS}"
        f"<script>if (window.L) {{ L.Icon.Default.imagePath = '{offline.LEAFLET_IMAGES}'; }}</script>"))
    if online_tiles:
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap (online)", control=True).add_to(m)
    _context_layer(m)
    _polygon_layer(m, "neighbours", "Neighbouring countries", LAND_COLOUR, 0, "#9a9a9a")
    folium.GeoJson(_neighbour_outlines(), name="Neighbouring countries' outlines", control=False,
                   style_function=lambda _f: {"color": "#9a9a9a", "weight": 0.6}).add_to(m)
    _polygon_layer(m, "pakistan", "Pakistan", PAKISTAN_COLOUR, 0.8, "#6b6b6b")
    _admin_layers(m)
    _road_layer(m)
    _border_layer(m)
    for name in points:
        point_layer(name).add_to(m)
    PlaceLabels(place_label_rows(points)).add_to(m)
    _controls(m)
    return m
