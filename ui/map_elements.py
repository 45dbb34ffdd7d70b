"""Small Leaflet elements of Checkpost's maps, in plain Leaflet (no plugin, nothing fetched).

``PlaceLabels`` (names that appear by zoom level), ``LegendLayer`` (a legend that comes and goes with
the page's layers), ``FitBoundsLayer`` (fits the view once when its layers change) and
``triangle_icon`` (a checkpoint symbol, in place of folium's CDN-loaded ``RegularPolygonMarker``).
Every text these elements put into the page is escaped with ``html.escape`` here.
"""
from __future__ import annotations

import html
import json

import folium
from folium.elements import Template
from branca.element import MacroElement

LABEL_CSS = """<style>
.checkpost-label{background:none;border:none;white-space:nowrap;font:11px/1.1 sans-serif;color:#333;
  text-shadow:0 0 2px #fff,0 0 2px #fff,0 0 3px #fff;pointer-events:none}
.checkpost-label span{position:absolute;left:4px;top:-7px}
.checkpost-label.big span{font-size:13px;font-weight:600;color:#222}
.checkpost-label.abroad span{color:#6d6d6d;font-style:italic}
.checkpost-label.crossing span{color:#922b21;font-weight:600}
.checkpost-label.hub span{color:#5b2c6f}
.checkpost-legend{background:rgba(255,255,255,.92);padding:5px 8px;border-radius:4px;font:11px sans-serif;
  box-shadow:0 1px 4px rgba(0,0,0,.3);max-width:250px;max-height:45vh;overflow-y:auto;line-height:1.45}
.checkpost-legend summary{cursor:pointer}
.checkpost-legend i{display:inline-block;width:12px;height:12px;margin-right:6px;vertical-align:-1px}
</style>"""


class PlaceLabels(folium.map.Layer):
    """Text labels shown from a minimum zoom each, as one switchable layer.

    Parameters
    ----------
    rows : list of (lat, lon, name, min_zoom, css_class)
        One row per label; ``name`` is escaped here.
    name : str
        The layer's name in the layer switcher.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var rows = {{ this.rows_json }};
            var group = L.layerGroup();
            var markers = rows.map(function (r) {
                return L.marker([r[0], r[1]], {interactive: false, keyboard: false,
                    icon: L.divIcon({className: 'checkpost-label ' + r[4], html: '<span>' + r[2] + '</span>',
                                     iconSize: [0, 0]})});
            });
            function update(map) {
                var zoom = map.getZoom();
                markers.forEach(function (m, i) {
                    var wanted = zoom >= rows[i][3];
                    if (wanted && !group.hasLayer(m)) { group.addLayer(m); }
                    if (!wanted && group.hasLayer(m)) { group.removeLayer(m); }
                });
            }
            group.on('add', function () {
                var map = group._map;
                update(map);
                map.on('zoomend', function () { if (group._map) { update(group._map); } });
            });
            return group;
        })();
        {% if this.show %}{{ this.get_name() }}.addTo({{ this._parent.get_name() }});{% endif %}
        {% endmacro %}
    """)

    def __init__(self, rows: list[tuple], name: str = "Place names", show: bool = True):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "PlaceLabels"
        safe = [[round(float(lat), 5), round(float(lon), 5), html.escape(str(text)), int(zoom), str(cls)]
                for lat, lon, text, zoom, cls in rows]
        self.rows_json = json.dumps(safe, ensure_ascii=False)


class LegendLayer(MacroElement):
    """A legend box added to the map with its feature group and removed with it.

    Parameters
    ----------
    entries : list of (colour, label, symbol)
        ``symbol`` is one of ``dot``, ``square``, ``line``, ``dash``, ``triangle``, ``cluster``, ``heat``,
        ``fill``, ``cluster-synthetic``; labels are escaped here.
    title : str
        Heading of the box (escaped).
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var Legend = L.Layer.extend({
                onAdd: function (map) {
                    this._control = L.control({position: 'bottomright'});
                    this._control.onAdd = function () {
                        var div = L.DomUtil.create('div', 'checkpost-legend');
                        div.innerHTML = {{ this.html_json }};
                        L.DomEvent.disableClickPropagation(div);
                        return div;
                    };
                    this._control.addTo(map);
                },
                onRemove: function (map) { map.removeControl(this._control); }
            });
            new Legend().addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
    """)

    def __init__(self, entries: list[tuple[str, str, str]], title: str = "Legend"):
        super().__init__()
        self._name = "LegendLayer"
        self.html_json = json.dumps(legend_html(entries, title))


def _swatch(colour: str, symbol: str) -> str:
    c = html.escape(colour, quote=True)
    styles = {
        "dot": f"background:{c};border-radius:6px;border:1px solid #fff;box-shadow:0 0 0 1px #999",
        "square": f"background:{c};border:1px solid #fff;box-shadow:0 0 0 1px #999;width:9px;height:9px",
        "line": f"height:0;border-top:3px solid {c};vertical-align:3px",
        "dash": f"height:0;border-top:3px dashed {c};vertical-align:3px",
        "fill": f"background:{c};border:1px solid #888",
        "triangle": f"width:0;height:0;border-left:7px solid transparent;border-right:7px solid transparent;"
                    f"border-bottom:12px solid {c}",
        "cluster": "background:rgba(110,204,57,.75);border-radius:7px;box-shadow:0 0 0 3px rgba(181,226,140,.7)",
        "cluster-synthetic": "background:rgba(174,182,191,.8);border-radius:7px;border:2px dashed #34495e;"
                             "width:10px;height:10px",
        "heat": "background:linear-gradient(90deg,#0000ff,#00ff00,#ffff00,#ff0000);width:24px",
    }
    return f'<i style="{styles.get(symbol, styles["dot"])}"></i>'


def legend_html(entries: list[tuple[str, str, str]], title: str = "Legend") -> str:
    """The legend's inner HTML, every label escaped."""
    rows = "".join(f"<div>{_swatch(colour, symbol)}{html.escape(str(label))}</div>"
                   for colour, label, symbol in entries)
    return f"<details open><summary><b>{html.escape(str(title))}</b></summary>{rows}</details>"


class FitBoundsLayer(MacroElement):
    """Fits the map to ``bounds`` ([[south, west], [north, east]]) when its feature group is (re)drawn."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var Fit = L.Layer.extend({
                onAdd: function (map) { map.fitBounds({{ this.bounds_json }}, {maxZoom: {{ this.max_zoom }},
                                                                           padding: [30, 30]}); },
                onRemove: function () {}
            });
            new Fit().addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
    """)

    def __init__(self, bounds: list[list[float]], max_zoom: int = 9):
        super().__init__()
        self._name = "FitBoundsLayer"
        self.bounds_json = json.dumps([[round(float(v), 5) for v in corner] for corner in bounds])
        self.max_zoom = int(max_zoom)


def triangle_icon(colour: str = "#111111", size: int = 14) -> folium.DivIcon:
    """A plain-Leaflet triangle marker icon (an inline SVG in a DivIcon)."""
    c = html.escape(colour, quote=True)
    svg = (f'<svg width="{size}" height="{size}" viewBox="0 0 14 14">'
           f'<polygon points="7,1 13,13 1,13" fill="{c}" stroke="#fff" stroke-width="1.2"/></svg>')
    return folium.DivIcon(html=svg, icon_size=(size, size), icon_anchor=(size // 2, size // 2),
                          class_name="checkpost-triangle")
