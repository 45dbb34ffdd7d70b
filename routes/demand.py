"""Origin-destination demand from the scenario parameter file and the geodata `sources` layer.

``default_demand()`` spreads ``demand.total_migrants_per_year`` over the source districts in
proportion to their ``weight``, over each district's destinations (its community pull, from the
`sources` layer) in proportion to the destination's ``pull``, and between the land-and-sea and air
modes so that the air share of the whole is ``demand.air_share`` (unodc-2011 §4.1 fn 13) where the
destinations allow it.  Each row is split into smuggling and trafficking by the district's
``case_types`` and the scenario's cross-shares.
"""
from __future__ import annotations

import pandas as pd

from routes import params as scenario

COLUMNS = ["origin", "destination", "mode_preference", "migrants_per_year", "case_type", "source"]


def default_demand(*, sources=None, tree: dict | None = None, include_transit: bool = False) -> pd.DataFrame:
    """The default OD table (see docs/CONTRACTS.md).  ``sources``: a sources layer (default geodata's)."""
    if tree is None:
        tree = scenario.load()
    if sources is None:
        import geodata

        sources = geodata.layer("sources")
    air_share = float(scenario.value("demand.air_share", tree))
    if not 0 <= air_share <= 1:
        raise ValueError(f"demand.air_share must be in [0, 1], got {air_share}")
    dests = tree["demand"]["destinations"]
    pairs = _source_pairs(sources, dests, float(scenario.value("demand.total_migrants_per_year", tree)))
    rows = _mode_rows(pairs, dests, air_share,
                      float(scenario.value("demand.trafficking_share_on_smuggling_routes", tree)),
                      float(scenario.value("demand.smuggling_share_on_trafficking_routes", tree)))
    if include_transit:
        for t in tree["demand"].get("transit", []):
            rows.append({c: t[c] for c in COLUMNS})
    return pd.DataFrame(rows, columns=COLUMNS)


def _source_pairs(sources, dests: dict, total: float) -> list[tuple]:
    """(origin, destination, volume, case types, source) per source and the destinations it names, the
    source's weighted share of ``total`` split by the destinations' pull."""
    for col in ("id", "weight", "destinations", "case_types"):
        if col not in sources.columns:
            raise ValueError(f"sources layer: missing column {col!r}")
    weights = pd.to_numeric(sources["weight"], errors="raise").astype(float)
    if (weights < 0).any() or weights.sum() <= 0:
        raise ValueError("sources layer: weights must be >= 0 and not all 0")
    pairs = []
    for (_, src), w in zip(sources.iterrows(), weights):
        wanted = [d for d in str(src["destinations"]).split("|") if d]
        unknown = [d for d in wanted if d not in dests]
        if unknown:
            raise ValueError(f"sources layer: {src['id']} names destination(s) {unknown} that "
                             f"demand.destinations in the scenario file does not define")
        pulls = pd.Series({d: float(dests[d]["pull"]) for d in wanted})
        if pulls.sum() <= 0:
            continue
        volume = total * w / weights.sum()
        for d, p in pulls.items():
            pairs.append((src["id"], d, volume * p / pulls.sum(), str(src["case_types"]),
                          f"{src['source']}; pull: {dests[d]['source']}"))
    return pairs


def _mode_rows(pairs: list[tuple], dests: dict, air_share: float, t_on_s: float, s_on_t: float) -> list[dict]:
    """Demand rows by mode and case type; the air share is taken among pairs that can go either way, so
    that the whole comes out at ``air_share``."""
    air_only = sum(v for _, d, v, _, _ in pairs if dests[d]["air"] and not dests[d]["surface_mode"])
    mixed = sum(v for _, d, v, _, _ in pairs if dests[d]["air"] and dests[d]["surface_mode"])
    want_air = air_share * sum(p[2] for p in pairs)
    mixed_air = min(max((want_air - air_only) / mixed, 0.0), 1.0) if mixed > 0 else 0.0
    rows = []
    for origin, d, v, case_types, source in pairs:
        spec = dests[d]
        split = []
        if spec["air"] and spec["surface_mode"]:
            split = [("air", v * mixed_air), (spec["surface_mode"], v * (1 - mixed_air))]
        elif spec["air"]:
            split = [("air", v)]
        elif spec["surface_mode"]:
            split = [(spec["surface_mode"], v)]
        for mode, vol in split:
            for case, share in _case_split(case_types, t_on_s, s_on_t):
                if vol * share > 0:
                    rows.append({"origin": origin, "destination": d, "mode_preference": mode,
                                 "migrants_per_year": vol * share, "case_type": case,
                                 "source": f"{source}; mode split: unodc-2011 §4.1 fn 13"})
    return rows


def _case_split(case_types: str, t_on_s: float, s_on_t: float) -> list[tuple[str, float]]:
    kinds = {k.strip() for k in case_types.split("|") if k.strip()}
    if kinds == {"smuggling"}:
        return [("smuggling", 1 - t_on_s), ("trafficking", t_on_s)]
    if kinds == {"trafficking"}:
        return [("trafficking", 1 - s_on_t), ("smuggling", s_on_t)]
    if kinds == {"smuggling", "trafficking"}:
        return [("smuggling", 0.5), ("trafficking", 0.5)]
    raise ValueError(f"sources layer: case_types {case_types!r} must name smuggling and/or trafficking")
