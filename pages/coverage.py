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
from models.coverage._report import HEADERS, downloads_zip, printable  # noqa: E402

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


SESSION_PREFIX, SAVED_PREFIX = "This session's run: ", "Saved plan: "


def plan_choices(donor: bool) -> dict[str, tuple[str, str]]:
    """Label -> (kind, name) of every plan this viewer may assess: the optimal plan, this session's
    optimiser runs and (planners) every saved plan.  Donors assess the optimal plan only: saved plans
    hold operational sites."""
    choices = {OPTIMAL: ("optimal", "")}
    if donor:
        return choices
    for name in (st.session_state.get("planner_plans") or {}):
        choices[SESSION_PREFIX + name] = ("session", name)
    try:
        from store.plans import list_plans
        saved = list_plans()
    except Exception as err:  # noqa: BLE001 - an unreachable database must not take the page down
        st.sidebar.caption(f"Saved plans unavailable ({type(err).__name__}).")
        return choices
    for name, version in zip(saved["name"], saved["version"]):
        choices[f"{SAVED_PREFIX}{name} (version {version})"] = ("saved", name)
    return choices


def chosen_plan(flows, choice: tuple[str, str], k: int):
    """The checkpoints to assess: a Plan, or a saved plan's sites table."""
    kind, name = choice
    if kind == "optimal":
        return P.plan(flows, int(k), name=f"optimal k={k}")
    if kind == "session":
        return st.session_state["planner_plans"][name]["plan"]
    from store import access
    from ui.plan_io import checkpoints_of
    return checkpoints_of(access.plan(st.session_state.get("user"), name).sites)  # the user's region applies


def run_gaps(G, demand, choice: tuple[str, str], k: int, adaptive: bool, rerouting: str):
    flows = _base_flows(G, demand, id(G))
    return C.gaps(chosen_plan(flows, choice, k), flows, adaptive=adaptive, rerouting=rerouting)


def show_table(frame: pd.DataFrame, rows: int | None = None) -> None:
    """A coverage table, printable (rounded, Yes/No), under readable headers (the data keep their names)."""
    shown = printable(frame, rows)
    labels = {c: HEADERS.get(c, str(c).replace("_", " ").capitalize()) for c in shown.columns}
    st.dataframe(shown, hide_index=True, width="stretch", column_config=labels)


def _colour(share) -> str:
    import matplotlib
    if share is None or pd.isna(share):
        return "#7f7f7f"
    return matplotlib.colors.to_hex(matplotlib.colormaps["RdYlGn"](float(share)))


COVERAGE_LEGEND = [("#1a9641", "most of the flow intercepted", "line"), ("#fdae61", "about half", "line"),
                   ("#d7191c", "gap (red)", "line"), ("#111111", "checkpoint", "triangle")]


def coverage_layers(rep, tables) -> list:
    """FeatureGroups: border segments and corridors coloured by share intercepted, checkpoints as triangles."""
    import folium
    from ui.layers import checkpoints_layer

    groups = []
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
        groups.append(group)
    if len(rep.checkpoints):
        groups.append(checkpoints_layer(rep.checkpoints))
    return groups


def coverage_map(rep, tables, key: str = "coverage_map", height: int = 560) -> dict:
    """Draw the base map with the coverage layers and their legend (one MapBuilder)."""
    from ui.map_builder import MapBuilder

    builder = MapBuilder(points=("crossings", "launch_points"))
    for group in coverage_layers(rep, tables):
        builder.add(group)
    builder.legend(COVERAGE_LEGEND, title="Interception")
    return builder.render(key, height=height)


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


def _header(donor: bool) -> None:
    st.title("Coverage")
    st.caption("What the checkpoints intercept and miss, by border segment, corridor, crossing and source district "
               "(persons per year, model estimates from the scenario, not statistics)."
               + (" Donor view: aggregates only, cells under 5 persons pooled." if donor else ""))
    if donor:
        st.info("Every flow and share on this page is simulated: 100% of the persons-per-year figures come from "
                "the route model's scenario (unodc-2011 parameters), none is a count of real people.")


