"""Changing map layers, built as FeatureGroups for st_folium's ``feature_group_to_add``.

The base map (ui.basemap) stays the same across reruns, so its view survives; these layers change.
Many points always go in one layer: a fast marker cluster or a heat layer over plain coordinate
arrays, never one Marker per record.
"""
from __future__ import annotations

import json

import folium
import folium.plugins
import numpy as np
import pandas as pd
from folium.elements import JSCSSMixin
from branca.element import MacroElement

from ui import offline

SITE_COLOUR = "#e91e63"  # proposed checkpoints: a colour no shipped layer uses
# Built in the browser for each point the cluster shows singly: a small dot, no image, no plugin icons.
RECORD_MARKER_JS = """function (row) {
    // one shared icon for all points: building 100,000 icons would stall the browser
    window.checkpostRecordIcon = window.checkpostRecordIcon || L.divIcon({className: 'checkpost-record',
        html: '<div style="width:8px;height:8px;border-radius:4px;background:#8e44ad;border:1px solid #fff"></div>',
        iconSize: [10, 10]});
    return L.marker(new L.LatLng(row[0], row[1]), {icon: window.checkpostRecordIcon});
}"""
FLOW_COLOUR = "#d35400"


class PluginAssets(JSCSSMixin, MacroElement):
    """Loads the marker-cluster and heat plugins with the base map.

    st_folium collects scripts only from the base map, not from ``feature_group_to_add``; layers
    added there later need their plugin already loaded.  Renders nothing itself.
    """

    _template = folium.elements.Template("")
    default_js = [
        ("leaflet.markercluster.js", offline.local_url("leaflet.markercluster.js")),
        ("leaflet_heat.min.js", offline.local_url("leaflet_heat.min.js")),
    ]
    default_css = [
        ("MarkerCluster.css", offline.local_url("MarkerCluster.css")),
        ("MarkerCluster.Default.css", offline.local_url("MarkerCluster.Default.css")),
    ]


def sites_layer(sites: list[dict] | pd.DataFrame, name: str = "Proposed checkpoints",
                colour: str = SITE_COLOUR, selected: str | None = None) -> folium.FeatureGroup:
    """Checkpoint sites as one GeoJSON layer of circle markers with their id and type."""
    records = sites.to_dict("records") if isinstance(sites, pd.DataFrame) else list(sites)
    features = []
    for s in records:
        if s.get("lon") is None or s.get("lat") is None or pd.isna(s.get("lon")):
            continue
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [float(s["lon"]), float(s["lat"])]},
                         "properties": {"site_id": str(s["site_id"]), "site_type": str(s.get("site_type", "")),
                                        "detection": float(s.get("detection", 0)),
                                        "selected": s["site_id"] == selected}})
    group = folium.FeatureGroup(name=name)
    if features:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": features},
            marker=folium.CircleMarker(radius=9, color="#ffffff", weight=2, fill=True, fill_color=colour,
                                       fill_opacity=0.95),
            style_function=lambda f: {"fillColor": "#f1c40f" if f["properties"]["selected"] else colour},
            tooltip=folium.GeoJsonTooltip(fields=["site_id", "site_type", "detection"]),
        ).add_to(group)
    return group


def link_coords(G, u, v, data: dict) -> list[list[float]]:
    """A network link's [lon, lat] points: its geometry, else the straight line between its nodes."""
    geometry = data.get("geometry")
    if geometry is not None:
        return [list(c) for c in geometry.coords]
    return [[G.nodes[u]["x"], G.nodes[u]["y"]], [G.nodes[v]["x"], G.nodes[v]["y"]]]


def flows_layer(G, edge_flows: pd.DataFrame, name: str = "Flows without checkpoints (migrants/year)",
                min_volume: float = 1.0) -> folium.FeatureGroup:
    """Land links carrying flow, one GeoJSON layer, line width growing with the volume."""
    group = folium.FeatureGroup(name=name)
    if edge_flows is None or edge_flows.empty:
        return group
    flows = edge_flows[edge_flows["volume"] >= min_volume]
    top = float(flows["volume"].max()) if len(flows) else 1.0
    features, seen = [], set()
    for (u, v, k), row in flows.iterrows():
        data = G.edges[u, v, k]
        if data.get("mode") not in ("road", "track", "crossing"):
            continue
        pair = (min(u, v), max(u, v), k)
        if pair in seen:
            continue
        seen.add(pair)
        both = row["volume"] + (float(edge_flows["volume"].get((v, u, k), 0.0)) if (v, u, k) in edge_flows.index else 0.0)
        line = {"type": "LineString", "coordinates": link_coords(G, u, v, data)}
        features.append({"type": "Feature", "geometry": line,
                         "properties": {"ref": str(data.get("ref") or data.get("mode")), "volume": round(both),
                                        "w": 1.5 + 7.0 * min(1.0, both / (2 * top))}})
    if features:
        folium.GeoJson({"type": "FeatureCollection", "features": features},
                       style_function=lambda f: {"color": FLOW_COLOUR, "weight": f["properties"]["w"], "opacity": 0.55},
                       tooltip=folium.GeoJsonTooltip(fields=["ref", "volume"], aliases=["road", "migrants/year"]),
                       ).add_to(group)
    return group


def records_layer(lat: np.ndarray, lon: np.ndarray, style: str = "cluster",
                  name: str = "Intercept records") -> folium.FeatureGroup:
    """Many intercept points as one fast marker cluster (or one heat layer); no per-record popups."""
    group = folium.FeatureGroup(name=name)
    points = np.column_stack([np.asarray(lat, float), np.asarray(lon, float)]).round(5).tolist()
    if not points:
        return group
    if style == "heat":
        folium.plugins.HeatMap(points, radius=12, blur=15, min_opacity=0.3).add_to(group)
    elif style == "cluster":
        folium.plugins.FastMarkerCluster(points, callback=RECORD_MARKER_JS,
                                         options={"maxClusterRadius": 60, "chunkedLoading": True}).add_to(group)
    else:
        raise ValueError(f"records_layer: style '{style}' is not 'cluster' or 'heat'")
    return group


def geojson_text(features: list[dict]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features})
