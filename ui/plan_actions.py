"""What the Propose and Saved-plans pages do, as plain functions (no widgets), so tests call them directly.

    level, message = handle_click(state, user, lon, lat, mode="add", selected=None, detection=0.5, G=G)
    level, message = save_proposal(state, user, "Makran coast", "note")   # optimistic version check
    duplicate("Makran coast", "Makran B", user); import_plan(data, "plan.csv", "Makran coast", user)

Every save goes through store.plans.save_plan, which writes the audit log.
"""
from __future__ import annotations

import pandas as pd

from store.plans import StaleVersionError, latest_version, load_plan, save_plan
from ui import plan_io
from ui import proposal as P
from ui.safe_text import md
from ui.scenario import snapper


def region_bbox(user: dict):
    """(lon_min, lat_min, lon_max, lat_max) a commander may place sites in; None for planners."""
    if user.get("role") != "commander":
        return None
    if not user.get("region"):
        raise PermissionError("This commander account has no assigned region; ask an administrator to set one.")
    from store.records import province_bbox
    return province_bbox(user["region"])[0]


def inside(bbox, lon: float, lat: float) -> bool:
    return bbox is None or (bbox[0] <= lon <= bbox[2] and bbox[1] <= lat <= bbox[3])


def handle_click(state: dict, user: dict, lon: float, lat: float, *, mode: str, selected: str | None,
                 detection: float, G) -> tuple[str, str]:
    """Apply one map click to the proposal; returns (level, message) for the page to show."""
    bbox = region_bbox(user)
    if not inside(bbox, lon, lat):
        return "warning", f"({lat:.3f}, {lon:.3f}) is outside your region {md(user.get('region'))}: not placed."
    site = snapper(G).snap(lon, lat, detection=detection)
    if not inside(bbox, site["lon"], site["lat"]):
        return "warning", (f"The nearest link to your click lies outside your region {md(user.get('region'))}: "
                           "not placed.")
    where = (f"{md(site['site_type'].replace('_', ' '))} {md(site['ref'] or site['name'])} "
             f"near {md(site['nearest_place'])}")
    if mode == "move" and selected:
        if P.move_site(state, selected, site):
            return "success", f"Moved {md(selected)} to the {where}."
        return "info", f"A checkpoint already stands at the {where}."
    if P.add_site(state, site):
        return "success", f"Added {md(site['site_id'])}: {where}."
    return "info", f"{md(P.find_same_place(state, site))} already stands at the {where}."


def save_proposal(state: dict, user: dict, name: str, note: str) -> tuple[str, str]:
    name = name.strip()
    if not name:
        return "error", "Give the plan a name before saving."
    if not state["sites"]:
        return "error", "The plan has no checkpoints yet."
    expected = state["version"] if name == state["name"] else 0
    if expected == 0 and latest_version(name) > 0:
        return "error", (f"A plan named '{md(name)}' already exists (version {latest_version(name)}). "
                         "Open it from Saved plans to change it, or choose another name.")
    sites = [{k: s.get(k) for k in ("site_id", "detection", "node", "edge", "lon", "lat")} for s in state["sites"]]
    try:
        version = save_plan(name, sites, author=user["username"], note=note.strip() or None, expected_version=expected)
    except StaleVersionError as error:
        return "error", f"Not saved: {md(error)}."
    state.update(name=name, version=version, note=note)
    return "success", f"Saved '{md(name)}' as version {version}."


def stored_sites_as_proposal(stored) -> dict:
    """A stored plan as the Propose page's editing state (site details re-derived from the network)."""
    sites = []
    for row in stored.sites.to_dict("records"):
        node = None if pd.isna(row["node"]) else int(row["node"])
        edge = tuple(int(p) for p in row["edge"]) if row["edge"] is not None and not (
            isinstance(row["edge"], float)) else None
        sites.append({"site_id": row["site_id"], "node": node, "edge": edge, "detection": float(row["detection"]),
                      "lon": row["lon"], "lat": row["lat"], "site_type": "node" if node is not None else "link",
                      "ref": "", "name": "", "nearest_place": "", "place_distance_km": None, "snap_distance_km": None})
    return P.new_proposal(stored.name, stored.version, stored.note or "", sites)


def enrich(state: dict, G) -> None:
    """Fill site type, road and nearest place of opened sites from the network they stand on."""
    from ui.catch import nearest_place
    for site in state["sites"]:
        if site["node"] is not None and site["node"] in G:
            data = G.nodes[site["node"]]
            site.update(site_type=data.get("kind", "junction"), name=data.get("name") or "")
        elif site["edge"] is not None and G.has_edge(*site["edge"]):
            data = G.edges[site["edge"]]
            site.update(site_type=data.get("mode", "road"), ref=str(data.get("ref") or ""), name=str(data.get("name") or ""))
        if site.get("lon") is not None:
            site["nearest_place"] = nearest_place(site["lon"], site["lat"])[0]


def duplicate(name: str, new_name: str, user: dict) -> int:
    new_name = new_name.strip()
    if not new_name:
        raise ValueError("duplicate: the new plan needs a name")
    if latest_version(new_name) > 0:
        raise ValueError(f"duplicate: a plan named '{new_name}' already exists")
    stored = load_plan(name)
    return save_plan(new_name, stored.sites, author=user["username"],
                     note=f"copy of '{stored.name}' version {stored.version}", expected_version=0)


def import_plan(data: bytes, file_name: str, name: str, user: dict, note: str = "") -> int:
    """Save an imported file as a new plan (or a new version of ``name`` when it exists: expected latest)."""
    sites = plan_io.read_sites(data, file_name)
    name = name.strip()
    if not name:
        raise ValueError("import: give the imported plan a name")
    return save_plan(name, sites, author=user["username"], note=note or f"imported from {file_name}",
                     expected_version=latest_version(name))
