"""Draw docs/gistar-sparse.png: Gi* hot cells on the sparse test set, before and after the star null.

    python scripts/figure_gistar_sparse.py

Left: the earlier inference (esda's conditional randomisation, persons, no support rule). Right:
today's gi_star (star sum under total randomisation, records, 3 records per hot neighbourhood).
"""
from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy import stats  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from hotspots_sparse import CONCENTRATION, LARGE_EVENTS, sparse_intercepts  # noqa: E402
from models.hotspots import gi_star  # noqa: E402
from models.hotspots._gistar import significance_class  # noqa: E402


def earlier_classes(cells):
    """The classes the earlier release gave: BH on the conditional-null z_sim, no support rule."""
    p = 2 * stats.norm.sf(np.abs(cells["z_sim"].to_numpy()))
    return significance_class(cells["z"].to_numpy(), stats.false_discovery_control(p, method="bh"))


def panel(ax, cells, classes, records, title):
    hot = np.char.startswith(classes.astype(str), "hot")
    empty = cells["records"].to_numpy() == 0
    ax.scatter(records.geometry.x, records.geometry.y, s=np.sqrt(records["persons"]) * 6, c="#2c7fb8",
               alpha=0.6, linewidths=0, label="record (size: persons)")
    centre = cells.geometry.representative_point()  # res-7 hexagons are ~1 km: too small to see here
    ax.scatter(centre.x[hot & empty], centre.y[hot & empty], s=90, marker="^", facecolors="none",
               edgecolors="#b30000", linewidths=1.2, label="hot cell with no record")
    ax.scatter(centre.x[hot & ~empty], centre.y[hot & ~empty], s=90, marker="^", c="#e34a33",
               edgecolors="#b30000", linewidths=0.8, label="hot cell holding records")
    ax.legend(loc="lower left", fontsize=6, framealpha=0.8)
    for name, (x, y, p) in LARGE_EVENTS.items():
        ax.annotate(f"{name} ({p})", (x, y), fontsize=7, xytext=(4, 4), textcoords="offset points")
    ax.annotate("Nimroz concentration", CONCENTRATION, fontsize=7, xytext=(4, -10), textcoords="offset points")
    ax.set_title(f"{title}\nhot cells: {int(hot.sum())} ({int((hot & empty).sum())} empty)", fontsize=9)
    ax.set_xlim(40, 77), ax.set_ylim(24, 40), ax.set_aspect("equal")
    ax.tick_params(labelsize=7)


def main() -> None:
    records = sparse_intercepts(0)
    before = gi_star(records, case_type="all", value="persons", min_records=0, permutations=999)
    after = gi_star(records, case_type="all", permutations=999)
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6), dpi=130)
    panel(axes[0], before, earlier_classes(before), records, "earlier: conditional null, persons")
    panel(axes[1], after, after["class"].to_numpy(), records, "now: star null, records, 3-record support")
    fig.suptitle("Gi* on a sparse incident set (163 records, Turkey-India); dots: records sized by persons", fontsize=9)
    fig.tight_layout()
    out = ROOT / "docs" / "gistar-sparse.png"
    fig.savefig(out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
