"""Users: create accounts, change role/region, deactivate, reset passwords; read the audit log (admins only)."""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import streamlit as st

_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from store.audit import entries  # noqa: E402
from store.models import ROLES  # noqa: E402
from store.users import UserExistsError, create_user, list_users  # noqa: E402
from ui.accounts import set_password, update_user  # noqa: E402
from ui.auth import GUARD, ROLE_LABELS, require_role, unlock  # noqa: E402
from ui.safe_text import md  # noqa: E402
from ui.table_export import table_download  # noqa: E402

PROVINCES = ["", "Balochistan", "Sindh", "Punjab", "Khyber Pakhtunkhwa", "Gilgit-Baltistan", "Azad Kashmir",
             "Islamabad"]


def sign_in_locks(admin: dict) -> None:
    """Names locked out after failed sign-ins (in this app process), and the unlock for any name."""
    locked = GUARD.locked_names()
    if locked:
        minutes = [round(seconds / 60, 1) for seconds in locked.values()]
        st.dataframe(pd.DataFrame({"user name": list(locked), "minutes left": minutes}), hide_index=True,
                     key="admin_locked")
    else:
        st.caption("No user name is locked out in this app process.")
    with st.form("unlock_user"):
        name = st.text_input("Unlock sign-in for user name",
                             help="Works in every app process (through the audit log)")
        if st.form_submit_button("Unlock") and name.strip():
            lifted = unlock(name, actor=admin["username"])
            st.success(f"Unlocked {md(name.strip())} ({lifted} lock(s) lifted in this process; other processes "
                       "honour the unlock on the next attempt).")


def render() -> None:
    admin = require_role("admin")
    st.title("Users")
    users = list_users()
    st.dataframe(users.assign(created=users["created"].astype(str)), hide_index=True, width="stretch",
                 key="admin_users")

    create, change, locks, audit = st.tabs(["Create a user", "Change a user", "Sign-in locks", "Audit log"])
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
                    st.error(md(error))
                else:
                    st.success(f"Created {md(username)} ({role}).")
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
                        st.error(md(error))
                    else:
                        st.success(f"{md(name)}: {', '.join(changes) or 'no change'}.")
    with locks:
        sign_in_locks(admin)
    with audit:
        log = entries(limit=500)
        log = log.assign(at=log["at"].astype(str), detail=log["detail"].astype(str))
        st.dataframe(log, hide_index=True, width="stretch", key="admin_audit")
        table_download(log, "checkpost_audit_log", key="admin_audit_csv")


render()
