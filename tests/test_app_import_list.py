"""The Data page's list of recent imports: a commander sees only their own batches, a planner every one."""
import pytest

from app_fixtures import fresh_database, plant_records


@pytest.fixture
def db(monkeypatch, tmp_path):
    return fresh_database(monkeypatch, tmp_path)


def test_a_commander_sees_only_their_own_imports(db):
    import importlib.util
    from pathlib import Path

    from store.records import list_batches

    plant_records(user="amina")
    plant_records(user="bilal")      # same records again: a second batch, by the commander
    spec = importlib.util.spec_from_file_location("data_page", Path(__file__).resolve().parents[1] / "pages" / "data.py")
    page = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(page)    # defines the page's functions; render() runs only under streamlit
    commander = {"username": "bilal", "role": "commander", "region": "Sindh"}
    planner = {"username": "amina", "role": "planner", "region": None}
    assert page.recent_batches(user=commander)["imported_by"].tolist() == ["bilal"]
    assert page.recent_batches(user=planner)["imported_by"].tolist() == ["bilal", "amina"]   # newest first
    assert list_batches(imported_by="nobody").empty
