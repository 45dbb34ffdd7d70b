"""Route hotspots in intercept records: where they concentrate, how sure we are, how they change.

Public entry points:

* ``HotspotModel(...).fit(intercepts)`` -- scikit-learn style estimator; ``labels_`` per record,
  ``hotspots_`` (one outline per hotspot with counts, dates, nearest features, a readable label),
  ``monthly_`` (persons per hotspot and month, by case type), ``data_version_``.
* ``gi_star(intercepts, resolution=7, permutations=999, seed=0)`` -- Getis-Ord Gi* on H3 cells
  with permutation p-values, FDR and a hot/cold class.
* ``emerging(intercepts, resolution=7, period="M")`` -- space-time categories per cell.

Every function takes the shared filters ``case_type`` ("separate": each case type on its own,
the default; "all": pooled; or one/several case types), ``mode``, ``date_from``, ``date_to``.
Outputs aggregate: no record ids, names or notes reach them.
Command line: ``python -m models.hotspots --help``.
"""
from models.hotspots._emerging import CATEGORIES, CATEGORY_TEXT, emerging
from models.hotspots._gistar import CLASSES, gi_star
from models.hotspots._model import HotspotModel, load

__all__ = ["HotspotModel", "gi_star", "emerging", "CATEGORIES", "CATEGORY_TEXT", "CLASSES", "load"]
