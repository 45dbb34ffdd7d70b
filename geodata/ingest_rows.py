"""From raw rows to a table: find the header row, read a one-column "lat, lon" field as
coordinates, and cut the data rows into chunks of ``(row, values, problem, overflow)``."""
from __future__ import annotations

import datetime as dt
import math
import re
from itertools import chain
from typing import Iterator

from geodata.ingest_columns import (GEOMETRY_LAT, GEOMETRY_LON, GEOMETRY_PROBLEM, match_columns,
                                    normalise_header, recognised_count)
from geodata.ingest_source import HEADER_SEARCH_ROWS, FileProblem, RawTable, clip

PAIR_SAMPLE_ROWS = 200
EVIDENCE_ROWS = 20_000   # data rows read ahead for column-wide decisions, whatever the chunk size
PAIR_SHARE = 0.8        # of an unnamed column's sampled cells that must be decimal "lat, lon" pairs
NAMED_PAIR_SHARE = 0.5  # the same for a column named like coordinates ("GPS", "Coordinates", ...)
_NUMBER = r"[-+]?\d{1,3}(?:\.\d+)?"
_DECIMAL_PAIR = re.compile(rf"^\(?\s*({_NUMBER})\s*°?\s*([NS]?)\s*[,;/ ]\s*({_NUMBER})\s*°?\s*([EW]?)\s*\)?$",
                           re.IGNORECASE)
_LETTERED_PAIR = re.compile(r"^(.+?[NS])\s*[,;/]?\s+(.+?[EW])$|^([NS].+?)\s*[,;/]?\s+([EW].+)$", re.IGNORECASE)
_COORDINATE_WORDS = ("coord", "latlon", "latlng", "latlong", "gps", "location", "position", "geoloc")


