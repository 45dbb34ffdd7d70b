"""Users: create accounts, change role/region, deactivate, reset passwords; read the audit log (admins only).

The create form keeps what was typed when the store refuses it (short password, taken name, a
commander without a region) and clears only after a success; a user without a region shows as
"(none)", never "nan".
"""
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

from geodata.admin import district_names, province_names  # noqa: E402

PROVINCES = [""] + province_names()  # the shipped province layer's names
CREATE_KEYS = ("admin_new_username", "admin_new_role", "admin_new_region", "admin_new_password",
               "admin_new_districts")
CREATED_KEY = "admin_created"   # the success message of the last create, shown after the form is cleared


def region_text(value) -> str:
    """A stored region as text: "" for none (the store gives None, pandas NaN)."""
    return "" if value is None or pd.isna(value) else str(value)


def region_label(region: str) -> str:
    return region or "(none)"


def region_from_form(province: str, districts: list[str]) -> str | None:
    """A commander's region from the form: chosen districts win over the province; None when neither."""
    if districts:
        return "districts: " + "; ".join(districts)
    return province or None


def users_table(users: pd.DataFrame) -> pd.DataFrame:
    """The user list for people: no NaN, Yes/No for active, readable role names."""
    return pd.DataFrame({"user": users["username"], "role": users["role"].map(lambda r: ROLE_LABELS.get(r, r)),
                         "region": users["region"].map(region_text), "active": users["active"].map(
                             lambda a: "Yes" if a else "No"), "created": users["created"].astype(str).str[:16]})


def _create_tab(admin: dict) -> None:
    if st.session_state.pop(f"{CREATED_KEY}_clear", False):
        for key in CREATE_KEYS:   # cleared before the widgets are drawn, after a success only
            st.session_state.pop(key, None)
    with st.form("create_user", clear_on_submit=False):
        username = st.text_input("User name", key=CREATE_KEYS[0])
        role = st.selectbox("Role", ROLES, format_func=lambda r: ROLE_LABELS[r], key=CREATE_KEYS[1])
        region = st.selectbox("Region (commanders): a province", PROVINCES, format_func=region_label,
                              key=CREATE_KEYS[2])
        districts = st.multiselect("… or a list of districts", district_names(), key=CREATE_KEYS[4])
        password = st.text_input("Initial password (at least 8 characters)", type="password", key=CREATE_KEYS[3])
        submitted = st.form_submit_button("Create")
    if submitted:
        region = region_from_form(region, districts)
        if role == "commander" and not region:
            st.error("A commander needs an assigned region.")
        else:
            try:
                create_user(username, password, role=role, region=region or None, actor=admin["username"])
            except (ValueError, UserExistsError) as error:
                st.error(md(error))
            else:
                st.session_state[CREATED_KEY] = f"Created {md(username.strip())} ({ROLE_LABELS[role]})."
                st.session_state[f"{CREATED_KEY}_clear"] = True
                st.rerun()
    if CREATED_KEY in st.session_state:
        st.success(st.session_state.pop(CREATED_KEY))


def _change_tab(users: pd.DataFrame, admin: dict) -> None:
    if users.empty:
        st.info("No users.")
        return
    name = st.selectbox("User", users["username"], key="admin_change_user")
    row = users[users["username"] == name].iloc[0]
    region_now = region_text(row["region"])
    is_list = region_now.startswith("districts:")
    regions = PROVINCES if region_now in PROVINCES or is_list else PROVINCES + [region_now]
    known = set(district_names())
    now_districts = [d.strip() for d in region_now.removeprefix("districts:").split(";") if is_list and d.strip() in known]
    with st.form("change_user"):
        new_role = st.selectbox("Role", ROLES, index=ROLES.index(row["role"]), format_func=lambda r: ROLE_LABELS[r])
        new_region = st.selectbox("Region: a province", regions, index=0 if is_list else regions.index(region_now),
                                  format_func=region_label)
        new_districts = st.multiselect("… or a list of districts", sorted(known), default=now_districts)
        active = st.checkbox("Active (may sign in)", value=bool(row["active"]))
        new_password = st.text_input("New password (leave empty to keep)", type="password")
        submitted = st.form_submit_button("Apply")
    if not submitted:
        return
    try:
        changes = update_user(name, actor=admin["username"], role=new_role,
                              region=region_from_form(new_region, new_districts), active=active)
        if new_password:
            set_password(name, new_password, actor=admin["username"])
            changes["password"] = "reset"
    except (ValueError, LookupError) as error:
        st.error(md(error))
    else:
        st.success(f"{md(name)}: {', '.join(changes) or 'no change'}.")


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
    st.dataframe(users_table(users), hide_index=True, width="stretch", key="admin_users")
    create, change, locks, audit = st.tabs(["Create a user", "Change a user", "Sign-in locks", "Audit log"])
    with create:
        _create_tab(admin)
    with change:
        _change_tab(users, admin)
    with locks:
        sign_in_locks(admin)
    with audit:
        log = entries(limit=500)
        log = log.assign(at=log["at"].astype(str).str[:19], detail=log["detail"].astype(str))
        st.dataframe(log, hide_index=True, width="stretch", key="admin_audit")
        table_download(log, "checkpost_audit_log", key="admin_audit_csv")


render()
