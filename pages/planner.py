"""Streamlit page "Planner": choose checkpoint sites, see what they catch before and after smugglers re-route.

Register with ``st.Page("pages/planner.py", title="Planner")``.  The network and demand come from
``routes.network.default_network()`` and ``routes.demand.default_demand()``; a test (or another page)
can place its own in ``st.session_state["planner_network"]`` / ``["planner_demand"]``.  The logic
lives in plain functions; ``render()`` lays them out.
"""
from __future__ import annotations

import html
import sys
from pathlib import Path

import pandas as pd
import streamlit as st

_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from geodata.crs import haversine_m  # noqa: E402
from models import placement as P  # noqa: E402
from ui.auth import require_role  # noqa: E402
from ui.scenario import _default_demand, _default_network  # noqa: E402  (one cached copy for every page)

NETWORK_KEY, DEMAND_KEY = "planner_network", "planner_demand"
PLANS_KEY = "planner_plans"
METHODS = {"Static (flows stay on their routes)": "static", "Robust (smugglers re-route around the sites)": "robust"}
SITE_COLOURS = {"crossing": "#c0392b", "launch_point": "#1f618d", "hub": "#7d3c98", "road": "#d35400",
                "track": "#7e5109", "user": "#117864"}


# ----------------------------------------------------------------------------- logic (no widgets)
def load_inputs():
    """(network, demand): injected through session state, else the default scenario."""
    G = st.session_state.get(NETWORK_KEY)
    demand = st.session_state.get(DEMAND_KEY)
    if G is None:
        G = _default_network()
    if demand is None:
        demand = _default_demand()
    return G, demand


def site_label(sites: pd.DataFrame, G=None) -> dict:
    """site_id -> readable label for pickers: the site's name (road and nearest place) and type, no id."""
    from ui.site_text import describe_sites

    details = describe_sites(sites, G)
    return {sid: f"{name} ({typ})" for sid, name, typ in zip(sites["site_id"], details["name"], details["type"])}


def next_run_name(records: dict) -> str:
    """The first free "plan N" among this session's runs."""
    number = len(records) + 1
    while f"plan {number}" in records:
        number += 1
    return f"plan {number}"


def baseline_flows(G, demand):
    """Flows without checkpoints: routes.flows.assign when present, else cheapest routes."""
    try:
        from routes.flows import assign
    except ImportError:
        from models.placement._robust import own_flows
        return own_flows(G, demand)
    return assign(G, demand)


def run_plan(G, demand, sites, *, k, method, existing=(), required=(), forbidden=(), detour=0.5, name="",
             progress=None, max_seconds=60.0) -> dict:
    """Plan + both evaluations, as one saved record."""
    if method == "robust":
        pl = P.plan_robust(G, demand, k, candidates=sites, existing=existing, required=required,
                           forbidden=forbidden, detour=detour, name=name, progress=progress,
                           max_seconds=max_seconds)
    else:
        pl = P.plan(baseline_flows(G, demand), k, candidates=sites, existing=existing, required=required,
                    forbidden=forbidden, name=name, progress=progress)
    record = {"plan": pl, "best_response": P.evaluate(pl, G, demand, model="best_response", detour=detour)}
    try:
        record["logit"] = P.evaluate(pl, G, demand, model="logit")
    except ImportError as err:
        record["logit_error"] = str(err)
    return record


def summary_table(record: dict) -> pd.DataFrame:
    """Intercepted share static and after re-routing, overall and by case type."""
    pl = record["plan"]
    br = record["best_response"]
    rows = [{"measure": "intercepted, flows stay put (plan's own flows)", "all": pl.share,
             **{f"{t}": s for t, s in pl.share_by_case_type.items()}}]
    for label, ev in (("after re-routing: smugglers' best response", br),
                      ("after re-routing: logit route choice", record.get("logit"))):
        if ev is None:
            continue
        row = {"measure": "before re-routing (" + ev.model.replace("_", " ") + " baseline)", "all": ev.share_before}
        row.update({t: v for t, v in ev.by_case_type.get("share_before", pd.Series(dtype=float)).items()})
        rows.append(row)
        row = {"measure": label, "all": ev.share_after}
        row.update({t: v for t, v in ev.by_case_type.get("share_after", pd.Series(dtype=float)).items()})
        rows.append(row)
    return pd.DataFrame(rows).set_index("measure")


def sites_table(pl, labels: dict | None = None) -> pd.DataFrame:
    """The chosen sites for people: name, type, detection and catch rounded, existing as Yes/No."""
    s = pl.sites
    labels = labels or {}
    return pd.DataFrame({"site": [labels.get(sid, str(name or sid)) for sid, name in zip(s["site_id"],
                                                                                       s.get("name", s["site_id"]))],
                         "detection": [f"{d:.0%}" for d in s["detection"]],
                         "existing": ["Yes" if e else "No" for e in s["existing"]],
                         "catch per year": s["catch"].round(0).astype(int),
                         "lon": s.geometry.x.round(5), "lat": s.geometry.y.round(5)})


