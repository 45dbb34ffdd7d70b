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
from ui.safe_text import md
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
    where = md(_where(site, G))
    if mode == "move" and selected:
        before = next((_where(s, G) for s in state["sites"] if s["site_id"] == selected), "the selected checkpoint")
        if P.move_site(state, selected, site):
            return "success", f"Moved the checkpoint at {before} to {where}."
        return "info", f"A checkpoint already stands at {where}."
    if P.add_site(state, site):
        return "success", f"Added a checkpoint at {where}."
    return "info", f"A checkpoint already stands at {where}."


def _where(site: dict, G) -> str:
    """Where a site stands, in words (its name, and the nearest place when the name does not say it)."""
    from ui.site_text import site_name

    text = site_name(site, G)
    near = site.get("nearest_place") or text["near"]
    return text["name"] if not near or near in text["name"] else f"{text['name']} (near {near})"


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
    outside = access.sites_outside(user, sites) if user.get("role") == "commander" else []
    if outside:
        return "error", "Not saved: " + " ".join(outside)
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


def plan_view(sites: pd.DataFrame, *, width_px: int = 700, height_px: int = 420, max_zoom: int = 11) -> dict | None:
    """The map view that shows every site of a plan.

    Parameters
    ----------
    sites : DataFrame
        Sites with ``lon``/``lat`` (EPSG:4326); rows without a position are ignored.
    width_px, height_px : int
        The map's size in pixels; the sites' extent fills at most 70% of it.
    max_zoom : int
        Closest zoom (one site alone is shown at this level).

    Returns
    -------
    dict or None
        ``{"center": (lat, lon), "zoom": z}`` (the largest web-mercator zoom at which the extent fits,
        at least 4), or None when no site has a position.
    """
    import math

    points = sites[["lon", "lat"]].astype(float).dropna() if len(sites) else pd.DataFrame(columns=["lon", "lat"])
    if points.empty:
        return None
    lon0, lon1 = float(points["lon"].min()), float(points["lon"].max())
    lat0, lat1 = float(points["lat"].min()), float(points["lat"].max())

    def mercator_y(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    span_x = max(lon1 - lon0, 1e-6) / 360.0
    span_y = max(mercator_y(lat1) - mercator_y(lat0), 1e-6) / (2 * math.pi)
    fit = min(math.log2(0.7 * width_px / 256 / span_x), math.log2(0.7 * height_px / 256 / span_y))
    return {"center": ((lat0 + lat1) / 2, (lon0 + lon1) / 2), "zoom": int(max(4, min(max_zoom, math.floor(fit))))}


def readable_compare(diff: pd.DataFrame, names_a: dict, names_b: dict) -> pd.DataFrame:
    """``plan_io.compare`` for people: the site's name, in which plan, and each plan's detection in %."""
    def percent(value) -> str:
        return "" if pd.isna(value) else f"{float(value):.0%}"

    return pd.DataFrame({
        "site": [names_a.get(a) or names_b.get(b) or "" for a, b in zip(diff["site_a"], diff["site_b"])],
        "in": diff["status"].map({"both": "both plans", "only A": "only plan A", "only B": "only plan B"}),
        "detection in A": diff["detection_a"].map(percent),
        "detection in B": diff["detection_b"].map(percent),
    })


def sites_for_people(sites: pd.DataFrame, details: pd.DataFrame) -> pd.DataFrame:
    """A plan's sites as a table for the page: readable columns, rounded numbers, no internal ids."""
    table = pd.DataFrame({"name": details["name"].to_numpy(), "type": details["type"].to_numpy(),
                          "road": details["road"].to_numpy(), "near": details["near"].to_numpy(),
                          "detection": [f"{float(d):.0%}" for d in sites["detection"]]})
    if "catch_per_year" in details:
        table["catch /yr"] = details["catch_per_year"].round(0).astype("Int64").to_numpy()
    table["lon"] = sites["lon"].astype(float).round(5).to_numpy()
    table["lat"] = sites["lat"].astype(float).round(5).to_numpy()
    return table


def optimiser_note(plan) -> str:
    """What a saved optimiser run was: method, k and its intercepted share."""
    return (f"optimiser run '{plan.name}': {plan.method} plan, k = {plan.k}, "
            f"{plan.share:.1%} intercepted with flows on their usual routes")


def save_optimiser_plan(plan, user: dict, name: str, note: str = "") -> tuple[str, str]:
    """Save an optimiser run to Saved plans as a new plan.

    Parameters
    ----------
    plan : models.placement.Plan
        The run (its ``sites`` with node or edge, detection, capacity and point geometry).
    user : dict
        The signed-in user (``username`` becomes the author).
    name, note : str
        The saved plan's name (an existing one is refused: a run never replaces a saved plan
        silently) and note (default: method, k and share, ``optimiser_note``).

    Returns
    -------
    (level, message) : tuple of str
        ``"success"`` or ``"error"`` and the sentence the page shows.
    """
    name = name.strip()
    if not name:
        return "error", "Give the plan a name before saving."
    if plan.sites.empty:
        return "error", "The optimiser run has no sites to save."
    if latest_version(name) > 0:
        return "error", (f"A saved plan named '{name}' already exists (version {latest_version(name)}). "
                         "Choose another name.")
    columns = [c for c in ("site_id", "detection", "node", "edge", "capacity", "geometry") if c in plan.sites]
    try:
        version = save_plan(name, plan.sites[columns], author=user["username"],
                            note=note.strip() or optimiser_note(plan), expected_version=0)
    except (StaleVersionError, ValueError) as error:
        return "error", f"Not saved: {error}."
    return "success", f"Saved '{name}' to Saved plans as version {version}."
