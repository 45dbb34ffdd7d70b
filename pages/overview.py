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
    """Query arguments limiting the records a user may see; PermissionError for roles that see none."""
    if user.get("role") == "planner":
        return {}
    if user.get("role") == "commander":
        if not user.get("region"):
            raise PermissionError("This commander account has no assigned region; ask an administrator to set one.")
        return {"province": user["region"]}
    raise PermissionError(f"The {user.get('role')} role sees aggregates only, not intercept records.")


def _batches_stamp() -> int:
    from store.records import list_batches
    return len(list_batches())


@st.cache_data(show_spinner="Loading intercept records…", max_entries=8)
def record_points(province: str | None, case_types: tuple[str, ...], stamp: int):
    """Positions and counts of the records in scope (``stamp`` changes when records are imported)."""
    from ui.records_view import record_points as read
    return read(province, case_types)


def aggregate_counts():
    """Counts by case type: the only view of records a donor gets."""
    from store.records import count_intercepts
    return count_intercepts(by=("case_type",))


def render() -> None:
    user = require_role("planner", "commander", "donor")
    st.title("Route map")
    st.caption("Borders, crossings, coastal launch points, transit hubs, source districts and destinations "
               "of irregular migration through Pakistan. Offline vector basemap; every feature says its source.")
    online = sidebar_controls("overview_search")
    layers = []
    if user["role"] in RECORD_ROLES:
        scope = record_scope(user)
        with st.sidebar:
            show = st.multiselect("Intercept records", CASE_TYPES, default=list(CASE_TYPES), key="overview_case_types")
            style = st.radio("Show records as", ["cluster", "heat"], horizontal=True, key="overview_style")
        points = record_points(scope.get("province"), tuple(show), _batches_stamp())
        if len(points):
            layers.append(records_layer(points.lat, points.lon, style=style,
                                        name=f"Intercept records ({len(points):,})"))
        where = f" in {scope['province']}" if scope else ""
        label = " — includes SYNTHETIC records from the scenario simulator" if points.synthetic else ""
        st.caption(f"{len(points):,} intercept records{where} on the map{label}.")
        if len(points):
            st.dataframe(points.counts, key="overview_counts")
    show_map("overview_map", layers, online=online, height=620)
    if user["role"] == "donor":
        st.subheader("Intercepts by case type (aggregates)")
        st.dataframe(aggregate_counts(), hide_index=True, key="overview_aggregates")

    with st.expander("Layers and their sources"):
        for name, text in geodata.describe().items():
            gdf = geodata.layer(name)
            st.markdown(f"**{name}** — {text}: {len(gdf)} feature(s)")
        b = geodata.layer("borders")[["name", "status", "length_km", "source"]]
        st.dataframe(b, hide_index=True, width="stretch")


render()
