"""Excel workbooks (.xlsx): every sheet that holds records, its header found under any title rows,
a two-row header (a group title merged over "Latitude | Longitude") joined into one, and merged
cells filled with their value, in the header and in the data.

Summary sheets (no date, place or coordinates and persons columns) are skipped with a note
naming them.  When several sheets are read their rows carry the sheet's name (``__sheet``),
so a rejected row or a record's source says which sheet it came from.
"""
from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass
from typing import Iterator
from xml.etree.ElementTree import ParseError, iterparse

from geodata.ingest_columns import SHEET as SHEET_COLUMN
from geodata.ingest_columns import match_columns, normalise_header, recognised_count
from geodata.ingest_rows import cell_text, chunk_rows
from geodata.ingest_source import HEADER_SEARCH_ROWS, FileProblem, RawTable, Source, clip

_WORKBOOK_ERRORS = (zipfile.BadZipFile, KeyError, OSError, EOFError, ParseError, ValueError,
                    zlib.error, IndexError, TypeError)
_CELL = re.compile(r"^([A-Z]{1,3})(\d+)$")
_DATA_LIKE = re.compile(r"^[-+]?\d+(?:[.,]\d+)?$|^\d{4}-\d{2}-\d{2}")
_COORDINATE_WORDS = ("coord", "latlon", "latlng", "latlong", "gps", "location", "position")


@dataclass
class _Sheet:
    """One worksheet's header as found, and whether it holds intercept records."""

    sheet: object
    merges: list
    header_row: int        # spreadsheet row of the (last) header row
    headers: list
    joined: bool           # two header rows joined into one
    holds_records: bool
    recognised: int


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _merged_ranges(sheet) -> list[tuple[int, int, int, int]]:
    """(first row, last row, first column, last column) of each merged range, from the sheet's XML."""
    ranges = []
    source = sheet._get_source()   # read-only sheets do not expose merged cells; their XML does
    try:
        for _, element in iterparse(source):
            if element.tag.endswith("}mergeCell"):
                first, _, last = element.get("ref", "").partition(":")
                start, end = _CELL.match(first), _CELL.match(last or first)
                if start and end:
                    ranges.append((int(start[2]), int(end[2]), _column_number(start[1]),
                                   _column_number(end[1])))
            element.clear()
    finally:
        source.close()
    return ranges


def _filled_rows(sheet, merges) -> Iterator[tuple[int, list]]:
    """The sheet's rows as text, each merged range's cells holding its top-left value."""
    starting: dict[int, list] = {}
    for merge in merges:
        starting.setdefault(merge[0], []).append(merge)
    active: list[tuple[tuple, str]] = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), 1):
        row = [cell_text(value) for value in values]
        active = [(merge, value) for merge, value in active if merge[1] >= number]
        for merge in starting.get(number, ()):
            active.append((merge, row[merge[2] - 1] if merge[2] - 1 < len(row) else ""))
        for (_, _, first, last), value in active:
            if len(row) < last:
                row += [""] * (last - len(row))
            for column in range(first - 1, last):
                row[column] = value
        yield number, row


def _holds_records(headers: list) -> bool:
    mapping, _ = match_columns(headers)
    dated = bool({"date", "date_from", "date_to"} & set(mapping))
    placed = ("lat" in mapping and "lon" in mapping) or "place_name" in mapping or any(
        word in normalise_header(h) for h in headers for word in _COORDINATE_WORDS)
    return dated and placed and "persons" in mapping


def _join_header(top: list, below: list) -> list | None:
    """A second header row under the first ("Location" over "Latitude | Longitude"), or None."""
    cells = [str(cell).strip() for cell in below]
    if not any(cells) or any(_DATA_LIKE.match(cell) for cell in cells if cell):
        return None
    width = max(len(top), len(below))
    top = list(top) + [""] * (width - len(top))
    cells += [""] * (width - len(cells))
    joined = [cell or str(head).strip() for head, cell in zip(top, cells)]
    return joined if recognised_count(joined) > recognised_count(top) else None


def _inspect(sheet) -> _Sheet | None:
    merges = _merged_ranges(sheet)
    head = []
    for number, row in _filled_rows(sheet, merges):
        head.append((number, row))
        if number > HEADER_SEARCH_ROWS + 1:
            break
    for position, (number, row) in enumerate(head[:HEADER_SEARCH_ROWS]):
        if any(row) and recognised_count(row) >= 2:
            below = head[position + 1][1] if position + 1 < len(head) else []
            joined = _join_header(row, below)
            headers = joined or row
            return _Sheet(sheet, merges, number + (1 if joined else 0), headers, bool(joined),
                          _holds_records(headers), recognised_count(headers))
    return None


