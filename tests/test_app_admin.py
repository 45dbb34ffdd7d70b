"""Users page (admins) through AppTest: the create form keeps its fields after an error, no region shows "nan"."""
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_fixtures import fresh_database

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "admin.py")


@pytest.fixture
def db(monkeypatch, tmp_path):
    return fresh_database(monkeypatch, tmp_path)


def _admin_page():
    from store.users import create_user
    from ui import auth

    create_user("root", "a long admin passphrase", role="admin")
    create_user("pl-1", "planner passphrase", role="planner")          # no region: stored as NULL
    at = AppTest.from_file(PAGE, default_timeout=60)
    from app_fixtures import ensure_account

    at.session_state["user"] = ensure_account({"username": "root", "role": "admin", "region": None})
    at.session_state[auth.SIGNED_IN_AT_KEY] = at.session_state[auth.LAST_SEEN_KEY] = time.time()
    at.run()
    assert not at.exception
    return at


def _create(at, username, role, region, password):
    at.text_input(key="admin_new_username").input(username)
    at.selectbox(key="admin_new_role").set_value(role)
    at.selectbox(key="admin_new_region").set_value(region)
    at.text_input(key="admin_new_password").input(password)
    next(b for b in at.button if b.label == "Create").click().run()
    assert not at.exception
    return at


def _fields(at):
    return (at.text_input(key="admin_new_username").value, at.selectbox(key="admin_new_role").value,
            at.selectbox(key="admin_new_region").value, at.text_input(key="admin_new_password").value)


def test_create_form_keeps_its_fields_after_an_error(db):
    from store.users import get_user

    at = _create(_admin_page(), "cmdr-sindh", "commander", "Sindh", "short")
    assert any("at least 8 characters" in e.value for e in at.error)
    assert _fields(at) == ("cmdr-sindh", "commander", "Sindh", "short")
    assert get_user("cmdr-sindh") is None
    at = _create(at, "cmdr-sindh", "commander", "", "commander passphrase")
    assert any("A commander needs an assigned region" in e.value for e in at.error)
    assert _fields(at)[:2] == ("cmdr-sindh", "commander")
    at = _create(at, "pl-1", "planner", "", "another passphrase")           # a taken name
    assert any("already exists" in e.value for e in at.error) and _fields(at)[0] == "pl-1"


def test_create_form_clears_after_a_success(db):
    from store.users import get_user

    at = _create(_admin_page(), "cmdr-sindh", "commander", "Sindh", "commander passphrase")
    assert any("Created cmdr-sindh (" in s.value for s in at.success)
    assert get_user("cmdr-sindh")["region"] == "Sindh"
    from store.models import ROLES

    assert _fields(at) == ("", ROLES[0], "", "")
    users = next(t.value for t in at.dataframe if "user" in t.value.columns)
    assert "cmdr-sindh" in set(users["user"])


def test_a_user_without_a_region_shows_none_not_nan(db):
    from store.users import get_user

    at = _admin_page()
    users = next(t.value for t in at.dataframe if "user" in t.value.columns)
    assert "nan" not in users.astype(str).to_numpy().ravel().tolist()
    assert users.set_index("user").loc["pl-1", "region"] == ""
    at.selectbox(key="admin_change_user").set_value("pl-1").run()
    region = next(s for s in at.selectbox if s.label.startswith("Region"))  # "Region: a province"
    assert region.value == "" and "nan" not in region.options and "(none)" in region.options
    next(b for b in at.button if b.label == "Apply").click().run()
    assert not at.exception
    assert get_user("pl-1")["region"] is None                           # applying kept "no region"
