"""Saved plans: list, open, duplicate, compare two side by side, export (GeoJSON, CSV, KML), import back."""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import streamlit as st

_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from store.plans import StaleVersionError, list_plans, load_plan  # noqa: E402
from ui import plan_io  # noqa: E402
from ui.plan_actions import duplicate, enrich, import_plan, stored_sites_as_proposal  # noqa: E402
from ui.auth import require_role  # noqa: E402
from ui.layers import sites_layer  # noqa: E402
from ui.mapview import show_map  # noqa: E402
from ui.safe_text import md  # noqa: E402
from ui.table_export import table_download  # noqa: E402

ROLES = ("planner", "commander")


def render() -> None:
    user = require_role(*ROLES)
    st.title("Saved plans")
    plans = list_plans()
    if plans.empty:
        st.info("No saved plans yet. Propose checkpoints on the map and save them, or import a plan file below.")
    else:
        shown = plans.assign(created=plans["created"].dt.strftime("%Y-%m-%d %H:%M UTC"))
        st.dataframe(shown, hide_index=True, width="stretch", key="plans_table")
        table_download(shown, "checkpost_plans", key="plans_table_csv")
        tab_open, tab_compare, tab_export = st.tabs(["Open / duplicate", "Compare two plans", "Export"])
        names = plans["name"].tolist()
        with tab_open:
            name = st.selectbox("Plan", names, key="plans_open_name")
            history = list_plans(all_versions=True)
            versions = history[history["name"] == name]["version"].tolist()
            version = st.selectbox("Version", versions[::-1], key="plans_open_version")
            stored = load_plan(name, version)
            st.caption(f"Version {stored.version} by {md(stored.author)}, {stored.created:%Y-%m-%d %H:%M} UTC"
                       + (f" — {md(stored.note)}" if stored.note else ""))
            show_map("plans_map", [sites_layer(stored.sites, name=f"{stored.name} v{stored.version}")], height=420)
            st.dataframe(pd.DataFrame(stored.sites.drop(columns="geometry")), hide_index=True, key="plans_sites")
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
        with tab_compare:
            a_col, b_col = st.columns(2)
            a_name = a_col.selectbox("Plan A", names, key="plans_a")
            b_name = b_col.selectbox("Plan B", names, index=min(1, len(names) - 1), key="plans_b")
            a, b = load_plan(a_name), load_plan(b_name)
            with a_col:
                show_map("plans_map_a", [sites_layer(a.sites, name=f"A: {a.name}")], height=380)
            with b_col:
                show_map("plans_map_b", [sites_layer(b.sites, name=f"B: {b.name}", colour="#ff5722")], height=380)
            diff = plan_io.compare(a.sites, b.sites)
            counts = diff["status"].value_counts()
            st.write(f"Both: {counts.get('both', 0)} · only A: {counts.get('only A', 0)} · "
                     f"only B: {counts.get('only B', 0)}")
            st.dataframe(diff, hide_index=True, width="stretch", key="plans_diff")
            if st.button("Compare what each plan catches"):
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
                st.dataframe(pd.DataFrame(rows), hide_index=True, key="plans_catch")
        with tab_export:
            name = st.selectbox("Plan to export", names, key="plans_export_name")
            stored = load_plan(name)
            stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in stored.name) + f"_v{stored.version}"
            c1, c2, c3 = st.columns(3)
            c1.download_button("GeoJSON", plan_io.to_geojson(stored), f"{stem}.geojson", plan_io.FORMATS["geojson"])
            c2.download_button("CSV", plan_io.to_csv(stored), f"{stem}.csv", plan_io.FORMATS["csv"])
            c3.download_button("KML", plan_io.to_kml(stored), f"{stem}.kml", plan_io.FORMATS["kml"])

    st.subheader("Import a plan")
    upload = st.file_uploader("GeoJSON, CSV or KML exported by Checkpost", type=["geojson", "json", "csv", "kml"],
                              key="plans_upload")
    staged = st.session_state.get("plans_staged_upload")  # (file name, bytes): headless tests
    if upload is not None:
        staged = (upload.name, upload.getvalue())
    if staged:
        file_name, data = staged
        try:
            sites = plan_io.read_sites(data, file_name)
        except ValueError as error:
            st.error(md(error))
            return
        st.dataframe(sites, hide_index=True, key="plans_import_preview")
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


render()