def _sidebar(G, demand, donor: bool) -> None:
    """Plan choice and re-routing settings; runs the analysis when asked."""
    choices = plan_choices(donor)
    with st.sidebar:
        st.header("Plan to assess")
        source = st.selectbox("Checkpoints", list(choices), key="coverage_source")
        k = st.number_input("k (new sites)", 0, 50, 3, key="coverage_k", disabled=source != OPTIMAL)
        adaptive = st.checkbox("Smugglers re-route around the checkpoints", True, key="coverage_adaptive")
        rerouting = st.radio("Re-routing model", ["logit", "best_response"], key="coverage_rerouting",
                             disabled=not adaptive, horizontal=True,
                             format_func=lambda r: {"logit": "spread over cheap routes",
                                                    "best_response": "each takes the best detour"}[r])
        run = st.button("Analyse coverage", key="coverage_run", type="primary")
    if run:
        with st.spinner("Routing and scoring…"):
            try:
                st.session_state[REPORT_KEY] = run_gaps(G, demand, choices[source], int(k), adaptive, rerouting)
                st.session_state["coverage_assessed"] = source
                st.session_state.pop(FILES_KEY, None)
            except (ValueError, LookupError, PermissionError) as err:
                st.error(str(err))


def _headline(rep, tables) -> None:
    if st.session_state.get("coverage_assessed"):
        st.caption(f"Assessed: {st.session_state['coverage_assessed']}")
    c1, c2, c3 = st.columns(3)
    c1.metric("Migrants a year (model)", f"{rep.total_volume:,.0f}")
    c2.metric("Intercepted a year", f"{rep.intercepted_volume:,.0f}")
    c3.metric("Share intercepted", f"{rep.share:.1%}")
    coverage_map(rep, tables)
    from models.coverage._report import _biggest_gaps
    st.subheader("Biggest gaps")
    st.caption("Only inside Pakistan and a 100 km belt beyond its borders: the far legs of the routes "
               "(Iran, Turkey, the Gulf) carry flow, but no checkpoint here could close them.")
    show_table(_biggest_gaps(tables), 25)


def _marginal_section(G, demand, rep) -> None:
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
        show_table(curve)


def _tables_section(tables) -> None:
    st.subheader("Source districts")
    st.caption("Share of each district's emigrants whose route meets a checkpoint: prevention work can aim at "
               "the districts whose routes are not covered.")
    show_table(tables["districts"])
    with st.expander("All tables"):
        for name, frame in tables.items():
            st.markdown(f"**{name.replace('_', ' ')}**")
            show_table(frame)


def simulated_share(records) -> float:
    """Share of the persons in ``records`` that come from simulated (synthetic) records."""
    if records is None or not len(records) or "synthetic" not in records.columns:
        return 0.0
    persons = pd.to_numeric(records.get("persons", pd.Series(1, index=records.index)), errors="coerce").fillna(1)
    synthetic = records["synthetic"].fillna(False).astype(bool).to_numpy()
    total = float(persons.sum())
    return float(persons[synthetic].sum()) / total if total > 0 else 0.0


def _records_section(G) -> None:
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
            st.error(f"Intercept records unavailable ({type(err).__name__}).")
    records = st.session_state.get(RECORDS_KEY)
    if records is None:
        return
    if len(records) == 0:
        st.info("No intercept records in the store yet.")
        return
    share = simulated_share(records)
    if share > 0:
        st.warning(f"{share:.0%} of the persons counted here come from simulated (synthetic) records of the "
                   "scenario simulator, not from real intercepts.")
    for name, frame in C.donor_record_tables(records, network=G).items():
        st.markdown(f"**{name.replace('_', ' ')}**")
        show_table(frame)


def _holding_section(G) -> None:
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
        show_table(hold.centres.drop(columns=["node"]))
        show_table(hold.assignment.drop(columns=["node"]).assign(
            distance_km=hold.assignment["distance_m"] / 1000).drop(columns=["distance_m"]))


def _downloads_section(rep, donor: bool) -> None:
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


def render():
    if "user" in st.session_state:
        from ui.auth import require_role
        require_role("planner", "donor")
    donor = current_role() != "planner"
    _header(donor)
    G, demand = inputs()
    _sidebar(G, demand, donor)
    rep = st.session_state.get(REPORT_KEY)
    if rep is None:
        st.info("Choose the checkpoints in the sidebar and press **Analyse coverage**.")
        return
    rep.marginal = st.session_state.get(MARGINAL_KEY)
    rep.holding = st.session_state.get(HOLDING_KEY)
    tables = _donor_tables(rep) if donor else rep.tables()
    _headline(rep, tables)
    _marginal_section(G, demand, rep)
    _tables_section(tables)
    _records_section(G)
    _holding_section(G)
    _downloads_section(rep, donor)


render()
