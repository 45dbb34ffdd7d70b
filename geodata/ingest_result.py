"""What one import run produced (:class:`IngestResult`), and how chunk results are joined.

Rows balance always: ``accepted + rejected + dropped by choice + empty rows = rows read``
(:meth:`IngestResult.balance`).  ``accepted`` is in the intercept schema plus ``source_row``
(the row the clerk sees), ``country`` (point-in-polygon) and ``possible_duplicate``.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable

import geopandas as gpd
import pandas as pd

from geodata.ingest_export import rejected_file
from geodata.schema import empty_intercepts, typed_intercepts

EXTRA_COLUMNS = ("source_row", "country", "possible_duplicate")
POSSIBLE_COLUMNS = ["group", "row", "id"]


@dataclass
class IngestResult:
    """What came out of one file: accepted records, rejected rows with reasons, and notes."""

    accepted: gpd.GeoDataFrame
    rejected: pd.DataFrame
    notes: pd.DataFrame
    file_name: str = ""
    file_kind: str | None = None
    encoding: str | None = None
    file_errors: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)   # field -> header used
    rows_read: int = 0
    empty_rows: int = 0
    duplicates: int = 0
    note_counts: dict[str, int] = field(default_factory=dict)
    file_sha256: str | None = None
    mapping: list = field(default_factory=list)              # FieldMapping per field, as used
    file_problems: list[dict] = field(default_factory=list)  # once per file: field, message, candidates
    possible_duplicates: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=POSSIBLE_COLUMNS))
    dropped: int = 0                                         # rows the user dropped (possible duplicates)

    @property
    def ok(self) -> bool:
        """True when the file could be read (even if some rows were rejected)."""
        return not self.file_errors

    def balance(self) -> dict[str, int | bool]:
        """Row counts and whether they add up to the rows read (they always should)."""
        parts = {"rows_read": self.rows_read, "accepted": len(self.accepted), "rejected": len(self.rejected),
                 "dropped_by_choice": self.dropped, "empty_rows": self.empty_rows}
        parts["balanced"] = (parts["accepted"] + parts["rejected"] + self.dropped + self.empty_rows
                             == self.rows_read)
        return parts

    def summary(self) -> dict:
        return {"file": self.file_name, "kind": self.file_kind, "rows_read": self.rows_read,
                "accepted": len(self.accepted), "rejected": len(self.rejected),
                "dropped_by_choice": self.dropped, "duplicates": self.duplicates,
                "empty_rows": self.empty_rows, "possible_duplicate_groups": self.possible_duplicates["group"].nunique(),
                "file_errors": list(self.file_errors),
                "file_problems": [p["message"] for p in self.file_problems], "notes": dict(self.note_counts)}

    def rejected_file(self, fmt: str = "csv") -> bytes:
        """Rejected rows as CSV or XLSX bytes: original columns plus `reason`, ready to fix and re-import."""
        return rejected_file(self, fmt)

    def counts_by_case_type(self) -> pd.Series:
        """Accepted records and persons split by case_type (every count can be split so)."""
        return self.accepted.groupby("case_type")["persons"].agg(["count", "sum"]).reindex(
            ["smuggling", "trafficking", "unknown"], fill_value=0)

    def drop_possible_duplicates(self, groups: Iterable[int]) -> "IngestResult":
        """A copy without the later rows of the chosen possible-duplicate groups (the first row stays).

        The dropped rows are counted in ``dropped`` so the rows still balance.
        """
        chosen = {int(g) for g in groups}
        table = self.possible_duplicates
        drop_rows = set(table.loc[table["group"].isin(chosen) & (table["row"] != table["group"]), "row"])
        keep = ~self.accepted["source_row"].isin(drop_rows)
        accepted = self.accepted[keep].reset_index(drop=True)
        remaining = table[~table["row"].isin(drop_rows) & ~table["group"].isin(chosen)].reset_index(drop=True)
        accepted["possible_duplicate"] = accepted["source_row"].isin(set(remaining["row"]))
        return replace(self, accepted=accepted, possible_duplicates=remaining,
                       dropped=self.dropped + int((~keep).sum()))


def empty_rejected(headers=()) -> pd.DataFrame:
    columns = ["row", "field", "reason"] + [h for h in headers if h not in ("row", "field", "reason")]
    return pd.DataFrame({name: pd.Series(dtype="object") for name in columns})


def empty_notes() -> pd.DataFrame:
    return pd.DataFrame({"row": pd.Series(dtype="Int64"), "field": pd.Series(dtype="object"),
                         "kind": pd.Series(dtype="object"), "message": pd.Series(dtype="object")})


def notes_frame(notes: list[dict]) -> pd.DataFrame:
    if not notes:
        return empty_notes()
    return pd.DataFrame(notes, columns=["row", "field", "kind", "message"]).astype({"row": "Int64"})


def possible_frame(entries: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(entries, columns=POSSIBLE_COLUMNS)
    return frame.astype({"group": "int64", "row": "int64"}) if len(frame) else frame


def accepted_frame(records: list[dict]) -> gpd.GeoDataFrame:
    """Accepted records -> schema GeoDataFrame with the extra columns."""
    if not records:
        frame = empty_intercepts()
        frame["source_row"] = pd.Series(dtype="int64")
        frame["country"] = pd.Series(dtype="string")
        frame["possible_duplicate"] = pd.Series(dtype="bool")
        return frame
    table = pd.DataFrame.from_records(records)
    extra = {"source_row": table["source_row"].astype("int64"), "country": table["country"].astype("string"),
             "possible_duplicate": pd.Series(False, index=table.index)}
    return typed_intercepts(table, table["lon"], table["lat"], extra=extra)


def combine(parts: list[IngestResult]) -> IngestResult:
    """Join chunk results into one (possible-duplicate flags are set across the whole file)."""
    first = parts[0]
    accepted = [p.accepted for p in parts if len(p.accepted)]
    rejected = [p.rejected for p in parts if len(p.rejected)]
    notes = [p.notes for p in parts if len(p.notes)]
    possible = [p.possible_duplicates for p in parts if len(p.possible_duplicates)]
    joined = pd.concat(accepted, ignore_index=True) if accepted else first.accepted
    table = pd.concat(possible, ignore_index=True) if possible else first.possible_duplicates
    if len(joined):
        joined["possible_duplicate"] = joined["source_row"].isin(set(table["row"]))
    return replace(
        first, accepted=joined,
        rejected=pd.concat(rejected, ignore_index=True) if rejected else first.rejected,
        notes=pd.concat(notes, ignore_index=True) if notes else first.notes,
        file_errors=[error for p in parts for error in p.file_errors],
        rows_read=sum(p.rows_read for p in parts), empty_rows=sum(p.empty_rows for p in parts),
        duplicates=sum(p.duplicates for p in parts), note_counts=dict(parts[-1].note_counts),
        possible_duplicates=table, dropped=sum(p.dropped for p in parts))
