"""Users: create accounts, change role/region, deactivate, reset passwords; read the audit log (admins only)."""
from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from store.audit import entries  # noqa: E402
from store.models import ROLES  # noqa: E402
from store.users import UserExistsError, create_user, list_users  # noqa: E402
from ui.accounts import set_password, update_user  # noqa: E402
from ui.auth import ROLE_LABELS, require_role  # noqa: E402

from geodata.admin import district_names, province_names  # noqa: E402

PROVINCES = [""] + province_names()  # the shipped province layer's names


def region_text(province: str, districts: list[str]) -> str | None:
    """A commander's region from the form: chosen districts win over the province; None when neither."""
    if districts:
        return "districts: " + "; ".join(districts)
    return province or None


def render() -> None:
    admin = require_role("admin")
    st.title("Users")
    users = list_users()
    st.dataframe(users.assign(created=users["created"].astype(str)), hide_index=True, width="stretch",
                 key="admin_users")

    create, change, audit = st.tabs(["Create a user", "Change a user", "Audit log"])
    with create, st.form("create_user", clear_on_submit=True):
        username = st.text_input("User name")
        role = st.selectbox("Role", ROLES, format_func=lambda r: ROLE_LABELS[r])
        region = st.selectbox("Region (commanders): a province", PROVINCES)
        districts = st.multiselect("… or a list of districts", district_names())
        password = st.text_input("Initial password (at least 8 characters)", type="password")
        if st.form_submit_button("Create"):
            region = region_text(region, districts)
            if role == "commander" and not region:
                st.error("A commander needs an assigned region.")
            else:
                try:
                    create_user(username, password, role=role, region=region, actor=admin["username"])
                except (ValueError, UserExistsError) as error:
                    st.error(str(error))
                else:
                    st.success(f"Created {username} ({role}).")
    with change:
        if users.empty:
            st.info("No users.")
        else:
            name = st.selectbox("User", users["username"], key="admin_change_user")
            row = users[users["username"] == name].iloc[0]
            with st.form("change_user"):
                new_role = st.selectbox("Role", ROLES, index=ROLES.index(row["role"]),
                                        format_func=lambda r: ROLE_LABELS[r])
                region_now = row["region"] or ""
                is_list = region_now.startswith("districts:")
                choices = PROVINCES if region_now in PROVINCES or is_list else PROVINCES + [region_now]
                new_region = st.selectbox("Region: a province", choices,
                                          index=0 if is_list else choices.index(region_now))
                known = set(district_names())
                now_districts = [d.strip() for d in region_now.removeprefix("districts:").split(";")
                                 if is_list and d.strip() in known]
                new_districts = st.multiselect("… or a list of districts", sorted(known), default=now_districts)
                active = st.checkbox("Active (may sign in)", value=bool(row["active"]))
                new_password = st.text_input("New password (leave empty to keep)", type="password")
                if st.form_submit_button("Apply"):
                    try:
                        changes = update_user(name, actor=admin["username"], role=new_role,
                                              region=region_text(new_region, new_districts), active=active)
                        if new_password:
                            set_password(name, new_password, actor=admin["username"])
                            changes["password"] = "reset"
                    except (ValueError, LookupError) as error:
                        st.error(str(error))
                    else:
                        st.success(f"{name}: {', '.join(changes) or 'no change'}.")
    with audit:
        log = entries(limit=500)
        log = log.assign(at=log["at"].astype(str), detail=log["detail"].astype(str))
        st.dataframe(log, hide_index=True, width="stretch", key="admin_audit")


render()