ZERO_CATCH_NOTE = ("A site with catch 0 stops nobody on the routes the flows take once the plan stands: the robust "
                   "plan keeps it to close the detour smugglers would otherwise take around the other sites, so "
                   "its value shows in the share after re-routing, not in its own catch.")


def nearest_site(sites: pd.DataFrame, lon: float, lat: float) -> tuple[str, float]:
    """(site_id, distance in km) of the candidate nearest a clicked point."""
    d = haversine_m(sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy(), lon, lat)
    i = int(d.argmin())
    return str(sites["site_id"].iloc[i]), float(d[i]) / 1000.0


SHARE_FORMAT = st.column_config.NumberColumn(format="percent")
COMPARE_COLUMNS = {"intercepted_per_year": st.column_config.NumberColumn("intercepted /yr", format="%.0f"),
                   "share": SHARE_FORMAT, "gap": st.column_config.NumberColumn("solver gap", format="percent"),
                   "seconds": st.column_config.NumberColumn("seconds", format="%.1f"),
                   "after best response": SHARE_FORMAT, "after logit re-routing": SHARE_FORMAT}


def compare_table(records: dict, names: list[str]) -> pd.DataFrame:
    """Side by side: static share, and share after both re-routing models."""
    plans = {n: records[n]["plan"] for n in names}
    table = P.compare(plans)
    table["after best response"] = [records[n]["best_response"].share_after for n in names]
    table["after logit re-routing"] = [records[n]["logit"].share_after if "logit" in records[n] else float("nan")
                                       for n in names]
    return table


def plan_map(pl, candidates_gdf, key: str = "planner_map", height: int = 560) -> dict:
    """Draw the base map with all candidates (small grey, off by default) and the chosen sites sized by catch.

    Returns the last click (the page offers to require, forbid or mark the nearest candidate).
    """
    from ui.layers import candidates_layer, plan_sites_layer, sites_bounds
    from ui.map_builder import MapBuilder

    builder = MapBuilder(points=("crossings", "launch_points"))
    builder.add(candidates_layer(candidates_gdf), legend=[("#777777", "candidate site", "dot")])
    if pl is not None:
        builder.add(plan_sites_layer(pl.sites, f"Plan {pl.name}: chosen sites", SITE_COLOURS),
                    legend=[(c, f"chosen: {t.replace('_', ' ')} (size: catch)", "dot")
                            for t, c in SITE_COLOURS.items() if t in set(pl.sites["site_type"])])
        builder.fit(sites_bounds(pl.sites), max_zoom=8)
    return builder.render(key, height=height, returned=("last_clicked",))


def informed_share_chart(records: dict) -> None:
    """Catch against the share of smugglers who know the plan (0 to 1), one line per saved plan, and
    where one plan overtakes another (best response; nobody informed = today's cheapest routes)."""
    lines = {html.escape(str(n)): r["best_response"] for n, r in records.items()
             if r.get("best_response") is not None and r["best_response"].informed == 1.0}
    if not lines:
        return
    st.subheader("Catch against the share of smugglers who know the plan")
    curve = P.informed_curve(lines)
    st.line_chart(curve, x_label="informed share (0 = nobody knows the plan, 1 = everyone)",
                  y_label="share intercepted after best response")
    crossings = P.overtakes(lines)
    if crossings:
        st.markdown("\n".join(f"- at informed share **{c['informed_share']:.0%}** "
                              f"{_md(c['leads_above'])} overtakes {_md(c['leads_below'])}" for c in crossings))
    else:
        st.caption("No plan overtakes another between 0 and 1.")


def _md(text: str) -> str:
    """A (already html-escaped) plan name made inert for markdown."""
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!|<>~" else ch for ch in str(text))


# ----------------------------------------------------------------------------- layout
NAME_KEY, NEXT_NAME_KEY = "planner_name", "planner_name_next"


def _setup(G) -> tuple[pd.DataFrame, dict, dict]:
    """(candidate sites, their readable labels, this session's runs), made once per session."""
    if "planner_sites" not in st.session_state:
        st.session_state["planner_sites"] = P.candidates(G)
    sites = st.session_state["planner_sites"]
    if st.session_state.get("planner_labels_for") is not sites:
        st.session_state["planner_labels"] = site_label(sites, G)
        st.session_state["planner_labels_for"] = sites
    records = st.session_state.setdefault(PLANS_KEY, {})
    for key in ("planner_existing", "planner_required", "planner_forbidden"):
        st.session_state.setdefault(key, [])
    # a finished run hands the next free name to the name field before the field is drawn
    if NEXT_NAME_KEY in st.session_state:
        st.session_state[NAME_KEY] = st.session_state.pop(NEXT_NAME_KEY)
    st.session_state.setdefault(NAME_KEY, next_run_name(records))
    return sites, st.session_state["planner_labels"], records


