"""Streamlit page "Data": bring intercept records into Checkpost.

Upload a file, read the validation report (accepted, rejected rows with reasons, the swaps and
conversions made), confirm the import, download the rejected rows and the templates.
Register it with ``st.Page("pages/data.py", title="Data")``.

The signed-in user is read from ``st.session_state["user"]`` (a dict with ``username`` and
``role``, as returned by store.users.verify_password, set by ui/auth.py).  Planners and
commanders may import; donors see aggregates only, and nobody signed in sees only the templates.  The logic lives in plain functions below; ``render()``
only lays them out.
"""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pandas as pd
import streamlit as st

# `streamlit run pages/data.py` on its own puts pages/ on the path, not the repository.
_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from geodata.ingest import IngestResult, read_intercepts, template_csv, template_xlsx  # noqa: E402
from ui.auth import PAGE_ROLES, current_user  # noqa: E402  (sign-in and session expiry live there)
from ui.safe_text import md  # noqa: E402
from ui.table_export import table_download  # noqa: E402

UPLOAD_TYPES = ["csv", "txt", "tsv", "xlsx", "xlsm", "geojson", "json", "gpkg", "zip"]
IMPORT_ROLES = PAGE_ROLES["pages/data.py"]
# A (name, bytes) pair placed here is used as the upload (re-import flows and headless tests).
STAGED_UPLOAD_KEY = "data_page_upload"
NOTE_LABELS = {"swap": "latitude/longitude swapped", "conversion": "coordinate notation converted",
               "projected": "projected x/y converted", "gazetteer": "position from gazetteer",
               "formula": "formula cell neutralised", "case_type_blank": "empty case_type set to unknown",
               "outside_pakistan": "point outside Pakistan (kept)", "date_order": "date order",
               "encoding": "undecodable characters", "column": "columns", "file": "file"}


def can_import(user: dict | None) -> bool:
    return bool(user) and user.get("role") in IMPORT_ROLES


def validate_upload(name: str, data: bytes, crs: str | None = None, date_order: str = "auto") -> IngestResult:
    """Run the import checks on uploaded bytes (nothing is written to the database)."""
    dayfirst = {"auto": None, "day first (DD/MM/YYYY)": True, "month first (MM/DD/YYYY)": False}[date_order]
    return read_intercepts(data, file_name=name, crs=(crs or "").strip() or None, dayfirst=dayfirst)


def case_type_table(result: IngestResult) -> pd.DataFrame:
    """Accepted records and persons per case type: smuggling and trafficking always shown apart."""
    counts = result.counts_by_case_type().rename(columns={"count": "records", "sum": "persons"})
    counts.index.name = "case_type"
    return counts.reset_index()


def notes_summary(result: IngestResult) -> pd.DataFrame:
    """How many changes of each kind were made while reading."""
    rows = [{"change": NOTE_LABELS.get(kind, kind), "rows": count}
            for kind, count in result.note_counts.items() if kind not in ("file", "column")]
    return pd.DataFrame(rows, columns=["change", "rows"])


def file_messages(result: IngestResult) -> list[str]:
    notes = result.notes
    return list(notes.loc[notes["kind"].isin(["file", "column", "date_order"]), "message"])


def rejected_table(result: IngestResult) -> pd.DataFrame:
    return result.rejected[["row", "field", "reason"]] if len(result.rejected) else \
        pd.DataFrame(columns=["row", "field", "reason"])


def confirm_import(result: IngestResult, user: dict, engine=None):
    """Write the accepted records as one batch (idempotent) and return the batch summary."""
    from store.records import import_batch

    if not can_import(user):
        who = f"user '{user.get('username')}' ({user.get('role')})" if user else "nobody signed in"
        raise PermissionError(f"{who} may not import records")
    return import_batch(result, result.file_name, user["username"], engine=engine)


def recent_batches(engine=None, limit: int = 10) -> pd.DataFrame:
    from store.records import list_batches

    batches = list_batches(engine=engine)
    return batches.drop(columns=["file_sha256"]).tail(limit).iloc[::-1]


def _staged_or_uploaded(upload):
    if upload is not None:
        return upload.name, upload.getvalue()
    staged = st.session_state.get(STAGED_UPLOAD_KEY)
    if staged:
        return staged
    return None