def _unified(sheets: list[_Sheet]) -> tuple[list, list[list[int]]]:
    """One header for all sheets read (the first sheet's, plus columns only later sheets have),
    and for each sheet the position of each of its columns in it."""
    headers = [str(h).strip() for h in sheets[0].headers]
    positions = [list(range(len(headers)))]
    for sheet in sheets[1:]:
        where = []
        for header in sheet.headers:
            key = normalise_header(header)
            found = next((i for i, h in enumerate(headers) if key and normalise_header(h) == key), None)
            if found is None:
                headers.append(str(header).strip())
                found = len(headers) - 1
            where.append(found)
        positions.append(where)
    if len(sheets) > 1:
        headers.append(SHEET_COLUMN)
    return headers, positions


def _records(sheets: list[_Sheet], width: int, positions: list[list[int]], table: RawTable,
             name: str, workbook) -> Iterator[tuple[int, list]]:
    sheet_column = len(sheets) > 1
    number = 0
    try:
        for sheet, where in zip(sheets, positions):
            for number, row in _filled_rows(sheet.sheet, sheet.merges):
                if number <= sheet.header_row:
                    continue
                if not sheet_column:   # one sheet: its row as it is (extra cells are kept and flagged)
                    yield number, row
                    continue
                values = [""] * width
                for column, value in enumerate(row[:len(where)]):
                    values[where[column]] = value
                values[-1] = sheet.sheet.title if any(v.strip() for v in values[:-1]) else ""
                yield number, values
    except _WORKBOOK_ERRORS as error:
        table.problems.append(f"{name}: the workbook is damaged after row {number} ({clip(error)}); "
                              "rows after it were not read")
    finally:
        workbook.close()


def _choose(inspected: list[_Sheet], workbook, table: RawTable, name: str) -> list[_Sheet]:
    chosen = [sheet for sheet in inspected if sheet.holds_records]
    skipped = [sheet.title for sheet in workbook.worksheets if sheet not in [s.sheet for s in chosen]]
    if not chosen:  # no sheet looks like records: read the best, so its missing columns are named
        best = max(inspected, key=lambda sheet: sheet.recognised, default=None)
        if best is None:
            raise FileProblem(f"{name}: no sheet has a header row in its first {HEADER_SEARCH_ROWS} rows "
                              "naming intercept columns such as date, latitude, longitude, persons, "
                              "case_type or mode. Download the template to see them")
        chosen = [best]
        skipped = [sheet.title for sheet in workbook.worksheets if sheet is not best.sheet]
    if len(workbook.worksheets) > 1:
        names = ", ".join(f"'{clip(sheet.sheet.title, 40)}'" for sheet in chosen)
        note = f"read worksheet{'s' if len(chosen) > 1 else ''} {names} of {len(workbook.worksheets)}"
        if skipped:
            note += ("; skipped " + ", ".join(f"'{clip(title, 40)}'" for title in skipped) +
                     " (no date, place or coordinates and persons columns: a summary or other sheet)")
        table.notes.append(note)
    for sheet in chosen:
        if sheet.joined:
            table.notes.append(f"sheet '{clip(sheet.sheet.title, 40)}': two header rows (ending on row "
                               f"{sheet.header_row}) read as one")
        elif sheet.header_row > 1:
            where = f"sheet '{clip(sheet.sheet.title, 40)}': " if len(chosen) > 1 else ""
            table.notes.append(f"{where}header found on row {sheet.header_row}; rows above it skipped")
    return chosen


def read_xlsx_table(source: Source, chunksize: int) -> RawTable:
    """Open a workbook; raises FileProblem when it is damaged or holds no table of records."""
    import openpyxl

    damaged = (f"{source.name} is a damaged or incomplete Excel workbook ({{}}); "
               "open it in Excel and save it again")
    try:
        workbook = openpyxl.load_workbook(source.open_binary(), read_only=True, data_only=True)
    except _WORKBOOK_ERRORS as error:
        raise FileProblem(damaged.format(clip(error))) from error
    table = RawTable("xlsx", [], iter(()), [])
    try:
        if not workbook.worksheets:
            raise FileProblem(f"{source.name} has no worksheets")
        inspected = [sheet for sheet in map(_inspect, workbook.worksheets) if sheet is not None]
        chosen = _choose(inspected, workbook, table, source.name)
    except _WORKBOOK_ERRORS as error:
        workbook.close()
        raise FileProblem(damaged.format(clip(error))) from error
    except FileProblem:
        workbook.close()
        raise
    headers, positions = _unified(chosen)
    records = _records(chosen, len(headers), positions, table, source.name, workbook)
    chunk_rows(table, headers, records, chunksize)
    return table
