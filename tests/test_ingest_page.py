"""The Streamlit "Data" page (pages/data.py), driven headless with streamlit.testing.v1.AppTest."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_fixtures import ensure_account
from geodata.ingest import read_intercepts, template_csv
from store.db import reset_engines

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "data.py")
CORPUS = ROOT / "tests" / "data" / "corpus"


@pytest.fixture
def database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'page.sqlite'}"
    monkeypatch.setenv("CHECKPOST_DB_URL", url)
    reset_engines()
    yield url
    reset_engines()


PLANNER = {"username": "amina", "role": "planner", "region": "Sindh"}


def page_with(name: str, user=PLANNER) -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.session_state["data_page_upload"] = (name, (CORPUS / name).read_bytes())
    if user is not None:
        app.session_state["user"] = ensure_account(user)
    return app.run()


def test_report_then_confirmed_import_then_idempotent_repeat(database):
    app = page_with("bad_values.csv")
    assert not app.exception
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["rows read"] == "14" and metrics["accepted"] == "2" and metrics["rejected"] == "12"
    tables = [element.value for element in app.dataframe]
    by_case = tables[0].set_index("case_type")
    assert by_case.loc["smuggling", "records"] == 1 and by_case.loc["trafficking", "records"] == 1
    rejected = next(t for t in tables if "reason" in t.columns)
    assert "latitude 91.2 is outside −90..90" in set(rejected["reason"])
    labels = [button.label for button in app.get("download_button")]
    assert "Rejected rows (CSV)" in labels and "Template (Excel)" in labels

    app.button(key="data_page_confirm").click().run()
    assert app.success[0].value == "Batch 1: 2 new records stored, 0 were already in the database."
    from store.records import list_batches, query_intercepts

    assert len(query_intercepts()) == 2
    assert list(list_batches()["imported_by"]) == ["amina"]
    app.button(key="data_page_confirm").click().run()
    assert app.success[0].value == "Batch 2: 0 new records stored, 2 were already in the database."
    assert len(query_intercepts()) == 2


def test_unreadable_file_shows_the_error_and_no_confirm(database):
    app = page_with("truncated.xlsx")
    assert not app.exception
    assert app.error[0].value.startswith("truncated.xlsx is a damaged or incomplete Excel workbook")
    assert not [b for b in app.button if b.key == "data_page_confirm"]


def test_changes_made_are_listed(database):
    app = page_with("swapped.csv")
    changes = next(t.value for t in app.dataframe if "change" in t.value.columns)
    assert dict(zip(changes["change"], changes["rows"]))["latitude/longitude swapped"] == 2


def test_donors_and_signed_out_visitors_cannot_import(database):
    app = page_with("clean.csv", {"username": "eu-donor", "role": "donor"})
    assert not app.exception
    assert "donors see aggregates only" in app.info[0].value
    assert not app.get("file_uploader") and not app.metric
    nobody = page_with("clean.csv", user=None)
    assert "Sign in through the Checkpost app" in nobody.info[0].value and not nobody.metric
    assert [b.label for b in nobody.get("download_button")] == ["Template (CSV)", "Template (Excel)"]


def test_page_functions_without_streamlit():
    import importlib.util

    spec = importlib.util.spec_from_file_location("data_page", PAGE)
    page = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(page)       # not __main__: nothing is rendered
    result = page.validate_upload("template.csv", template_csv())
    table = page.case_type_table(result)
    assert list(table["case_type"]) == ["smuggling", "trafficking", "unknown"]
    assert list(table["persons"]) == [12, 3, 40]
    with pytest.raises(PermissionError, match="user 'd' \\(donor\\) may not import"):
        page.confirm_import(result, {"username": "d", "role": "donor"})
    with pytest.raises(PermissionError, match="nobody signed in may not import"):
        page.confirm_import(result, None)
    month_first = page.validate_upload("m.csv", (CORPUS / "dayfirst.csv").read_bytes(),
                                       date_order="month first (MM/DD/YYYY)")
    assert "has no month 14" in month_first.rejected["reason"].iloc[0]
    assert len(read_intercepts(CORPUS / "dayfirst.csv").accepted) == 4
