"""A plan's honest figures: ``assess`` fills share_best_response, share_logit and share_bypass at one
informed share; ``informed_curve`` and ``overtakes`` give catch against informed share from 0 to 1.

Under best response the catch is linear in the informed share theta:
(1 - theta) x catch on today's (cheapest) routes + theta x catch after everyone's best response, so two
evaluations give the whole line and where two plans' lines cross.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
import pandas as pd

from models.placement._base import Plan
from models.placement._evaluate import DEFAULT_INFORMED, check_informed, evaluate
from models.placement._stress import DEFAULT_BYPASS_MULTIPLE, stress_test

CURVE_POINTS = 21


def assess(plan: Plan, network, demand: pd.DataFrame, *, informed: float | None = None, detour: float = 0.5,
           bypass_multiple: float = DEFAULT_BYPASS_MULTIPLE, logit: bool = True) -> Plan:
    """The plan with ``share_best_response``, ``share_logit``, ``share_bypass`` measured at ``informed``.

    Parameters
    ----------
    plan : Plan
    network, demand : MultiDiGraph, DataFrame
    informed : float or None
        Share of smugglers who know the plan, used by all three measures; None keeps the plan's own
        (``plan.informed``; 1.0 when it has none).
    detour : float
        Detour the informed accept, as in ``plan_robust``.
    bypass_multiple : float
        Cost multiple of the local bypass beside every road link (stress test).
    logit : bool
        False skips the ``routes.flows`` logit measure (``share_logit`` stays NaN).

    Returns
    -------
    Plan
        A copy; ``stats["best_response_line"]`` holds (catch at informed 0, catch at informed 1).
    """
    theta = check_informed(plan.informed if informed is None and plan.informed == plan.informed
                           else (DEFAULT_INFORMED if informed is None else informed))
    everyone = evaluate(plan, network, demand, model="best_response", detour=detour, informed=1.0)
    line = (everyone.share_before, everyone.share_after)
    share_br = (1.0 - theta) * line[0] + theta * line[1]
    share_logit = evaluate(plan, network, demand, model="logit", informed=theta).share_after if logit \
        else float("nan")
    share_bypass = stress_test(plan, network, demand, cost_multiple=bypass_multiple, detour=detour,
                               informed=theta).share_after
    stats = {**plan.stats, "best_response_line": line}
    return dataclasses.replace(plan, share_best_response=share_br, share_logit=share_logit,
                               share_bypass=share_bypass, informed=theta, bypass_multiple=float(bypass_multiple),
                               stats=stats)


def _line(label, item) -> tuple[float, float]:
    """(catch at informed share 0, at 1) of an assessed Plan, an Evaluation at informed 1, or a pair."""
    if isinstance(item, Plan):
        line = item.stats.get("best_response_line")
        if line is None:
            raise ValueError(f"plan {label!r} has not been assessed (call models.placement.assess first)")
        return float(line[0]), float(line[1])
    if hasattr(item, "share_before") and hasattr(item, "share_after"):
        if getattr(item, "informed", 1.0) != 1.0 or item.model != "best_response":
            raise ValueError(f"{label!r}: need a best-response evaluation at informed share 1.0")
        return float(item.share_before), float(item.share_after)
    low, high = item
    return float(low), float(high)


def informed_curve(plans: Mapping, points: int = CURVE_POINTS) -> pd.DataFrame:
    """Catch after best response against informed share 0..1 (index), one column per plan.

    ``plans`` maps a label to an assessed Plan, a best-response Evaluation at informed share 1.0, or
    a pair (catch with nobody informed, catch with everyone informed).
    """
    thetas = np.linspace(0.0, 1.0, points)
    cols = {}
    for label, item in plans.items():
        low, high = _line(label, item)
        cols[label] = (1.0 - thetas) * low + thetas * high
    return pd.DataFrame(cols, index=pd.Index(thetas, name="informed share"))


def overtakes(plans: Mapping) -> list[dict]:
    """Where one plan's best-response line crosses another's inside (0, 1): who leads on each side."""
    items = [(label, _line(label, item)) for label, item in plans.items()]
    out = []
    for i, (la, a) in enumerate(items):
        for lb, b in items[i + 1:]:
            d0, d1 = a[0] - b[0], a[1] - b[1]
            if d0 * d1 >= 0 or d0 == d1:
                continue
            theta = d0 / (d0 - d1)
            before, after = (la, lb) if d0 > 0 else (lb, la)
            out.append({"informed_share": float(theta), "leads_below": before, "leads_above": after,
                        "share": float((1 - theta) * a[0] + theta * a[1])})
    return sorted(out, key=lambda r: r["informed_share"])
