"""Figures of the default network's road alignments, for docs/routes.md.

    python -m routes.road_figures [--png docs/routes_network.png]

* ``real_share(G)``: road length inside Pakistan by ``geometry_source``;
* ``corridor_lengths(G, spec)``: each corridor with a ``published_km``, its length on the network
  (shortest road path between consecutive places, summed) and the share of it on real roads;
* ``land_path(G, a, b)``: the shortest land path (road, track, crossing) and its real share;
* ``draw(G, path)``: a matplotlib map of the network, real roads solid, schematic links dashed.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import networkx as nx
import shapely
from shapely.geometry import LineString

LAND = ("road", "track", "crossing")


def _line(G, u, v, d) -> LineString:
    return d.get("geometry") or LineString([(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])])


def _pakistan():
    import geodata

    shape = geodata.layer("pakistan").union_all()
    shapely.prepare(shape)
    return shape


def real_share(G: nx.MultiDiGraph) -> dict[str, float]:
    """Road and track km (one direction) whose midpoint lies in Pakistan, by geometry_source."""
    pakistan = _pakistan()
    km: dict[str, float] = {}
    for u, v, d in G.edges(data=True):
        if d.get("mode") not in ("road", "track"):
            continue
        mid = _line(G, u, v, d).interpolate(0.5, normalized=True)
        if pakistan.contains(mid):
            key = d.get("geometry_source", "schematic")
            km[key] = km.get(key, 0.0) + d["length"] / 2000
    return km


def _town(G, name: str, country: str = "PK"):
    return next(n for n, d in G.nodes(data=True)
                if d.get("name") == name and d.get("kind") == "town" and d.get("country") == country)


def land_path(G: nx.MultiDiGraph, a, b, modes=LAND) -> tuple[float, float]:
    """(km, share on real roads) of the shortest path from node a to node b over ``modes``."""
    H = G.edge_subgraph([(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if d["mode"] in modes])
    path = nx.shortest_path(H, a, b, weight="length")
    legs = [min(H[x][y].values(), key=lambda d: d["length"]) for x, y in zip(path, path[1:])]
    total = sum(d["length"] for d in legs)
    real = sum(d["length"] for d in legs if d.get("geometry_source") in ("naturalearth", "osm"))
    return total / 1000, real / total if total else 0.0


def corridor_lengths(G: nx.MultiDiGraph, spec: dict) -> list[dict]:
    """Every corridor with a published length: network km along its chain and real share."""
    from routes.build_network import _split_place

    out = []
    for cor in spec["corridors"]:
        if not cor.get("published_km"):
            continue
        nodes = [_town(G, *_split_place(p)) for p in cor["places"]]
        km, real_km = 0.0, 0.0
        for a, b in zip(nodes, nodes[1:]):
            leg_km, share = land_path(G, a, b, modes=("road",))
            km += leg_km
            real_km += leg_km * share
        out.append({"ref": cor.get("ref", ""), "from": cor["places"][0], "to": cor["places"][-1],
                    "published_km": float(cor["published_km"]), "network_km": km,
                    "ratio": km / float(cor["published_km"]), "real_share": real_km / km if km else 0.0})
    return out


def draw(G: nx.MultiDiGraph, path: Path, bbox=(43.0, 23.0, 78.0, 40.5)) -> Path:
    """A PNG map of the land network: real alignments solid, schematic links dashed, tracks dotted."""
    import matplotlib

    matplotlib.use("Agg")
    import geodata
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(13, 7), dpi=110)
    for name, colour in (("neighbours", "#f2efe9"), ("pakistan", "#e4ecd9")):
        geodata.layer(name).plot(ax=ax, color=colour, edgecolor="#999999", linewidth=0.5)
    styles = {"naturalearth": dict(color="#1f4e79", lw=1.2, ls="-"),
              "schematic": dict(color="#d9822b", lw=1.0, ls=(0, (4, 3)))}
    for u, v, d in G.edges(data=True):
        if d.get("mode") not in LAND or u > v:
            continue
        style = dict(styles.get(d.get("geometry_source"), styles["schematic"]))
        if d["mode"] == "track":
            style.update(color="#8c564b", ls=":")
        xs, ys = _line(G, u, v, d).xy
        ax.plot(xs, ys, **style)
    for label, style in (("real road (Natural Earth 10m)", styles["naturalearth"]),
                         ("schematic link (no real road)", styles["schematic"]),
                         ("informal track (schematic)", dict(color="#8c564b", ls=":", lw=1.0))):
        ax.plot([], [], label=label, **style)
    ax.set_xlim(bbox[0], bbox[2])
    ax.set_ylim(bbox[1], bbox[3])
    ax.set_aspect(1.15)
    ax.legend(loc="lower left")
    ax.set_title("Checkpost default network: land links by geometry source")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def main(argv=None) -> None:
    import yaml

    from routes.build_network import CORRIDORS
    from routes.network import default_network

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--png", type=Path, default=None)
    args = parser.parse_args(argv)
    G = default_network()
    km = real_share(G)
    total = sum(km.values())
    print("road km in Pakistan by geometry_source:",
          {k: round(v) for k, v in km.items()}, f"real share {km.get('naturalearth', 0) / total:.1%}")
    with open(CORRIDORS, encoding="utf-8") as fh:
        spec = yaml.safe_load(fh)
    print("| road | chain | published km | network km | ratio | on real roads |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for row in corridor_lengths(G, spec):
        print(f"| {row['ref']} | {row['from']} – {row['to']} | {row['published_km']:.0f} | {row['network_km']:.0f} | "
              f"{row['ratio']:.2f} | {row['real_share']:.0%} |")
    for a, b in (("Quetta", "Taftan"), ("Karachi", "Chaman"), ("Karachi", "Landi Kotal")):
        print(f"{a}–{b} shortest road path: {land_path(G, _town(G, a), _town(G, b), ('road',))[0]:.0f} km")
    km_tv, share_tv = land_path(G, _town(G, "Taftan"), _town(G, "Van", "TR"))
    print(f"Taftan–Van over land: {km_tv:.0f} km, {share_tv:.0%} on real roads")
    if args.png:
        print(f"wrote {draw(G, args.png)}")


if __name__ == "__main__":
    main()
