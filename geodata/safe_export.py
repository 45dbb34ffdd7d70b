"""Spreadsheet-safe exports: the one place every CSV and XLSX file Checkpost writes goes through.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel and
LibreOffice as a formula (``=HYPERLINK(...)``, ``@SUM(...)``, DDE ``-cmd|...``).  Such text gets a
leading apostrophe, so the spreadsheet shows it as text; plain numbers (``-12.5``) stay numbers.

    >>> from geodata.safe_export import csv_bytes, xlsx_bytes, write_table, safe_cell
    >>> csv_bytes(frame)                       # UTF-8 with BOM, every text cell neutralised
    >>> xlsx_bytes({"sites": frame})           # every text cell stored as text, never a formula
    >>> write_table(frame, "out.csv")          # by suffix: .csv, .xlsx

It lives in ``geodata`` (the bottom of the one-way flow) so routes, models, store and ui can all use it.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?(?:[eE][-+]?\d+)?")


def _is_missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and value != value


def safe_cell(value) -> str:
    """``value`` as text a spreadsheet will not evaluate.

    Parameters
    ----------
    value : object
        Any cell value; None and NaN become the empty string.

    Returns
    -------
    str
        The text, with a leading apostrophe when it would start a formula (plain numbers are kept).
    """
    text = "" if _is_missing(value) else str(value)
    if text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def _safe_value(value):
    """Numbers, booleans and dates pass as they are (a spreadsheet cannot run them); text is neutralised."""
    if _is_missing(value):
        return None
    if isinstance(value, (bool, int, float)) or hasattr(value, "isoformat"):
        return value
    return safe_cell(value)


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) cannot start a formula.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table to export; a geometry column should be dropped or turned into lon/lat first.

    Returns
    -------
    pandas.DataFrame
        Same shape; numeric, boolean and datetime columns unchanged.
    """
    out = frame.copy()
    out.columns = [safe_cell(column) for column in out.columns]
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series) \
                or pd.api.types.is_bool_dtype(series):
            continue
        out[column] = series.map(_safe_value).astype(object)
    return out


def rows_csv_bytes(header: Sequence, rows: Iterable[Sequence], *, bom: bool = True) -> bytes:
    """CSV bytes of ``header`` and ``rows``, every cell neutralised (UTF-8, with a BOM for Excel)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow(["" if _is_missing(cell) else _safe_value(cell) for cell in row])
    # UTF-8 with BOM so Excel shows Urdu and accented names correctly.
    return buffer.getvalue().encode("utf-8-sig" if bom else "utf-8")


def csv_bytes(frame: pd.DataFrame, *, bom: bool = True) -> bytes:
    """The frame as neutralised CSV bytes (no index).

    Parameters
    ----------
    frame : pandas.DataFrame
        The table to export.
    bom : bool
        Start with a UTF-8 byte-order mark so Excel reads Urdu and accented names right.

    Returns
    -------
    bytes
    """
    return rows_csv_bytes(list(frame.columns), frame.itertuples(index=False, name=None), bom=bom)


def csv_text(frame: pd.DataFrame) -> str:
    """The frame as neutralised CSV text without a BOM (for callers that want ``str``)."""
    return csv_bytes(frame, bom=False).decode("utf-8")


def xlsx_bytes(sheets: dict[str, pd.DataFrame | tuple[Sequence, Iterable[Sequence]]]) -> bytes:
    """An Excel workbook, one sheet per entry, every text cell stored as text (never a formula).

    Parameters
    ----------
    sheets : dict
        Sheet title -> DataFrame, or -> ``(header, rows)``.

    Returns
    -------
    bytes
    """
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, table in sheets.items():
        header, rows = (list(table.columns), table.itertuples(index=False, name=None)) \
            if isinstance(table, pd.DataFrame) else table
        sheet = workbook.create_sheet(safe_cell(title)[:31])
        sheet.append([safe_cell(cell) for cell in header])
        for row in rows:
            sheet.append([_xlsx_value(cell) for cell in row])
        for cells in sheet.iter_rows():
            for cell in cells:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # openpyxl would store "=..." as a formula otherwise
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_value(cell):
    value = _safe_value(cell)
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return value.isoformat()  # Excel has no time zones
    return value


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` to ``path`` as neutralised CSV or XLSX, chosen by the suffix.

    Parameters
    ----------
    frame : pandas.DataFrame
    path : str or Path
        Ends in ``.csv`` or ``.xlsx``.

    Returns
    -------
    Path
        The path written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        path.write_bytes(csv_bytes(frame))
    elif suffix == ".xlsx":
        path.write_bytes(xlsx_bytes({path.stem or "data": frame}))
    else:
        raise ValueError(f"write_table: {path.name} must end in .csv or .xlsx")
    return path
