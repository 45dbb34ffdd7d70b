"""What every session shares is built once per process: the rendered base map (ui/map_cache.py).

The cached path must hand the map component exactly what streamlit-folium's own st_folium hands it
for the same map and layers, build the map once for any number of page runs, and never let one
run's layers leak into the shared map.  (The concurrency figures themselves are in
bench/bench_app_load.py; no timing is asserted here.)
"""
from __future__ import annotations

import folium
import folium.plugins
import pytest
import streamlit_folium

from ui import map_cache


@pytest.fixture
def component_calls(monkeypatch):
    calls = []

    def capture(**kwargs):
        calls.append(kwargs)
        return kwargs.get("default")

    monkeypatch.setattr(streamlit_folium, "_component_func", capture)
    map_cache.shared_render.clear()
    yield calls
    map_cache.shared_render.clear()


def small_base_map() -> folium.Map:
    """A few of the base map's kinds of element: polygons, a tooltip, a plugin, the layer control."""
    m = folium.Map(location=[30, 69], zoom_start=5, tiles=None)
    pakistan = {"type": "Feature", "properties": {"name": "Pakistan"},
                "geometry": {"type": "Polygon", "coordinates": [[[61, 24], [77, 24], [77, 37], [61, 24]]]}}
    folium.GeoJson({"type": "FeatureCollection", "features": [pakistan]}, name="Pakistan",
                   tooltip=folium.GeoJsonTooltip(["name"])).add_to(m)
    folium.plugins.Fullscreen().add_to(m)
    folium.LayerControl().add_to(m)
    return m


def page_layers(label: str) -> list[folium.FeatureGroup]:
    records = folium.FeatureGroup(name=f"records {label}")
    folium.plugins.FastMarkerCluster([[25.0, 67.0], [29.7, 66.5]]).add_to(records)
    sites = folium.FeatureGroup(name=f"sites {label}")
    folium.CircleMarker([28.96, 61.57], radius=6, tooltip=f"site {label}").add_to(sites)
    return [records, sites]


ARGS = dict(key="overview_map_offline", height=620, use_container_width=True, center=(29.0, 68.0), zoom=6,
            returned_objects=["center", "zoom"])


def test_cached_map_gets_the_same_component_arguments_as_st_folium(component_calls):
    streamlit_folium.st_folium(small_base_map(), feature_group_to_add=page_layers("a"), **ARGS)
    map_cache.cached_st_folium(small_base_map, ("small",), feature_group_to_add=page_layers("a"), **ARGS)
    plain, cached = component_calls
    assert set(plain) == set(cached)
    differing = {name for name in plain if name != "on_change" and plain[name] != cached[name]}
    assert differing == set()
    assert "site a" in cached["feature_group"]  # the run's own layers are there


def test_the_base_map_is_built_once_for_many_runs_and_keys_apart(component_calls):
    built = []

    def build():
        built.append(1)
        return small_base_map()

    for label in "abc":
        map_cache.cached_st_folium(build, ("small", False), feature_group_to_add=page_layers(label), **ARGS)
    assert len(built) == 1
    map_cache.cached_st_folium(build, ("small", True), **ARGS)  # another key: e.g. online tiles on
    assert len(built) == 2
    scripts = {call["script"] for call in component_calls}
    assert len(scripts) == 1  # same base script for every run, whatever the run's layers


def test_one_runs_layers_never_reach_the_shared_map(component_calls):
    map_cache.cached_st_folium(small_base_map, ("small",), feature_group_to_add=page_layers("SECRET-A"), **ARGS)
    map_cache.cached_st_folium(small_base_map, ("small",), feature_group_to_add=page_layers("b"), **ARGS)
    first, second = component_calls
    assert "SECRET-A" in first["feature_group"]
    assert "SECRET-A" not in second["feature_group"] and "SECRET-A" not in second["script"]
    assert second["script"] == first["script"]
