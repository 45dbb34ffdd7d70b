"""Import intercept records from the files offices actually keep.

    >>> from geodata.ingest import read_intercepts
    >>> result = read_intercepts("ledger.xlsx")
    >>> result.accepted          # GeoDataFrame in the intercept schema (geodata/schema.py)
    >>> result.rejected          # one row per rejected input row: row, field, reason, original values
    >>> result.notes             # swaps, conversions and other changes made, row by row
    >>> result.rejected_file()   # CSV bytes of the rejected rows with a `reason` column, to fix and re-import

Reads CSV (any common delimiter and encoding), Excel .xlsx, GeoJSON,
GeoPackage and zipped Shapefile, from a path, bytes or an uploaded file
object.  Bad content never raises: a file that cannot be read at all gives an
IngestResult whose ``file_errors`` say why.  Large files are streamed in chunks
(``iter_intercepts``).

Command line: ``python -m geodata.ingest FILE [--crs EPSG:32642] [--rejected out.csv]``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import math
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterator

import geopandas as gpd
import pandas as pd

from geodata.coords import (CoordinateError, check_range, in_pakistan, parse_angle)
from geodata.ingest_columns import match_columns
from geodata.ingest_export import (rejected_file, template_csv, template_xlsx)  # noqa: F401 (re-export)
from geodata.safe_export import write_table
from geodata.ingest_read import FileProblem, as_source, open_table
from geodata.ingest_values import (ValueProblem, check_period, clean_text, numeric_date_order,
                                   parse_bool, parse_case_type, parse_date, parse_mode, parse_persons)
from geodata.schema import empty_intercepts, typed_intercepts

DEFAULT_CHUNKSIZE = 50_000
# Per-row notes kept per kind; beyond this only the count grows (a million DMS rows need no million notes).
NOTES_PER_KIND = 1000

REQUIRED = {"persons": "persons", "mode": "mode"}


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
    columns: dict[str, str] = field(default_factory=dict)   # schema field -> header used
    rows_read: int = 0
    empty_rows: int = 0
    duplicates: int = 0
    note_counts: dict[str, int] = field(default_factory=dict)
    file_sha256: str | None = None

    @property
    def ok(self) -> bool:
        """True when the file could be read (even if some rows were rejected)."""
        return not self.file_errors

    def summary(self) -> dict:
        return {"file": self.file_name, "kind": self.file_kind, "rows_read": self.rows_read,
                "accepted": len(self.accepted), "rejected": len(self.rejected),
                "duplicates": self.duplicates, "empty_rows": self.empty_rows,
                "file_errors": list(self.file_errors), "notes": dict(self.note_counts)}

    def rejected_file(self, fmt: str = "csv") -> bytes:
        """Rejected rows as CSV or XLSX bytes: original columns plus `reason`, ready to fix and re-import."""
        return rejected_file(self, fmt)

    def counts_by_case_type(self) -> pd.Series:
        """Accepted records and persons split by case_type (every count can be split so)."""
        return self.accepted.groupby("case_type")["persons"].agg(["count", "sum"]).reindex(
            ["smuggling", "trafficking", "unknown"], fill_value=0)


def _empty_rejected(headers=()) -> pd.DataFrame:
    columns = ["row", "field", "reason"] + [h for h in headers if h not in ("row", "field", "reason")]
    return pd.DataFrame({name: pd.Series(dtype="object") for name in columns})


def _empty_notes() -> pd.DataFrame:
    return pd.DataFrame({"row": pd.Series(dtype="Int64"), "field": pd.Series(dtype="object"),
                         "kind": pd.Series(dtype="object"), "message": pd.Series(dtype="object")})


class _Reject(Exception):
    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(reason for _, reason in problems))
        self.problems = problems


@lru_cache(maxsize=32)
def _transformer(crs: str):
    from pyproj import CRS, Transformer

    source = CRS.from_user_input(crs)
    return source, Transformer.from_crs(source, "EPSG:4326", always_xy=True)


@lru_cache(maxsize=4096)
def _gazetteer(name: str) -> tuple[float, float] | str:
    """(lon, lat) for a place name, or a message saying why not."""
    unavailable = (f"no coordinates, and the gazetteer is not available to look up '{name}'; "
                   "add latitude and longitude")
    try:
        from geodata.gazetteer import lookup
    except ImportError:
        return unavailable
    try:
        lon, lat = lookup(name, country="PK")
    except OSError:  # the gazetteer's data files are missing
        return unavailable
    except LookupError as error:
        hint = f" ({error})" if str(error) else ""
        return (f"no coordinates, and place '{name}' is not in the gazetteer{hint}; add latitude and "
                "longitude or use a known place name")
    return float(lon), float(lat)


class _Validator:
    """Turns raw text rows into schema records; keeps file-wide state across chunks."""

    def __init__(self, file_name: str, headers: list[str], crs: str | None, dayfirst: bool | None,
                 today: dt.date):
        self.file_name = file_name
        self.headers = headers
        self.mapping, column_notes = match_columns(headers)
        self.crs = crs
        self.dayfirst = dayfirst
        self.today = today
        self.notes: list[dict] = []
        self.note_counts: dict[str, int] = {}
        self.seen_keys: dict[tuple, int] = {}
        self.seen_ids: dict[str, int] = {}
        self.empty_rows = 0
        self.duplicates = 0
        self.rows_read = 0
        self.pending: list | None = None
        for message in column_notes:
            self.note(None, "columns", "column", message)
        self.missing = self._missing_columns()
        for message in self.missing:
            self.note(None, "columns", "column", message)

    def _missing_columns(self) -> list[str]:
        messages = []
        for key, label in REQUIRED.items():
            if key not in self.mapping:
                messages.append(f"the file has no {label} column; add one (see the template)")
        if "date" not in self.mapping and "date_from" not in self.mapping:
            messages.append("the file has no date column; add one (see the template)")
        has_coords = "lat" in self.mapping and "lon" in self.mapping
        if not has_coords and "place_name" not in self.mapping:
            messages.append("the file has neither latitude/longitude nor place columns; add them")
        return messages

    def note(self, row, field_name, kind, message):
        if row is not None and self.pending is not None:
            self.pending.append((row, field_name, kind, message))  # kept only if the row is accepted
            return
        self._store_note(row, field_name, kind, message)

    def _store_note(self, row, field_name, kind, message):
        count = self.note_counts.get(kind, 0)
        self.note_counts[kind] = count + 1
        if row is None or count < NOTES_PER_KIND:
            self.notes.append({"row": row, "field": field_name, "kind": kind, "message": message})

    def get(self, values: list, key: str) -> str:
        index = self.mapping.get(key)
        if index is None or index >= len(values):
            return ""
        value = values[index]
        return value.strip() if isinstance(value, str) else str(value).strip()

    # ------------------------------------------------------------ chunk

    def decide_date_order(self, chunk):
        if self.dayfirst is not None:
            return
        samples = []
        for key in ("date", "date_from", "date_to"):
            index = self.mapping.get(key)
            if index is not None:
                samples.extend(values[index] for _, values, _, _ in chunk if index < len(values))
        order = numeric_date_order(samples)
        self.dayfirst = True if order is None else order
        if order is False:
            self.note(None, "date", "date_order",
                      "dates read month-first (MM/DD/YYYY): some dates only make sense that way")

    def run(self, chunk) -> tuple[list[dict], list[dict]]:
        self.decide_date_order(chunk)
        accepted, rejected = [], []
        for number, values, row_problem, overflow in chunk:
            self.rows_read += 1
            if not row_problem and not any(str(v).strip() for v in values):
                self.empty_rows += 1
                continue
            try:
                if row_problem:
                    raise _Reject([("row", row_problem)])
                if self.missing:
                    raise _Reject([("columns", message) for message in self.missing])
                self.pending = []
                if any("\ufffd" in value for value in values if isinstance(value, str)):
                    self.note(number, "row", "encoding", "some characters could not be decoded and show "
                              "as \ufffd; check the file's text encoding")
                accepted.append(self.record(number, values))
                for pending in self.pending:
                    self._store_note(*pending)
            except _Reject as reject:
                entry = {"row": number,
                         "field": ", ".join(dict.fromkeys(f for f, _ in reject.problems)),
                         "reason": "; ".join(reason for _, reason in reject.problems)}
                for header, value in zip(self.headers, values):
                    if header.startswith("__") or self._own_column(header):
                        continue  # geometry helpers; our previous reason/source_row are replaced
                    entry[f"{header} (original)" if header in entry else header] = value
                for position, value in enumerate(overflow, 1):
                    entry[f"extra_{position}"] = value
                if "__lon" in self.headers:
                    entry.setdefault("longitude", self.get(values, "lon"))
                    entry.setdefault("latitude", self.get(values, "lat"))
                rejected.append(entry)
            finally:
                self.pending = None
        return accepted, rejected

    @staticmethod
    def _own_column(header: str) -> bool:
        """Columns our rejected-rows export adds (reason, source_row): regenerated, never copied."""
        from geodata.ingest_columns import SYNONYMS, normalise_header

        return normalise_header(header) in {normalise_header(name) for name in SYNONYMS["_ignore"]}

    # ------------------------------------------------------------ one row

    def record(self, number: int, values: list) -> dict:
        problems: list[tuple[str, str]] = []

        def attempt(field_name, function, *args):
            try:
                return function(*args)
            except (ValueProblem, CoordinateError) as error:
                problems.append((field_name, str(error)))
                return None

        place_name, formula = clean_text(self.get(values, "place_name"))
        if formula:
            self.note(number, "place_name", "formula", "place_name looked like a spreadsheet formula; "
                      "kept as text with a leading '")
        period = attempt("date", self.dates, values)
        persons = attempt("persons", parse_persons, self.get(values, "persons"))
        case_text = self.get(values, "case_type")
        case_type = attempt("case_type", parse_case_type, case_text)
        if case_type == "unknown" and not case_text:
            self.note(number, "case_type", "case_type_blank", "case_type empty; recorded as unknown")
        mode = attempt("mode", parse_mode, self.get(values, "mode"))
        synthetic = attempt("synthetic", parse_bool, self.get(values, "synthetic"), "synthetic")
        point = None
        geometry_problem = self.get(values, "_geometry_problem")
        if geometry_problem:
            problems.append(("geometry", geometry_problem))
        else:
            point = attempt("latitude/longitude", self.point, number, values, place_name)
        if problems:
            raise _Reject(problems)

        text = {}
        for key in ("agency", "nationality", "notes"):
            text[key], formula = clean_text(self.get(values, key))
            if formula:
                self.note(number, key, "formula",
                          f"{key} looked like a spreadsheet formula; kept as text with a leading '")
        first, last = period
        lon, lat = point
        key = (first, last, place_name.lower() if place_name else (round(lon, 4), round(lat, 4)), persons)
        if key in self.seen_keys:
            self.duplicates += 1
            raise _Reject([("row", f"duplicate of row {self.seen_keys[key]} (same date, place and "
                                   "persons); not counted twice")])
        record_id = clean_text(self.get(values, "id"))[0]
        content = "|".join(map(str, (first, last, lon, lat, persons, case_type, mode, text["agency"],
                                     place_name, text["nationality"], text["notes"], synthetic)))
        if not record_id:
            record_id = "h" + hashlib.sha1(content.encode("utf-8")).hexdigest()[:15]
        elif record_id in self.seen_ids:
            raise _Reject([("id", f"id '{record_id}' is already used on row {self.seen_ids[record_id]}; "
                                  "ids must be unique")])
        self.seen_keys[key] = number
        self.seen_ids[record_id] = number
        exact = first == last  # schema: date for a known day, date_from/date_to only for a period
        return {"id": record_id, "date": first if exact else None, "date_from": None if exact else first,
                "date_to": None if exact else last, "persons": persons, "case_type": case_type, "mode": mode,
                "agency": text["agency"], "place_name": place_name,
                "nationality": text["nationality"], "notes": text["notes"], "synthetic": synthetic,
                "source": self.get(values, "source") or f"{self.file_name} row {number}",
                "lon": lon, "lat": lat}

    def dates(self, values) -> tuple[dt.date, dt.date]:
        text = self.get(values, "date")
        if text:
            first, last = parse_date(text, self.dayfirst)
            check_period(first, last, f"'{text}'", self.today)
            return first, last
        start, end = self.get(values, "date_from"), self.get(values, "date_to")
        if not start and not end:
            raise ValueProblem("date is empty; enter the date (or date_from and date_to)")
        first = parse_date(start or end, self.dayfirst)[0]
        last = parse_date(end or start, self.dayfirst)[1]
        check_period(first, last, f"'{start}'..'{end}'", self.today)
        return first, last

    def point(self, number, values, place_name) -> tuple[float, float]:
        lat_text, lon_text = self.get(values, "lat"), self.get(values, "lon")
        if not lat_text and not lon_text:
            if not place_name:
                raise ValueProblem("no coordinates and no place name; enter latitude and longitude "
                                   "or a place name")
            found = _gazetteer(place_name.lstrip("'"))
            if isinstance(found, str):
                raise ValueProblem(found)
            self.note(number, "latitude/longitude", "gazetteer",
                      f"coordinates for '{place_name}' taken from the gazetteer")
            return found
        if not lat_text:
            raise ValueProblem("latitude is empty but longitude is given")
        if not lon_text:
            raise ValueProblem("longitude is empty but latitude is given")
        lat_angle, lon_angle = parse_angle(lat_text, "lat"), parse_angle(lon_text, "lon")
        crs = self.get(values, "crs") or self.crs
        if crs:
            lon, lat = self.reproject(number, crs, lon_angle.degrees, lat_angle.degrees)
        else:
            lat, lon = lat_angle.degrees, lon_angle.degrees
            if abs(lat) > 1000 and abs(lon) > 1000:
                raise ValueProblem(
                    f"x {lon_text} / y {lat_text} look like projected coordinates in metres; declare "
                    "their CRS (a 'crs' column such as EPSG:32642, or read_intercepts(..., crs=...))")
        notations = {lat_angle.notation, lon_angle.notation} - {"decimal"}
        if notations:
            self.note(number, "latitude/longitude", "conversion",
                      f"read {' and '.join(sorted(notations))} coordinates "
                      f"'{lat_text}', '{lon_text}' as {lat:.6f}, {lon:.6f}")
        lettered_swap = (lat_angle.hemisphere in ("E", "W") and lon_angle.hemisphere in ("N", "S"))
        if lettered_swap or (not in_pakistan(lon, lat) and in_pakistan(lat, lon)):
            why = ("the hemisphere letters say so" if lettered_swap else
                   "the swapped point lies in Pakistan, the original does not")
            self.note(number, "latitude/longitude", "swap",
                      f"latitude and longitude were swapped (latitude {lat_text}, longitude {lon_text}); exchanged "
                      f"because {why}")
            lat, lon = lon, lat
        else:
            for angle, axis in ((lat_angle, "lat"), (lon_angle, "lon")):
                if angle.hemisphere and angle.hemisphere not in ("NS" if axis == "lat" else "EW"):
                    raise CoordinateError(f"{'latitude' if axis == 'lat' else 'longitude'} "
                                          f"'{lat_text if axis == 'lat' else lon_text}' has the letter "
                                          f"{angle.hemisphere}, which belongs to the other axis")
        check_range(lat, "lat")
        check_range(lon, "lon")
        if lat == 0 and lon == 0:
            raise ValueProblem("coordinates 0, 0 are a placeholder, not a place; enter the real position")
        if not in_pakistan(lon, lat):
            self.note(number, "latitude/longitude", "outside_pakistan",
                      f"point {lat:.5f}, {lon:.5f} (lat, lon) lies outside Pakistan; kept, please check")
        return lon, lat

    def reproject(self, number, crs, x, y) -> tuple[float, float]:
        from pyproj.exceptions import CRSError

        try:
            source, transformer = _transformer(str(crs).strip())
        except CRSError:
            raise ValueProblem(f"crs '{crs}' is not a coordinate system I know (try EPSG:32642)") from None
        if source.is_geographic:
            return x, y
        lon, lat = transformer.transform(x, y)
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise ValueProblem(f"x {x:g} / y {y:g} cannot be converted from {crs}")
        self.note(number, "latitude/longitude", "projected",
                  f"x {x:.2f}, y {y:.2f} in {crs} converted to {lat:.6f}, {lon:.6f} (lat, lon)")
        return lon, lat


def _accepted_frame(records: list[dict]) -> gpd.GeoDataFrame:
    if not records:
        return empty_intercepts()
    table = pd.DataFrame.from_records(records)
    return typed_intercepts(table, table["lon"], table["lat"])


def _failed(name: str, message: str, kind=None, sha=None) -> IngestResult:
    return IngestResult(_accepted_frame([]), _empty_rejected(), _empty_notes(), name, kind,
                        file_errors=[message], file_sha256=sha)


def _sha256(source) -> str:
    digest = hashlib.sha256()
    with source.open_binary() as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def iter_intercepts(source, *, crs: str | None = None, dayfirst: bool | None = None,
                    chunksize: int = DEFAULT_CHUNKSIZE, file_name: str | None = None,
                    today: dt.date | None = None) -> Iterator[IngestResult]:
    """Yield one IngestResult per chunk of ``chunksize`` rows (for files too large for memory).

    Duplicate and id checks span the whole file.  The first result carries the
    file-level notes; ``file_errors`` appear on the result where they were found.
    """
    opened = as_source(source, file_name)
    sha = _sha256(opened)
    try:
        table = open_table(opened, chunksize)
    except FileProblem as problem:
        yield _failed(opened.name, str(problem), sha=sha)
        return
    validator = _Validator(opened.name, table.headers, crs, dayfirst, today or dt.date.today())
    for message in table.notes:
        validator.note(None, "file", "file", message)
    columns = {key: table.headers[index] for key, index in validator.mapping.items()
               if not key.startswith("_")}
    produced = False
    for chunk in table.chunks:
        rows_before, empty_before, dup_before = validator.rows_read, validator.empty_rows, validator.duplicates
        accepted, rejected = validator.run(chunk)
        notes = pd.DataFrame(validator.notes, columns=["row", "field", "kind", "message"]) \
            if validator.notes else _empty_notes()
        validator.notes = []
        yield IngestResult(
            _accepted_frame(accepted),
            pd.DataFrame(rejected) if rejected else _empty_rejected(
                [h for h in table.headers if not h.startswith("__")]),
            notes.astype({"row": "Int64"}), opened.name, table.kind, table.encoding,
            list(table.problems), table.headers, columns, validator.rows_read - rows_before,
            validator.empty_rows - empty_before, validator.duplicates - dup_before,
            dict(validator.note_counts), sha)
        table.problems.clear()
        produced = True
    if not produced or table.problems:
        notes = pd.DataFrame(validator.notes, columns=["row", "field", "kind", "message"]) \
            if validator.notes else _empty_notes()
        problems = list(table.problems)
        if not produced and not problems:
            problems.append(f"{opened.name} has a header row but no data rows")
        yield IngestResult(_accepted_frame([]), _empty_rejected(
            [h for h in table.headers if not h.startswith("__")]), notes.astype({"row": "Int64"}),
            opened.name, table.kind, table.encoding, problems, table.headers, columns, 0, 0, 0,
            dict(validator.note_counts), sha)


def combine(parts: list[IngestResult]) -> IngestResult:
    """Join chunk results into one."""
    first = parts[0]
    accepted = [p.accepted for p in parts if len(p.accepted)]
    rejected = [p.rejected for p in parts if len(p.rejected)]
    notes = [p.notes for p in parts if len(p.notes)]
    return IngestResult(
        pd.concat(accepted, ignore_index=True) if accepted else first.accepted,
        pd.concat(rejected, ignore_index=True) if rejected else first.rejected,
        pd.concat(notes, ignore_index=True) if notes else first.notes,
        first.file_name, first.file_kind, first.encoding,
        [error for p in parts for error in p.file_errors], first.headers, first.columns,
        sum(p.rows_read for p in parts), sum(p.empty_rows for p in parts),
        sum(p.duplicates for p in parts), dict(parts[-1].note_counts), first.file_sha256)


def read_intercepts(source, *, crs: str | None = None, dayfirst: bool | None = None,
                    chunksize: int = DEFAULT_CHUNKSIZE, file_name: str | None = None,
                    today: dt.date | None = None) -> IngestResult:
    """Read an intercept file into an IngestResult.

    ``source``: path, bytes or file object (a Streamlit upload works).  ``crs``:
    CRS of x/y columns when they are projected (e.g. ``"EPSG:32642"``); a ``crs``
    column in the file overrides it per row.  ``dayfirst``: force the reading of
    numeric dates (default: day-first unless the file shows otherwise).
    ``file_name``: the name to report (defaults to the path's or upload's name).
    """
    return combine(list(iter_intercepts(source, crs=crs, dayfirst=dayfirst, chunksize=chunksize,
                                        file_name=file_name, today=today)))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geodata.ingest",
                                     description="Validate an intercept file and report what would be imported.")
    parser.add_argument("file")
    parser.add_argument("--crs", help="CRS of projected x/y columns, e.g. EPSG:32642")
    parser.add_argument("--month-first", action="store_true", help="read 03/04/2011 as 4 March")
    parser.add_argument("--rejected", help="write rejected rows (with reasons) to this CSV or XLSX")
    parser.add_argument("--accepted", help="write accepted records to this GeoJSON/GPKG/CSV")
    args = parser.parse_args(argv)
    result = read_intercepts(args.file, crs=args.crs, dayfirst=False if args.month_first else None)
    for key, value in result.summary().items():
        print(f"{key}: {value}")
    for row in result.rejected.head(50).itertuples():
        print(f"  rejected row {row.row}: {row.reason}")
    if args.rejected:
        with open(args.rejected, "wb") as handle:
            handle.write(result.rejected_file("xlsx" if args.rejected.endswith(".xlsx") else "csv"))
    if args.accepted:
        if args.accepted.lower().endswith((".csv", ".xlsx")):
            frame = result.accepted.assign(lon=result.accepted.geometry.x, lat=result.accepted.geometry.y)
            write_table(frame.drop(columns="geometry"), args.accepted)
        else:
            result.accepted.to_file(args.accepted)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
