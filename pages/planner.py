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


def site_label(sites: pd.DataFrame) -> dict:
    """site_id -> readable label for pickers."""
    out = {}
    for sid, typ, name in zip(sites["site_id"], sites["site_type"], sites.get("name", sites["site_id"])):
        out[sid] = f"{name or sid} ({typ.replace('_', ' ')}, {sid})"
    return out


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


def sites_table(pl) -> pd.DataFrame:
    s = pl.sites
    return pd.DataFrame({"site": s["site_id"], "name": s.get("name", ""), "type": s["site_type"],
                         "detection": s["detection"], "existing": s["existing"],
                         "catch per year": s["catch"].round(0),
                         "lon": s.geometry.x.round(4), "lat": s.geometry.y.round(4)})


def nearest_site(sites: pd.DataFrame, lon: float, lat: float) -> tuple[str, float]:
    """(site_id, distance in km) of the candidate nearest a clicked point."""
    d = haversine_m(sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy(), lon, lat)
    i = int(d.argmin())
    return str(sites["site_id"].iloc[i]), float(d[i]) / 1000.0


def compare_table(records: dict, names: list[str]) -> pd.DataFrame:
    """Side by side: static share, and share after both re-routing models."""
    plans = {n: records[n]["plan"] for n in names}
    table = P.compare(plans)
    table["after best response"] = [records[n]["best_response"].share_after for n in names]
    table["after logit re-routing"] = [records[n]["logit"].share_after if "logit" in records[n] else float("nan")
                                       for n in names]
    return table


