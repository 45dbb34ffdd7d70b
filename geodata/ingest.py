"""Import intercept records from the files offices and partner agencies actually keep.

    >>> from geodata.ingest import read_intercepts
    >>> result = read_intercepts("ledger.xlsx")
    >>> result.mapping           # which column feeds which field, and why (editable: mapping=...)
    >>> result.accepted          # GeoDataFrame in the intercept schema (geodata/schema.py)
    >>> result.rejected          # one row per rejected input row: row, field, reason, original values
    >>> result.file_problems     # problems of the whole file, once, with candidate columns
    >>> result.notes             # swaps, conversions and other changes made, row by row
    >>> result.rejected_file()   # CSV bytes of the rejected rows with a `reason` column, to fix and re-import

Reads CSV (any common delimiter; UTF-8, UTF-16, Windows-1256 or -1252), Excel
.xlsx (every sheet that holds records), GeoJSON, GeoPackage, zipped Shapefile and
Google Earth KML/KMZ, from a path, bytes or an uploaded file
object.  Bad content never raises: a file that cannot be read at all gives an
IngestResult whose ``file_errors`` say why.  Large files are streamed in chunks
(``iter_intercepts``).

    >>> read_intercepts("iom.csv", profile="iom-missing-migrants")          # a shipped profile
    >>> read_intercepts("ledger.csv", mapping={"date": "Tareekh", "persons": "Total"})

Only a position (coordinates, or a place the gazetteer knows) and a date are required; persons
missing count as 1 and a missing mode or case type is ``unknown``, each with a note.  This module
holds the row validator and the orchestration; reading files is :mod:`geodata.ingest_read`, the
mapping :mod:`geodata.ingest_mapping`, positions :mod:`geodata.ingest_position`, identity
:mod:`geodata.ingest_identity`, the result :mod:`geodata.ingest_result`.

Command line: ``python -m geodata.ingest FILE [--map FIELD=COLUMN ...] [--profile NAME] [--crs EPSG:32642]
[--rejected out.csv]``; exits 1 when the file is unreadable or nothing is accepted.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import sys
from functools import lru_cache
from typing import Iterator

import pandas as pd

from geodata.coords import CoordinateError
from geodata.ingest_country import PAKISTAN, countries_of, shipped_country_names
from geodata.ingest_columns import user_headers
from geodata.ingest_dates import compose_date, normalise_digits, precision_of
from geodata.ingest_export import (rejected_file, template_csv, template_xlsx)  # noqa: F401 (re-export)
from geodata.ingest_identity import DuplicateRow, Identity
from geodata.ingest_mapping import (FieldMapping, MappingError, apply_overrides, mapping_index, mapping_notes,
                                    missing_required, parse_map_options, propose_mapping)
from geodata.ingest_position import FileSwap, file_is_swapped, read_point, sample_pairs
from geodata.ingest_profiles import Profile, load_profile
from geodata.safe_export import write_table
from geodata.ingest_read import FileProblem, as_source, open_table
from geodata.ingest_result import (IngestResult, accepted_frame, combine, empty_notes, empty_rejected,
                                   notes_frame, possible_frame)
from geodata.ingest_source import clip
from geodata.ingest_values import (ValueProblem, check_period, clean_text, decide_date_order, parse_bool,
                                   parse_case_type, parse_column_date, parse_mode, parse_persons)

__all__ = ["read_intercepts", "iter_intercepts", "IngestResult", "combine", "template_csv", "template_xlsx",
           "rejected_file", "FieldMapping", "MappingError", "Profile"]

DEFAULT_CHUNKSIZE = 50_000
# Per-row notes kept per kind; beyond this only the count grows (a million DMS rows need no million notes).
NOTES_PER_KIND = 1000
# Rows of the first chunk that decide whether the whole file has latitude and longitude exchanged.
SWAP_SAMPLE_ROWS = 5000


class _Reject(Exception):
    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(reason for _, reason in problems))
        self.problems = problems


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

    def __init__(self, file_name: str, headers: list[str], sample: list[list], options: dict):
        self.file_name = file_name
        self.headers = headers
        self.crs = options.get("crs")
        self.dayfirst = options.get("dayfirst")
        self.today = options.get("today") or dt.date.today()
        self.mapping_used = apply_overrides(propose_mapping(headers, sample), headers, options.get("overrides"))
        self.mapping = mapping_index(self.mapping_used, headers)
        self.file_problems = missing_required(self.mapping_used, headers)
        self.identity = Identity(has_ids="id" in self.mapping)
        self.file_swap: FileSwap | None = None
        self.date_orders: dict | None = None
        self.notes: list[dict] = []
        self.note_counts: dict[str, int] = {}
        self.possible: list[dict] = []
        self.empty_rows = self.duplicates = self.rows_read = 0
        self.pending: list | None = None
        for message in mapping_notes(self.mapping_used, headers):
            self.note(None, "columns", "column", message)
        self._note_defaults()

    def _note_defaults(self) -> None:
        defaults = {"persons": "the file has no persons column; every record counts as 1 person",
                    "mode": "the file has no mode column; mode recorded as unknown",
                    "case_type": "the file has no case_type column; case_type recorded as unknown"}
        for key, message in defaults.items():
            if key not in self.mapping and not self.file_problems:
                self.note(None, key, "column", message)

    def note(self, row, field_name, kind, message):
        if row is not None and self.pending is not None:
            self.pending.append((row, field_name, kind, message))  # kept only if the row is accepted
            return
        self._store_note(row, field_name, kind, message)

    def _store_note(self, row, field_name, kind, message):
        message = clip(message, 400)   # notes quote headers and cells: never a whole file's worth
        count = self.note_counts.get(kind, 0)
        self.note_counts[kind] = count + 1
        if row is None or count < NOTES_PER_KIND:
            self.notes.append({"row": row, "field": field_name, "kind": kind, "message": message})

    def get(self, values: list, key: str) -> str:
        index = self.mapping.get(key)
        if index is None or index >= len(values):
            return ""
        value = values[index]
        text = value.strip() if isinstance(value, str) else str(value).strip()
        return text if text.isascii() else normalise_digits(text)

    # ------------------------------------------------------------ chunk

    def decide_date_order(self, chunk):
        """Per date column, from the rows read ahead (or the first chunk) with
        geodata.ingest_values.decide_date_order; ``chunk`` items start with (row, values)."""
        if self.date_orders is not None:
            return
        self.date_orders = {}
        for key in ("date", "date_from", "date_to"):
            index = self.mapping.get(key)
            if index is None:
                continue
            rows = ((item[0], item[1][index]) for item in chunk if index < len(item[1]))
            order = decide_date_order(self.headers[index], rows, self.dayfirst)
            self.date_orders[key] = order
            if order.note():
                self.note(None, key, "date_order", order.note())

    def decide_swap(self, chunk):
        if self.file_swap is not None:
            return
        declared = self.crs or "crs" in self.mapping
        sample = chunk[:SWAP_SAMPLE_ROWS]
        texts = [] if declared else [(self.get(v, "lat"), self.get(v, "lon")) for _, v, _, _ in sample]
        self.file_swap = file_is_swapped(sample_pairs(texts))
        if self.file_swap.swapped:
            self.note(None, "latitude/longitude", "file", self.file_swap.message())

    def run(self, chunk) -> tuple[list[dict], list[dict]]:
        self.decide_date_order(chunk)
        self.decide_swap(chunk)
        accepted, rejected = [], []
        for number, values, row_problem, overflow in chunk:
            self.rows_read += 1
            if not row_problem and not any(str(v).strip() for v in values):
                self.empty_rows += 1
                continue
            try:
                accepted.append(self._one_row(number, values, row_problem))
            except _Reject as reject:
                rejected.append(self._rejected_entry(number, values, overflow, reject.problems))
            finally:
                self.pending = None
        self._tag_countries(accepted)
        return accepted, rejected

    def _one_row(self, number: int, values: list, row_problem: str) -> dict:
        if row_problem:
            raise _Reject([("row", row_problem)])
        if self.file_problems:
            fields = " and ".join(p["field"] for p in self.file_problems)
            raise _Reject([("columns", f"not read: the file has no {fields} column (see the file problems "
                                       "at the top of the report)")])
        self.pending = []
        if any("\ufffd" in value for value in values if isinstance(value, str)):
            self.note(number, "row", "encoding", "some characters could not be decoded and show "
                      "as \ufffd; check the file's text encoding")
        record = self.record(number, values)
        for pending in self.pending:
            self._store_note(*pending)
        return record

    def _rejected_entry(self, number, values, overflow, problems) -> dict:
        entry = {"row": number, "field": ", ".join(dict.fromkeys(f for f, _ in problems)),
                 "reason": "; ".join(clip(reason, 400) for _, reason in problems)}
        if "_sheet" in self.mapping:
            entry["sheet"] = self.get(values, "_sheet")
        for header, value in zip(self.headers, values):
            if header.startswith("__") or self._own_column(header):
                continue  # geometry helpers; our previous reason/source_row are replaced
            entry[f"{header} (original)" if header in entry else header] = value
        for position, value in enumerate(overflow, 1):
            entry[f"extra_{position}"] = value
        if "__lon" in self.headers:
            entry.setdefault("longitude", self.get(values, "lon"))
            entry.setdefault("latitude", self.get(values, "lat"))
        return entry

    def _tag_countries(self, accepted: list[dict]) -> None:
        """Country by point-in-polygon; points outside Pakistan are kept with a note saying where."""
        if not accepted:
            return
        lons = [r["lon"] for r in accepted]
        lats = [r["lat"] for r in accepted]
        countries = countries_of(lons, lats)
        outside = [i for i, c in enumerate(countries) if c != PAKISTAN]
        swapped_home = countries_of([lats[i] for i in outside], [lons[i] for i in outside]) if outside else []
        for i, country in enumerate(countries):
            accepted[i]["country"] = country
        for i, flipped in zip(outside, swapped_home):
            record, where = accepted[i], countries[i]
            place = f"in {where}" if where else ("outside the shipped country layers ("
                                                 + ", ".join(shipped_country_names()) + ")")
            self._store_note(record["source_row"], "latitude/longitude", "outside_pakistan",
                             f"point {record['lat']:.5f}, {record['lon']:.5f} (lat, lon) lies outside Pakistan, "
                             f"{place}; kept")
            if flipped == PAKISTAN:
                self._store_note(record["source_row"], "latitude/longitude", "swap_hint",
                                 "kept as given; with latitude and longitude exchanged it would lie in "
                                 "Pakistan: check this row")

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

        place_name = self._text(number, values, "place_name")
        period = attempt("date", self.dates, values)
        persons = attempt("persons", self.persons, number, values)
        case_type = attempt("case_type", self.category, number, values, "case_type", parse_case_type)
        mode = attempt("mode", self.category, number, values, "mode", parse_mode)
        synthetic = attempt("synthetic", parse_bool, self.get(values, "synthetic"), "synthetic")
        point = None
        geometry_problem = self.get(values, "_geometry_problem")
        if geometry_problem:
            problems.append(("geometry", geometry_problem))
        else:
            point = attempt("latitude/longitude", self.point, number, values, place_name)
        if problems:
            raise _Reject(problems)
        text = {key: self._text(number, values, key) for key in ("agency", "nationality", "notes")}
        (first, last, precision), (lon, lat, position_precision) = period, point
        content = "|".join(map(str, (first, last, lon, lat, persons, case_type, mode, text["agency"],
                                     place_name, text["nationality"], text["notes"], synthetic)))
        record_id = clean_text(self.get(values, "id"))[0] or \
            "h" + hashlib.sha1(content.encode("utf-8")).hexdigest()[:15]
        self._check_identity(number, values, record_id, content + "|" + self.get(values, "source"),
                             (first, last, place_name.lower() if place_name else (round(lon, 4), round(lat, 4)),
                              persons))
        exact = first == last  # schema: date for a known day, date_from/date_to only for a period
        return {"id": record_id, "date": first if exact else None, "date_from": None if exact else first,
                "date_to": None if exact else last, "date_precision": precision, "persons": persons,
                "case_type": case_type, "mode": mode, "agency": text["agency"], "place_name": place_name,
                "nationality": text["nationality"], "notes": text["notes"], "synthetic": synthetic,
                "source": self.get(values, "source") or self.provenance(number, values),
                "position_precision": position_precision, "lon": lon, "lat": lat, "source_row": number}

    def provenance(self, number: int, values: list) -> str:
        sheet = self.get(values, "_sheet")
        return f"{self.file_name} sheet '{sheet}' row {number}" if sheet else f"{self.file_name} row {number}"

    def _check_identity(self, number, values, record_id, content, look) -> None:
        own_id = bool(self.get(values, "id"))
        try:
            entries = self.identity.check(number, record_id if own_id else "", content, look)
        except DuplicateRow as duplicate:
            if duplicate.field == "row":
                self.duplicates += 1
            raise _Reject([(duplicate.field, str(duplicate))]) from None
        for entry in entries:
            entry["id"] = entry["id"] or (record_id if entry["row"] == number else entry["id"])
            self.possible.append(entry)
            other = entry["group"] if entry["row"] != entry["group"] else number
            message = (f"possible duplicate of row {other} (same date, place and persons); kept: review the "
                       f"group of row {entry['group']} before confirming")
            if entry["row"] == number:
                self.note(number, "row", "possible_duplicate", message)
            else:
                self._store_note(entry["row"], "row", "possible_duplicate", message)

    def _text(self, number: int, values: list, key: str) -> str:
        text, formula = clean_text(self.get(values, key))
        if formula:
            self.note(number, key, "formula", f"{key} looked like a spreadsheet formula; kept as text with a leading '")
        return text

    def persons(self, number: int, values: list) -> int:
        text = self.get(values, "persons")
        if "persons" in self.mapping and not text:
            self.note(number, "persons", "persons_default", "persons empty; counted as 1")
        return parse_persons(text) if text else 1

    def category(self, number: int, values: list, key: str, parse) -> str:
        text = self.get(values, key)
        if not text:
            if key in self.mapping:
                self.note(number, key, f"{key}_blank", f"{key} empty; recorded as unknown")
            return "unknown"
        return parse(text)

    def dates(self, values) -> tuple[dt.date, dt.date, str]:
        text = self.get(values, "date")
        if text:
            first, last = parse_column_date(text, self.date_orders.get("date"))
            check_period(first, last, f"'{text}'", self.today)
            return first, last, precision_of(first, last)
        if "year" in self.mapping:
            parts = [self.get(values, key) for key in ("year", "month", "day")]
            first, last, precision = compose_date(*parts)
            check_period(first, last, "'" + "-".join(p for p in parts if p) + "'", self.today)
            return first, last, precision
        start, end = self.get(values, "date_from"), self.get(values, "date_to")
        if not start and not end:
            raise ValueProblem("date is empty; enter the date (or date_from and date_to)")
        first = parse_column_date(start or end, self.date_orders.get("date_from" if start else "date_to"))[0]
        last = parse_column_date(end or start, self.date_orders.get("date_to" if end else "date_from"))[1]
        check_period(first, last, f"'{start}'..'{end}'", self.today)
        return first, last, precision_of(first, last)

    def point(self, number, values, place_name) -> tuple[float, float, str]:
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
            return found[0], found[1], "place"
        if not lat_text:
            raise ValueProblem("latitude is empty but longitude is given")
        if not lon_text:
            raise ValueProblem("longitude is empty but latitude is given")
        lon, lat = read_point(lat_text, lon_text, self.get(values, "crs") or self.crs, self.file_swap,
                              lambda kind, message: self.note(number, "latitude/longitude", kind, message))
        return lon, lat, "point"


def _failed(name: str, message: str, kind=None, sha=None, headers=()) -> IngestResult:
    return IngestResult(accepted_frame([]), empty_rejected(), empty_notes(), name, kind,
                        file_errors=[message], file_sha256=sha, headers=list(headers))


def _sha256(source) -> str:
    digest = hashlib.sha256()
    with source.open_binary() as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _overrides(headers: list[str], mapping: dict | None, profile) -> dict:
    """The user's mapping: a profile's columns first, then explicit ``mapping`` entries on top."""
    overrides: dict = {}
    if profile is not None:
        chosen = profile if isinstance(profile, Profile) else load_profile(str(profile))
        overrides.update(chosen.overrides(headers))
    overrides.update(mapping or {})
    return overrides


def _chunk_result(validator: _Validator, table, opened, sha, accepted, rejected, before) -> IngestResult:
    notes = notes_frame(validator.notes)
    validator.notes = []
    possible = possible_frame(validator.possible)
    validator.possible = []
    rows, empty, duplicates = before
    columns = {m.field: m.column for m in validator.mapping_used if m.column}
    return IngestResult(
        accepted_frame(accepted),
        empty_rejected([h for h in table.headers if not h.startswith("__")]) if not rejected
        else pd.DataFrame(rejected),
        notes, opened.name, table.kind, table.encoding, list(table.problems), table.headers, columns,
        validator.rows_read - rows, validator.empty_rows - empty, validator.duplicates - duplicates,
        dict(validator.note_counts), sha, validator.mapping_used, list(validator.file_problems), possible)


def iter_intercepts(source, *, crs: str | None = None, dayfirst: bool | None = None,
                    chunksize: int = DEFAULT_CHUNKSIZE, file_name: str | None = None,
                    today: dt.date | None = None, mapping: dict | None = None,
                    profile: str | Profile | None = None) -> Iterator[IngestResult]:
    """Yield one IngestResult per chunk of ``chunksize`` rows (for files too large for memory).

    Duplicate and id checks span the whole file; the first chunk decides the date order and
    whether the whole file has latitude and longitude exchanged.  The first result carries the
    file-level notes; ``file_errors`` appear on the result where they were found.  A mapping or
    profile that names a column the file lacks gives a file error.
    """
    opened = as_source(source, file_name)
    sha = _sha256(opened)
    try:
        chosen = profile if profile is None or isinstance(profile, Profile) else load_profile(str(profile))
        with user_headers([*(mapping or {}).values(), *(chosen.columns.values() if chosen else ())]):
            table = open_table(opened, chunksize)
    except FileProblem as problem:
        yield _failed(opened.name, str(problem), sha=sha)
        return
    except MappingError as error:
        yield _failed(opened.name, f"{opened.name}: {error}", sha=sha)
        return
    chunks = iter(table.chunks)
    first_chunk = next(chunks, None)
    sample = [values for _, values, _, _ in (first_chunk or [])[:200]]
    try:
        options = {"crs": crs, "dayfirst": dayfirst, "today": today,
                   "overrides": _overrides(table.headers, mapping, chosen)}
        validator = _Validator(opened.name, table.headers, sample, options)
    except MappingError as error:
        yield _failed(opened.name, f"{opened.name}: {error}", table.kind, sha, table.headers)
        return
    if table.evidence:  # the rows read ahead decide each date column's day/month order
        validator.decide_date_order(table.evidence)
        table.evidence = []
    for message in table.notes:
        validator.note(None, "file", "file", message)
    produced = False
    for chunk in ([first_chunk] if first_chunk is not None else []):
        produced = True
        yield from _run_chunk(validator, table, opened, sha, chunk)
    for chunk in chunks:
        yield from _run_chunk(validator, table, opened, sha, chunk)
    if not produced or table.problems:
        problems = list(table.problems)
        if not produced and not problems:
            problems.append(f"{opened.name} has a header row but no data rows")
        before = (validator.rows_read, validator.empty_rows, validator.duplicates)
        result = _chunk_result(validator, table, opened, sha, [], [], before)
        result.file_errors = problems
        yield result


def _run_chunk(validator, table, opened, sha, chunk) -> Iterator[IngestResult]:
    before = (validator.rows_read, validator.empty_rows, validator.duplicates)
    accepted, rejected = validator.run(chunk)
    result = _chunk_result(validator, table, opened, sha, accepted, rejected, before)
    table.problems.clear()
    yield result


def read_intercepts(source, *, crs: str | None = None, dayfirst: bool | None = None,
                    chunksize: int = DEFAULT_CHUNKSIZE, file_name: str | None = None,
                    today: dt.date | None = None, mapping: dict | None = None,
                    profile: str | Profile | None = None) -> IngestResult:
    """Read an intercept file into an IngestResult.

    Parameters
    ----------
    source : path, bytes or file object
        The file (a Streamlit upload works).
    crs : str, optional
        CRS of x/y columns when they are projected (e.g. ``"EPSG:32642"``); a ``crs`` column in
        the file overrides it per row.
    dayfirst : bool, optional
        Force the reading of numeric dates (default: day-first unless the file shows otherwise).
    file_name : str, optional
        The name to report (defaults to the path's or upload's name).
    mapping : dict, optional
        ``{field: column}`` choices over the proposed mapping (an empty column leaves a field out).
    profile : str or Profile, optional
        A saved mapping: a shipped profile name (``"iom-missing-migrants"``), a profile JSON
        path, or a Profile (e.g. from ``store.profiles.get_profile``); ``mapping`` goes on top.
    """
    return combine(list(iter_intercepts(source, crs=crs, dayfirst=dayfirst, chunksize=chunksize,
                                        file_name=file_name, today=today, mapping=mapping, profile=profile)))


def add_mapping_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``--map`` and ``--profile`` options, shared with ``python -m store import``."""
    parser.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN",
                        help="take FIELD from COLUMN (repeatable), e.g. --map date='Incident Date'; "
                             "FIELD= leaves a field out")
    parser.add_argument("--profile", help="a saved column mapping, e.g. iom-missing-migrants")