def cell_text(value) -> str:
    """A spreadsheet or GIS cell as the text a clerk typed (dates as ISO, whole floats without .0)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


# ---------------------------------------------------------------- "lat, lon" in one column

def split_pair(text: str) -> tuple[str, str] | None:
    """``"24.8607, 67.0011"`` -> ``("24.8607", "67.0011")`` (latitude first), or None."""
    value = str(text).strip()
    match = _DECIMAL_PAIR.match(value)
    if match:
        return match[1] + (f" {match[2]}" if match[2] else ""), match[3] + (f" {match[4]}" if match[4] else "")
    match = _LETTERED_PAIR.match(value)
    if match:
        first, second = (match[1], match[2]) if match[1] else (match[3], match[4])
        return first.strip(" ,;"), second.strip(" ,;")
    if value.count(",") == 1 and "°" in value:
        first, second = value.split(",")
        return first.strip(), second.strip()
    return None


def _pair_column(headers: list[str], rows: list[tuple[int, list]]) -> int | None:
    """The column that holds "lat, lon" pairs, when the file has no latitude/longitude columns."""
    mapping, _ = match_columns(headers)
    if "lat" in mapping and "lon" in mapping:
        return None
    for index, header in enumerate(headers):
        cells = [str(values[index]).strip() for _, values in rows if index < len(values)]
        cells = [cell for cell in cells if cell]
        if not cells:
            continue
        pairs = sum(1 for cell in cells if split_pair(cell) is not None)
        named = any(word in normalise_header(header) for word in _COORDINATE_WORDS)
        decimal = sum(1 for cell in cells if _DECIMAL_PAIR.match(cell))
        if (named and pairs >= NAMED_PAIR_SHARE * len(cells)) or decimal >= max(2, PAIR_SHARE * len(cells)):
            return index
    return None


def _with_pair(values: list, index: int) -> list:
    cell = str(values[index]).strip() if index < len(values) else ""
    if not cell:
        return values + ["", "", ""]
    pair = split_pair(cell)
    if pair is None:
        return values + ["", "", f"coordinates '{clip(cell, 60)}' are not a 'latitude, longitude' pair"]
    return values + [pair[1], pair[0], ""]


# ---------------------------------------------------------------- header + chunking

def _find_header(records: Iterator[tuple[int, list]], name: str) -> tuple[list, int, list]:
    pending: list[tuple[int, list]] = []
    for number, values in records:
        pending.append((number, values))
        if not any(str(value).strip() for value in values):
            continue
        if recognised_count(values) >= 2:
            return pending, number, values
        if len(pending) >= HEADER_SEARCH_ROWS:
            break
    first = next(((n, v) for n, v in pending if any(str(x).strip() for x in v)), None)
    if first is None:
        raise FileProblem(f"{name} has no rows")
    shown = clip(", ".join(str(x) for x in first[1][:6]))
    raise FileProblem(
        f"{name}: no header row found in the first {HEADER_SEARCH_ROWS} rows; the first row "
        f"({shown}) names no intercept column such as date, "
        "latitude, longitude, persons, case_type or mode. Download the template to see them")


def attach_rows(table: RawTable, records: Iterator[tuple[int, list]], chunksize: int, name: str,
                cut_short: bool = False) -> None:
    """Find the header row, then chunk the data rows, padding/flagging ragged rows."""
    pending, header_number, headers = _find_header(records, name)
    if header_number > 1 and any(any(str(x).strip() for x in v) for n, v in pending if n < header_number):
        table.notes.append(f"header found on row {header_number}; rows above it skipped")
    chunk_rows(table, headers, records, chunksize, cut_short)


def chunk_rows(table: RawTable, headers: list, records: Iterator[tuple[int, list]], chunksize: int,
               cut_short: bool = False) -> None:
    """Set the table's headers and its chunks of data rows (a "lat, lon" column split in two)."""
    headers = list(headers)
    while headers and not str(headers[-1]).strip():
        headers = headers[:-1]
    table.headers = [str(h).strip() for h in headers]
    width = len(table.headers)
    sample = [record for _, record in zip(range(EVIDENCE_ROWS), records)]
    pair = _pair_column(table.headers, sample[:PAIR_SAMPLE_ROWS])
    if pair is not None:
        _note_pair(table, pair)
    table.evidence = sample
    rows = chain(sample, records)

    def chunks():
        chunk: list[tuple[int, list, str, list]] = []
        previous = None
        for record in rows:
            if previous is not None:
                chunk.append(_shape(previous, width, False, pair))
                if len(chunk) >= chunksize:
                    yield chunk
                    chunk = []
            previous = record
        if previous is not None:
            chunk.append(_shape(previous, width, cut_short, pair))
        if chunk:
            yield chunk

    table.chunks = chunks()


def _note_pair(table: RawTable, pair: int) -> None:
    header = table.headers[pair]
    mapped, _ = match_columns(table.headers)
    if pair in mapped.values():  # e.g. "Location": not a place name when it holds coordinates
        table.headers[pair] = f"{header} (lat, lon)"
    table.headers += [GEOMETRY_LON, GEOMETRY_LAT, GEOMETRY_PROBLEM]
    table.notes.append(f"column '{clip(header, 60)}' holds 'latitude, longitude' pairs; read as coordinates")


def _shape(record: tuple[int, list], width: int, last: bool, pair: int | None) -> tuple[int, list, str, list]:
    """Fit a row to the header width: ``(row number, values, problem, overflow values)``."""
    number, values = record
    values = list(values)
    filled = len(values)
    while filled > width and not str(values[filled - 1]).strip():
        filled -= 1
    problem, overflow = "", []
    if filled > width:
        problem = (f"row has {filled} values but the header has {width} columns — an unquoted comma "
                   "(a decimal comma?) may have split a value; quote it or separate columns with ';'")
        overflow = values[width:filled]
    elif last and len(values) < width:
        problem = (f"row has only {len(values)} of {width} values — the file ends in the middle "
                   "of this row (cut short?)")
    values = values[:width] + [""] * (width - len(values))
    if pair is not None:
        values = _with_pair(values, pair)
    return number, values, problem, overflow