def render() -> None:
    st.title("Data: intercept records")
    user = current_user()
    st.caption("Import ledgers and spreadsheets of intercepts. Smuggling and trafficking are kept apart "
               "(case_type), every rejected row is kept with its reason.")

    left, right = st.columns(2)
    left.download_button("Template (CSV)", template_csv(), "checkpost_intercepts_template.csv", "text/csv")
    right.download_button("Template (Excel)", template_xlsx(), "checkpost_intercepts_template.xlsx",
                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    if user is None:
        st.info("Sign in through the Checkpost app (streamlit run app.py) to import records.")
        return
    if not can_import(user):
        st.info("Importing records needs a planner or commander account; donors see aggregates only.")
        return

    upload = st.file_uploader("Intercept file", type=UPLOAD_TYPES,
                              help="CSV, Excel .xlsx, GeoJSON, GeoPackage or a zipped Shapefile")
    with st.expander("Reading options"):
        crs = st.text_input("CRS of projected x/y columns", "", placeholder="e.g. EPSG:32642",
                            help="Only needed when coordinates are in metres and the file has no crs column")
        date_order = st.selectbox("Numeric dates", ["auto", "day first (DD/MM/YYYY)", "month first (MM/DD/YYYY)"])
    source = _staged_or_uploaded(upload)
    if source is None:
        st.info("Choose a file to see its validation report. Nothing is stored until you confirm.")
        _show_batches()
        return

    name, data = source
    key = hashlib.sha256(data + f"|{name}|{crs}|{date_order}".encode()).hexdigest()
    if st.session_state.get("data_page_key") != key:
        st.session_state["data_page_key"] = key
        st.session_state["data_page_result"] = validate_upload(name, data, crs, date_order)
        st.session_state.pop("data_page_summary", None)
    result: IngestResult = st.session_state["data_page_result"]
    _show_report(result)

    if result.ok and len(result.accepted):
        if st.button(f"Confirm import of {len(result.accepted)} records", type="primary",
                     key="data_page_confirm"):
            summary = confirm_import(result, user)
            st.session_state["data_page_summary"] = summary
        summary = st.session_state.get("data_page_summary")
        if summary is not None:
            st.success(f"Batch {summary.batch_id}: {summary.inserted} new records stored, "
                       f"{summary.already_present} were already in the database.")
    _show_batches()


def _show_report(result: IngestResult) -> None:
    st.subheader(f"Validation report: {md(result.file_name)}")
    for error in result.file_errors:
        st.error(md(error))
    columns = st.columns(5)
    columns[0].metric("rows read", result.rows_read)
    columns[1].metric("accepted", len(result.accepted))
    columns[2].metric("rejected", len(result.rejected))
    columns[3].metric("duplicates", result.duplicates)
    columns[4].metric("empty rows", result.empty_rows)
    for message in file_messages(result):
        st.caption(md(message))
    if len(result.accepted):
        st.markdown("**Accepted, by case type**")
        st.dataframe(case_type_table(result), hide_index=True)
    changes = notes_summary(result)
    if len(changes):
        st.markdown("**Changes made while reading**")
        st.dataframe(changes, hide_index=True)
        detail = result.notes[result.notes["row"].notna()]
        with st.expander("Row by row"):
            st.dataframe(detail[["row", "field", "message"]], hide_index=True)
    if len(result.rejected):
        st.markdown("**Rejected rows** (fix them in the download and import it again)")
        st.dataframe(rejected_table(result), hide_index=True)
        left, right = st.columns(2)
        stem = result.file_name.rsplit(".", 1)[0]
        left.download_button("Rejected rows (CSV)", result.rejected_file("csv"), f"{stem}_rejected.csv", "text/csv")
        right.download_button("Rejected rows (Excel)", result.rejected_file("xlsx"), f"{stem}_rejected.xlsx",
                              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    if len(result.accepted):
        with st.expander("Accepted records (first 200)"):
            preview = result.accepted.head(200).assign(lon=lambda f: f.geometry.x, lat=lambda f: f.geometry.y)
            st.dataframe(pd.DataFrame(preview.drop(columns="geometry")), hide_index=True)
            table_download(preview, result.file_name.rsplit(".", 1)[0] + "_accepted_first_200",
                           key="data_accepted_csv")


def _show_batches() -> None:
    batches = recent_batches()
    if len(batches):
        st.markdown("**Recent imports**")
        st.dataframe(batches, hide_index=True)


if __name__ == "__main__":
    render()
