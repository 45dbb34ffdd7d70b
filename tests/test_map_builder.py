"""The one map builder: order (layer switcher last), escaping, plain-Leaflet markers, base map made once."""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

import folium
import folium.plugins
import numpy as np
import pytest
import shapely
import streamlit_folium

from ui import map_builder
from ui.layers import checkpoints_layer, records_layer, records_legend, sites_layer
from ui.map_builder import MapBuilder
from ui.map_elements import PlaceLabels, legend_html
from ui.map_escape import escape_layer
from ui.place_labels import place_label_rows, zoom_for

ROOT = Path(__file__).resolve().parents[1]
PAYLOAD = '<img src=x onerror="top.__xss=1">'


@pytest.fixture
def component(monkeypatch):
    seen = {}
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kw: seen.update(kw) or {})
    return seen


def _decoded(script: str) -> str:
    """The script with JSON's \\u escapes decoded, as the browser reads the strings."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), script)


def _payload_map(component) -> dict:
    site = {"site_id": PAYLOAD, "name": PAYLOAD, "note": PAYLOAD, "site_type": "road", "detection": 0.5,
            "lon": 66.47, "lat": 29.70}
    (MapBuilder()
     .add(sites_layer([site], name=f"plan {PAYLOAD}"), legend=[("#e91e63", PAYLOAD, "dot")])
     .add(checkpoints_layer([site], name=f"checkpoints {PAYLOAD}"))
     .legend([("#000", f"batch {PAYLOAD}", "square")], title=PAYLOAD)
     .render("t", height=400))
    return component


def test_every_text_reaching_the_map_is_escaped(component):
    args = _payload_map(component)
    page = _decoded(args["feature_group"] + args["layer_control"])
    assert "<img" not in page
    escaped = html.escape(PAYLOAD, quote=True)
    assert page.count(escaped) >= 6  # site id, name, note (x2 layers) and legend label, legend title
    assert f"plan {escaped}" in page and f"checkpoints {escaped}" in page  # layer switcher names
    assert f"batch {escaped}" in page


def test_escaping_is_done_once():
    layer = sites_layer([{"site_id": "a&b", "lon": 66.0, "lat": 29.0, "detection": 0.5}], name="x&y")
    escape_layer(escape_layer(layer))
    geojson = next(iter(layer._children.values()))
    assert geojson.data["features"][0]["properties"]["site_id"] == "a&amp;b"
    assert layer.layer_name == "x&amp;y"


def test_plain_tooltip_text_is_escaped():
    group = folium.FeatureGroup(name="g")
    folium.CircleMarker((29, 66), tooltip=PAYLOAD).add_to(group)
    escape_layer(group)
    tooltip = next(c for m in group._children.values() for c in m._children.values()
                   if isinstance(c, folium.Tooltip))
    assert tooltip.text == html.escape(PAYLOAD)


def test_the_base_map_texts_are_escaped_too():
    base = map_builder.rendered_base()
    assert all(getattr(node, "_checkpost_escaped", False) for node in base.map._children.values())


def test_legend_html_escapes_labels_and_title():
    out = legend_html([("#fff", "<b>x</b>", "dot")], title="<i>t</i>")
    assert "<b>x</b>" not in out and "&lt;b&gt;x&lt;/b&gt;" in out and "&lt;i&gt;t&lt;/i&gt;" in out


def test_layer_switcher_is_made_after_every_layer(component):
    MapBuilder().add(sites_layer([{"site_id": "s1", "lon": 66.0, "lat": 29.0, "detection": 0.5}],
                                 name="My sites")).render("t")
    base = map_builder.rendered_base()
    assert "L.control.layers" not in base.script  # the base map holds no switcher
    control = component["layer_control"]
    assert "L.control.layers" in control
    assert '"My sites" : feature_group_feature_group_0' in control  # the page's layer is in it
    assert '"Pakistan"' in control  # and the base layers too
    assert "legend" not in re.findall(r'"([^"]+)" : feature_group', control)  # helper groups stay out


def test_a_layer_made_hidden_starts_hidden(component):
    shown = folium.FeatureGroup(name="shown")
    hidden = folium.FeatureGroup(name="hidden", show=False)
    MapBuilder().add(shown).add(hidden).render("t")
    script = component["feature_group"]
    assert "map_div.addLayer(feature_group_feature_group_0);" in script
    assert "map_div.addLayer(feature_group_feature_group_1);" not in script
    assert "feature_group_feature_group_1.addTo(map_div)" not in script
    assert '"hidden" : feature_group_feature_group_1' in component["layer_control"]  # can be ticked on


def test_builder_refuses_layers_after_render(component):
    builder = MapBuilder()
    builder.render("t")
    with pytest.raises(RuntimeError, match="after render"):
        builder.add(folium.FeatureGroup(name="late"))


def test_only_the_asked_interactions_come_back(component):
    MapBuilder().render("t")
    assert component["returned_objects"] == [] and component["default"] == {}
    assert component["center"] is None and component["zoom"] is None  # the view is never written back
    MapBuilder().render("t", returned=("last_clicked",))
    assert component["returned_objects"] == ["last_clicked"]
    with pytest.raises(ValueError, match="cannot return"):
        MapBuilder().render("t", returned=("center", "zoom"))


def test_same_layers_give_the_same_scripts_and_key(component):
    """Identical reruns send identical scripts, so the map neither remounts nor redraws its layers."""
    def once():
        points = np.array([29.0, 29.5]), np.array([66.0, 66.5])
        (MapBuilder().add(records_layer(*points, synthetic=True), legend=records_legend("cluster", True))
         .add(sites_layer([{"site_id": "s", "lon": 66.0, "lat": 29.0, "detection": 0.5}]))
         .render("same"))
        return component["feature_group"], component["layer_control"], component["key"]

    assert once() == once()


def test_base_map_is_built_and_rendered_once_per_process(component, monkeypatch):
    first = map_builder.rendered_base()
    monkeypatch.setattr(map_builder, "base_map", lambda **kw: pytest.fail("base map rebuilt"))
    MapBuilder().render("t")
    assert map_builder.rendered_base() is first
    assert component["script"] == first.script


def test_a_plugin_the_base_map_does_not_load_is_refused(component):
    group = folium.FeatureGroup(name="draw")
    folium.plugins.Draw().add_to(group)
    with pytest.raises(ValueError, match="does not load"):
        MapBuilder().add(group).render("t")


def test_every_script_and_stylesheet_is_served_by_the_app(component):
    MapBuilder().add(records_layer(np.array([29.0]), np.array([66.0]), style="heat")).render("t")
    for url in component["js_links"] + component["css_links"]:
        assert url.startswith("/app/static/vendor/"), url
    text = component["script"] + component["feature_group"] + component["header"] + component["html"]
    quoted_urls = re.findall(r"[\"'`((](?:https?:)?//[^\"'`)]+", text)
    assert [u for u in quoted_urls if "www.w3.org/2000/svg" not in u] == []


def test_checkpoints_are_plain_leaflet_triangles(component):
    MapBuilder().add(checkpoints_layer([{"site_id": "c", "lon": 66.0, "lat": 29.0}])).render("t")
    assert "DivIcon(iconOptions)" in component["feature_group"]
    assert "\\u003cpolygon points" in component["feature_group"]
    assert "RegularPolygonMarker" not in component["feature_group"]


def test_no_page_builds_a_map_any_other_way():
    for page in sorted((ROOT / "pages").glob("*.py")):
        source = page.read_text()
        for forbidden in ("st_folium(", "base_map(", "RegularPolygonMarker", "folium.LayerControl"):
            assert forbidden not in source, f"{page.name} uses {forbidden}: build maps with ui.map_builder"


def test_simulated_records_look_unlike_imported_ones():
    lat, lon = np.array([29.0]), np.array([66.0])
    real = records_layer(lat, lon).add_to(folium.Map(tiles=None)).get_root().render()
    simulated = records_layer(lat, lon, synthetic=True).add_to(folium.Map(tiles=None)).get_root().render()
    assert "checkpostSyntheticIcon" in simulated and "dashed" in simulated
    assert "checkpostSyntheticIcon" not in real
    assert records_legend("cluster", True) != records_legend("cluster", False)
    assert records_legend("heat", False)[0][2] == "heat"


def test_place_labels_appear_by_population():
    assert zoom_for(15_000_000, abroad=False) == 5      # Karachi from the national view
    assert zoom_for(50_000, abroad=False) == 8
    assert zoom_for(500, abroad=False) == 10
    assert zoom_for(15_000_000, abroad=True) == 6       # places abroad one level later
    rows = {r[2]: r for r in place_label_rows(("crossings", "hubs"))}
    assert rows["Karachi"][3] == 5 and rows["Lahore"][3] == 5
    assert rows["Torkham"][4] == "crossing"
    assert [r[2] for r in place_label_rows(("crossings", "hubs"))].count("Quetta") == 1


def test_place_label_text_is_escaped():
    layer = PlaceLabels([(29.0, 66.0, "<b>x</b>", 5, "town")])
    assert json.loads(layer.rows_json)[0][2] == "&lt;b&gt;x&lt;/b&gt;"


def test_neighbouring_countries_are_drawn_whole():
    """Beyond the detailed box the context layer carries on: Tehran, Ashgabat, Riyadh are on land."""
    context = json.loads((ROOT / "static" / "basemap" / "context_countries.geojson").read_text())
    shapes = {f["properties"]["name"]: shapely.geometry.shape(f["geometry"]) for f in context["features"]
              if f["properties"]["part"] == "fill"}
    outlines = [shapely.geometry.shape(f["geometry"]) for f in context["features"]
                if f["properties"]["part"] == "outline"]
    assert shapes["Iran"].contains(shapely.Point(51.39, 35.69))           # Tehran, west of the box's 55°E
    assert shapes["Turkmenistan"].contains(shapely.Point(58.38, 37.95))   # Ashgabat: not in the detailed layer
    assert shapes["Saudi Arabia"].contains(shapely.Point(46.72, 24.69))
    assert "Pakistan" not in shapes
    assert not shapes["Iran"].contains(shapely.Point(60.0, 30.0))         # inside the box: the detailed layer
    assert all(f["properties"]["source"].startswith("naturalearth-110m") for f in context["features"])
    # no outline runs along the detailed box's edges (the old rectangle cut)
    from geodata.build import NEIGHBOURS_CLIP_BOUNDS
    edge = shapely.box(*NEIGHBOURS_CLIP_BOUNDS).boundary
    assert max(line.intersection(edge.buffer(1e-6)).length for line in outlines) < 1e-3


def test_provinces_are_drawn_when_geodata_ships_them(monkeypatch):
    """Before the admin-geography layers exist the base map skips them; once shipped it draws them."""
    import geopandas as gpd

    import geodata
    from ui import basemap

    square = shapely.box(66.0, 28.0, 67.0, 29.0)
    provinces = gpd.GeoDataFrame({"id": ["p1"], "name": ["<b>Balochistan</b>"], "kind": ["province"],
                                  "source": ["test"]}, geometry=[square], crs="EPSG:4326")
    real_layer = geodata.layer
    admin = {"provinces", "districts", "neighbour_provinces"}
    without_admin = [n for n in geodata.layer_names() if n not in admin]  # as before the admin layers shipped
    monkeypatch.setattr(geodata, "layer_names", lambda: without_admin + ["provinces"])
    monkeypatch.setattr(geodata, "layer", lambda name: provinces.copy() if name == "provinces" else real_layer(name))
    basemap._geojson.cache_clear()
    try:
        m = folium.Map(tiles=None)
        basemap._admin_layers(m)
        names = [child.layer_name for child in m._children.values() if isinstance(child, folium.GeoJson)]
        assert names == ["Provinces"]
        monkeypatch.setattr(geodata, "layer_names", lambda: without_admin)
        empty = folium.Map(tiles=None)
        basemap._admin_layers(empty)
        assert not [c for c in empty._children.values() if isinstance(c, folium.GeoJson)]
    finally:
        basemap._geojson.cache_clear()
