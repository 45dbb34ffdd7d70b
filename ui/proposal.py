"""The plan being edited on the Propose page: its sites, with undo (plain functions, no widgets).

    state = new_proposal()
    add_site(state, site)          # a dict from ui.catch.Snapper.snap
    move_site(state, "edge-1-2-0", new_site)
    delete_sites(state, ["node-7"])
    undo(state)

``state`` is a plain dict kept in ``st.session_state``: ``name``, ``version`` (the stored version it
was opened from, 0 for a new plan), ``note`` and ``sites`` (list of site dicts); ``history`` holds
earlier site lists for undo.
"""
from __future__ import annotations

import copy

MAX_UNDO = 50


def new_proposal(name: str = "", version: int = 0, note: str = "", sites=None) -> dict:
    return {"name": name, "version": int(version), "note": note, "sites": list(sites or []), "history": []}


def _key(site: dict):
    return ("node", int(site["node"])) if site.get("node") is not None else ("edge", *sorted(site["edge"][:2]))


def _remember(state: dict) -> None:
    state["history"].append(copy.deepcopy(state["sites"]))
    del state["history"][:-MAX_UNDO]


def find_same_place(state: dict, site: dict) -> str | None:
    """site_id of a site already standing where ``site`` would (same node, or same link either way)."""
    key = _key(site)
    for other in state["sites"]:
        if _key(other) == key:
            return other["site_id"]
    return None


def add_site(state: dict, site: dict) -> bool:
    """Add ``site``; False (nothing changes) when a site already stands there."""
    if find_same_place(state, site) is not None:
        return False
    _remember(state)
    state["sites"].append(dict(site))
    return True


def move_site(state: dict, site_id: str, new_site: dict) -> bool:
    """Put ``site_id`` where ``new_site`` stands (keeps its id and detection); False when not possible."""
    index = next((i for i, s in enumerate(state["sites"]) if s["site_id"] == site_id), None)
    if index is None:
        raise KeyError(f"move_site: no site '{site_id}' in the plan")
    clash = find_same_place(state, new_site)
    if clash is not None and clash != site_id:
        return False
    _remember(state)
    moved = dict(new_site, site_id=site_id, detection=state["sites"][index]["detection"])
    state["sites"][index] = moved
    return True


def delete_sites(state: dict, site_ids) -> int:
    """Remove the given sites; returns how many were removed."""
    wanted = set(site_ids)
    kept = [s for s in state["sites"] if s["site_id"] not in wanted]
    removed = len(state["sites"]) - len(kept)
    if removed:
        _remember(state)
        state["sites"] = kept
    return removed


def set_detection(state: dict, site_id: str, detection: float) -> None:
    if not 0.0 <= float(detection) <= 1.0:
        raise ValueError(f"set_detection: detection {detection} for '{site_id}' is not a probability 0..1")
    for site in state["sites"]:
        if site["site_id"] == site_id:
            if site["detection"] != float(detection):
                _remember(state)
                site["detection"] = float(detection)
            return
    raise KeyError(f"set_detection: no site '{site_id}' in the plan")


def undo(state: dict) -> bool:
    """Go back one edit; False when there is nothing to undo."""
    if not state["history"]:
        return False
    state["sites"] = state["history"].pop()
    return True
