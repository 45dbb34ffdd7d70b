"""The pages' map layers, each a FeatureGroup for ``ui.map_builder.MapBuilder.add``.

Sites (proposed, chosen by the optimiser, candidates, checkpoints as triangles), flows on the roads,
and intercept records.  The base map (ui.basemap) stays the same across reruns, so its view survives;
these layers change.  Many points always go in one layer: a fast marker cluster or a heat layer over
plain coordinate arrays, never one Marker per record.  Texts are escaped by the builder
(``ui.map_escape``), so these functions put raw values in.
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
# Records are small dark squares (imported) or hollow squares (simulated): unlike any shipped layer's dots.
RECORD_COLOUR, SYNTHETIC_COLOUR = "#17202a", "#5d6d7e"
RECORD_STYLES = {
    False: "width:7px;height:7px;background:%s;border:1px solid #fff" % RECORD_COLOUR,
    True: "width:6px;height:6px;background:#fff;border:2px solid %s" % SYNTHETIC_COLOUR,
}
# Built in the browser for each point the cluster shows singly: one shared icon, no image, no plugin icon.
RECORD_MARKER_JS = """function (row) {
    // one shared icon for all points: building 100,000 icons would stall the browser
    window.%(var)s = window.%(var)s || L.divIcon({className: 'checkpost-record',
        html: '<div style="%(style)s"></div>', iconSize: [10, 10]});
    return L.marker(new L.LatLng(row[0], row[1]), {icon: window.%(var)s});
}"""
# Simulated records' clusters are grey with a dashed ring, so they never pass for real ones.
SYNTHETIC_CLUSTER_JS = """function (cluster) {
    var n = cluster.getChildCount();
    var size = n < 100 ? 30 : (n < 1000 ? 36 : 42);
    return L.divIcon({className: 'marker-cluster checkpost-synthetic-cluster', iconSize: [size, size],
        html: '<div style="margin:0;width:' + size + 'px;height:' + size + 'px;line-height:' + (size - 4) + 'px;' +
              'border-radius:50%;border:2px dashed #34495e;background:rgba(174,182,191,.8);' +
              'font:11px sans-serif;text-align:center;color:#17202a">' + n + '</div>'});
}"""
RECORD_LEGEND = {
    (False, "cluster"): ("#6ecc39", "Clusters of imported records (number = records)", "cluster"),
    (True, "cluster"): ("#aeb6bf", "Clusters of SIMULATED records (grey, dashed)", "cluster-synthetic"),
    (False, "points"): (RECORD_COLOUR, "Imported intercept record", "square"),
    (True, "points"): ("#ffffff", "Simulated intercept record (hollow)", "square"),
    "heat": ("#ff0000", "Heat: density of intercept records", "heat"),
}
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


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _site_features(records: list[dict], selected: str | None = None) -> list[dict]:
    features = []
    for s in records:
        lon, lat = s.get("lon"), s.get("lat")
        if lon is None or lat is None or pd.isna(lon) or pd.isna(lat):
            continue
        props = {"site_id": _text(s.get("site_id")), "name": _text(s.get("name")) or _text(s.get("site_id")),
                 "site_type": _text(s.get("site_type")).replace("_", " "),
                 "detection": f"{float(s.get('detection') or 0):.0%}", "note": _text(s.get("note")),
                 "selected": selected is not None and s.get("site_id") == selected}
        features.append({"type": "Feature", "properties": props,
                         "geometry": {"type": "Point", "coordinates": [float(lon), float(lat)]}})
    return features


def site_records(sites) -> list[dict]:
    """Sites as dicts with lon/lat, from a list of dicts, a DataFrame or a GeoDataFrame of points."""
    if isinstance(sites, pd.DataFrame):
        frame = pd.DataFrame(sites.drop(columns="geometry")) if "geometry" in sites else sites.copy()
        if "geometry" in sites and "lon" not in frame:
            frame["lon"], frame["lat"] = sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()
        return frame.to_dict("records")
    return list(sites)


def sites_layer(sites, name: str = "Proposed checkpoints", colour: str = SITE_COLOUR,
                selected: str | None = None) -> folium.FeatureGroup:
    """Checkpoint sites as one GeoJSON layer of circle markers with name, id, type, detection and note."""
    features = _site_features(site_records(sites), selected)
    group = folium.FeatureGroup(name=name)
    if features:
        fields = ["name", "site_id", "site_type", "detection"] + (
            ["note"] if any(f["properties"]["note"] for f in features) else [])
        folium.GeoJson(
            {"type": "FeatureCollection", "features": features},
            marker=folium.CircleMarker(radius=9, color="#ffffff", weight=2, fill=True, fill_color=colour,
                                       fill_opacity=0.95),
            style_function=lambda f: {"fillColor": "#f1c40f" if f["properties"]["selected"] else colour},
            tooltip=folium.GeoJsonTooltip(fields=fields, aliases=["site", "id", "type", "detection", "note"][
                :len(fields)]),
        ).add_to(group)
    return group


def checkpoints_layer(sites, name: str = "Checkpoints", colour: str = "#111111") -> folium.FeatureGroup:
    """Checkpoints as plain-Leaflet triangles (an SVG DivIcon; no plugin, nothing fetched)."""
    from ui.map_elements import triangle_icon

    features = _site_features(site_records(sites))
    group = folium.FeatureGroup(name=name)
    if features:
        folium.GeoJson({"type": "FeatureCollection", "features": features},
                       marker=folium.Marker(icon=triangle_icon(colour)),
                       tooltip=folium.GeoJsonTooltip(fields=["name", "site_type"], aliases=["checkpoint", "type"]),
                       ).add_to(group)
    return group


def plan_sites_layer(sites: pd.DataFrame, name: str, colours: dict[str, str]) -> folium.FeatureGroup:
    """A plan's chosen sites, coloured by type and sized by what they catch (one GeoJSON layer)."""
    records = site_records(sites)
    features = _site_features(records)
    top = max([float(r.get("catch") or 0) for r in records] + [1.0])
    for feature, r in zip(features, (r for r in records if r.get("lon") is not None)):
        catch = float(r.get("catch") or 0)
        feature["properties"].update(catch=f"{catch:,.0f}", existing="yes" if r.get("existing") else "no",
                                     colour=colours.get(str(r.get("site_type")), "#444444"),
                                     radius=round(5 + 12 * (catch / top) ** 0.5, 1))
    group = folium.FeatureGroup(name=name)
    if features:
        folium.GeoJson({"type": "FeatureCollection", "features": features},
                       marker=folium.CircleMarker(radius=8, color="#000", weight=1, fill=True, fill_opacity=0.9),
                       style_function=lambda f: {"fillColor": f["properties"]["colour"],
                                                 "radius": f["properties"]["radius"]},
                       tooltip=folium.GeoJsonTooltip(fields=["name", "site_type", "catch", "detection", "existing"],
                                                     aliases=["site", "type", "catch (migrants/year)", "detection",
                                                              "existing"])).add_to(group)
    return group