def plan_map(pl, candidates_gdf):
    """Base map with all candidates (small grey) and the chosen sites sized by catch."""
    import folium

    from ui.basemap import base_map
    m = base_map(points=("crossings", "launch_points"))
    cand = folium.FeatureGroup(name="Candidate sites", show=False)
    for _, r in candidates_gdf.iterrows():
        folium.CircleMarker((r.geometry.y, r.geometry.x), radius=2, color="#777", fill=True, weight=0,
                            fill_opacity=0.6, tooltip=f"{r['site_id']} {r.get('name', '')}").add_to(cand)
    cand.add_to(m)
    if pl is not None:
        chosen = folium.FeatureGroup(name=f"Plan {pl.name}: chosen sites", show=True)
        top = max(float(pl.sites["catch"].max()), 1.0) if len(pl.sites) else 1.0
        for _, r in pl.sites.iterrows():
            folium.CircleMarker(
                (r.geometry.y, r.geometry.x), radius=5 + 12 * (float(r["catch"]) / top) ** 0.5,
                color="#000", weight=1, fill=True, fill_opacity=0.9,
                fill_color=SITE_COLOURS.get(r["site_type"], "#444"),
                tooltip=(f"{r.get('name') or r['site_id']} ({r['site_type']})<br>"
                         f"catch {r['catch']:,.0f} migrants/year, detection {r['detection']:.0%}"
                         + ("<br>existing" if r["existing"] else ""))).add_to(chosen)
        chosen.add_to(m)
    return m


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
def render():
    require_role("planner")
    st.title("Checkpoint planner")
    st.caption("Where should k checkpoints go, how much flow would they intercept, and how much of it "
               "survives when smugglers move to other routes? Volumes are scenario estimates "
               "(migrants/year), not official statistics.")
    try:
        G, demand = load_inputs()
    except (ImportError, FileNotFoundError, ValueError) as err:
        st.error(f"The route network or demand is not available: {err}")
        return
    if "planner_sites" not in st.session_state:
        st.session_state["planner_sites"] = P.candidates(G)
    sites = st.session_state["planner_sites"]
    labels = site_label(sites)
    records = st.session_state.setdefault(PLANS_KEY, {})
    for key in ("planner_existing", "planner_required", "planner_forbidden"):
        st.session_state.setdefault(key, [])

    with st.sidebar:
        st.subheader("Plan")
        k = st.number_input("Checkpoints to place (k)", min_value=1, max_value=len(sites), value=min(10, len(sites)),
                            step=1, key="planner_k")
        method_label = st.radio("Method", list(METHODS), key="planner_method")
        detour = st.slider("Detour smugglers accept (% above their cheapest route)", 0, 200, 50, step=10,
                           key="planner_detour") / 100.0
        st.multiselect("Existing checkpoints (do not use the budget)", list(labels), format_func=labels.get,
                       key="planner_existing")
        st.multiselect("Required sites", list(labels), format_func=labels.get, key="planner_required")
        st.multiselect("Forbidden sites", list(labels), format_func=labels.get, key="planner_forbidden")
        budget = st.number_input("Robust search time budget (s)", min_value=5, max_value=1800, value=60, step=5,
                                 key="planner_budget", help="The robust search stops here and reports its gap.")
        name = st.text_input("Plan name", value=f"plan {len(records) + 1}", key="planner_name")
        run = st.button("Run optimiser", type="primary", key="planner_run")

    if run:
        bar = st.progress(0.0, text="Starting…")
        try:
            record = run_plan(G, demand, sites, k=int(k), method=METHODS[method_label],
                              existing=st.session_state["planner_existing"],
                              required=st.session_state["planner_required"],
                              forbidden=st.session_state["planner_forbidden"], detour=detour, name=name,
                              max_seconds=float(budget),
                              progress=lambda stage, frac: bar.progress(min(max(frac, 0.0), 1.0), text=stage))
        except ValueError as err:
            bar.empty()
            st.error(str(err))
        else:
            bar.progress(1.0, text="Done")
            records[name] = record
            st.session_state["planner_current"] = name

    current = st.session_state.get("planner_current")
    record = records.get(current)
    left, right = st.columns([3, 2])
    with left:
        clicked = None
        show_map = st.toggle("Show map", value=True, key="planner_show_map",
                             help="Click the map to require, forbid or mark an existing site near the click.")
        try:
            if not show_map:
                raise ImportError("switched off")
            from streamlit_folium import st_folium
            out = st_folium(plan_map(record["plan"] if record else None, sites), key="planner_map", height=560,
                            width="stretch", returned_objects=["last_clicked"])
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
    with right:
        if record:
            pl = record["plan"]
            st.subheader(f"{current}: {pl.method}, k = {pl.k}")
            c1, c2, c3 = st.columns(3)
            c1.metric("Intercepted (static)", f"{pl.share:.1%}")
            c2.metric("After best response", f"{record['best_response'].share_after:.1%}")
            if "logit" in record:
                c3.metric("After logit re-routing", f"{record['logit'].share_after:.1%}")
            st.dataframe(summary_table(record).style.format("{:.1%}"), width="stretch")
            gap = "n/a" if pl.gap != pl.gap else f"{pl.gap:.2%}"
            st.caption(f"Solver: {pl.status}; gap {gap}; {pl.seconds:.1f} s"
                       + (f"; {pl.iterations} route-generation iterations" if pl.iterations else ""))
            if "logit_error" in record:
                st.caption(record["logit_error"])
        else:
            st.info("Set k and the sites in the sidebar, then run the optimiser.")
    if record:
        st.subheader("Chosen sites")
        st.dataframe(sites_table(record["plan"]), hide_index=True, width="stretch")

    if len(records) >= 2:
        st.subheader("Compare two plans")
        names = list(records)
        a = st.selectbox("First plan", names, index=0, key="planner_cmp_a")
        b = st.selectbox("Second plan", names, index=1, key="planner_cmp_b")
        if a != b:
            st.dataframe(compare_table(records, [a, b]), width="stretch")

    informed_share_chart(records)

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
            probs = rot.probabilities[rot.probabilities["coverage"] > 1e-6]
            st.dataframe(probs[["site_id", "name", "site_type", "coverage"]]
                         .sort_values("coverage", ascending=False), hide_index=True, width="stretch")
            st.download_button("Download schedule (CSV)", rot.to_csv(), file_name="rotation.csv",
                               mime="text/csv", key="planner_rot_csv")


render()
