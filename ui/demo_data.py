"""Demo data: until real records are imported, a demo run shows the scenario simulator's intercepts.

The records come from `routes.simulate.intercepts` on the default network and demand, carry
`synthetic = True`, and every page that shows them says so.  They are imported as one ordinary batch,
so they can be seen (and deleted) like any other import.  `CHECKPOST_DEMO_RECORDS=0` turns this off.
"""
from __future__ import annotations

import os

DEMO_BATCH_NAME = "scenario simulator (seed 0, 24 months, synthetic)"
DEMO_SEED = 0
DEMO_MONTHS = 24


def demo_records_enabled() -> bool:
    return os.environ.get("CHECKPOST_DEMO_RECORDS", "1") != "0"


def store_is_empty(engine=None) -> bool:
    from store.records import count_intercepts

    counts = count_intercepts(engine=engine)
    return counts.empty or int(counts["records"].sum()) == 0


def simulated_records(seed: int = DEMO_SEED, n_months: int = DEMO_MONTHS):
    """The default scenario's simulated intercepts (synthetic=True) and its planted hotspots."""
    from routes.demand import default_demand
    from routes.flows import assign
    from routes.network import default_network
    from routes.simulate import intercepts

    flows = assign(default_network(), default_demand())
    return intercepts(flows, n_months=n_months, seed=seed)


def ensure_demo_records(engine=None):
    """Import the simulated records when the store holds no intercepts; the batch summary, or None."""
    if not store_is_empty(engine):
        return None
    from store.records import import_records

    return import_records(simulated_records().records, DEMO_BATCH_NAME, "demo-mode", engine=engine)
