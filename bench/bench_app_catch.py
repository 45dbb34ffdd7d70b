"""How long the Propose page takes to answer a click: snap + catch of a 5-site plan on the shipped network.

    python bench/bench_app_catch.py

Reference: one plain `routes.flows.assign` of the same plan (what any caller pays). Reported as a ratio.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from routes.demand import default_demand  # noqa: E402
from routes.flows import assign  # noqa: E402
from routes.network import default_network  # noqa: E402
from ui.catch import Snapper, checkpoints_frame, plan_catch  # noqa: E402

CLICKS = [(66.4, 29.9), (61.6, 28.95), (67.0, 24.9), (62.3, 25.15)]


def best_of(fn, repeat=5):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main():
    G, demand = default_network(), default_demand()
    snap = Snapper(G)
    plan_catch(G, demand, [])  # route sets cached, as in the running app
    sites = [snap.snap(lon, lat) for lon, lat in CLICKS]
    plan_catch(G, demand, sites)

    def click():
        extra = snap.snap(65.0, 27.0)
        plan_catch(G, demand, sites + [extra])

    def one_assign():
        assign(G, demand, checkpoints_frame(sites + [snap.snap(65.0, 27.0)]))

    ours = best_of(click)
    ref = best_of(one_assign)
    print("| step | best (s) | median (s) | ratio to one assign |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| snap + catch (static and re-routed), 5 sites | {ours[0]:.3f} | {ours[1]:.3f} | {ours[0] / ref[0]:.2f} |")
    print(f"| one routes.flows.assign, 5 sites | {ref[0]:.3f} | {ref[1]:.3f} | 1.00 |")


if __name__ == "__main__":
    main()
