"""Build the whole-country outlines drawn around the detailed neighbours (build time only).

    python -m ui.basemap_context            # writes static/basemap/context_countries.geojson

The detailed neighbours layer (geodata ``neighbours``, OSM 1:10m) is cut to a box around Pakistan;
beyond that box the map shows Natural Earth 1:110m admin-0 countries (public domain), read from the
copy of ``naturalearth_lowres`` that pyogrio ships as a test fixture.  Inside the box the detailed
layer is used, so each country reads whole and no rectangle edge shows.
"""
from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import shapely

OUT = Path(__file__).resolve().parents[1] / "static" / "basemap" / "context_countries.geojson"
WINDOW = (20.0, -5.0, 110.0, 55.0)  # lon/lat extent kept: Arabia to Indochina, the Horn to Central Asia
SOURCE = "naturalearth-110m admin-0 (naturalearth_lowres, public domain)"
FILL_OVERLAP_DEG = 0.08  # about 8 km


def _fixture() -> Path:
    import pyogrio

    return Path(pyogrio.__file__).parent / "tests" / "fixtures" / "naturalearth_lowres" / "naturalearth_lowres.shp"


def build(path: Path = OUT) -> gpd.GeoDataFrame:
    """Write the context countries: whole outside the detailed box, Pakistan itself left out.

    Each country is two features: its fill (``part = "fill"``, drawn without a stroke) and its outline
    without the box's edges (``part = "outline"``), so no rectangle shows where the layers meet.
    """
    from geodata.build import NEIGHBOURS, NEIGHBOURS_CLIP_BOUNDS

    world = gpd.read_file(_fixture())[["name", "iso_a3", "geometry"]]
    world = world[world.intersects(shapely.box(*WINDOW)) & (world["iso_a3"] != "PAK")].copy()
    box = shapely.box(*NEIGHBOURS_CLIP_BOUNDS)
    rows = []
    for name, iso3, shape in world.itertuples(index=False):
        detailed = iso3 in NEIGHBOURS
        # the fill runs a little way under the detailed layer, so no hairline seam shows where they meet
        fill = shape.difference(box.buffer(-FILL_OVERLAP_DEG, join_style="mitre")) if detailed else shape
        outline = shape.boundary.difference(box) if detailed else shape.boundary
        for part, geometry in (("fill", fill), ("outline", outline)):
            geometry = shapely.set_precision(shapely.clip_by_rect(geometry, *WINDOW), 1e-3)
            if not geometry.is_empty:
                rows.append({"id": f"context-{iso3.lower()}-{part}", "name": name, "kind": "country",
                             "part": part, "source": SOURCE, "geometry": geometry})
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(json.loads(out.to_json(drop_id=True)), separators=(",", ":")))
    return out


if __name__ == "__main__":
    frame = build()
    print(f"{OUT}: {len(frame)} countries, {OUT.stat().st_size:,} bytes")
