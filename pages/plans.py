"""Saved plans: list, open, duplicate, compare two side by side, export (GeoJSON, CSV, KML, GeoPackage), import back.

Every plan is shown by readable site names (road ref and nearest place, or the crossing's name,
``ui.site_text``), never by internal ids; the map fits the opened plan's sites.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import streamlit as st

_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from store import access  # noqa: E402
from store.plans import StaleVersionError, list_plans  # noqa: E402
from ui import plan_io  # noqa: E402
from ui.plan_actions import (duplicate, enrich, import_plan, plan_view, readable_compare,  # noqa: E402
                             sites_for_people, stored_sites_as_proposal)
from ui.auth import require_role  # noqa: E402
from ui.layers import SITE_COLOUR, sites_layer  # noqa: E402
from ui.mapview import VIEW_KEY, show_map  # noqa: E402
from ui.safe_text import md  # noqa: E402
from ui.table_export import table_download  # noqa: E402

ROLES = ("planner", "commander")
FITTED_KEY = "plans_map_fitted"   # per tab: the plan(s) the shared map view was last fitted to


@st.cache_data(show_spinner="Naming the sites and computing their catch…", max_entries=32)
def _cached_details(key: tuple, _stored, with_catch: bool, _G, _demand, graph_id: int):
    return plan_io.plan_details(_stored, _G, _demand if with_catch else None)


def _details(stored, with_catch: bool) -> pd.DataFrame:
    """Readable names (and catch) of a stored plan version; a saved version never changes, so it caches."""
    from ui.scenario import network_and_demand

    G, demand = network_and_demand()
    # the key names the sites too: a commander's copy of a plan holds only their region's sites
    key = (stored.name, stored.version, str(stored.created), tuple(stored.sites["site_id"].astype(str)))
    return _cached_details(key, stored, with_catch, G, demand, id(G))


def _fit_view(sites: pd.DataFrame, which: tuple) -> None:
    """Point the map at ``sites`` once, when another plan is opened (then the user's pan and zoom stay)."""
    fitted = st.session_state.setdefault(FITTED_KEY, {})
    if fitted.get(which[0]) == which:
        return
    view = plan_view(sites)
    if view is not None:
        st.session_state[VIEW_KEY] = view
    fitted[which[0]] = which


def _labelled(stored, details: pd.DataFrame) -> pd.DataFrame:
    """The sites with their readable name where the map shows an id."""
    return stored.sites.assign(site_id=details["name"].to_numpy())


def _open_tab(names: list[str], user: dict) -> None:
    name = st.selectbox("Plan", names, key="plans_open_name")
    history = list_plans(all_versions=True)
    versions = history[history["name"] == name]["version"].tolist()
    version = st.selectbox("Version", versions[::-1], key="plans_open_version")
    stored = access.plan(user, name, version)  # a commander: their region's sites only
    details = _details(stored, False)
    st.caption(f"Version {stored.version} by {md(stored.author)}, {stored.created:%Y-%m-%d %H:%M} UTC"
               + (f" — {md(stored.note)}" if stored.note else ""))
    _fit_view(stored.sites, ("open", stored.name, stored.version))
    show_map("plans_map", [(sites_layer(_labelled(stored, details), name=f"{stored.name} v{stored.version}"),
                            [(SITE_COLOUR, "checkpoint of the plan", "dot")])], height=420)
    st.dataframe(sites_for_people(stored.sites, details), hide_index=True, key="plans_sites", width="stretch")
    c1, c2 = st.columns(2)
    if c1.button("Open in Propose checkpoints", type="primary", icon=":material/edit:"):
        state = stored_sites_as_proposal(stored)
        if version != max(versions):
            state["version"] = int(max(versions))  # editing an old version saves on top of the latest
            state["note"] = f"restored from version {version}"
        from ui.scenario import network_and_demand
        enrich(state, network_and_demand()[0])
        st.session_state["proposal"] = state
        st.switch_page("pages/propose.py")
    with c2.form("duplicate"):
        new_name = st.text_input("Name of the copy", value=f"{name} (copy)")
        if st.form_submit_button("Duplicate"):
            try:
                st.success(f"Saved '{md(new_name)}' version {duplicate(name, new_name, user)}.")
            except (ValueError, LookupError, StaleVersionError) as error:
                st.error(md(error))


def _catch_rows(a, b) -> pd.DataFrame:
    from ui.catch import plan_catch
    from ui.scenario import network_and_demand

    G, demand = network_and_demand()
    rows = []
    for label, plan in (("A", a), ("B", b)):
        catch = plan_catch(G, demand, plan.sites)
        rows.append({"plan": f"{label}: {plan.name} v{plan.version}", "sites": len(plan.sites),
                     "caught static /yr": round(catch.caught_static),
                     "caught after re-routing /yr": round(catch.caught_rerouted),
                     "share after re-routing": f"{catch.share_rerouted:.1%}"})
    return pd.DataFrame(rows)


def _compare_tab(names: list[str], user: dict) -> None:
    a_col, b_col = st.columns(2)
    a_name = a_col.selectbox("Plan A", names, key="plans_a")
    b_name = b_col.selectbox("Plan B", names, index=min(1, len(names) - 1), key="plans_b")
    a, b = access.plan(user, a_name), access.plan(user, b_name)
    names_a, names_b = _details(a, False), _details(b, False)
    _fit_view(pd.concat([a.sites, b.sites]), ("compare", a.name, a.version, b.name, b.version))
    with a_col:
        show_map("plans_map_a", [(sites_layer(_labelled(a, names_a), name=f"A: {a.name}"),
                                  [(SITE_COLOUR, "plan A's checkpoints", "dot")])], height=380)
    with b_col:
        show_map("plans_map_b", [(sites_layer(_labelled(b, names_b), name=f"B: {b.name}", colour="#ff5722"),
                                  [("#ff5722", "plan B's checkpoints", "dot")])], height=380)
    diff = plan_io.compare(a.sites, b.sites)
    counts = diff["status"].value_counts()
    st.write(f"Both: {counts.get('both', 0)} · only A: {counts.get('only A', 0)} · "
             f"only B: {counts.get('only B', 0)}")
    table = readable_compare(diff, dict(zip(a.sites["site_id"], names_a["name"])),
                             dict(zip(b.sites["site_id"], names_b["name"])))
    st.dataframe(table, hide_index=True, width="stretch", key="plans_diff")
    if st.button("Compare what each plan catches"):
        st.dataframe(_catch_rows(a, b), hide_index=True, key="plans_catch")


def _export_tab(names: list[str], user: dict) -> None:
    name = st.selectbox("Plan to export", names, key="plans_export_name")
    stored = access.plan(user, name)
    details = _details(stored, True)
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in stored.name) + f"_v{stored.version}"
    st.caption("Each site carries its name (road and nearest place, or the crossing), type, detection, what it "
               "catches a year with flows on their usual routes (model estimate), the plan's note and its "
               "position (6 decimals); Checkpost's own ids come last so the file can be imported back.")
    c1, c2, c3, c4 = st.columns(4)
    c1.download_button("GeoJSON", plan_io.to_geojson(stored, details), f"{stem}.geojson", plan_io.FORMATS["geojson"])
    c2.download_button("CSV", plan_io.to_csv(stored, details), f"{stem}.csv", plan_io.FORMATS["csv"])
    c3.download_button("KML", plan_io.to_kml(stored, details), f"{stem}.kml", plan_io.FORMATS["kml"])
    c4.download_button("GeoPackage", plan_io.to_gpkg(stored, details), f"{stem}.gpkg", plan_io.FORMATS["gpkg"])


