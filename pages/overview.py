"""Route map: the shipped layers (borders, crossings, launch points, hubs, sources, destinations) and,
for planners and commanders, the intercept records (a commander sees their own region only).
Donors see the shipped layers and aggregate counts; no record reaches their browser.
"""
from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import geodata  # noqa: E402
from ui.auth import require_role  # noqa: E402
from ui.layers import records_layer  # noqa: E402
from ui.mapview import show_map, sidebar_controls  # noqa: E402

RECORD_ROLES = ("planner", "commander")
CASE_TYPES = ("smuggling", "trafficking", "unknown")


def record_scope(user: dict) -> dict:
    """Where the user's records come from: {} for planners, {"region": label} for commanders.

    store.access.AccessDenied (a PermissionError) for a commander without a valid region or a role
    that sees no records.
    """
    from store import access

    region = access.region_of(user)
    if user.get("role") not in RECORD_ROLES:
        raise access.AccessDenied(f"The {user.get('role')} role sees aggregates only, not intercept records.")
    return {} if region is None else {"region": region.label}


def _batches_stamp() -> int:
    from store.records import list_batches
    return len(list_batches())


@st.cache_data(show_spinner="Loading intercept records…", max_entries=8)
def record_points(user_key: tuple, case_types: tuple[str, ...], stamp: int):
    """Positions and counts of the records the user may see (``stamp`` changes when records are imported).

    ``user_key`` is the user's (key, value) items, so the cache is per account, role and region.
    """
    from ui.records_view import record_points as read
    return read(dict(user_key), case_types)


def aggregate_counts(user: dict):
    """Counts by case type: the only view of records a donor gets."""
    from store import access
    return access.record_counts(user, by=("case_type",))


def render() -> None:
    user = require_role("planner", "commander", "donor")
    st.title("Route map")
    st.caption("Borders, crossings, coastal launch points, transit hubs, source districts and destinations "
               "of irregular migration through Pakistan. Offline vector basemap; every feature says its source.")
    online = sidebar_controls("overview_search")
    layers = []
    if user["role"] in RECORD_ROLES:
        try:
            scope = record_scope(user)
        except PermissionError as error:
            st.error(str(error))
            st.stop()
        with st.sidebar:
            show = st.multiselect("Intercept records", CASE_TYPES, default=list(CASE_TYPES), key="overview_case_types")
            style = st.radio("Show records as", ["cluster", "heat"], horizontal=True, key="overview_style")
        user_key = tuple(sorted((k, str(user.get(k))) for k in ("username", "role", "region")))
        points = record_points(user_key, tuple(show), _batches_stamp())
        if len(points):
            layers.append(records_layer(points.lat, points.lon, style=style,
                                        name=f"Intercept records ({len(points):,})"))
        where = f" in {scope['region']}" if scope else ""
        label = " — includes SYNTHETIC records from the scenario simulator" if points.synthetic else ""
        st.caption(f"{len(points):,} intercept records{where} on the map{label}.")
        if len(points):
            st.dataframe(points.counts, key="overview_counts")
    show_map("overview_map", layers, online=online, height=620)
    if user["role"] == "donor":
        st.subheader("Intercepts by case type (aggregates)")
        st.dataframe(aggregate_counts(user), hide_index=True, key="overview_aggregates")

    with st.expander("Layers and their sources"):
        for name, text in geodata.describe().items():
            gdf = geodata.layer(name)
            st.markdown(f"**{name}** — {text}: {len(gdf)} feature(s)")
        b = geodata.layer("borders")[["name", "status", "length_km", "source"]]
        st.dataframe(b, hide_index=True, width="stretch")


render()
