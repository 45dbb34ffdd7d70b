"""Tables the Data page shows before an import is confirmed (plain functions, no Streamlit).

* the column mapping, one editable row per field (:func:`mapping_table`, :func:`mapping_choices`);
* the possible-duplicate groups, each to keep or drop (:func:`duplicate_groups`);
* the latitude/longitude exchanges to review (:func:`swap_table`);
"""
from __future__ import annotations

import pandas as pd


def mapping_table(result) -> pd.DataFrame:
    """One row per field: ``field``, ``column`` (editable; "" = not used), ``reason``, ``candidates``."""
    rows = [m.as_dict() for m in result.mapping]
    return pd.DataFrame(rows, columns=["field", "column", "reason", "candidates"])


def mapping_choices(edited: pd.DataFrame, proposed: pd.DataFrame) -> dict[str, str]:
    """The user's changes to the mapping table as ``{field: column}`` (only rows that differ)."""
    before = dict(zip(proposed["field"], proposed["column"].fillna("")))
    after = dict(zip(edited["field"], edited["column"].fillna("")))
    return {field: str(column) for field, column in after.items() if before.get(field, "") != column}


def duplicate_groups(result) -> pd.DataFrame:
    """Possible-duplicate groups: ``group`` (first row), ``rows``, ``ids``, date, place, persons, ``drop``.

    ``drop`` starts False: rows that merely look alike are kept unless the user says otherwise.
    """
    columns = ["group", "rows", "ids", "date", "place", "persons", "drop"]
    table = result.possible_duplicates
    if table.empty:
        return pd.DataFrame(columns=columns)
    accepted = result.accepted.set_index("source_row")
    rows = []
    for group, part in table.groupby("group", sort=True):
        first = accepted.loc[group] if group in accepted.index else None
        day = first["date"] if first is not None and pd.notna(first["date"]) else (
            first["date_from"] if first is not None else None)
        rows.append({"group": int(group), "rows": ", ".join(str(r) for r in part["row"]),
                     "ids": ", ".join(str(i) for i in part["id"]),
                     "date": "" if day is None or pd.isna(day) else str(pd.Timestamp(day).date()),
                     "place": "" if first is None else str(first["place_name"] or
                                                           f"{first.geometry.y:.4f}, {first.geometry.x:.4f}"),
                     "persons": None if first is None else int(first["persons"]), "drop": False})
    return pd.DataFrame(rows, columns=columns)


def groups_to_drop(edited: pd.DataFrame) -> list[int]:
    """The groups whose ``drop`` box the user ticked."""
    if edited is None or edited.empty:
        return []
    return [int(g) for g, drop in zip(edited["group"], edited["drop"]) if bool(drop)]


def swap_table(result) -> pd.DataFrame:
    """Rows whose latitude and longitude were exchanged, with the values before and after."""
    notes = result.notes
    swaps = notes[notes["kind"].isin(["swap", "swap_hint"])]
    return swaps[["row", "kind", "message"]].reset_index(drop=True)