def _import_section(user: dict) -> None:
    st.subheader("Import a plan")
    upload = st.file_uploader("GeoJSON, CSV, KML or GeoPackage exported by Checkpost",
                              type=["geojson", "json", "csv", "kml", "gpkg"], key="plans_upload")
    staged = st.session_state.get("plans_staged_upload")  # (file name, bytes): headless tests
    if upload is not None:
        staged = (upload.name, upload.getvalue())
    if not staged:
        return
    file_name, data = staged
    try:
        sites = plan_io.read_sites(data, file_name)
    except ValueError as error:
        st.error(md(error))
        return
    preview = sites[["name", "detection", "lon", "lat"]].assign(
        detection=[f"{d:.0%}" for d in sites["detection"]], lon=sites["lon"].round(5), lat=sites["lat"].round(5))
    st.dataframe(preview, hide_index=True, key="plans_import_preview")
    with st.form("import"):
        name = st.text_input("Save as plan", value=Path(file_name).stem)
        submitted = st.form_submit_button("Import")
    if submitted:
        try:
            version = import_plan(data, file_name, name, user)
        except (ValueError, StaleVersionError) as error:
            st.error(md(error))
        else:
            st.success(f"Imported as '{md(name.strip())}' version {version}.")


def render() -> None:
    user = require_role(*ROLES)
    st.title("Saved plans")
    try:
        access.region_of(user)  # a commander without a valid region gets a message, not a traceback
    except access.AccessDenied as error:
        st.error(md(error))
        st.stop()
    plans = list_plans()
    if plans.empty:
        st.info("No saved plans yet. Propose checkpoints on the map, save an optimiser run, or import a plan "
                "file below.")
    else:
        shown = plans.assign(created=plans["created"].dt.strftime("%Y-%m-%d %H:%M UTC"), note=plans["note"].fillna(""))
        st.dataframe(shown, hide_index=True, width="stretch", key="plans_table")
        table_download(shown, "checkpost_plans", key="plans_table_csv")
        tab_open, tab_compare, tab_export = st.tabs(["Open / duplicate", "Compare two plans", "Export"])
        names = plans["name"].tolist()
        with tab_open:
            _open_tab(names, user)
        with tab_compare:
            _compare_tab(names, user)
        with tab_export:
            _export_tab(names, user)
    _import_section(user)


render()
