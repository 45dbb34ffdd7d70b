"""Streamlit page "Coverage": what the checkpoints miss, where, and what the next one would buy.

Register with ``st.Page("pages/coverage.py", title="Coverage")``.  Works for planners and donors; a
donor (``st.session_state["role"] == "donor"``, or the signed-in user's role) sees only the donor-safe
aggregates of ``models.coverage.donor_tables``, and so does anyone whose role is unknown.  The
network and demand come from ``ui.scenario`` (a test may inject ``st.session_state["app_network"]``
and ``["app_demand"]``).  Logic lives in ``models.coverage``; this page only lays it out.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import streamlit as st

_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from models import coverage as C  # noqa: E402
from models import placement as P  # noqa: E402
from models.coverage._report import downloads_zip, printable  # noqa: E402

REPORT_KEY, MARGINAL_KEY, HOLDING_KEY, FILES_KEY = "coverage_report", "coverage_marginal", "coverage_holding", "coverage_files"
RECORDS_KEY = "coverage_records"   # intercept records (store.records.query_intercepts, or injected by a test)
OPTIMAL = "Optimal static plan with k new sites"


def current_role() -> str:
    """The viewer's role; unknown means donor (the safe view)."""
    role = st.session_state.get("role")
    if role is None:
        role = (st.session_state.get("user") or {}).get("role")
    return role if role in ("planner", "donor", "commander", "admin") else "donor"


def inputs():
    from ui.scenario import network_and_demand
    return network_and_demand()


@st.cache_resource(show_spinner=False, max_entries=4)
def _base_flows(_G, demand: pd.DataFrame, graph_id: int):
    from routes.flows import assign
    return assign(_G, demand)


def run_gaps(G, demand, source: str, k: int, adaptive: bool, rerouting: str):
    flows = _base_flows(G, demand, id(G))
    if source == OPTIMAL:
        plan = P.plan(flows, int(k), name=f"optimal k={k}")
    else:
        plan = st.session_state["planner_plans"][source]["plan"]
    return C.gaps(plan, flows, adaptive=adaptive, rerouting=rerouting)


def _colour(share) -> str:
    import matplotlib
    if share is None or pd.isna(share):
        return "#7f7f7f"
    return matplotlib.colors.to_hex(matplotlib.colormaps["RdYlGn"](float(share)))


def coverage_map(rep, tables):
    """Base map + border segments and corridors coloured by share intercepted (gaps outlined in red)."""
    import folium
    from ui.basemap import base_map, legend_html
    from branca.element import Element

    m = base_map(points=("crossings", "launch_points"))
    for name, label, weight in (("corridors", "Corridors by share intercepted", 4),
                                ("segments", "Border segments by share intercepted", 9)):
        frame = tables[name]
        has_shape = [g is not None and not g.is_empty for g in frame.geometry]
        frame = frame[pd.Series(has_shape, index=frame.index, dtype=bool) & (frame["flow"].fillna(0) > 0)]
        if name == "corridors":
            frame = frame[frame["mode"] != "air"]
        if frame.empty:
            continue
        keep = [c for c in ("label", "flow", "intercepted", "uncovered", "share_intercepted", "gap") if c in frame]
        gdf = frame[keep + ["geometry"]].copy()
        gdf["colour"] = [_colour(s) for s in gdf["share_intercepted"]]
        for c in ("flow", "intercepted", "uncovered"):
            gdf[c] = gdf[c].round(0)
        gdf["share_intercepted"] = (gdf["share_intercepted"] * 100).round(0)
        group = folium.FeatureGroup(name=label, show=True)
        folium.GeoJson(
            json.loads(gdf.to_json(drop_id=True, na="null")),
            style_function=lambda f, w=weight: {"color": "#d7191c" if f["properties"].get("gap") else
                                                f["properties"]["colour"], "weight": w,
                                                "opacity": 0.95 if f["properties"].get("gap") else 0.8},
            tooltip=folium.GeoJsonTooltip(fields=keep, aliases=[c.replace("_", " ") + (" (%)" if c.startswith(
                "share") else "") for c in keep]),
        ).add_to(group)
        group.add_to(m)
    cps = rep.checkpoints
    if len(cps):
        group = folium.FeatureGroup(name="Checkpoints", show=True)
        for geom, name in zip(cps.geometry, cps.get("name", cps["site_id"])):
            folium.RegularPolygonMarker((geom.y, geom.x), number_of_sides=3, radius=7, color="#111", fill=True,
                                        fill_color="#111", fill_opacity=0.9, tooltip=str(name or "checkpoint")).add_to(group)
        group.add_to(m)
    m.get_root().html.add_child(Element(legend_html(
        [("#1a9641", "most of the flow intercepted"), ("#fdae61", "about half"), ("#d7191c", "gap (red outline)"),
         ("#111111", "checkpoint")], title="Interception")))
    return m


