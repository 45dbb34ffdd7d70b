"""HTML-escaping of everything a map layer can show: tooltips, popups, labels and layer names.

Leaflet and folium put these texts into the page with innerHTML (``GeoJsonTooltip``, ``bindTooltip``,
the layer switcher's names), so a site id like ``<img src=x onerror=...>`` would run as script.
``escape_layer`` walks a layer once and escapes, with ``html.escape``:

- every string property of every GeoJSON feature (what ``GeoJsonTooltip``/``GeoJsonPopup`` show),
- the aliases of those tooltips and popups,
- the text of plain ``Tooltip`` elements and of ``Popup`` HTML given as script (branca escapes the rest),
- the layer names the layer switcher lists.
"""
from __future__ import annotations

import copy
import html

import folium
import folium.features

_DONE = "_checkpost_escaped"


def escape_text(value) -> str:
    """``html.escape`` of ``str(value)`` (quotes too)."""
    return html.escape(str(value), quote=True)


def escape_properties(data: dict) -> dict:
    """A copy of GeoJSON ``data`` whose string properties are escaped (numbers and booleans kept)."""
    out = copy.deepcopy(data)
    features = out.get("features", [out] if out.get("type") == "Feature" else [])
    for feature in features:
        props = feature.get("properties") or {}
        for name, value in props.items():
            if isinstance(value, str):
                props[name] = escape_text(value)
            elif isinstance(value, (list, dict)):
                props[name] = escape_text(value)
    return out


def _escape_element(element) -> None:
    if isinstance(element, folium.GeoJson) and isinstance(getattr(element, "data", None), dict):
        element.data = escape_properties(element.data)
    if isinstance(element, (folium.features.GeoJsonTooltip, folium.features.GeoJsonPopup)):
        if getattr(element, "aliases", None):
            element.aliases = [escape_text(a) for a in element.aliases]
    elif isinstance(element, folium.Tooltip):
        element.text = escape_text(element.text)
    elif isinstance(element, folium.Popup):
        for child in element.html._children.values():
            if getattr(child, "script", False):  # branca's Html escapes itself unless script=True
                child.data = escape_text(child.data)
    if isinstance(element, folium.map.Layer) and getattr(element, "layer_name", None):
        element.layer_name = escape_text(element.layer_name)


def escape_layer(layer):
    """Escape every user-visible text in ``layer`` and its children, once (idempotent); returns ``layer``."""
    stack = [layer]
    while stack:
        node = stack.pop()
        if not getattr(node, _DONE, False):
            _escape_element(node)
            setattr(node, _DONE, True)
        stack.extend(getattr(node, "_children", {}).values())
    return layer
