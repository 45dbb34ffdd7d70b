"""The one way every page assembles a map: base layers, then the page's layers, then controls and legend.

    from ui.map_builder import MapBuilder
    out = (MapBuilder(points=("crossings", "launch_points"))
           .add(sites_layer(sites), legend=[("#e91e63", "Proposed checkpoints", "dot")])
           .fit(bounds)                      # optional: fit the view when these layers change
           .render("propose_map", height=560, returned=("last_clicked",)))

The base map (``ui.basemap.base_map``: shipped layers, place labels, scale, fullscreen, measuring) is
built and rendered to text once per process and kept; each page run sends only its own layers, the
layer switcher and the legend, which streamlit-folium swaps in without redrawing the base (so the view
stays where the user left it and nothing re-runs on pan or zoom). The layer switcher is always made
last, after every layer exists. Every text of the page's layers is escaped (``html.escape``) before it
can reach a tooltip, popup, label, layer name or legend: folium's tooltips are built with innerHTML.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import lru_cache

import folium
import streamlit as st
import streamlit_folium

from ui import offline
from ui.basemap import BASE_LEGEND, POINT_STYLES, base_map
from ui.map_elements import FitBoundsLayer, LegendLayer
from ui.map_escape import escape_layer

RETURNABLE = ("last_clicked", "last_object_clicked", "last_object_clicked_tooltip", "last_active_drawing")


@dataclass
class RenderedBase:
    """A base map rendered to the pieces streamlit-folium's component takes, made once per process."""

    map: folium.Map
    script: str
    header: str
    html: str
    map_id: str
    css_links: list[str]
    js_links: list[str]
    bounds: list
    lock: threading.Lock = field(default_factory=threading.Lock)


_BASES: dict[tuple, RenderedBase] = {}
_BUILD_LOCK = threading.Lock()


def base_ready(points: tuple[str, ...] = tuple(POINT_STYLES), online: bool = False) -> bool:
    """Whether this base map is already rendered in this process."""
    return (tuple(points), bool(online)) in _BASES


def rendered_base(points: tuple[str, ...] = tuple(POINT_STYLES), online: bool = False,
                  progress=None) -> RenderedBase:
    """The base map for these point layers, built and rendered once per process (thread-safe).

    ``progress(share, text)`` is told each step while it is built (the first time only).
    """
    key = (tuple(points), bool(online))
    if key in _BASES:
        return _BASES[key]
    with _BUILD_LOCK:
        if key not in _BASES:
            _BASES[key] = _render_base(*key, progress=progress or (lambda share, text: None))
    return _BASES[key]


def _render_base(points: tuple[str, ...], online: bool, progress) -> RenderedBase:
    progress(0.05, "Loading the route network for the road layer (first map after the server starts)…")
    from routes.network import default_network
    default_network()
    progress(0.45, "Simplifying borders, coast and neighbouring countries for display…")
    m = escape_layer(base_map(online_tiles=online, points=points))  # shipped texts too (provinces, places)
    progress(0.7, "Rendering the base map once for every page and user…")
    m.get_root().render()  # once: st_folium renders the map a second time, to the same text
    html = streamlit_folium._get_html(m)
    header = streamlit_folium._get_header(m)
    script = streamlit_folium._get_map_string(m)
    css, js = _asset_links(m)
    progress(1.0, "Base map ready")
    return RenderedBase(m, script, header, html, streamlit_folium.get_full_id(m), css, js, m.get_bounds())


def _asset_links(element) -> tuple[list[str], list[str]]:
    """(css, js) links of every element in the tree, each once, in order."""
    css, js = [], []
    stack = [element]
    while stack:
        node = stack.pop(0)
        css += [href for _, href in getattr(node, "default_css", [])]
        js += [src for _, src in getattr(node, "default_js", [])]
        stack[:0] = list(getattr(node, "_children", {}).values())
    return list(dict.fromkeys(css)), list(dict.fromkeys(js))


_WARM_UP = threading.Lock()


def warm_up() -> None:
    """Build and render the default base map in a background thread (once per process)."""
    if _WARM_UP.acquire(blocking=False):
        threading.Thread(target=rendered_base, name="checkpost-base-map", daemon=True).start()