def main(argv=None) -> int:
    from geodata.ingest_report import report_lines, write_rejected

    parser = argparse.ArgumentParser(prog="python -m geodata.ingest",
                                     description="Validate an intercept file and report what would be imported.")
    parser.add_argument("file")
    parser.add_argument("--crs", help="CRS of projected x/y columns, e.g. EPSG:32642")
    parser.add_argument("--month-first", action="store_true", help="read 03/04/2011 as 4 March")
    parser.add_argument("--rejected", help="write rejected rows (with reasons) to this CSV or XLSX "
                                           "(default: <file>_rejected.csv here)")
    parser.add_argument("--accepted", help="write accepted records to this GeoJSON/GPKG/CSV")
    add_mapping_arguments(parser)
    args = parser.parse_args(argv)
    try:
        result = read_intercepts(args.file, crs=args.crs, dayfirst=False if args.month_first else None,
                                 mapping=parse_map_options(args.map), profile=args.profile)
    except MappingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    written = write_rejected(result, args.rejected) if result.ok else None
    print("\n".join(report_lines(result, written)))
    if args.accepted and len(result.accepted):
        frame = result.accepted.drop(columns=["possible_duplicate"])
        if args.accepted.lower().endswith((".csv", ".xlsx")):  # formula-safe cells (geodata.safe_export)
            write_table(frame.assign(lon=frame.geometry.x, lat=frame.geometry.y).drop(columns="geometry"),
                        args.accepted)
        else:
            frame.to_file(args.accepted)
    return 0 if result.ok and len(result.accepted) else 1


if __name__ == "__main__":
    sys.exit(main())
