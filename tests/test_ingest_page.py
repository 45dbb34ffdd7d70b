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
    # Issue 11: B-2's impossible latitude 91.2 is exchanged (noted), so 3 accepted.
    assert metrics["rows read"] == "14" and metrics["accepted"] == "3" and metrics["rejected"] == "11"
    tables = [element.value for element in app.dataframe]
    by_case = next(t for t in tables if "records" in t.columns).set_index("case_type")
    assert by_case.loc["smuggling", "records"] == 2 and by_case.loc["trafficking", "records"] == 1
    rejected = next(t for t in tables if {"row", "reason"} <= set(t.columns))
    assert "persons 0 must be at least 1" in set(rejected["reason"])
    labels = [button.label for button in app.get("download_button")]
    assert "Rejected rows (CSV)" in labels and "Template (Excel)" in labels

    app.button(key="data_page_confirm").click().run()
    assert app.success[0].value == "Batch 1: 3 new records stored, 0 were already in the database."
    from store.records import list_batches, query_intercepts

    assert len(query_intercepts()) == 3
    assert list(list_batches()["imported_by"]) == ["amina"]
    app.button(key="data_page_confirm").click().run()
    # the same file again: the earlier batch is reported, no second batch written (issue 16)
    assert app.success[0].value == "This file was already imported as batch 1; nothing was written again."
    assert list(list_batches()["imported_by"]) == ["amina"]
    assert len(query_intercepts()) == 3


def test_unreadable_file_shows_the_error_and_no_confirm(database):
    app = page_with("truncated.xlsx")
    assert not app.exception
    assert app.error[0].value.replace("\\", "").startswith("truncated.xlsx is a damaged or incomplete Excel workbook")
    assert not [b for b in app.button if b.key == "data_page_confirm"]


def test_changes_made_are_listed(database):
    app = page_with("swapped.csv")
    changes = next(t.value for t in app.dataframe if "change" in t.value.columns)
    # Issue 11: only row 4 (hemisphere letters) is exchanged; row 3, a valid point in Finland, is kept.
    assert dict(zip(changes["change"], changes["rows"]))["latitude/longitude swapped"] == 1


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


# ------------------------------------------------------------------ issue 11: mapping, duplicates, profiles

PARTNER = ("Date,Where lat,Where lon,Persons,Notes,<img src=x onerror=alert(1)>\n"
           "2011-03-14,24.8607,67.0011,12,boat,a\n2011-03-14,24.8607,67.0011,12,dhow,b\n"
           "2011-03-15,25.1216,62.3254,3,,c\n")


def partner_page(**state) -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.session_state["data_page_upload"] = ("partner.csv", PARTNER.encode())
    app.session_state["user"] = ensure_account(PLANNER)
    for key, value in state.items():
        app.session_state[key] = value
    return app.run()


def test_mapping_table_has_one_editable_row_per_field_and_edits_revalidate(database):
    from geodata.ingest_mapping import FIELDS

    app = partner_page()
    assert not app.exception
    mapping = next(t.value for t in app.dataframe if "candidates" in t.value.columns)
    assert list(mapping["field"]) == list(FIELDS)
    assert [p.value for p in app.error] == [next(e.value for e in app.error)]   # one file problem, once
    assert "the file has neither latitude/longitude nor place columns" in app.error[0].value
    field_row = {f: i for i, f in enumerate(mapping["field"])}
    edits = {field_row["lat"]: {"column": "Where lat"}, field_row["lon"]: {"column": "Where lon"}}
    app = partner_page(**{"data_page_mapping_(proposed from the file)":
                          {"edited_rows": edits, "added_rows": [], "deleted_rows": []}})
    assert not app.exception and not app.error
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["accepted"] == "3"
    captions = " ".join(c.value for c in app.caption)
    import re

    # the user's header reaches markdown only escaped: no raw tag, no live markdown
    assert not re.search(r"(?<!\\)<img", captions) and "\\<img src=x onerror=alert(1)\\>" in captions  # ui.safe_text.md


def test_possible_duplicate_groups_can_be_dropped_before_confirming(database):
    from geodata.ingest_mapping import FIELDS

    rows = list(FIELDS)
    edits = {"edited_rows": {rows.index("lat"): {"column": "Where lat"}, rows.index("lon"): {"column": "Where lon"}},
             "added_rows": [], "deleted_rows": []}
    state = {"data_page_mapping_(proposed from the file)": edits}
    app = partner_page(**state)
    groups = next(t.value for t in app.dataframe if "drop" in t.value.columns)
    assert list(groups["rows"]) == ["2, 3"] and not groups["drop"].any()
    state["data_page_duplicates"] = {"edited_rows": {0: {"drop": True}}, "added_rows": [], "deleted_rows": []}
    app = partner_page(**state)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["accepted"] == "2"
    assert any("3 rows read = 2 accepted + 0 rejected + 1 dropped by choice + 0 empty" in c.value.replace("\\", "")
               for c in app.caption)
    app.button(key="data_page_confirm").click().run()
    assert app.success[0].value == "Batch 1: 2 new records stored, 0 were already in the database."


def test_a_saved_mapping_is_offered_again_for_the_same_columns(database):
    from geodata.ingest import read_intercepts as read
    from store.profiles import get_profile

    import importlib.util

    spec = importlib.util.spec_from_file_location("data_page", PAGE)
    page = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(page)
    result = read(PARTNER.encode(), file_name="partner.csv",
                  mapping={"lat": "Where lat", "lon": "Where lon"})
    saved = page.save_mapping(result, "partner-ngo", PLANNER)
    assert saved.created_by == "amina" and get_profile("partner-ngo").columns["lat"] == "Where lat"
    with pytest.raises(PermissionError):
        page.save_mapping(result, "other", {"username": "eu-donor", "role": "donor"})
    app = partner_page(data_page_profile="partner-ngo")
    assert not app.exception
    assert "partner-ngo" in app.selectbox(key="data_page_profile").options
    assert {m.label: m.value for m in app.metric}["accepted"] == "3"
