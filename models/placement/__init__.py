"""Checkpoint placement: where k checkpoints catch the most smuggling flow.

Public entry points (see docs/placement.md):

* ``candidates(G)`` - default candidate sites (``placement_sites``).
* ``plan(flows, k, ...)`` - maximal covering on the routes of a ``FlowResult``,
  solved to proven optimality with HiGHS (greedy fallback and warm start).
* ``compare(plans, flows)`` - side-by-side table.
* ``evaluate(plan, G, demand, ...)`` / ``plan_robust(G, demand, k, ...)`` /
  ``plan_top_volume(flows, k)`` - smugglers who re-route (``placement_robust``).
* ``assess(plan, G, demand, informed=...)`` - share_best_response, share_logit and the bypass
  stress test at one informed share; ``informed_curve`` / ``overtakes`` - catch against informed share.
* ``stress_test(plan, G, demand)`` / ``with_bypasses(G)`` - every road link gets a local bypass.
* ``rotation(G, demand, k_mobile, days, seed=...)`` - randomised patrol
  schedules (``placement_rotation``).
"""
from models.placement._assess import assess, informed_curve, overtakes
from models.placement._base import Plan
from models.placement._evaluate import Evaluation, evaluate
from models.placement._robust import plan_robust, plan_top_volume
from models.placement._stress import stress_test, with_bypasses
from models.placement._rotation import Rotation, rotation
from models.placement._sites import DEFAULT_CAPACITY, DEFAULT_DETECTION, add_site, candidates
from models.placement._static import compare, intercepted, plan

__all__ = ["Plan", "candidates", "add_site", "plan", "compare", "intercepted", "DEFAULT_DETECTION",
           "DEFAULT_CAPACITY", "evaluate", "Evaluation", "plan_robust", "plan_top_volume", "rotation", "Rotation",
           "stress_test", "with_bypasses", "assess", "informed_curve", "overtakes"]
