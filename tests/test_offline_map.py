"""Every script and stylesheet the map component is given is served by the app itself."""
import streamlit_folium

from ui import offline
from ui.basemap import base_map


def _component_links(m, monkeypatch):
    seen = {}

    def capture(**kwargs):
        seen.update(kwargs)
        return None

    monkeypatch.setattr(streamlit_folium, "_component_func", capture)
    streamlit_folium.st_folium(m, key="t", returned_objects=[])
    return seen["js_links"], seen["css_links"]


def test_all_map_assets_are_local(monkeypatch):
    import folium.plugins

    m = base_map()
    folium.plugins.HeatMap([[29.0, 66.0, 1.0]]).add_to(m)
    folium.plugins.FastMarkerCluster([[29.0, 66.0]]).add_to(m)
    folium.plugins.Draw().add_to(m)
    js, css = _component_links(m, monkeypatch)
    assert js and css
    for url in js + css:
        assert url.startswith("/app/static/vendor/"), url
        rel = url.removeprefix("/app/static/vendor/")
        assert (offline.STATIC_DIR / rel).is_file(), f"{url} is not vendored"


def test_rendered_map_html_names_no_remote_host():
    html = base_map().get_root().render()
    for host in ("cdn.jsdelivr", "cdnjs", "code.jquery", "netdna", "unpkg", "tile.openstreetmap"):
        assert host not in html


def test_online_basemap_adds_tiles_only_when_asked():
    assert "tile.openstreetmap.org" in base_map(online_tiles=True).get_root().render()


def test_every_vendored_file_exists_with_a_licence():
    assert offline.missing_files() == []
    for package in (p for p in offline.STATIC_DIR.iterdir() if p.is_dir()):
        assert any("LICEN" in p.name.upper() for p in package.rglob("*")), package.name


def test_unvendored_asset_is_refused():
    import pytest

    with pytest.raises(KeyError, match="not vendored"):
        offline.local_url("https://cdn.example.org/some-plugin.js")


def test_every_file_a_vendored_stylesheet_refers_to_is_vendored():
    import re

    for css in offline.STATIC_DIR.rglob("*.css"):
        for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", css.read_text(errors="ignore")):
            if ref.startswith(("data:", "#")):
                continue
            assert not ref.startswith(("http:", "https:", "//")), f"{css.name} loads {ref} from outside"
            target = (css.parent / ref.split("?")[0].split("#")[0]).resolve()
            assert target.is_file(), f"{css.relative_to(offline.STATIC_DIR)} refers to missing {ref}"


def test_plugins_for_changing_layers_load_with_the_static_base_map(monkeypatch):
    """Layers sent through feature_group_to_add need their plugin scripts loaded by the base map."""
    import numpy as np

    from ui.layers import records_layer

    seen = {}
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kw: seen.update(kw))
    streamlit_folium.st_folium(base_map(), key="t", returned_objects=[],
                               feature_group_to_add=[records_layer(np.array([29.0]), np.array([66.0]))])
    names = [url.rsplit("/", 1)[-1] for url in seen["js_links"]]
    assert "leaflet.markercluster.js" in names and "leaflet-heat.js" in names
    assert all(url.startswith("/app/static/vendor/") for url in seen["js_links"] + seen["css_links"])
    assert '"maxZoom": 14' in seen["script"]  # marker clusters refuse a map without maxZoom
