"""Checkpost's own table download, in place of Streamlit's built-in dataframe "Download as CSV".

Streamlit's built-in export writes cells as they are, so ``=HYPERLINK(...)`` in a plan note or a
file's source column would run when the file is opened in Excel; ``.streamlit/config.toml`` hides it
(``client.disableDataExport``) and pages offer this button, whose CSV goes through
geodata.safe_export like every other export.

    >>> table_download(log, "checkpost_audit_log", key="admin_audit_csv")
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from geodata.safe_export import csv_bytes


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Geometry as lon/lat (a CSV has no geometry type); everything else unchanged."""
    if "geometry" not in frame.columns:
        return pd.DataFrame(frame)
    geometry = frame["geometry"]
    plain = pd.DataFrame(frame.drop(columns="geometry"))
    if hasattr(geometry, "x") and not geometry.isna().all():
        points = geometry.where(geometry.geom_type == "Point")
        plain["lon"], plain["lat"] = points.x, points.y
    return plain


def table_download(frame: pd.DataFrame, file_stem: str, *, key: str, label: str = "Download table (CSV)") -> None:
    """A download button for ``frame`` as a formula-safe CSV named ``file_stem``.csv.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table as shown on the page.
    file_stem : str
        File name without ``.csv`` (letters, digits, ``-`` and ``_`` are kept, the rest become ``_``).
    key : str
        Streamlit widget key.
    label : str
        Button label.
    """
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in file_stem) or "table"
    st.download_button(label, csv_bytes(_plain(frame)), f"{stem}.csv", "text/csv", key=key,
                       icon=":material/download:")
