"""Serve every script and stylesheet the map needs from the app's own static folder.

folium points at CDNs and streamlit-folium bundles no Leaflet, so with no internet the map is blank.
The vendored copies live in static/vendor/ (see ui/vendor_assets.py) and Streamlit serves them at
/app/static/ (`[server] enableStaticServing = true`).  This module is the one place that rewires folium.
"""
from __future__ import annotations

from pathlib import Path

import folium
import folium.plugins

STATIC_URL = "/app/static/vendor"
STATIC_DIR = Path(__file__).resolve().parents[1] / "static" / "vendor"

# file name in a CDN URL -> path under static/vendor
LOCAL_FILES = {
    "leaflet.js": "leaflet@1.9.3/dist/leaflet.js",
    "leaflet.css": "leaflet@1.9.3/dist/leaflet.css",
    "jquery-3.7.1.min.js": "jquery@3.7.1/dist/jquery.min.js",
    "bootstrap.bundle.min.js": "bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js",
    "bootstrap.min.css": "bootstrap@5.2.2/dist/css/bootstrap.min.css",
    "all.min.css": "@fortawesome__fontawesome-free@6.2.0/css/all.min.css",
    "leaflet.awesome-markers.js": "leaflet.awesome-markers@2.0.5/dist/leaflet.awesome-markers.js",
    "leaflet.awesome-markers.css": "leaflet.awesome-markers@2.0.5/dist/leaflet.awesome-markers.css",
    "leaflet.markercluster.js": "leaflet.markercluster@1.1.0/dist/leaflet.markercluster.js",
    "MarkerCluster.css": "leaflet.markercluster@1.1.0/dist/MarkerCluster.css",
    "MarkerCluster.Default.css": "leaflet.markercluster@1.1.0/dist/MarkerCluster.Default.css",
    "leaflet_heat.min.js": "leaflet.heat@0.2.0/dist/leaflet-heat.js",
    "leaflet.draw.js": "leaflet-draw@1.0.2/dist/leaflet.draw.js",
    "leaflet.draw.css": "leaflet-draw@1.0.2/dist/leaflet.draw.css",
    "leaflet-measure.min.js": "leaflet-measure@2.1.7/dist/leaflet-measure.js",
    "leaflet-measure.min.css": "leaflet-measure@2.1.7/dist/leaflet-measure.css",
    "Control.FullScreen.min.js": "leaflet.fullscreen@3.0.0/Control.FullScreen.js",
    "Control.FullScreen.css": "leaflet.fullscreen@3.0.0/Control.FullScreen.css",
    "L.Control.MousePosition.min.js": "leaflet-mouse-position@1.2.0/src/L.Control.MousePosition.js",
    "L.Control.MousePosition.min.css": "leaflet-mouse-position@1.2.0/src/L.Control.MousePosition.css",
}
# Stylesheets folium lists that nothing here uses (glyph icons come from Font Awesome).
DROPPED = {"bootstrap-glyphicons.css", "leaflet.awesome.rotate.min.css"}

# The classes whose assets are rewired; a plugin outside this list would still point at a CDN.
OFFLINE_CLASSES = (
    folium.Map, folium.plugins.MarkerCluster, folium.plugins.FastMarkerCluster, folium.plugins.HeatMap,
    folium.plugins.Draw, folium.plugins.MeasureControl, folium.plugins.Fullscreen,
    folium.plugins.MousePosition,
)
LEAFLET_IMAGES = f"{STATIC_URL}/leaflet@1.9.3/dist/images/"


def local_url(url: str) -> str | None:
    """The local URL for a CDN URL, None when the file is dropped; KeyError when it is not vendored."""
    if url.startswith("/app/static/"):
        return url
    name = url.rsplit("/", 1)[-1]
    if name in DROPPED:
        return None
    if name not in LOCAL_FILES:
        raise KeyError(f"{url} is not vendored under static/vendor; add it to ui/vendor_assets.py and LOCAL_FILES")
    return f"{STATIC_URL}/{LOCAL_FILES[name]}"


def _rewire(links: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out = []
    for name, url in links:
        local = local_url(url)
        if local is not None:
            out.append((name, local))
    return out


def use_local_assets() -> None:
    """Point folium's default scripts and stylesheets at the vendored copies (idempotent)."""
    for cls in OFFLINE_CLASSES:
        for attr in ("default_js", "default_css"):
            links = cls.__dict__.get(attr)
            if links is not None:
                setattr(cls, attr, _rewire(links))


def missing_files() -> list[str]:
    """Vendored paths that LOCAL_FILES names but that are not on disk (for the tests)."""
    return [p for p in LOCAL_FILES.values() if not (STATIC_DIR / p).is_file()]


use_local_assets()
