"""The map's sidebar (online-basemap switch, place search) and ``show_map``, the short way to draw a map.

``show_map(key, layers)`` hands the layers to ``ui.map_builder.MapBuilder``.  The view is never written
back from the map: only a place search moves it (once, to the place found), so a pan or zoom never
re-runs the page.
"""
from __future__ import annotations

import streamlit as st

from geodata.gazetteer import find, suggestions
from ui.map_builder import MapBuilder

VIEW_KEY = "map_view"  # the last place searched: moving to another page keeps it in view
SEARCH_ZOOM = 9


def searched_view() -> tuple[tuple[float, float] | None, int | None]:
    """(center, zoom) of the last place searched, or (None, None): the map keeps the user's view."""
    view = st.session_state.get(VIEW_KEY)
    if not view:
        return None, None
    return tuple(view["center"]), int(view["zoom"])


def _search(query: str, search_key: str) -> None:
    done = st.session_state.get(f"{search_key}_done")
    if query and done != query:
        try:
            place = find(query)
        except LookupError as err:
            st.sidebar.warning(str(err))
            close = suggestions(query)
            if close:
                st.sidebar.caption("Close matches: " + ", ".join(close))
            return
        st.session_state[VIEW_KEY] = {"center": (round(place.lat, 5), round(place.lon, 5)), "zoom": SEARCH_ZOOM}
        st.session_state[f"{search_key}_done"] = query
        st.session_state[f"{search_key}_place"] = (f"{place.name} — {place.lat:.4f}, {place.lon:.4f} "
                                                   f"({place.source})")
    if query and st.session_state.get(f"{search_key}_done") == query:
        st.sidebar.success(st.session_state[f"{search_key}_place"])


def sidebar_controls(search_key: str = "place_search") -> bool:
    """Online-basemap switch and place search in the sidebar; returns whether online tiles are on."""
    with st.sidebar:
        online = st.toggle("Online basemap (needs internet)", value=False, key="online_basemap",
                           help="Adds OpenStreetMap web tiles. Off by default: the map works without internet.")
        query = st.text_input("Find a place", placeholder="e.g. Gwadar, Taftan, Mand", key=search_key)
    _search(query.strip(), search_key)
    return online


def show_map(key: str, layers=(), *, online: bool = False, height: int = 600, clicks: bool = False,
             points: tuple[str, ...] | None = None, legend=(), fit=None) -> dict:
    """Draw the base map with ``layers`` on top; returns ``{"last_clicked": ...}`` when ``clicks``, else {}.

    Parameters
    ----------
    layers : iterable of FeatureGroup or (FeatureGroup, legend entries)
        The page's layers, drawn over the base layers in this order.
    legend : list of (colour, label, symbol)
        More legend entries (beyond the base map's and the layers').
    fit : [[south, west], [north, east]] or None
        Fit the view to these bounds whenever the layers change (e.g. a plan's sites).
    """
    builder = MapBuilder(online=online) if points is None else MapBuilder(online=online, points=points)
    for item in layers:
        layer, entries = item if isinstance(item, tuple) else (item, ())
        builder.add(layer, legend=entries)
    builder.legend(legend).fit(fit)
    if fit is None:
        builder.view(*searched_view())
    return builder.render(f"{key}_{'online' if online else 'offline'}", height=height,
                          returned=("last_clicked",) if clicks else ())
