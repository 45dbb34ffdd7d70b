"""Checkpost — route mapping and checkpoint planning against migrant smuggling and human trafficking.

    streamlit run app.py                      # sign in (first run asks for the first admin)
    CHECKPOST_DEMO=1 streamlit run app.py     # demo mode: sample accounts of each role

Only the pages the signed-in role may use are registered in st.navigation (ui/auth.py PAGE_ROLES);
each page checks the role again.  No traceback reaches a user (ui/errors.py).
"""
import sys
from pathlib import Path

import streamlit as st

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from ui import auth  # noqa: E402
from ui.errors import page_errors_shown_plainly  # noqa: E402

# file -> (title, icon); a page appears once its module exists and the role may use it.
PAGES = {
    "pages/overview.py": ("Route map", ":material/map:"),
    "pages/hotspots.py": ("Hotspots", ":material/local_fire_department:"),
    "pages/planner.py": ("Optimiser", ":material/auto_awesome:"),
    "pages/propose.py": ("Propose checkpoints", ":material/add_location_alt:"),
    "pages/plans.py": ("Saved plans", ":material/folder_open:"),
    "pages/coverage.py": ("Coverage", ":material/shield:"),
    "pages/data.py": ("Data", ":material/upload_file:"),
    "pages/admin.py": ("Users", ":material/manage_accounts:"),
}

# A local icon: ":material/…" page icons are fetched from a font CDN, which a field office may not reach.
st.set_page_config(page_title="Checkpost", page_icon=str(HERE / "ui" / "assets" / "checkpost-icon.png"), layout="wide")


def available_pages(role: str | None) -> list:
    return [st.Page(str(HERE / path), title=PAGES[path][0], icon=PAGES[path][1], url_path=Path(path).stem)
            for path in auth.pages_for(role) if path in PAGES and (HERE / path).is_file()]


def signed_out_page():
    auth.demo_banner()
    if not auth.demo_mode() and not auth.has_users():
        auth.first_admin_form()
    else:
        auth.sign_in_form()


def signed_in_pages(user: dict) -> None:
    auth.demo_banner()
    auth.user_box(user)
    if auth.demo_mode() and not st.session_state.get("demo_records_checked"):
        from ui.demo_data import demo_records_enabled, ensure_demo_records
        if demo_records_enabled():
            with st.spinner("Loading the scenario simulator's intercepts as demo data (synthetic)…"):
                ensure_demo_records()
        st.session_state["demo_records_checked"] = True
    if user.get("role") in ("planner", "commander"):
        from ui.scenario import NETWORK_KEY, warm_up
        if st.session_state.get(NETWORK_KEY) is None:
            warm_up()  # the route network builds in the background while the user looks around
    pages = available_pages(user.get("role"))
    if not pages:
        st.error(f"No page is available to the role '{user.get('role')}'.")
    else:
        st.navigation(pages).run()


def main() -> None:
    user = auth.current_user()  # re-read from the database: a deactivated or changed account is signed out
    if user is None:
        from ui.map_builder import warm_up
        warm_up()  # the shared base map renders in the background while the user signs in
        # Registering only the sign-in page keeps every other page out of reach; it is rendered directly,
        # whatever page the browser asked for (a session that just expired may still name one).
        st.navigation([st.Page(signed_out_page, title="Sign in", icon=":material/login:", url_path="sign_in")],
                      position="hidden")
        with page_errors_shown_plainly(None):
            signed_out_page()
    else:
        with page_errors_shown_plainly(user):
            signed_in_pages(user)


with page_errors_shown_plainly(None):  # e.g. the database unreachable while reading the account
    main()
