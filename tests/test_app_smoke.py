"""The app starts, and the map it shows loads nothing from outside the app."""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_fixtures import ensure_account, fresh_database

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def db(monkeypatch, tmp_path):
    monkeypatch.delenv("CHECKPOST_DEMO", raising=False)
    return fresh_database(monkeypatch, tmp_path)


def signed_in():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["user"] = ensure_account({"username": "amina", "role": "planner", "region": None})
    at.session_state["app_network"] = object()  # no background network build in these tests
    return at


def test_app_starts_and_shows_the_route_map():
    at = signed_in().run()
    assert not at.exception, at.exception
    assert any("Route map" in t.value for t in at.title)


def test_place_search_moves_the_view():
    at = signed_in().run()
    at.sidebar.text_input[0].input("Gwader").run()
    assert not at.exception
    assert at.session_state["map_view"]["zoom"] == 9
    lat, lon = at.session_state["map_view"]["center"]
    assert lon == pytest.approx(62.33, abs=0.05) and lat == pytest.approx(25.12, abs=0.05)


def test_unknown_place_warns_with_suggestions():
    at = signed_in().run()
    at.sidebar.text_input[0].input("Dalbandinn Qqq").run()
    assert not at.exception
    assert any("did you mean" in w.value for w in at.sidebar.warning)
