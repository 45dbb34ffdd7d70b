"""Files handed back to the clerk: rejected rows with reasons, and import templates.

Every cell goes through geodata.safe_export, the one formula neutraliser of all Checkpost exports.
"""
from __future__ import annotations

import pandas as pd

from geodata.safe_export import rows_csv_bytes, safe_cell, xlsx_bytes  # noqa: F401  (safe_cell: public here too)

TEMPLATE_COLUMNS = ["id", "date", "latitude", "longitude", "place_name", "persons", "case_type", "mode",
                    "agency", "nationality", "notes"]
TEMPLATE_ROWS = [
    ["FIA-KHI-0001", "2011-03-14", "24.8607", "67.0011", "Karachi", "12", "smuggling", "sea",
     "FIA", "Pakistani", "boat stopped before departure"],
    ["FIA-RYK-0002", "2011-04-02", "28.4202", "70.2952", "Rahim Yar Khan", "3", "trafficking", "land",
     "FIA", "Pakistani", "children recruited as camel jockeys"],
    ["FC-TFN-0003", "2011-05", "28.9640", "61.5950", "Taftan", "40", "unknown", "land",
     "FC", "Afghan", "month known, day not"],
]
TEMPLATE_HELP = [
    ["column", "what to write"],
    ["id", "your record number; optional, must be unique"],
    ["date", "YYYY-MM-DD or DD/MM/YYYY; a month (2011-05) or year when the day is not known"],
    ["latitude", "decimal degrees (24.8607) or DMS (24°51'38.5\"N); leave empty to use place_name"],
    ["longitude", "decimal degrees (67.0011) or DMS (67°00'04\"E)"],
    ["place_name", "village, town or crossing; looked up when coordinates are empty"],
    ["persons", "number of persons intercepted, 1 or more"],
    ["case_type", "smuggling, trafficking or unknown"],
    ["mode", "land, sea or air"],
    ["agency", "FIA, FC, Coast Guards, MSA, Police, Rangers, ..."],
    ["nationality", "optional"],
    ["notes", "free text; never shown to donors"],
]

def _rows_for_export(rejected: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    original = [c for c in rejected.columns if c not in ("row", "field", "reason")]
    header = [safe_cell(c) for c in original] + ["reason", "source_row"]   # a header can be a formula too
    rows = []
    for record in rejected.to_dict("records"):
        rows.append([safe_cell(record.get(c)) for c in original]
                    + [safe_cell(record.get("reason")), safe_cell(record.get("row"))])
    return header, rows


def _csv_bytes(header, rows) -> bytes:
    return rows_csv_bytes(header, rows)


def _xlsx_bytes(sheets: dict[str, tuple[list[str], list[list[str]]]]) -> bytes:
    return xlsx_bytes(sheets)


def rejected_file(result, fmt: str = "csv") -> bytes:
    """The rejected rows of ``result`` with their original columns, a `reason` and a `source_row` column.

    Both extra columns are ignored when the file is imported again, so a clerk
    can fix the values in place and re-import the same file.
    """
    header, rows = _rows_for_export(result.rejected)
    if fmt == "csv":
        return _csv_bytes(header, rows)
    if fmt == "xlsx":
        return _xlsx_bytes({"rejected": (header, rows)})
    raise ValueError(f"rejected_file: fmt must be 'csv' or 'xlsx', not {fmt!r}")


def template_csv() -> bytes:
    """A CSV template with one example row per case type."""
    return _csv_bytes(TEMPLATE_COLUMNS, TEMPLATE_ROWS)


def template_xlsx() -> bytes:
    """An Excel template: the same example rows, and a help sheet describing each column."""
    return _xlsx_bytes({"intercepts": (TEMPLATE_COLUMNS, TEMPLATE_ROWS),
                        "help": (TEMPLATE_HELP[0], TEMPLATE_HELP[1:])})