def candidates_layer(candidates, name: str = "Candidate sites", show: bool = False) -> folium.FeatureGroup:
    """Every candidate site as one GeoJSON layer of small grey dots."""
    features = _site_features(site_records(candidates))
    group = folium.FeatureGroup(name=name, show=show)
    if features:
        folium.GeoJson({"type": "FeatureCollection", "features": features},
                       marker=folium.CircleMarker(radius=2.5, color="#777", weight=0, fill=True, fill_color="#777",
                                                  fill_opacity=0.7),
                       tooltip=folium.GeoJsonTooltip(fields=["name", "site_type"], aliases=["candidate", "type"]),
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
                  name: str = "Intercept records", synthetic: bool = False) -> folium.FeatureGroup:
    """Many intercept points as one fast marker cluster (or one heat layer); no per-record popups.

    Simulated records (``synthetic=True``) get grey dashed clusters and hollow squares.
    """
    group = folium.FeatureGroup(name=name)
    points = np.column_stack([np.asarray(lat, float), np.asarray(lon, float)]).round(5).tolist()
    if not points:
        return group
    if style == "heat":
        folium.plugins.HeatMap(points, radius=12, blur=15, min_opacity=0.3).add_to(group)
    elif style == "cluster":
        variable = "checkpostSyntheticIcon" if synthetic else "checkpostRecordIcon"
        callback = RECORD_MARKER_JS % {"var": variable, "style": RECORD_STYLES[bool(synthetic)]}
        # no hover outline: the convex hull of thousands of records says little and threw on some clusters
        options = {"maxClusterRadius": 60, "chunkedLoading": True, "showCoverageOnHover": False}
        cluster = folium.plugins.FastMarkerCluster(points, callback=callback, options=options,
                                                   icon_create_function=SYNTHETIC_CLUSTER_JS if synthetic else None)
        cluster.add_to(group)
    else:
        raise ValueError(f"records_layer: style '{style}' is not 'cluster' or 'heat'")
    return group


def records_legend(style: str, synthetic: bool) -> list[tuple[str, str, str]]:
    """Legend entries for a records layer drawn in ``style``."""
    if style == "heat":
        return [RECORD_LEGEND["heat"]]
    return [RECORD_LEGEND[(synthetic, "cluster")], RECORD_LEGEND[(synthetic, "points")]]


def sites_bounds(sites) -> list[list[float]] | None:
    """[[south, west], [north, east]] around sites with lon/lat (or point geometry); None when there are none."""
    frame = pd.DataFrame(sites.drop(columns="geometry") if hasattr(sites, "geometry") else sites)
    if hasattr(sites, "geometry") and "lon" not in frame:
        frame = frame.assign(lon=sites.geometry.x.to_numpy(), lat=sites.geometry.y.to_numpy())
    if frame.empty or "lon" not in frame:
        return None
    lon, lat = pd.to_numeric(frame["lon"], errors="coerce"), pd.to_numeric(frame["lat"], errors="coerce")
    if lon.notna().sum() == 0:
        return None
    return [[float(lat.min()), float(lon.min())], [float(lat.max()), float(lon.max())]]


def geojson_text(features: list[dict]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features})
