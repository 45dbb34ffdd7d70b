"""Hotspots page: where intercepts concentrate, which concentrations are real, how they change.

Records come from the store (store.records.query_intercepts) or, for demonstrations and headless
tests, from a GeoDataFrame placed in ``st.session_state["hotspot_records"]``; the layers that name
hotspots (crossings, hubs, towns, roads) can likewise be given in ``st.session_state["hotspot_layers"]``.  The logic lives in
plain functions below (fit, map layers, card, downloads); ``render()`` lays them out.
Donors (``st.session_state["user"]["role"] == "donor"``) see aggregates only: the heat layer is
built from hexagon totals, never from record positions.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import streamlit as st

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from geodata.safe_export import csv_bytes  # noqa: E402
from models.hotspots import CATEGORY_TEXT, HotspotModel, gi_star  # noqa: E402
from models.hotspots._input import data_version  # noqa: E402

STAGED_RECORDS_KEY = "hotspot_records"
LAYERS_KEY = "hotspot_layers"  # optional dict of label layers; None loads the shipped ones
CASE_CHOICES = {
    "Smuggling and trafficking apart": "separate",
    "All records together": "all",
    "Smuggling only": "smuggling",
    "Trafficking only": "trafficking",
    "Unknown only": "unknown",
}
HOT_COLOURS = {"new": "#ff7f00", "consecutive": "#fdae61", "intensifying": "#b30000", "persistent": "#e31a1c",
               "diminishing": "#fb9a99", "sporadic": "#feb24c", "oscillating": "#c51b8a", "historical": "#8c6d31"}
COLD_COLOUR, NO_PATTERN_COLOUR = "#2c7bb6", "#636363"
CLASS_COLOURS = {"hot 99%": "#b2182b", "hot 95%": "#ef8a62", "hot 90%": "#fddbc7",
                 "cold 90%": "#d1e5f0", "cold 95%": "#67a9cf", "cold 99%": "#2166ac"}
PUBLIC_COLUMNS = ["hotspot_id", "case_type", "label", "label_source", "country", "province", "district", "records", "persons", "persons_smuggling",
                  "persons_trafficking", "persons_unknown", "persons_land", "persons_sea", "persons_air",
                  "first_seen", "last_seen", "area_km2", "trend", "emerging", "nearest_crossing", "crossing_km",
                  "nearest_launch_point", "launch_point_km", "nearest_hub", "hub_km", "road_ref", "road_km",
                  "centroid_lon", "centroid_lat"]


def category_colour(category: str) -> str:
    """Map colour of an emerging-hotspot category (reds for hot, blue for cold, grey otherwise)."""
    if "cold spot" in category:
        return COLD_COLOUR
    return HOT_COLOURS.get(category.split(" ")[0], NO_PATTERN_COLOUR)


def is_donor() -> bool:
    user = st.session_state.get("user") or {}
    return user.get("role") == "donor"


def current_user() -> dict:
    return st.session_state.get("user") or {}


def load_records(date_from, date_to, mode) -> pd.DataFrame:
    """The staged records if any, else the store's records for the date range and modes.

    Either way store.access applies the user's region (a commander sees their province or districts only).
    """
    from store import access

    user = current_user()
    staged = st.session_state.get(STAGED_RECORDS_KEY)
    if staged is not None:  # handed in by a demo or a test, not read from the store
        return staged if staged.empty or not user.get("role") else access.within_region(user, staged)
    if user.get("role") == "donor":  # aggregates only: the heat layer is built from hexagon totals
        return access.records_to_aggregate(user, start=date_from, end=date_to, mode=mode or None)
    return access.records(user, start=date_from, end=date_to, mode=mode or None)


def fit_model(records, params: dict, progress=None) -> HotspotModel:
    """Fit (or reuse from this session) the hotspot model for these records and parameters."""
    key = (data_version(records), json.dumps(params, sort_keys=True, default=str))
    cache = st.session_state.setdefault("hotspot_models", {})
    if key not in cache:
        cache.clear()  # one fitted model per session is enough
        layers = st.session_state.get(LAYERS_KEY)
        cache[key] = HotspotModel(**params, layers=layers).fit(records, progress=progress)
    return cache[key]


def significance_cells(records, params: dict):
    """Gi* hexagons for the map (199 permutations keep the page quick), reused within the session."""
    filters = {k: params[k] for k in ("case_type", "mode", "date_from", "date_to")}
    key = (data_version(records), json.dumps(filters, sort_keys=True, default=str))
    cache = st.session_state.setdefault("hotspot_cells", {})
    if key not in cache:
        cache.clear()
        cache[key] = gi_star(records, resolution=7, permutations=199, seed=0, **filters)
    return cache[key]


def hotspot_table(model: HotspotModel) -> pd.DataFrame:
    """The downloadable table: aggregate columns only, km and dates as planners read them."""
    table = model.hotspots_
    columns = [c for c in PUBLIC_COLUMNS if c in table.columns]
    return pd.DataFrame(table[columns])


def downloads(model: HotspotModel) -> tuple[bytes, bytes]:
    """(CSV, GeoJSON) bytes of the hotspot table."""
    table = hotspot_table(model)
    csv = csv_bytes(table)
    geo = model.hotspots_[[c for c in PUBLIC_COLUMNS if c in model.hotspots_.columns] + ["geometry"]]
    return csv, geo.to_json(default=str, drop_id=True).encode()


def card(model: HotspotModel, hotspot_id: int) -> dict:
    """Everything the hotspot card shows: counts by case type and mode, monthly persons, context."""
    row = model.hotspots_.set_index("hotspot_id").loc[hotspot_id]
    by_case = {c: int(row[f"persons_{c}"]) for c in ("smuggling", "trafficking", "unknown")}
    by_mode = {m: int(row[f"persons_{m}"]) for m in ("land", "sea", "air")}
    monthly = model.monthly_[model.monthly_["hotspot_id"] == hotspot_id]
    chart = monthly.pivot_table(index="month", columns="case_type", values="persons", aggfunc="sum", fill_value=0)
    category = row.get("emerging", "no pattern detected")
    return {"label": row["label"], "records": int(row["records"]), "persons": int(row["persons"]),
            "by_case_type": by_case, "by_mode": by_mode, "monthly": chart,
            "first_seen": row["first_seen"], "last_seen": row["last_seen"], "area_km2": float(row["area_km2"]),
            "trend": row.get("trend", ""), "category": category,
            "category_text": CATEGORY_TEXT.get(category, ""),
            "crossing": (row.get("nearest_crossing"), row.get("crossing_km")),
            "road": (row.get("road_ref"), row.get("road_km")),
            "label_source": row.get("label_source") or ""}


def heat_points(records, donor: bool) -> list[list[float]]:
    """[lat, lon, weight] for the heat layer: record positions, or hexagon totals for donors."""
    if donor:
        from models.hotspots import _grid as grid

        cells = grid.cells_of(records.geometry.x.to_numpy(), records.geometry.y.to_numpy(), 7)
        inverse, unique = pd.factorize(cells)
        weights = pd.Series(records["persons"].to_numpy()).groupby(inverse).sum().to_numpy()
        lon, lat = grid.cell_centres(unique.astype("int64"))
        return [[float(a), float(b), float(w)] for a, b, w in zip(lat, lon, weights)]
    return [[float(y), float(x), float(w)] for x, y, w in
            zip(records.geometry.x, records.geometry.y, records["persons"])]


def map_layers(model: HotspotModel, cells, records, *, show_cells: bool, show_heat: bool, donor: bool) -> list:
    """folium FeatureGroups: hotspot outlines by category, Gi* hexagons, heat of records."""
    import folium
    import folium.plugins

    groups = []
    outlines = folium.FeatureGroup(name="Hotspots (colour: trend category)")
    if len(model.hotspots_):
        shapes = model.hotspots_[["hotspot_id", "label", "persons", "emerging", "trend", "case_type", "geometry"]]
        folium.GeoJson(
            json.loads(shapes.to_json(default=str)),
            style_function=lambda f: {"color": category_colour(f["properties"]["emerging"]), "weight": 3,
                                      "fillOpacity": 0.25, "fillColor": category_colour(f["properties"]["emerging"])},
            tooltip=folium.GeoJsonTooltip(fields=["label", "persons", "emerging", "case_type"],
                                          aliases=["", "persons", "trend category", "case type"]),
        ).add_to(outlines)
    groups.append(outlines)
    if show_cells and cells is not None:
        significant = cells[cells["class"] != "not significant"][["cell", "class", "z", "persons", "geometry"]]
        hexes = folium.FeatureGroup(name="Gi* hexagons (significant)")
        if len(significant):
            folium.GeoJson(
                json.loads(significant.to_json()),
                style_function=lambda f: {"color": CLASS_COLOURS.get(f["properties"]["class"], "#999"), "weight": 0.5,
                                          "fillOpacity": 0.55,
                                          "fillColor": CLASS_COLOURS.get(f["properties"]["class"], "#999")},
                tooltip=folium.GeoJsonTooltip(fields=["class", "z", "persons"]),
            ).add_to(hexes)
        groups.append(hexes)
    if show_heat and len(records):
        heat = folium.FeatureGroup(name="Heat of intercepts" + (" (hexagon totals)" if donor else ""))
        folium.plugins.HeatMap(heat_points(records, donor), radius=12, blur=15, min_opacity=0.3).add_to(heat)
        groups.append(heat)
    return groups


def map_legend(model: HotspotModel, show_cells: bool, show_heat: bool) -> list[tuple[str, str, str]]:
    """Legend entries for the hotspot map: the trend categories on the map, Gi* classes, heat."""
    entries = []
    if len(model.hotspots_):
        for category in sorted(set(model.hotspots_["emerging"].fillna("no pattern detected"))):
            entries.append((category_colour(category), f"hotspot: {category}", "fill"))
    if show_cells:
        entries += [(colour, f"Gi* {name}", "fill") for name, colour in CLASS_COLOURS.items()]
    if show_heat:
        entries.append(("#ff0000", "heat of intercepts", "heat"))
    return entries


def hotspot_map(model: HotspotModel, cells, records, *, show_cells: bool, show_heat: bool, donor: bool) -> dict:
    """Draw the hotspot map (one MapBuilder); returns the clicked hotspot outline, if any."""
    from ui.map_builder import MapBuilder

    builder = MapBuilder()
    for group in map_layers(model, cells, records, show_cells=show_cells, show_heat=show_heat, donor=donor):
        builder.add(group)
    builder.legend(map_legend(model, show_cells, show_heat))
    return builder.render("hotspot_map", height=600, returned=("last_active_drawing",))


def _sidebar():
    with st.sidebar:
        st.header("Hotspot settings")
        dates = st.date_input("Date range", value=(), help="Leave empty for all dates")
        case_label = st.selectbox("Case type", list(CASE_CHOICES), index=0,
                                  help="Smuggling and trafficking are different crimes: by default each is analysed "
                                       "on its own.")
        modes = st.multiselect("Mode", ["land", "sea", "air"], default=[])
        eps_km = st.slider("Neighbourhood radius (km)", 1.0, 15.0, 4.0, 0.5,
                           help="Intercepts closer than this can belong to one hotspot. Larger values join "
                                "nearby places into wider hotspots.")
        factor = st.slider("How much busier than ordinary route traffic", 2.0, 20.0, 6.0, 0.5,
                           help="A place is a hotspot when the persons intercepted around it are this many times "
                                "those around an ordinary stretch of route.")
        show_cells = st.toggle("Gi* hexagons", value=True,
                               help="Hexagons where persons intercepted are significantly high (red) or low (blue).")
        show_heat = st.toggle("Heat layer of intercepts", value=True)
    date_from, date_to = (dates[0], dates[1]) if len(dates) == 2 else (None, None)
    params = {"eps_m": eps_km * 1000, "density_factor": factor, "case_type": CASE_CHOICES[case_label],
              "mode": modes or None, "date_from": date_from, "date_to": date_to}
    return params, show_cells, show_heat


def _show_card(model, hotspot_id):
    info = card(model, hotspot_id)
    st.subheader(info["label"])
    cols = st.columns(4)
    cols[0].metric("persons", f"{info['persons']:,}")
    cols[1].metric("records", f"{info['records']:,}")
    cols[2].metric("area", f"{info['area_km2']:.0f} km²")
    cols[3].metric("trend", info["trend"])
    st.markdown(f"**{info['category']}** — {info['category_text']}")
    left, right = st.columns(2)
    left.dataframe(pd.DataFrame({"persons": info["by_case_type"]}), width="stretch")
    right.dataframe(pd.DataFrame({"persons": info["by_mode"]}), width="stretch")
    if len(info["monthly"]):
        st.bar_chart(info["monthly"])
    crossing, crossing_km = info["crossing"]
    road, road_km = info["road"]
    facts = []
    if crossing:
        facts.append(f"nearest crossing: {crossing} ({crossing_km:.0f} km)")
    if road:
        facts.append(f"nearest road: {road} ({road_km:.1f} km)")
    if not pd.isna(info["first_seen"]):
        facts.append(f"seen {pd.Timestamp(info['first_seen']):%d %b %Y} – {pd.Timestamp(info['last_seen']):%d %b %Y}")
    if info["label_source"]:
        facts.append(f"label from {info['label_source']}")
    st.caption("; ".join(facts))


def render() -> None:
    st.title("Hotspots")
    st.caption("Where interceptions concentrate, which concentrations are statistically real, and which are new, "
               "growing or fading. Outlines come from density clustering of hexagon totals; hexagons show "
               "Getis-Ord Gi* significance (false-discovery-rate corrected).")
    params, show_cells, show_heat = _sidebar()
    try:
        records = load_records(params["date_from"], params["date_to"], params["mode"])
    except Exception as err:  # noqa: BLE001 -- the store may be unreachable; say so instead of a traceback
        st.error(f"Could not read intercept records from the store: {err}")
        return
    if len(records) == 0:
        st.info("No intercept records yet. Import them on the Data page.")
        return
    if "synthetic" in records.columns and records["synthetic"].fillna(False).astype(bool).any():
        share = records["synthetic"].fillna(False).astype(bool).mean()
        st.warning(f"Simulated data: {share:.0%} of these records were generated by the scenario simulator.")
    bar = st.progress(0.0, text="Finding hotspots")
    try:
        model = fit_model(records, params, progress=lambda share, text: bar.progress(min(share, 1.0), text=text))
        cells = significance_cells(records, params) if show_cells else None
    except ValueError as err:
        bar.empty()
        st.warning(str(err))
        return
    bar.empty()
    donor = is_donor()
    st.markdown(f"**{len(model.hotspots_)} hotspots** in {model.n_records_:,} records.")

    clicked = hotspot_map(model, cells, records, show_cells=show_cells, show_heat=show_heat, donor=donor)
    if len(model.hotspots_) == 0:
        st.info("No hotspot at these settings. Lower 'how much busier' or widen the neighbourhood radius.")
        return
    choice = None
    if clicked and clicked.get("last_active_drawing"):
        choice = clicked["last_active_drawing"].get("properties", {}).get("hotspot_id")
    labels = dict(zip(model.hotspots_["hotspot_id"], model.hotspots_["label"]))
    ids = list(labels)
    hotspot_id = st.selectbox("Hotspot", ids, index=ids.index(choice) if choice in ids else 0,
                              format_func=lambda i: f"{i}: {labels[i]}")
    _show_card(model, hotspot_id)

    st.subheader("All hotspots")
    st.dataframe(hotspot_table(model), hide_index=True, width="stretch")
    csv, geojson = downloads(model)
    left, right = st.columns(2)
    left.download_button("Download CSV", csv, "checkpost_hotspots.csv", "text/csv")
    right.download_button("Download GeoJSON", geojson, "checkpost_hotspots.geojson", "application/geo+json")
    with st.expander("What the trend categories mean"):
        st.table(pd.DataFrame({"category": list(CATEGORY_TEXT), "meaning": list(CATEGORY_TEXT.values())}))


if __name__ == "__main__":
    render()
