"""Route map: the shipped layers (borders, crossings, launch points, hubs, sources, destinations) and,
for planners and commanders, the intercept records (a commander sees their own region only).
Donors see the shipped layers and aggregate counts; no record reaches their browser.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import streamlit as st

_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import geodata  # noqa: E402
from ui.auth import require_role  # noqa: E402
from ui.layers import records_layer, records_legend  # noqa: E402
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
def record_points(user_key: tuple, case_types: tuple[str, ...], stamp: int, batches: tuple[int, ...] | None = None):
    """Positions and counts of the records the user may see (``stamp`` changes when records are imported).

    ``user_key`` is the user's (key, value) items, so the cache is per account, role and region.
    """
    from ui.records_view import record_points as read
    return read(dict(user_key), case_types, batches)


def batch_choices(user: dict) -> dict[int, str]:
    """Import batch id -> a label naming the file, when and how many records (for the map's filter).

    A commander is offered their own imports only (the national import list is not theirs to see).
    """
    from store.records import list_batches
    own = user.get("username") if user.get("role") == "commander" else None
    batches = list_batches(imported_by=own)
    labels = {}
    for row in batches.to_dict("records"):
        when = row.get("imported_at")
        stamp = f", {when:%Y-%m-%d}" if hasattr(when, "strftime") else ""
        labels[int(row["id"])] = f"{row.get('file_name') or 'batch'} (#{int(row['id'])}{stamp})"
    return labels


def record_layers(points, style: str, kinds=("imported", "simulated")) -> list:
    """(layer, legend) pairs: imported and simulated records apart, each styled its own way."""
    mask = points.is_synthetic if points.is_synthetic is not None else np.full(len(points), points.synthetic)
    layers = []
    for synthetic in (False, True):
        chosen = mask == synthetic
        if ("simulated" if synthetic else "imported") not in kinds or not chosen.any():
            continue
        kind = "SIMULATED" if synthetic else "imported"
        layers.append((records_layer(points.lat[chosen], points.lon[chosen], style=style, synthetic=synthetic,
                                     name=f"Intercept records, {kind} ({int(chosen.sum()):,})"),
                       records_legend(style, synthetic)))
    return layers


def aggregate_counts(user: dict):
    """Counts by case type: the only view of records a donor gets."""
    from store import access
    return access.record_counts(user, by=("case_type",))


def simulated_share_text(user: dict) -> str:
    """How much of the counted records the scenario simulator made (said on every view of them)."""
    from store import access
    by = access.record_counts(user, by=("synthetic",))
    total = int(by["records"].sum()) if len(by) else 0
    if total == 0:
        return "No intercept records are stored yet."
    simulated = int(by.loc[by["synthetic"].fillna(False).astype(bool), "records"].sum())
    if simulated == 0:
        return f"All {total:,} records were imported; none is simulated."
    return (f"{simulated / total:.0%} of these {total:,} records are SIMULATED by the scenario simulator "
            "(synthetic, for demonstration), not real intercepts.")


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
        choices = batch_choices(user)
        with st.sidebar:
            show = st.multiselect("Intercept records", CASE_TYPES, default=list(CASE_TYPES), key="overview_case_types")
            style = st.radio("Show records as", ["cluster", "heat"], horizontal=True, key="overview_style")
            kinds = st.multiselect("Real or simulated", ["imported", "simulated"], default=["imported", "simulated"],
                                   key="overview_kinds")
            chosen = st.multiselect("Import batches", list(choices), default=list(choices), format_func=choices.get,
                                    key="overview_batches", help="Show the records of these imports only.")
        batches = None if set(chosen) == set(choices) else tuple(sorted(chosen))
        user_key = tuple(sorted((k, str(user.get(k))) for k in ("username", "role", "region")))
        points = record_points(user_key, tuple(show), _batches_stamp(), batches)
        if len(points):
            layers += record_layers(points, style, kinds)
        where = f" in {scope['region']}" if scope else ""
        n_simulated = int(points.is_synthetic.sum()) if points.is_synthetic is not None else 0
        label = (f" — {n_simulated:,} of them SIMULATED by the scenario simulator (hollow squares, grey dashed "
                 "clusters)" if points.synthetic else "")
        st.caption(f"{len(points):,} intercept records{where} on the map{label}.")
        if len(points):
            st.dataframe(points.counts, key="overview_counts")
    show_map("overview_map", layers, online=online, height=620)
    if user["role"] == "donor":
        st.subheader("Intercepts by case type (aggregates)")
        st.dataframe(aggregate_counts(user), hide_index=True, key="overview_aggregates")
        st.caption(simulated_share_text(user))

    with st.expander("Layers and their sources"):
        for name, text in geodata.describe().items():
            gdf = geodata.layer(name)
            st.markdown(f"**{name}** — {text}: {len(gdf)} feature(s)")
        b = geodata.layer("borders")[["name", "status", "length_km", "source"]]
        st.dataframe(b, hide_index=True, width="stretch")


render()
