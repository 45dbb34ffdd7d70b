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

PROVINCES = ["", "Balochistan", "Sindh", "Punjab", "Khyber Pakhtunkhwa", "Gilgit-Baltistan", "Azad Kashmir",
             "Islamabad"]


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
        region = st.selectbox("Region (commanders)", PROVINCES)
        password = st.text_input("Initial password (at least 8 characters)", type="password")
        if st.form_submit_button("Create"):
            if role == "commander" and not region:
                st.error("A commander needs an assigned region.")
            else:
                try:
                    create_user(username, password, role=role, region=region or None, actor=admin["username"])
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
                new_region = st.selectbox("Region", PROVINCES if region_now in PROVINCES else PROVINCES + [region_now],
                                          index=(PROVINCES + [region_now]).index(region_now))
                active = st.checkbox("Active (may sign in)", value=bool(row["active"]))
                new_password = st.text_input("New password (leave empty to keep)", type="password")
                if st.form_submit_button("Apply"):
                    try:
                        changes = update_user(name, actor=admin["username"], role=new_role,
                                              region=new_region or None, active=active)
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