def _sidebar(sites: pd.DataFrame, labels: dict) -> dict:
    """The run's settings from the sidebar widgets."""
    with st.sidebar:
        st.subheader("Plan")
        settings = {"k": st.number_input("Checkpoints to place (k)", min_value=1, max_value=len(sites),
                                         value=min(10, len(sites)), step=1, key="planner_k"),
                    "method": METHODS[st.radio("Method", list(METHODS), key="planner_method")],
                    "detour": st.slider("Detour smugglers accept (% above their cheapest route)", 0, 200, 50,
                                        step=10, key="planner_detour") / 100.0}
        st.multiselect("Existing checkpoints (do not use the budget)", list(labels), format_func=labels.get,
                       key="planner_existing")
        st.multiselect("Required sites", list(labels), format_func=labels.get, key="planner_required")
        st.multiselect("Forbidden sites", list(labels), format_func=labels.get, key="planner_forbidden")
        settings["budget"] = st.number_input("Robust search time budget (s)", min_value=5, max_value=1800, value=60,
                                             step=5, key="planner_budget",
                                             help="The robust search stops here and reports how far from the "
                                                  "best possible plan it may still be.")
        settings["name"] = st.text_input("Name of this run", key=NAME_KEY,
                                         help="Each run keeps its own name; a run never replaces an earlier one.")
        settings["run"] = st.button("Run optimiser", type="primary", key="planner_run")
    return settings


def _run(G, demand, sites, records: dict, settings: dict) -> None:
    """Run the optimiser under a name no earlier run of this session has; show errors in words."""
    name = settings["name"].strip()
    if not name:
        st.error("Give the run a name.")
        return
    if name in records:
        st.error(f"A run named '{name}' exists already in this session: choose another name "
                 "(an earlier run is never replaced).")
        return
    bar = st.progress(0.0, text="Starting…")
    try:
        record = run_plan(G, demand, sites, k=int(settings["k"]), method=settings["method"],
                          existing=st.session_state["planner_existing"],
                          required=st.session_state["planner_required"],
                          forbidden=st.session_state["planner_forbidden"], detour=settings["detour"], name=name,
                          max_seconds=float(settings["budget"]),
                          progress=lambda stage, frac: bar.progress(min(max(frac, 0.0), 1.0), text=stage))
    except ValueError as err:
        bar.empty()
        st.error(str(err))
        return
    bar.progress(1.0, text="Done")
    records[name] = record
    st.session_state["planner_current"] = name
    st.session_state[NEXT_NAME_KEY] = next_run_name(records)
    st.rerun()  # draw the name field with the next free name now, not over what the user types next


def _map_panel(record, sites: pd.DataFrame, labels: dict) -> None:
    """The candidates and chosen sites on the map; a click picks the nearest candidate to require or forbid."""
    clicked = None
    show_map = st.toggle("Show map", value=True, key="planner_show_map",
                         help="Click the map to require, forbid or mark an existing site near the click.")
    try:
        if not show_map:
            raise ImportError("switched off")
        out = plan_map(record["plan"] if record else None, sites)
        clicked = (out or {}).get("last_clicked")
    except ImportError as err:  # the map is optional for the optimiser itself
        if show_map:
            st.warning(f"Map unavailable: {err}")
    if clicked:
        sid, km = nearest_site(sites, clicked["lng"], clicked["lat"])
        st.write(f"Nearest candidate to the click: **{labels[sid]}**, {km:,.1f} km away")
        cols = st.columns(3)
        for col, (key, text) in zip(cols, (("planner_required", "Require"), ("planner_forbidden", "Forbid"),
                                           ("planner_existing", "Mark existing"))):
            if col.button(text, key=f"{key}_click") and sid not in st.session_state[key]:
                st.session_state[key] = st.session_state[key] + [sid]
                st.rerun()


def results_table(record: dict, current: str) -> None:
    """The run's headline figures and its measures table (intercepted share static and after re-routing)."""
    pl = record["plan"]
    st.subheader(f"{current}: {pl.method}, k = {pl.k}")
    c1, c2, c3 = st.columns(3)
    c1.metric("Intercepted (static)", f"{pl.share:.1%}")
    c2.metric("After best response", f"{record['best_response'].share_after:.1%}")
    if "logit" in record:
        c3.metric("After logit re-routing", f"{record['logit'].share_after:.1%}")
    table = summary_table(record)
    shown = pd.concat([pd.Series(table.index, name="measure"),
                       table.reset_index(drop=True).apply(lambda c: c.map(lambda v: "" if pd.isna(v) else f"{v:.1%}"))],
                      axis=1)
    # the long measure names get their own wide column, so the table is not cut off on the right
    st.dataframe(shown, hide_index=True, width="stretch",
                 column_config={"measure": st.column_config.TextColumn("measure", width="large")})
    gap = "not reported" if pl.gap != pl.gap else f"{pl.gap:.1%}"
    st.caption(f"Solver: {pl.status}; at most {gap} below the best possible plan; {pl.seconds:.1f} s"
               + (f"; {pl.iterations} route-generation rounds" if pl.iterations else ""))
    if "logit_error" in record:
        st.caption(record["logit_error"])