class MapBuilder:
    """Assembles one map in the fixed order: base layers, page layers, layer switcher and legend.

    Parameters
    ----------
    points : tuple of str
        Which shipped point layers the base map shows (keys of ``ui.basemap.POINT_STYLES``).
    online : bool
        Add OpenStreetMap web tiles as an optional base layer (needs internet; off by default).
    """

    def __init__(self, *, points: tuple[str, ...] = tuple(POINT_STYLES), online: bool = False):
        self.points = tuple(points)
        self.online = bool(online)
        self.layers: list[folium.FeatureGroup] = []
        self.legend_entries: list[tuple[str, str, str]] = []
        self.legend_title = "Legend"
        self.center: tuple[float, float] | None = None
        self.zoom: int | None = None
        self._rendered = False

    def add(self, layer: folium.FeatureGroup, legend=()) -> "MapBuilder":
        """Add one page layer (a FeatureGroup) and its legend entries ``(colour, label, symbol)``."""
        if self._rendered:
            raise RuntimeError("MapBuilder.add after render: build every layer before rendering the map")
        if not isinstance(layer, folium.FeatureGroup):
            raise TypeError(f"MapBuilder.add takes a folium.FeatureGroup, not {type(layer).__name__}")
        self.layers.append(escape_layer(layer))
        self.legend_entries += list(legend)
        return self

    def legend(self, entries, title: str | None = None) -> "MapBuilder":
        """Add legend entries ``(colour, label, symbol)`` that belong to no single layer."""
        self.legend_entries += list(entries)
        if title:
            self.legend_title = title
        return self

    def fit(self, bounds: list[list[float]] | None, max_zoom: int = 9) -> "MapBuilder":
        """Fit the view to ``[[south, west], [north, east]]`` whenever the page's layers change."""
        if bounds is not None:
            group = folium.FeatureGroup(name="fit", control=False)
            FitBoundsLayer(bounds, max_zoom).add_to(group)
            self.layers.append(group)
        return self

    def view(self, center: tuple[float, float] | None, zoom: int | None) -> "MapBuilder":
        """Move the view once to ``center`` at ``zoom`` (a search result); later runs leave the user's view."""
        self.center, self.zoom = center, zoom
        return self

    def legend_group(self) -> folium.FeatureGroup:
        """The legend as a layer-less group: base entries, then the page's."""
        group = folium.FeatureGroup(name="legend", control=False)
        base = [e for e in BASE_LEGEND if e[3] is None or e[3] in self.points]
        LegendLayer([e[:3] for e in base] + self.legend_entries, self.legend_title).add_to(group)
        return group

    def _base(self) -> RenderedBase:
        """The rendered base map; the first time in a process, with progress text on the page."""
        if base_ready(self.points, self.online):
            return rendered_base(self.points, self.online)
        bar = st.progress(0.0, text="Drawing the base map…")
        try:
            return rendered_base(self.points, self.online, progress=lambda share, text: bar.progress(share, text=text))
        finally:
            bar.empty()

    def component_args(self, key: str, *, height: int = 600, returned=()) -> dict:
        """Everything the streamlit-folium component is given (without rendering it)."""
        unknown = set(returned) - set(RETURNABLE)
        if unknown:
            raise ValueError(f"MapBuilder: cannot return {sorted(unknown)}; choose from {RETURNABLE}")
        self._rendered = True
        base = self._base()
        groups = self.layers + [self.legend_group()]
        _check_assets(groups, base)
        feature_groups, layer_control = _page_scripts(base, groups)
        return dict(script=base.script, header=base.header, html=base.html, id=base.map_id,
                    key=_hash_key(base.script, key), height=height, width=None,
                    returned_objects=list(returned), default={k: None for k in returned},
                    zoom=self.zoom, center=self.center, feature_group=feature_groups,
                    return_on_hover=False, layer_control=layer_control, pixelated=False,
                    css_links=base.css_links, js_links=base.js_links, wrap_longitude=False)

    def render(self, key: str, *, height: int = 600, returned=()) -> dict:
        """Draw the map; returns the interactions listed in ``returned`` (an empty dict for none).

        Only what the page needs comes back, so a pan or zoom never re-runs the page.
        """
        args = self.component_args(key, height=height, returned=returned)
        hash_key = args["key"]

        def on_change():  # the page may read the map's last value from st.session_state[key]
            st.session_state[key] = st.session_state.get(hash_key, {})

        out = streamlit_folium._component_func(**args, on_change=on_change)
        return out if isinstance(out, dict) else {}


@lru_cache(maxsize=64)
def _hash_key(script: str, key: str) -> str:
    return streamlit_folium.generate_js_hash(script, key, False)


def _page_scripts(base: RenderedBase, groups: list[folium.FeatureGroup]) -> tuple[str, str]:
    """The JavaScript of the page's groups and of the layer switcher made after them."""
    with base.lock:  # the cached base map is shared by every session of the process
        before = set(base.map._children)
        try:
            scripts = "".join(_group_script(g, base.map, i) for i, g in enumerate(groups))
            control = streamlit_folium._get_layer_control_string(folium.LayerControl(collapsed=True), base.map)
        finally:
            for name in set(base.map._children) - before:
                del base.map._children[name]
    return scripts, control


def _group_script(group: folium.FeatureGroup, m: folium.Map, idx: int) -> str:
    """One group's script; a group made with ``show=False`` starts hidden (ticked off in the switcher)."""
    script = streamlit_folium._get_feature_group_string(group, map=m, idx=idx)
    if not group.show:  # streamlit-folium adds every group to the map; keep this one off until ticked
        script = script.replace(f"map_div.addLayer(feature_group_feature_group_{idx});", "")
    return script


def _check_assets(groups, base: RenderedBase) -> None:
    """Refuse a page layer whose plugin script the base map does not load (it would fail or go online)."""
    css, js = _asset_links(folium.Element())
    for group in groups:
        more_css, more_js = _asset_links(group)
        css += more_css
        js += more_js
    for url in css + js:
        local = offline.local_url(url)
        if local is not None and local not in base.js_links + base.css_links:
            raise ValueError(f"A page layer needs {url}, which the base map does not load: add it to "
                             "ui.layers.PluginAssets")
