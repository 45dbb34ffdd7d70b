"""Propose checkpoints: click the map, see what each site would catch, save the plan.

A click snaps to the nearest road, track, crossing or launch point (ui.catch.Snapper) and the table
shows, for every site, the flow passing it and what it catches with flows kept on their routes
(static) and after smugglers re-route around the plan.  Planners and commanders; a commander's
clicks must fall inside their assigned province.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import streamlit as st

_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from ui import proposal as P  # noqa: E402
from ui.auth import require_role  # noqa: E402
from ui.safe_text import md  # noqa: E402
from ui.catch import plan_catch  # noqa: E402
from ui.layers import FLOW_COLOUR, SITE_COLOUR, flows_layer, sites_layer  # noqa: E402
from ui.mapview import show_map, sidebar_controls  # noqa: E402
from ui.plan_actions import handle_click, save_proposal, user_region  # noqa: E402
from ui.scenario import network_and_demand  # noqa: E402

STATE_KEY = "proposal"
LAST_CLICK_KEY = "propose_last_click"
ROLES = ("planner", "commander")


def proposal_state() -> dict:
    return st.session_state.setdefault(STATE_KEY, P.new_proposal())


@st.cache_data(show_spinner=False, max_entries=64)
def _catch_cached(sites_key: tuple, _G, _demand, graph_id: int):
    sites = [{"site_id": s, "detection": d, "node": n, "edge": e} for s, d, n, e in sites_key]
    return plan_catch(_G, _demand, sites)


def catch_for(state: dict, G, demand):
    key = tuple((s["site_id"], float(s["detection"]), s.get("node"), tuple(s["edge"]) if s.get("edge") else None)
                for s in state["sites"])
    return _catch_cached(key, G, demand, id(G))


def site_labels(state: dict, G=None) -> dict:
    """site_id -> the site's readable name (road and nearest place, or the crossing's name)."""
    from ui.site_text import describe_sites

    if not state["sites"]:
        return {}
    names = describe_sites(state["sites"], G)["name"]
    return dict(zip((s["site_id"] for s in state["sites"]), names))


def site_table(state: dict, catch, labels: dict | None = None) -> pd.DataFrame:
    """The proposal's sites for people: name, type, road, place, detection in %, whole migrants per year."""
    sites = pd.DataFrame(state["sites"])
    table = sites[["site_id", "site_type", "ref", "nearest_place", "detection"]].merge(
        catch.sites, on="site_id", how="left")
    for column in ("passing", "caught_static", "caught_rerouted", "detoured"):
        table[column] = table[column].round(0).astype("Int64")
    table.insert(0, "site", table["site_id"].map(labels or {}).fillna(table["site_id"]))
    table["site_type"] = table["site_type"].str.replace("_", " ")
    table["detection"] = [f"{d:.0%}" for d in table["detection"]]
    return table.drop(columns=["site_id"]).rename(columns={
        "site_type": "type", "ref": "road", "nearest_place": "near", "passing": "passing /yr",
        "caught_static": "caught, static /yr", "caught_rerouted": "caught after re-routing /yr",
        "detoured": "detour around /yr"})


def apply_click(state, user, click, mode, selected, detection, G) -> bool:
    """Apply a map click once (the same click comes back on every run); True when it was new."""
    if not click or (click["lat"], click["lng"]) == st.session_state.get(LAST_CLICK_KEY):
        return False
    st.session_state[LAST_CLICK_KEY] = (click["lat"], click["lng"])
    st.session_state["propose_message"] = handle_click(state, user, float(click["lng"]), float(click["lat"]),
                                                       mode=mode, selected=selected, detection=detection, G=G)
    st.session_state.pop("propose_save_message", None)
    return True


def _header(user: dict, state: dict) -> None:
    st.title("Propose checkpoints")
    title = f"Editing **{md(state['name'])}** (version {state['version']})" if state["name"] else "New plan"
    st.caption(f"{title}. Click the map to place a checkpoint: it snaps to the nearest road, track, crossing "
               "or launch point. Flows are the scenario's (synthetic, from the UNODC 2011 situational analysis).")
    try:
        region = user_region(user)
    except PermissionError as error:
        st.error(md(error))
        st.stop()
    if region is not None:
        st.info(f"Your region: {md(region.label)}. Sites outside it are refused.")


