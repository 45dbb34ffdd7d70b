"""The base map rendered once per server process, not once per page run and user.

Rendering the folium base map for streamlit-folium (templates, GeoJSON bounds, about 0.5 MB of
script) took 3-4 s of one core per page run; with 20 people on the Route map the server did that 20
times over for the same map.  Its rendered parts (script, header, html, bounds, script and style
links) do not depend on the user, so they are built once per process and key (``st.cache_resource``)
and every run only renders its own layers (``feature_group_to_add``: records, sites, flows).

    out = cached_st_folium(lambda: base_map(online_tiles=online), ("base", online), key="overview_map",
                           feature_group_to_add=layers, center=..., zoom=...)

The result is what ``streamlit_folium.st_folium`` returns for the same map (tests/test_load.py checks
that the component gets the same arguments).  This leans on streamlit-folium's own helpers, pinned in
requirements.txt; a new version must pass that test before it ships.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Hashable, Iterable

import branca
import folium
import streamlit as st
import streamlit_folium

@dataclass(frozen=True)
class RenderedMap:
    """What streamlit-folium sends for a map, computed once: immutable, shared by every session."""

    script: str
    header: str
    html: str
    map_id: str
    bounds: dict
    zoom: object
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]


def _links(root) -> tuple[list[str], list[str]]:
    """Style and script links of every element under ``root`` (streamlit-folium's own walk)."""
    css, js = [], []

    def walk(element):
        if isinstance(element, branca.colormap.ColorMap):
            js[:0] = ["https://d3js.org/d3.v4.min.js", "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js"]
        css.extend(href for _, href in getattr(element, "default_css", []))
        js.extend(src for _, src in getattr(element, "default_js", []))
        for child in getattr(element, "_children", {}).values():
            walk(child)

    walk(root)
    return css, js


def _bounds(folium_map: folium.Map) -> dict:
    try:
        (south, west), (north, east) = folium_map.get_bounds()
    except AttributeError:
        south = west = north = east = None
    return {"_southWest": {"lat": south, "lng": west}, "_northEast": {"lat": north, "lng": east}}


def render_map(folium_map: folium.Map) -> RenderedMap:
    """The parts of ``folium_map`` streamlit-folium sends, in the order st_folium computes them."""
    folium_map.get_root().render()
    folium_map.render()
    html = streamlit_folium._get_html(folium_map)
    header = streamlit_folium._get_header(folium_map)
    script = streamlit_folium._get_map_string(folium_map)
    map_id = streamlit_folium.get_full_id(folium_map)
    css, js = _links(folium_map)
    return RenderedMap(script=script, header=header, html=html, map_id=map_id, bounds=_bounds(folium_map),
                       zoom=folium_map.options.get("zoom") if hasattr(folium_map, "options") else {},
                       css_links=tuple(dict.fromkeys(css)), js_links=tuple(dict.fromkeys(js)))


@st.cache_resource(show_spinner=False, max_entries=16)
def shared_render(cache_key: Hashable, _build: Callable[[], folium.Map]) -> RenderedMap:
    """``render_map(_build())`` once per process and ``cache_key`` (concurrent first calls wait for one)."""
    return render_map(_build())


def _layers_script(layers: list, css: list[str], js: list[str]) -> str | None:
    """The script that adds ``layers`` to the map; their style and script links are appended to css/js."""
    if not layers:
        return None
    parent = folium.Map(tiles=None)  # a throwaway parent: the shared base map is never changed
    script = "".join(streamlit_folium._get_feature_group_string(layer, map=parent, idx=idx)
                     for idx, layer in enumerate(layers))
    for layer in layers:
        more_css, more_js = _links(layer)
        css.extend(more_css)
        js.extend(more_js)
    return script


def cached_st_folium(build: Callable[[], folium.Map], cache_key: Hashable, *, key: str, height: int = 700,
                     width: int | None = 500, returned_objects: Iterable[str] | None = None,
                     zoom: int | None = None, center: tuple[float, float] | None = None,
                     feature_group_to_add=None, return_on_hover: bool = False,
                     use_container_width: bool = False, pixelated: bool = False,
                     on_change: Callable | None = None, wrap_longitude: bool = False):
    """``streamlit_folium.st_folium`` for a map that is the same for every user.

    Parameters
    ----------
    build : callable
        Makes the folium map; called once per process and ``cache_key``.
    cache_key : hashable
        Names the map among the cached ones (e.g. ``("base", online, points)``).
    key, height, width, returned_objects, zoom, center, feature_group_to_add, return_on_hover,
    use_container_width, pixelated, on_change, wrap_longitude
        As for st_folium.

    Returns
    -------
    dict
        What the map component returns (clicks, centre, zoom, ...), like st_folium.
    """
    rendered = shared_render(cache_key, build)
    layers = [feature_group_to_add] if isinstance(feature_group_to_add, folium.FeatureGroup) \
        else list(feature_group_to_add or [])
    css, js = list(rendered.css_links), list(rendered.js_links)
    layer_script = _layers_script(layers, css, js)
    defaults = {"last_clicked": None, "last_object_clicked": None, "last_object_clicked_count": None,
                "last_object_clicked_tooltip": None, "last_object_clicked_popup": None, "all_drawings": None,
                "last_active_drawing": None, "bounds": rendered.bounds, "zoom": rendered.zoom,
                "last_circle_radius": None, "last_circle_polygon": None, "selected_layers": None,
                "selected_tags": None, "last_geocoder_result": None}
    if returned_objects is not None:
        defaults = {name: value for name, value in defaults.items() if name in returned_objects}
    hash_key = streamlit_folium.generate_js_hash(rendered.script, key, return_on_hover)

    def _on_change():
        if key is not None:
            st.session_state[key] = st.session_state.get(hash_key, {})
        if on_change is not None:
            on_change()

    return streamlit_folium._component_func(
        script=rendered.script, header=rendered.header, html=rendered.html, id=rendered.map_id, key=hash_key,
        height=height, width=None if use_container_width else width, returned_objects=returned_objects,
        default=defaults, zoom=zoom, center=center, feature_group=layer_script, return_on_hover=return_on_hover,
        layer_control=None, pixelated=pixelated, css_links=list(dict.fromkeys(css)),
        js_links=list(dict.fromkeys(js)), on_change=_on_change, wrap_longitude=wrap_longitude)
