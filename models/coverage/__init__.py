"""Coverage gaps: what the checkpoints miss, where, and what the next checkpoint would buy.

Public entry points (see docs/coverage.md):

* ``gaps(plan, flows, *, adaptive=True)`` -> ``CoverageReport``: flow, intercepted and uncovered
  persons/year by border segment, corridor, crossing, launch point and source district, each split by
  case_type and mode.
* ``marginal_value(network, demand, *, existing, k_max)`` -> DataFrame: intercepted share against
  the number of added checkpoints, static and after re-routing (``_marginal``).
* ``holding_centres(arrivals, k, *, candidates)`` -> ``HoldingPlan``: p-median with HiGHS
  (``_holding``).
* ``donor_tables(coverage)`` / ``donor_record_tables(records)``: aggregates only, small cells
  suppressed (``_donor``).
* ``report(coverage, *, audience, fmt)``: self-contained HTML or PDF (``_report``);
  ``downloads(coverage, audience=...)``: CSV and GeoJSON of every table.

Command line::

    python -m models.coverage report --k 5 --audience donor --fmt pdf --out coverage.pdf
"""
from models.coverage._donor import donor_record_tables, donor_tables
from models.coverage._gaps import CoverageReport, gaps
from models.coverage._geometry import border_segments
from models.coverage._holding import HoldingPlan, default_arrivals, holding_centres
from models.coverage._marginal import marginal_value
from models.coverage._report import downloads, report

__all__ = ["CoverageReport", "gaps", "marginal_value", "holding_centres", "HoldingPlan", "default_arrivals",
           "donor_tables", "donor_record_tables", "report", "downloads", "border_segments"]
