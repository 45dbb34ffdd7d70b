"""Checkpoint placement: where k checkpoints catch the most smuggling flow.

Public entry points (see docs/placement.md):

* ``candidates(G)`` - default candidate sites (``placement_sites``).
* ``plan(flows, k, ...)`` - maximal covering on the routes of a ``FlowResult``,
  solved to proven optimality with HiGHS (greedy fallback and warm start).
* ``compare(plans, flows)`` - side-by-side table.
* ``evaluate(plan, G, demand, ...)`` / ``plan_robust(G, demand, k, ...)`` /
  ``plan_top_volume(flows, k)`` - smugglers who re-route (``placement_robust``).
* ``rotation(G, demand, k_mobile, days, seed=...)`` - randomised patrol
  schedules (``placement_rotation``).
"""
from models.placement._base import Plan
from models.placement._robust import Evaluation, evaluate, plan_robust, plan_top_volume
from models.placement._rotation import Rotation, rotation
from models.placement._sites import DEFAULT_CAPACITY, DEFAULT_DETECTION, add_site, candidates
from models.placement._static import compare, intercepted, plan

__all__ = ["Plan", "candidates", "add_site", "plan", "compare", "intercepted", "DEFAULT_DETECTION",
           "DEFAULT_CAPACITY", "evaluate", "Evaluation", "plan_robust", "plan_top_volume", "rotation", "Rotation"]