def _sidebar(state: dict, G) -> tuple[str, str | None, float]:
    """(click mode, selected site id, detection of new sites) from the sidebar."""
    with st.sidebar:
        mode = st.radio("A click on the map…", ["add", "move"], key="propose_mode",
                        format_func=lambda m: {"add": "adds a checkpoint", "move": "moves the selected checkpoint"}[m])
        ids = [s["site_id"] for s in state["sites"]]
        labels = site_labels(state, G)
        selected = st.selectbox("Selected checkpoint", ids, index=len(ids) - 1 if ids else None,
                                format_func=lambda sid: labels.get(sid, sid), key="propose_selected") if ids else None
        detection = st.slider("Detection probability of new checkpoints", 0.05, 1.0, 0.5, 0.05, key="propose_detection")
    return mode, selected, detection


def _map(state: dict, user: dict, G, demand, online: bool, choice: tuple) -> None:
    mode, selected, detection = choice
    baseline = _baseline(G, demand, id(G))
    layers = [(flows_layer(G, baseline), [(FLOW_COLOUR, "migrants/year on the link (wider: more)", "line")]),
              (sites_layer(state["sites"], selected=selected),
               [(SITE_COLOUR, "proposed checkpoint", "dot"), ("#f1c40f", "selected checkpoint", "dot")])]
    out = show_map("propose_map", layers, online=online, clicks=True, height=560)
    st.caption("Pink dots: proposed checkpoints (yellow: the selected one). Orange lines: migrants per year on "
               "each land link without checkpoints, wider for more.")
    if apply_click(state, user, out.get("last_clicked"), mode, selected, detection, G):
        st.rerun()  # a click the early check did not see (first render of the map)
    if "propose_message" in st.session_state:
        level, message = st.session_state["propose_message"]
        getattr(st, level)(message)


def _edit_buttons(state: dict, selected: str | None) -> None:
    left, mid, right = st.columns([1, 1, 2])
    if left.button("Undo", disabled=not state["history"], icon=":material/undo:"):
        P.undo(state)
    elif mid.button("Delete selected", disabled=not selected, icon=":material/delete:"):
        P.delete_sites(state, [selected])
    elif right.button("Start a new plan", icon=":material/note_add:"):
        st.session_state[STATE_KEY] = P.new_proposal()
    else:
        return
    st.session_state.pop("propose_message", None)
    st.rerun()


def _catch_table(state: dict, G, demand) -> None:
    if not state["sites"]:
        st.info("No checkpoints yet: click the map.")
        return
    catch = catch_for(state, G, demand)
    a, b, c = st.columns(3)
    a.metric("Checkpoints", len(state["sites"]))
    b.metric("Caught per year, static", f"{catch.caught_static:,.0f}", help=f"{catch.share_static:.1%} of all migrants")
    c.metric("Caught per year after re-routing", f"{catch.caught_rerouted:,.0f}",
             help=f"{catch.share_rerouted:.1%} of all migrants")
    st.dataframe(site_table(state, catch, site_labels(state, G)), hide_index=True, width="stretch",
                 key="propose_table")
    st.caption("Static: flows keep their routes. After re-routing: the scenario's share of informed smugglers "
               "detours around the plan. Passing /yr counts those who reach the site not yet caught: a "
               "checkpoint added earlier on the same routes stops some of them first, so a site's passing "
               "figure falls when another site goes in upstream. Migrants per year, synthetic scenario.")


def _save_form(state: dict, user: dict) -> None:
    with st.form("save_plan"):
        name = st.text_input("Plan name", value=state["name"])
        note = st.text_area("Note", value=state["note"], height=70)
        submitted = st.form_submit_button("Save plan", type="primary")
    if submitted:
        st.session_state["propose_save_message"] = save_proposal(state, user, name, note)
    if "propose_save_message" in st.session_state:  # kept across the reruns the map may trigger
        level, message = st.session_state["propose_save_message"]
        getattr(st, level)(message)


def render() -> None:
    user = require_role(*ROLES)
    state = proposal_state()
    online = sidebar_controls("propose_search")
    _header(user, state)
    G, demand = network_and_demand()
    # st_folium's returned value is in session state before this run starts: apply the click now, so
    # the map and the table of this very run show the new site (no second run).
    returned = st.session_state.get(f"propose_map_{'online' if online else 'offline'}")
    apply_click(state, user, returned.get("last_clicked") if isinstance(returned, dict) else None,
                st.session_state.get("propose_mode", "add"), st.session_state.get("propose_selected"),
                st.session_state.get("propose_detection", 0.5), G)
    choice = _sidebar(state, G)
    _map(state, user, G, demand, online, choice)
    _edit_buttons(state, choice[1])
    _catch_table(state, G, demand)
    _save_form(state, user)


@st.cache_data(show_spinner=False, max_entries=4)
def _baseline(_G, _demand, graph_id: int):
    from routes.flows import assign
    return assign(_G, _demand).edge_flows


render()