def _chosen_sites(record: dict, labels: dict, user: dict) -> None:
    """The chosen sites table and the form that saves the run to Saved plans."""
    from ui.plan_actions import save_optimiser_plan

    pl = record["plan"]
    st.subheader("Chosen sites")
    st.dataframe(sites_table(pl, labels), hide_index=True, width="stretch")
    if (pl.sites["catch"].round(0) == 0).any():
        st.caption(ZERO_CATCH_NOTE)
    with st.form("planner_save"):
        st.markdown("**Keep this run in Saved plans** (to assess it on Coverage, edit or export it)")
        name = st.text_input("Saved plan name", value=pl.name, key="planner_save_name")
        note = st.text_input("Note", value="", key="planner_save_note")
        if st.form_submit_button("Save to Saved plans"):
            st.session_state["planner_save_message"] = save_optimiser_plan(pl, user, name, note)
    if "planner_save_message" in st.session_state:
        level, message = st.session_state["planner_save_message"]
        getattr(st, level)(message)


def _compare(records: dict) -> None:
    if len(records) < 2:
        return
    st.subheader("Compare two plans")
    names = list(records)
    a = st.selectbox("First plan", names, index=0, key="planner_cmp_a")
    b = st.selectbox("Second plan", names, index=1, key="planner_cmp_b")
    if a != b:
        table = compare_table(records, [a, b])
        config = {c: SHARE_FORMAT for c in table.columns if str(c).startswith("share")}
        st.dataframe(table, width="stretch", column_config={**config, **COMPARE_COLUMNS})


def _rotation(G, demand, sites: pd.DataFrame, labels: dict, detour: float) -> None:
    with st.expander("Mobile checkpoint rotation"):
        c1, c2, c3 = st.columns(3)
        k_mobile = c1.number_input("Patrol teams", 1, len(sites), 3, key="planner_k_mobile")
        days = c2.number_input("Days", 1, 366, 28, key="planner_days")
        seed = c3.number_input("Seed", 0, 2**31 - 1, 1, key="planner_seed")
        start = st.date_input("First day", key="planner_start")
        if st.button("Generate rotation", key="planner_rotation"):
            try:
                st.session_state["planner_rot"] = P.rotation(G, demand, int(k_mobile), int(days), seed=int(seed),
                                                             candidates=sites, detour=detour, start_date=start)
            except ValueError as err:
                st.error(str(err))
        rot = st.session_state.get("planner_rot")
        if rot is not None:
            st.metric("Worst-case expected interception", f"{rot.value:.1%}")
            probs = rot.probabilities[rot.probabilities["coverage"] > 1e-6].sort_values("coverage", ascending=False)
            st.dataframe(pd.DataFrame({"site": [labels.get(s, s) for s in probs["site_id"]],
                                       "share of days staffed": [f"{c:.0%}" for c in probs["coverage"]]}),
                         hide_index=True, width="stretch")
            st.download_button("Download schedule (CSV)", rot.to_csv(), file_name="rotation.csv",
                               mime="text/csv", key="planner_rot_csv")


def render():
    user = require_role("planner")
    st.title("Checkpoint planner")
    st.caption("Where should k checkpoints go, how much flow would they intercept, and how much of it "
               "survives when smugglers move to other routes? Volumes are scenario estimates "
               "(migrants/year), not official statistics.")
    try:
        G, demand = load_inputs()
    except (ImportError, FileNotFoundError, ValueError) as err:
        st.error(f"The route network or demand is not available: {err}")
        return
    sites, labels, records = _setup(G)
    settings = _sidebar(sites, labels)
    if settings["run"]:
        _run(G, demand, sites, records, settings)
    current = st.session_state.get("planner_current")
    record = records.get(current)
    left, right = st.columns([3, 2])
    with left:
        _map_panel(record, sites, labels)
    with right:
        if record:
            results_table(record, current)
        else:
            st.info("Set k and the sites in the sidebar, then run the optimiser.")
    if record:
        _chosen_sites(record, labels, user)
    _compare(records)
    informed_share_chart(records)
    _rotation(G, demand, sites, labels, settings["detour"])


render()
