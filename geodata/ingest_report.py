"""The validation report a clerk can act on: counts, file-level problems once, rejections by reason.

Used by both command lines (``python -m geodata.ingest`` and ``python -m store import``) and by
the Data page.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

_QUOTED = re.compile(r"'[^']*'")
_NUMBER = re.compile(r"−?-?\d+(?:[.,]\d+)?")


def reason_kind(reason: str) -> str:
    """A reason with its row-specific values taken out, so equal problems group together.

    >>> reason_kind("latitude 91.2 is outside −90..90")
    'latitude … is outside …..…'
    """
    return _NUMBER.sub("…", _QUOTED.sub("'…'", str(reason)))


def rejection_summary(rejected: pd.DataFrame, examples: int = 5) -> pd.DataFrame:
    """Rejected rows grouped by reason: ``reason``, ``field``, ``rows`` (count), ``example_rows``.

    The reason shown is the first row's own wording; most frequent reasons first.
    """
    columns = ["reason", "field", "rows", "example_rows"]
    if rejected is None or rejected.empty:
        return pd.DataFrame(columns=columns)
    frame = rejected[["row", "field", "reason"]].copy()
    frame["kind"] = frame["reason"].map(reason_kind)
    groups = []
    for (_kind, field_name), part in frame.groupby(["kind", "field"], sort=False):
        groups.append({"reason": part["reason"].iloc[0], "field": field_name, "rows": len(part),
                       "example_rows": ", ".join(str(r) for r in part["row"].head(examples))})
    table = pd.DataFrame(groups, columns=columns)
    return table.sort_values("rows", ascending=False, kind="stable").reset_index(drop=True)


def balance_line(result) -> str:
    """``"11170 rows read = 11168 accepted + 2 rejected + 0 dropped by choice + 0 empty"``."""
    parts = result.balance()
    line = (f"{parts['rows_read']} rows read = {parts['accepted']} accepted + {parts['rejected']} rejected + "
            f"{parts['dropped_by_choice']} dropped by choice + {parts['empty_rows']} empty")
    return line if parts["balanced"] else line + "  (DOES NOT ADD UP: please report this file)"


def default_rejected_path(file_name: str) -> Path:
    """Where rejected rows go when the user named no file: ``<stem>_rejected.csv`` here."""
    return Path(f"{Path(file_name).stem or 'import'}_rejected.csv")


def report_lines(result, rejected_path: str | Path | None) -> list[str]:
    """The command lines' report: problems of the file once, counts, reasons with counts, file written."""
    lines = [f"file: {result.file_name}"]
    lines += [f"error: {message}" for message in result.file_errors]
    lines += [f"file problem: {problem['message']}" for problem in result.file_problems]
    lines.append(balance_line(result))
    groups = result.possible_duplicates["group"].nunique() if len(result.possible_duplicates) else 0
    lines.append(f"exact duplicates (rejected): {result.duplicates}; possible duplicates kept for review: "
                 f"{len(result.possible_duplicates)} rows in {groups} groups")
    if len(result.accepted):
        countries = result.accepted["country"].fillna("outside the shipped country layers").value_counts()
        lines.append("accepted by country: " + ", ".join(f"{name} {count}" for name, count in countries.items()))
    swaps = result.note_counts.get("swap", 0)
    if swaps:
        lines.append(f"latitude/longitude exchanged on {swaps} rows (each noted with before/after)")
    summary = rejection_summary(result.rejected)
    if len(summary):
        lines.append("rejected, by reason:")
        lines += [f"  {row.rows:>6}  {row.reason}  (rows {row.example_rows}{', …' if row.rows > 5 else ''})"
                  for row in summary.itertuples()]
    if rejected_path is not None:
        lines.append(f"rejected rows with their reasons written to {rejected_path}")
    return lines


def write_rejected(result, path: str | Path | None) -> Path | None:
    """Write the rejected rows (CSV, or XLSX by extension); returns the path, None when none rejected."""
    if result.rejected.empty:
        return None
    target = Path(path) if path else default_rejected_path(result.file_name)
    target.write_bytes(result.rejected_file("xlsx" if target.suffix.lower() == ".xlsx" else "csv"))
    return target
