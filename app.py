"""Checkpost — route mapping and checkpoint planning against migrant smuggling and human trafficking.

    streamlit run app.py
"""
from pathlib import Path

import streamlit as st

HERE = Path(__file__).resolve().parent

# (file, title, icon) in menu order; a page appears once its module exists.
PAGES = [
    ("pages/overview.py", "Route map", ":material/map:"),
    ("pages/hotspots.py", "Hotspots", ":material/local_fire_department:"),
    ("pages/planner.py", "Planner", ":material/add_location_alt:"),
    ("pages/coverage.py", "Coverage", ":material/shield:"),
    ("pages/data.py", "Data", ":material/upload_file:"),
]

st.set_page_config(page_title="Checkpost", page_icon=":material/shield:", layout="wide")


def available_pages():
    return [st.Page(str(HERE / path), title=title, icon=icon, url_path=Path(path).stem)
            for path, title, icon in PAGES if (HERE / path).is_file()]


st.navigation(available_pages()).run()
