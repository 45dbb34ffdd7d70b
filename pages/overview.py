"""Map page: the shipped layers of borders, crossings, launch points, hubs, sources and destinations."""
import streamlit as st
from streamlit_folium import st_folium

import geodata
from geodata.gazetteer import find, suggestions
from ui.basemap import base_map

st.title("Route map")
st.caption("Borders, crossings, coastal launch points, transit hubs, source districts and destinations "
           "of irregular migration through Pakistan. Offline vector basemap; every feature says its source.")

with st.sidebar:
    online = st.toggle("Online basemap (needs internet)", value=False,
                       help="Adds OpenStreetMap web tiles. Off by default: the map works without internet.")
    query = st.text_input("Find a place", placeholder="e.g. Gwadar, Taftan, Mand")

view = st.session_state.setdefault("map_view", {"center": (29.5, 67.5), "zoom": 5})
if query:
    try:
        place = find(query)
        view = st.session_state["map_view"] = {"center": (place.lat, place.lon), "zoom": 9}
        st.sidebar.success(f"{place.name} — {place.lat:.4f}, {place.lon:.4f} ({place.source})")
    except LookupError as err:
        st.sidebar.warning(str(err))
        close = suggestions(query)
        if close:
            st.sidebar.caption("Close matches: " + ", ".join(close))

m = base_map(online_tiles=online)
st_folium(m, key="overview_map", height=620, use_container_width=True,
          center=view["center"], zoom=view["zoom"], returned_objects=[])

with st.expander("Layers and their sources"):
    for name, text in geodata.describe().items():
        gdf = geodata.layer(name)
        st.markdown(f"**{name}** — {text}: {len(gdf)} feature(s)")
    b = geodata.layer("borders")[["name", "status", "length_km", "source"]]
    st.dataframe(b, hide_index=True, use_container_width=True)
