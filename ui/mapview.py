"""One way for every page to show the map: static base map with a fixed key, changing layers through
``feature_group_to_add``, the view (centre, zoom) kept in ``st.session_state``, place search in the sidebar.
"""
from __future__ import annotations

import streamlit as st

from geodata.gazetteer import find, suggestions
from ui.basemap import PAKISTAN_VIEW, base_map
from ui.map_cache import cached_st_folium

VIEW_KEY = "map_view"  # shared by all pages: moving to another page keeps the place you looked at


def current_view() -> dict:
    return st.session_state.setdefault(VIEW_KEY, {"center": tuple(PAKISTAN_VIEW["location"]),
                                                   "zoom": PAKISTAN_VIEW["zoom_start"]})


def sidebar_controls(search_key: str = "place_search") -> bool:
    """Online-basemap switch and place search; returns whether online tiles are on."""
    with st.sidebar:
        online = st.toggle("Online basemap (needs internet)", value=False, key="online_basemap",
                           help="Adds OpenStreetMap web tiles. Off by default: the map works without internet.")
        query = st.text_input("Find a place", placeholder="e.g. Gwadar, Taftan, Mand", key=search_key)
    if query and st.session_state.get(f"{search_key}_done") != query:
        try:
            place = find(query)
        except LookupError as err:
            st.sidebar.warning(str(err))
            close = suggestions(query)
            if close:
                st.sidebar.caption("Close matches: " + ", ".join(close))
        else:
            st.session_state[VIEW_KEY] = {"center": (place.lat, place.lon), "zoom": 9}
            st.session_state[f"{search_key}_done"] = query
            st.session_state[f"{search_key}_place"] = f"{place.name} — {place.lat:.4f}, {place.lon:.4f} ({place.source})"
    if query and st.session_state.get(f"{search_key}_place") and st.session_state.get(f"{search_key}_done") == query:
        st.sidebar.success(st.session_state[f"{search_key}_place"])
    return online


def show_map(key: str, layers=(), *, online: bool = False, height: int = 600, clicks: bool = False,
             points: tuple[str, ...] | None = None) -> dict:
    """Render the base map with ``layers`` on top; returns what st_folium returned (clicks when asked)."""
    view = current_view()
    build = (lambda: base_map(online_tiles=online)) if points is None else \
        (lambda: base_map(online_tiles=online, points=points))
    returned = ["center", "zoom"] + (["last_clicked"] if clicks else [])
    # The base map is the same for everyone: rendered once per process (ui/map_cache.py), layers per run.
    out = cached_st_folium(build, ("base_map", online, points), key=f"{key}_{'online' if online else 'offline'}",
                           height=height, use_container_width=True, center=view["center"], zoom=view["zoom"],
                           returned_objects=returned, feature_group_to_add=list(layers) or None) or {}
    center, zoom = out.get("center"), out.get("zoom")
    if isinstance(center, dict) and "lat" in center and zoom is not None:
        st.session_state[VIEW_KEY] = {"center": (float(center["lat"]), float(center["lng"])), "zoom": int(zoom)}
    return out