def _donor_tables(rep) -> dict:
    """Donor tables of this report, computed once per analysis (not on every rerun)."""
    cached = st.session_state.get("coverage_donor_tables")
    if cached is None or cached[0] is not rep:
        cached = (rep, C.donor_tables(rep))
        st.session_state["coverage_donor_tables"] = cached
    return cached[1]


def marginal_chart(curve: pd.DataFrame):
    import altair as alt

    cols = ["share"] + (["share_after"] if "share_after" in curve.columns else [])
    long = curve.melt(id_vars=["k"], value_vars=cols, var_name="measure", value_name="intercepted share")
    long["measure"] = long["measure"].map({"share": "static (routes fixed)", "share_after": "after re-routing"})
    return (alt.Chart(long).mark_line(point=True)
            .encode(x=alt.X("k:O", title="checkpoints added"),
                    y=alt.Y("intercepted share:Q", axis=alt.Axis(format="%")),
                    color="measure:N", tooltip=["k", "measure", alt.Tooltip("intercepted share:Q", format=".1%")])
            .interactive())


def render():
    if "user" in st.session_state:
        from ui.auth import require_role
        require_role("planner", "donor")
    role = current_role()
    donor = role != "planner"
    st.title("Coverage")
    st.caption("What the checkpoints intercept and miss, by border segment, corridor, crossing and source district "
               "(persons per year, model estimates from the scenario, not statistics)."
               + (" Donor view: aggregates only, cells under 5 persons pooled." if donor else ""))
    G, demand = inputs()
    saved = list((st.session_state.get("planner_plans") or {}).keys())
    with st.sidebar:
        st.header("Plan to assess")
        source = st.selectbox("Checkpoints", [OPTIMAL] + saved, key="coverage_source")
        k = st.number_input("k (new sites)", 0, 50, 3, key="coverage_k", disabled=source != OPTIMAL)
        adaptive = st.checkbox("Smugglers re-route around the checkpoints", True, key="coverage_adaptive")
        rerouting = st.radio("Re-routing model", ["logit", "best_response"], key="coverage_rerouting",
                             disabled=not adaptive, horizontal=True)
        run = st.button("Analyse coverage", key="coverage_run", type="primary")
    if run:
        with st.spinner("Routing and scoring…"):
            try:
                st.session_state[REPORT_KEY] = run_gaps(G, demand, source, int(k), adaptive, rerouting)
                st.session_state.pop(FILES_KEY, None)
            except ValueError as err:
                st.error(str(err))
    rep = st.session_state.get(REPORT_KEY)
    if rep is None:
        st.info("Choose the checkpoints in the sidebar and press **Analyse coverage**.")
        return
    rep.marginal = st.session_state.get(MARGINAL_KEY)
    rep.holding = st.session_state.get(HOLDING_KEY)
    tables = _donor_tables(rep) if donor else rep.tables()
    c1, c2, c3 = st.columns(3)
    c1.metric("Migrants a year (model)", f"{rep.total_volume:,.0f}")
    c2.metric("Intercepted a year", f"{rep.intercepted_volume:,.0f}")
    c3.metric("Share intercepted", f"{rep.share:.1%}")
    try:
        from streamlit_folium import st_folium
        st_folium(coverage_map(rep, tables), key="coverage_map", height=560, width="stretch", returned_objects=[])
    except ImportError as err:
        st.warning(f"Map unavailable: {err}")
    from models.coverage._report import _biggest_gaps
    st.subheader("Biggest gaps")
    st.dataframe(printable(_biggest_gaps(tables)), hide_index=True, width="stretch")

    st.subheader("What more checkpoints would buy")
    c1, c2 = st.columns([1, 3])
    k_max = c1.number_input("Up to k new sites", 1, 20, 3, key="coverage_kmax")
    robust = c1.checkbox("Also after re-routing (slower)", True, key="coverage_robust")
    on_top = c1.checkbox("On top of the assessed plan's checkpoints", True, key="coverage_on_top")
    if c1.button("Compute curve", key="coverage_curve"):
        with st.spinner("Solving a plan for every k…"):
            existing = []
            if on_top and len(rep.checkpoints):
                known = set(P.candidates(G)["site_id"])
                existing = [s for s in rep.checkpoints["site_id"] if s in known]
            try:
                st.session_state[MARGINAL_KEY] = C.marginal_value(G, demand, existing=existing, k_max=int(k_max),
                                                                  robust=robust, flows=_base_flows(G, demand, id(G)))
                st.session_state.pop(FILES_KEY, None)
            except ValueError as err:
                st.error(str(err))
    curve = st.session_state.get(MARGINAL_KEY)
    if curve is not None:
        c2.altair_chart(marginal_chart(curve), width="stretch")
        st.dataframe(printable(curve, None), hide_index=True, width="stretch")

    st.subheader("Source districts")
    st.caption("Share of each district's emigrants whose route meets a checkpoint: prevention work can aim at "
               "the districts whose routes are not covered.")
    st.dataframe(printable(tables["districts"], None), hide_index=True, width="stretch")
    with st.expander("All tables"):
        for name, frame in tables.items():
            st.markdown(f"**{name.replace('_', ' ')}**")
            st.dataframe(printable(frame, None), hide_index=True, width="stretch")

    st.subheader("Recorded intercepts (aggregated)")
    st.caption("Intercept records counted by month, border segment, district seat and corridor; cells under 5 "
               "persons pooled. No record, place name or note is ever shown here.")
    if st.button("Count recorded intercepts", key="coverage_records_run"):
        try:
            from store import access
            st.session_state[RECORDS_KEY] = access.records_to_aggregate(st.session_state.get("user"))
        except (ImportError, OSError, ValueError, PermissionError) as err:
            st.error(f"Intercept records unavailable: {err}")
        except Exception as err:  # noqa: BLE001 - a database error must not take the page down
            st.error(f"Intercept records unavailable ({type(err).__name__}): {err}")
    records = st.session_state.get(RECORDS_KEY)
    if records is not None:
        if len(records) == 0:
            st.info("No intercept records in the store yet.")
        else:
            if "synthetic" in records.columns and records["synthetic"].fillna(False).astype(bool).any():
                st.warning("Includes simulated (synthetic) records from the scenario simulator.")
            for name, frame in C.donor_record_tables(records, network=G).items():
                st.markdown(f"**{name.replace('_', ' ')}**")
                st.dataframe(printable(frame, None), hide_index=True, width="stretch")

    st.subheader("Holding centres")
    st.caption("Where to hold deportees and offloadees: minimises the person-weighted road distance from where "
               "they arrive (Karachi port, Quetta, Islamabad airport, Taftan; unodc-2011 §8.1, §11.4).")
    hk = st.number_input("Holding centres", 1, 10, 2, key="coverage_holding_k")
    if st.button("Place holding centres", key="coverage_holding_run"):
        try:
            st.session_state[HOLDING_KEY] = C.holding_centres(None, int(hk), network=G)
            st.session_state.pop(FILES_KEY, None)
        except ValueError as err:
            st.error(str(err))
    hold = st.session_state.get(HOLDING_KEY)
    if hold is not None:
        st.metric("Mean road distance per person", f"{hold.mean_distance_km:,.0f} km")
        st.dataframe(printable(hold.centres.drop(columns=["node"]), None), hide_index=True, width="stretch")
        st.dataframe(printable(hold.assignment.drop(columns=["node"]).assign(
            distance_km=hold.assignment["distance_m"] / 1000).drop(columns=["distance_m"]), None),
            hide_index=True, width="stretch")

    st.subheader("Download report")
    audience = "donor" if donor else st.radio("Audience", ["planner", "donor"], key="coverage_audience",
                                              horizontal=True)
    if st.button("Prepare report and tables", key="coverage_prepare"):
        with st.spinner("Rendering…"):
            st.session_state[FILES_KEY] = {
                "html": C.report(rep, audience=audience, fmt="html"),
                "pdf": C.report(rep, audience=audience, fmt="pdf"),
                "zip": downloads_zip(rep, audience=audience), "audience": audience}
    files = st.session_state.get(FILES_KEY)
    if files is not None and (files["audience"] == audience):
        c1, c2, c3 = st.columns(3)
        c1.download_button("Report (HTML)", files["html"], "coverage-report.html", "text/html", key="coverage_dl_html")
        c2.download_button("Report (PDF)", files["pdf"], "coverage-report.pdf", "application/pdf", key="coverage_dl_pdf")
        c3.download_button("Tables (CSV + GeoJSON, zip)", files["zip"], "coverage-tables.zip", "application/zip",
                           key="coverage_dl_zip")


render()
