"""The best-response oracle of the robust search: each OD's best evading route against site weights,
as its weight and the site positions on it (no route table, no incidence matrix per call)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from models.placement._routes import ODs, RouteFinder, site_weights
from models.placement._sites import site_spots


class BestResponseOracle:
    """Best evading routes per OD, as (weight, site positions on the route)."""

    def __init__(self, finder: RouteFinder, ods: ODs, sites: pd.DataFrame):
        self.finder, self.ods, self.sites = finder, ods, sites
        self.sites_at: dict = {"node": {}, "link": {}}  # spot -> site positions
        for j, spot in enumerate(site_spots(sites, finder.links)):
            if spot is not None:
                self.sites_at[spot[0]].setdefault(spot[1], []).append(j)

    def _route_sites(self, nodes, edges) -> np.ndarray:
        at_node, at_link = self.sites_at["node"], self.sites_at["link"]
        found = [j for n in nodes for j in at_node.get(n, ())]
        found += [j for e in edges for j in at_link.get(self.finder.links[e], ())]
        return np.unique(np.asarray(found, int))

    def routes(self, weight: np.ndarray, lighter_than: np.ndarray | None = None) -> tuple[np.ndarray, list]:
        """Per OD the least summed site weight of a route within the detour budget, and its sites.

        With ``lighter_than`` (per OD; a known route's weight, say) only lighter routes are searched:
        an OD without one gets its bound as weight and None as sites.
        """
        node_w, link_w = site_weights(self.sites, self.finder.links, np.asarray(weight, float))
        bounds = np.full(len(self.ods.keys), np.inf) if lighter_than is None else np.asarray(lighter_than, float)
        w, sites_on = bounds.copy(), []
        for g, (o, d, pref) in enumerate(self.ods.keys):
            found = self.finder.best_route(o, d, pref, node_w, link_w, lighter_than=bounds[g])
            if found is None:
                sites_on.append(None)
                continue
            nodes, edges, _, w[g] = found
            sites_on.append(self._route_sites(nodes, edges))
        return w, sites_on
