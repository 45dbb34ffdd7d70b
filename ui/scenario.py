"""The route network, demand and snapper the app's pages share, loaded once per server process.

A test (or a page that loaded an OSM extract) may place its own graph and demand in
``st.session_state["app_network"]`` / ``["app_demand"]``; otherwise the shipped scenario is used.
"""
from __future__ import annotations

import threading
import weakref

import streamlit as st

from ui.catch import Snapper

NETWORK_KEY, DEMAND_KEY = "app_network", "app_demand"
_SNAPPERS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_SNAPPER_LOCK = threading.Lock()


@st.cache_resource(show_spinner="Loading the route network (first time only)…")
def _default_network():
    from routes.network import default_network
    return default_network()


@st.cache_resource(show_spinner=False)
def _default_demand():
    from routes.demand import default_demand
    return default_demand()


def network_and_demand():
    G = st.session_state.get(NETWORK_KEY)
    demand = st.session_state.get(DEMAND_KEY)
    return (G if G is not None else _default_network(),
            demand if demand is not None else _default_demand())


def snapper(G) -> Snapper:
    """One Snapper per graph object (projecting the graph takes a moment)."""
    with _SNAPPER_LOCK:
        found = _SNAPPERS.get(G)
        if found is None:
            found = _SNAPPERS[G] = Snapper(G)
        return found


def warm_up() -> None:
    """Build the default network in the background so the first click does not wait for it."""
    def work():
        from routes.network import default_network
        snapper(default_network())

    if not getattr(warm_up, "started", False):
        warm_up.started = True
        threading.Thread(target=work, name="checkpost-warm-up", daemon=True).start()
