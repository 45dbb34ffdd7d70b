"""Streamlit page "Data": bring intercept records into Checkpost.

Upload a file, check the column mapping (one editable row per field, or a saved profile), read the
validation report (file problems once, rows balance, rejections by reason, the latitude/longitude
exchanges to review, possible-duplicate groups to keep or drop), confirm the import, download the
rejected rows and the templates.
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
from geodata.ingest_report import balance_line, rejection_summary  # noqa: E402
from ui.auth import PAGE_ROLES, current_user  # noqa: E402  (sign-in and session expiry live there)
from ui.import_review import (duplicate_groups, groups_to_drop, mapping_choices, mapping_table,  # noqa: E402
                              swap_table)
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
               "swap_hint": "kept as given, exchanged it would be in Pakistan",
               "possible_duplicate": "possible duplicate (kept)", "persons_default": "empty persons counted as 1",
               "mode_blank": "empty mode set to unknown",
               "encoding": "undecodable characters", "column": "columns", "file": "file"}


def can_import(user: dict | None) -> bool:
    return bool(user) and user.get("role") in IMPORT_ROLES


def validate_upload(name: str, data: bytes, crs: str | None = None, date_order: str = "auto",
                    mapping: dict | None = None, profile=None) -> IngestResult:
    """Run the import checks on uploaded bytes (nothing is written to the database).

    ``mapping`` (``{field: column}``) and ``profile`` (a Profile or shipped name) choose the columns.
    """
    dayfirst = {"auto": None, "day first (DD/MM/YYYY)": True, "month first (MM/DD/YYYY)": False}[date_order]
    return read_intercepts(data, file_name=name, crs=(crs or "").strip() or None, dayfirst=dayfirst,
                           mapping=mapping or None, profile=profile)


def offered_profiles(headers: list[str], engine=None) -> dict:
    """Profiles (saved in the store first, then shipped) that fit a file with these headers, by name."""
    from store.profiles import profiles_for

    return {profile.name: profile for profile in profiles_for(headers, engine=engine)}


def save_mapping(result: IngestResult, name: str, user: dict, engine=None):
    """Save the mapping ``result`` was read with as a named profile (who and when are recorded)."""
    from store.profiles import save_profile

    if not can_import(user):
        raise PermissionError("only planners and commanders may save column mappings")
    columns = {m.field: m.column for m in result.mapping if m.column}
    return save_profile(name, columns, result.headers, user["username"], engine=engine)


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


def recent_batches(engine=None, limit: int = 10, user: dict | None = None) -> pd.DataFrame:
    """The latest imports: a commander sees only their own, planners every import."""
    from store.records import list_batches

    own = user is not None and user.get("role") != "planner"
    batches = list_batches(engine=engine, imported_by=user["username"] if own else None)
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
    result = _mapped_result(name, data, crs, date_order, user)
    result = _show_report(result)

    if result.ok and len(result.accepted):
        if st.button(f"Confirm import of {len(result.accepted)} records", type="primary",
                     key="data_page_confirm"):
            summary = confirm_import(result, user)
            st.session_state["data_page_summary"] = summary
        summary = st.session_state.get("data_page_summary")
        if summary is not None:
            st.success(summary.message())   # plain numbers only: nothing user-typed reaches markdown
    _show_batches()


def _validated(name, data, crs, date_order, mapping=None, profile=None) -> IngestResult:
    """Validation results cached per upload, options and mapping (a rerun does not re-read the file)."""
    key = hashlib.sha256(data + f"|{name}|{crs}|{date_order}|{sorted((mapping or {}).items())}|"
                                f"{getattr(profile, 'name', profile)}".encode()).hexdigest()
    cache = st.session_state.setdefault("data_page_results", {})
    if key not in cache:
        if len(cache) > 8:
            cache.clear()
        cache[key] = validate_upload(name, data, crs, date_order, mapping, profile)
        st.session_state.pop("data_page_summary", None)
    return cache[key]


def _mapped_result(name, data, crs, date_order, user) -> IngestResult:
    """The column mapping step: a saved profile, then one editable row per field, then validation."""
    first = _validated(name, data, crs, date_order)
    if not first.headers:
        return first
    st.subheader("Columns")
    profiles = offered_profiles(first.headers)
    choice = st.selectbox("Saved column mapping", ["(proposed from the file)", *profiles],
                          key="data_page_profile", help="Profiles saved for files with these columns")
    profile = profiles.get(choice)
    base = _validated(name, data, crs, date_order, profile=profile) if profile else first
    proposed = mapping_table(base)
    edited = st.data_editor(
        proposed, hide_index=True, key=f"data_page_mapping_{choice}", disabled=["field", "reason", "candidates"],
        column_config={"column": st.column_config.SelectboxColumn(
            "column", options=["", *[h for h in base.headers if not h.startswith("__")]])})
    choices = mapping_choices(edited, proposed)
    result = _validated(name, data, crs, date_order, choices, profile) if choices else base
    with st.expander("Save this mapping for files like this one"):
        profile_name = st.text_input("Profile name", key="data_page_profile_name")
        if st.button("Save mapping", key="data_page_save_profile") and profile_name.strip():
            from geodata.ingest_mapping import MappingError

            try:
                saved = save_mapping(result, profile_name, user)
                st.success(md(f"Saved as '{saved.name}' by {saved.created_by}."))
            except (MappingError, PermissionError) as error:
                st.error(md(error))
    return result


def _show_report(result: IngestResult) -> IngestResult:
    """The validation report; returns the result with the possible duplicates the user dropped removed."""
    st.subheader(f"Validation report: {md(result.file_name)}")
    for error in result.file_errors:
        st.error(md(error))
    for problem in result.file_problems:
        st.error(md(problem["message"]))
    result = _review_duplicates(result)
    columns = st.columns(5)
    columns[0].metric("rows read", result.rows_read)
    columns[1].metric("accepted", len(result.accepted))
    columns[2].metric("rejected", len(result.rejected))
    columns[3].metric("duplicates", result.duplicates)
    columns[4].metric("empty rows", result.empty_rows)
    st.caption(md(balance_line(result)))
    for message in file_messages(result):
        st.caption(md(message))
    if len(result.accepted):
        st.markdown("**Accepted, by case type**")
        st.dataframe(case_type_table(result), hide_index=True)
    _show_changes(result)
    if len(result.rejected):
        st.markdown("**Rejected rows, by reason** (fix them in the download and import it again)")
        st.dataframe(rejection_summary(result.rejected), hide_index=True)
        with st.expander("Every rejected row"):
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
    return result


def _review_duplicates(result: IngestResult) -> IngestResult:
    groups = duplicate_groups(result)
    if groups.empty:
        return result
    st.markdown(f"**Possible duplicates: {len(groups)} groups** (same date, place and persons; all kept "
                "unless you tick *drop*, which keeps the first row of the group and drops the others)")
    edited = st.data_editor(groups, hide_index=True, key="data_page_duplicates",
                            disabled=[c for c in groups.columns if c != "drop"])
    chosen = groups_to_drop(edited)
    return result.drop_possible_duplicates(chosen) if chosen else result


def _show_changes(result: IngestResult) -> None:
    changes = notes_summary(result)
    if not len(changes):
        return
    st.markdown("**Changes made while reading**")
    st.dataframe(changes, hide_index=True)
    swaps = swap_table(result)
    if len(swaps):
        st.markdown("**Latitude/longitude to review** (values before and after)")
        st.dataframe(swaps, hide_index=True)
    detail = result.notes[result.notes["row"].notna()]
    with st.expander("Row by row"):
        st.dataframe(detail[["row", "field", "message"]], hide_index=True)


def _show_batches() -> None:
    batches = recent_batches(user=current_user())
    if len(batches):
        st.markdown("**Recent imports**")
        st.dataframe(batches, hide_index=True)


if __name__ == "__main__":
    render()
