"""What the Propose and Saved-plans pages do, as plain functions (no widgets), so tests call them directly.

    level, message = handle_click(state, user, lon, lat, mode="add", selected=None, detection=0.5, G=G)
    level, message = save_proposal(state, user, "Makran coast", "note")   # optimistic version check
    duplicate("Makran coast", "Makran B", user); import_plan(data, "plan.csv", "Makran coast", user)

Every save goes through store.plans.save_plan, which writes the audit log.
"""
from __future__ import annotations

import pandas as pd

from store import access
from store.plans import StaleVersionError, latest_version, save_plan
from ui import plan_io
from ui import proposal as P
from ui.scenario import snapper


def user_region(user: dict):
    """The geodata.admin.Region a commander may place sites in; None for planners.

    Raises store.access.AccessDenied (a PermissionError) for a commander with no or an unknown region.
    """
    return access.region_of(user) if user.get("role") == "commander" else None


def inside(user: dict, lon: float, lat: float) -> tuple[bool, str]:
    """(allowed, refusal message) for a position: the polygon test of store.access, done server-side."""
    if user.get("role") != "commander":
        return True, ""
    return access.check_position(user, lon, lat)


def handle_click(state: dict, user: dict, lon: float, lat: float, *, mode: str, selected: str | None,
                 detection: float, G) -> tuple[str, str]:
    """Apply one map click to the proposal; returns (level, message) for the page to show."""
    allowed, message = inside(user, lon, lat)
    if not allowed:
        return "warning", message
    site = snapper(G).snap(lon, lat, detection=detection)
    allowed, message = inside(user, site["lon"], site["lat"])
    if not allowed:
        return "warning", f"The nearest link to your click is not in your region: {message}"
    where = f"{site['site_type'].replace('_', ' ')} {site['ref'] or site['name']} near {site['nearest_place']}"
    if mode == "move" and selected:
        if P.move_site(state, selected, site):
            return "success", f"Moved {selected} to the {where}."
        return "info", f"A checkpoint already stands at the {where}."
    if P.add_site(state, site):
        return "success", f"Added {site['site_id']}: {where}."
    return "info", f"{P.find_same_place(state, site)} already stands at the {where}."


def save_proposal(state: dict, user: dict, name: str, note: str) -> tuple[str, str]:
    name = name.strip()
    if not name:
        return "error", "Give the plan a name before saving."
    if not state["sites"]:
        return "error", "The plan has no checkpoints yet."
    expected = state["version"] if name == state["name"] else 0
    if expected == 0 and latest_version(name) > 0:
        return "error", (f"A plan named '{name}' already exists (version {latest_version(name)}). "
                         "Open it from Saved plans to change it, or choose another name.")
    sites = [{k: s.get(k) for k in ("site_id", "detection", "node", "edge", "lon", "lat")} for s in state["sites"]]
    outside = access.sites_outside(user, sites) if user.get("role") == "commander" else []
    if outside:
        return "error", "Not saved: " + " ".join(outside)
    try:
        version = save_plan(name, sites, author=user["username"], note=note.strip() or None, expected_version=expected)
    except StaleVersionError as error:
        return "error", f"Not saved: {error}."
    state.update(name=name, version=version, note=note)
    return "success", f"Saved '{name}' as version {version}."


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
    stored = access.plan(user, name)
    return save_plan(new_name, stored.sites, author=user["username"],
                     note=f"copy of '{stored.name}' version {stored.version}", expected_version=0)


def import_plan(data: bytes, file_name: str, name: str, user: dict, note: str = "") -> int:
    """Save an imported file as a new plan (or a new version of ``name`` when it exists: expected latest)."""
    sites = plan_io.read_sites(data, file_name)
    outside = access.sites_outside(user, sites) if user.get("role") == "commander" else []
    if outside:
        raise ValueError("import: " + " ".join(outside))
    name = name.strip()
    if not name:
        raise ValueError("import: give the imported plan a name")
    return save_plan(name, sites, author=user["username"], note=note or f"imported from {file_name}",
                     expected_version=latest_version(name))
