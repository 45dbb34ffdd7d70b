"""Open an intercept file whatever it really is, and stream its rows as text.

The file's content decides how it is read, not its extension: a workbook
renamed ``.csv`` is read as a workbook (with a note saying so).  Rows come out
in chunks of ``(row_number, values)`` so files larger than memory can be read;
row numbers are what a clerk sees in a spreadsheet (header row = 1 when it is
the first line) or the feature number for GeoJSON / GeoPackage / Shapefile.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import os
import tempfile
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator
from xml.etree.ElementTree import ParseError

from geodata.ingest_columns import (GEOMETRY_LAT, GEOMETRY_LON, GEOMETRY_PROBLEM,
                                    recognised_count)

SAMPLE_BYTES = 256 * 1024
HEADER_SEARCH_ROWS = 10
DELIMITERS = (",", ";", "\t", "|")

csv.field_size_limit(16 * 1024 * 1024)


class FileProblem(Exception):
    """The file as a whole cannot be read; the message names the file and says why."""


@dataclass
class RawTable:
    """Rows of one table as text, plus what was learned while opening it."""

    kind: str                      # csv, xlsx, geojson, gpkg, shapefile
    headers: list[str]
    chunks: Iterator[list[tuple[int, list, str, list]]]  # (row, values, row problem, overflow)
    notes: list[str] = field(default_factory=list)
    encoding: str | None = None
    problems: list[str] = field(default_factory=list)   # file-level problems found while streaming


@dataclass
class Source:
    """A path or an in-memory upload, opened lazily."""

    name: str
    path: Path | None
    data: bytes | None

    def head(self, size: int = SAMPLE_BYTES) -> bytes:
        if self.data is not None:
            return self.data[:size]
        with open(self.path, "rb") as handle:
            return handle.read(size)

    def open_binary(self):
        return open(self.path, "rb") if self.data is None else io.BytesIO(self.data)

    @contextmanager
    def as_path(self, suffix: str):
        """A real file path for libraries that need one (GDAL)."""
        if self.path is not None:
            yield self.path
            return
        handle, temp = tempfile.mkstemp(suffix=suffix)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(self.data)
            yield Path(temp)
        finally:
            os.unlink(temp)


def as_source(source, file_name: str | None = None) -> Source:
    """Accept a path, bytes, or a file-like object (e.g. a Streamlit UploadedFile)."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise FileNotFoundError(f"intercept file not found: {path}")
        return Source(file_name or path.name, path, None)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return Source(file_name or "upload", None, bytes(source))
    if hasattr(source, "getvalue"):
        return Source(file_name or Path(getattr(source, "name", "upload")).name, None,
                      bytes(source.getvalue()))
    if hasattr(source, "read"):
        data = source.read()
        if isinstance(data, str):
            data = data.encode("utf-8")
        return Source(file_name or Path(str(getattr(source, "name", "upload"))).name, None, bytes(data))
    raise TypeError(f"read_intercepts needs a path, bytes or a file object, not {type(source).__name__}")


# ---------------------------------------------------------------- sniffing

_NOT_TABLES = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
}


def sniff_kind(source: Source) -> str:
    """The file's real kind from its first bytes: csv, xlsx, geojson, gpkg or shapefile."""
    head = source.head()
    if not head.strip():
        raise FileProblem(f"{source.name} is empty")
    if head.startswith(b"PK"):
        return _sniff_zip(source)
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem(f"{source.name} is an old-style Excel .xls (or other Office 97) file; "
                          "open it in Excel and save it as .xlsx or CSV")
    for magic, what in _NOT_TABLES.items():
        if head.startswith(magic):
            raise FileProblem(f"{source.name} is {what}, not a table of intercepts")
    encoding = detect_encoding(head, source.name)
    text = head.decode(encoding, errors="replace").lstrip("\ufeff \t\r\n")
    if text.startswith("{"):
        return "geojson"
    if text.startswith("<"):
        raise FileProblem(f"{source.name} looks like HTML or XML, not a table of intercepts")
    return "csv"


def _sniff_zip(source: Source) -> str:
    try:
        with zipfile.ZipFile(source.open_binary()) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        what = "Excel workbook" if Path(source.name).suffix.lower() in (".xlsx", ".xlsm") else "zip archive"
        raise FileProblem(f"{source.name} is a damaged or incomplete {what} ({error}); "
                          "save or export it again") from error
    lowered = [name.lower() for name in names]
    if "[content_types].xml" in lowered and any(name.startswith("xl/") for name in lowered):
        return "xlsx"
    if any(name.endswith(".shp") for name in lowered):
        return "shapefile"
    if any(name.startswith("word/") for name in lowered):
        raise FileProblem(f"{source.name} is a Word document, not a table of intercepts")
    raise FileProblem(f"{source.name} is a zip archive without a Shapefile (.shp) or workbook inside")


_EXTENSION_KIND = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
                   ".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg", ".zip": "shapefile"}
_KIND_LABEL = {"csv": "CSV text", "xlsx": "an Excel workbook", "geojson": "GeoJSON",
               "gpkg": "a GeoPackage", "shapefile": "a zipped Shapefile"}


def extension_note(source: Source, kind: str) -> str | None:
    """A note when the extension promises something other than the content."""
    expected = _EXTENSION_KIND.get(Path(source.name).suffix.lower())
    if expected is None or expected == kind:
        return None
    return (f"{source.name} is not {_KIND_LABEL[expected]} as its extension says; "
            f"it contains {_KIND_LABEL[kind]} and was read as such")


# ---------------------------------------------------------------- text

def detect_encoding(head: bytes, name: str) -> str:
    """Pick a text encoding from the first bytes: BOMs, UTF-16 without BOM, UTF-8, then a guess."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    sample = head[:4096]
    if len(sample) >= 4 and b"\x00" in sample:
        even = sample[0::2].count(0)
        odd = sample[1::2].count(0)
        if odd > len(sample) // 4 and even < odd // 8:
            return "utf-16-le"
        if even > len(sample) // 4 and odd < even // 8:
            return "utf-16-be"
        raise FileProblem(f"{name} looks like a binary file, not text or a spreadsheet")
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as error:
        # A sample cut inside a multi-byte character fails only in its last bytes.
        if len(head) >= SAMPLE_BYTES and error.start >= len(head) - 3:
            try:
                head[:error.start].decode("utf-8")
                return "utf-8"
            except UnicodeDecodeError:
                pass
    from charset_normalizer import from_bytes

    best = from_bytes(head).best()
    guess = best.encoding if best is not None else "cp1252"
    # Office exports in Pakistan are Windows-1252 (or Urdu cp1256); latin-1 guesses are cp1252.
    if guess in ("latin_1", "iso8859_1", "iso8859_15", "ascii"):
        guess = "cp1252"
    if guess != "cp1252":
        try:  # a cp125x guess that reads the same as Windows-1252 is reported as the common one
            if head.decode("cp1252") == head.decode(guess, errors="replace"):
                guess = "cp1252"
        except (UnicodeDecodeError, LookupError):
            pass
    return guess


def _looks_binary(text: str) -> bool:
    if not text:
        return False
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n")
    return controls > max(2, len(text) // 100) or text.count("\ufffd") > max(4, len(text) // 20)


def _pick_delimiter(sample: str) -> str:
    lines = [line for line in sample.splitlines()[:30] if line.strip()]
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the last sampled line may be cut
    best, best_score = ",", (-1, -1)
    for delimiter in DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        if not counts or max(counts) < 2:
            continue
        header = counts[0]
        consistent = sum(1 for count in counts if count == header)
        score = (consistent, header)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def read_csv_table(source: Source, chunksize: int) -> RawTable:
    head = source.head()
    encoding = detect_encoding(head, source.name)
    sample = head.decode(encoding, errors="replace")
    if encoding != "utf-16" and len(head) == SAMPLE_BYTES:
        sample = sample[:-4]
    if _looks_binary(sample):
        raise FileProblem(f"{source.name} looks like a binary file, not text or a spreadsheet")
    delimiter = _pick_delimiter(sample.lstrip("\ufeff"))
    notes = []
    if encoding not in ("utf-8", "utf-8-sig"):
        notes.append(f"text encoding {encoding} detected and converted")
    if delimiter != ",":
        notes.append(f"columns separated by {'tab' if delimiter == chr(9) else repr(delimiter)}")

    binary = source.open_binary()
    text = io.TextIOWrapper(binary, encoding=encoding, errors="replace", newline="")
    reader = csv.reader(text, delimiter=delimiter)
    table = RawTable("csv", [], iter(()), notes, encoding)

    def records() -> Iterator[tuple[int, list]]:
        number = 0
        try:
            for values in reader:
                number += 1
                yield number, [value.lstrip("\ufeff") if number == 1 else value for value in values]
        except csv.Error as error:
            table.problems.append(f"{source.name}: reading stopped at row {number + 1}: {error}")
        finally:
            text.close()

    _attach_rows(table, records(), chunksize, source.name, cut_short=not _ends_with_newline(source))
    return table


def _ends_with_newline(source: Source) -> bool:
    if source.data is not None:
        tail = source.data[-4:]
    else:
        with open(source.path, "rb") as handle:
            handle.seek(max(0, source.path.stat().st_size - 4))
            tail = handle.read()
    return tail.rstrip(b"\x00").endswith((b"\n", b"\r"))


# ---------------------------------------------------------------- Excel

def _cell_text(value) -> str:
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


_WORKBOOK_ERRORS = (zipfile.BadZipFile, KeyError, OSError, EOFError, ParseError, ValueError,
                    zlib.error, IndexError, TypeError)


def read_xlsx_table(source: Source, chunksize: int) -> RawTable:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(source.open_binary(), read_only=True, data_only=True)
    except _WORKBOOK_ERRORS as error:
        raise FileProblem(f"{source.name} is a damaged or incomplete Excel workbook ({error}); "
                          "open it in Excel and save it again") from error
    notes: list[str] = []
    chosen = None
    try:
        for sheet in workbook.worksheets:
            rows = []
            for values in sheet.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True):
                rows.append([_cell_text(value) for value in values])
            if any(recognised_count(row) >= 2 for row in rows):
                chosen = sheet
                break
    except _WORKBOOK_ERRORS as error:
        workbook.close()
        raise FileProblem(f"{source.name} is a damaged or incomplete Excel workbook ({error}); "
                          "open it in Excel and save it again") from error
    if chosen is None:
        chosen = workbook.worksheets[0] if workbook.worksheets else None
    if chosen is None:
        workbook.close()
        raise FileProblem(f"{source.name} has no worksheets")
    if len(workbook.worksheets) > 1:
        notes.append(f"read worksheet '{chosen.title}' of {len(workbook.worksheets)}")
    table = RawTable("xlsx", [], iter(()), notes)

    def records() -> Iterator[tuple[int, list]]:
        number = 0
        try:
            for values in chosen.iter_rows(values_only=True):
                number += 1
                yield number, [_cell_text(value) for value in values]
        except _WORKBOOK_ERRORS as error:
            table.problems.append(f"{source.name}: the workbook is damaged after row {number} ({error}); "
                                  "rows after it were not read")
        finally:
            workbook.close()

    _attach_rows(table, records(), chunksize, source.name)
    return table


# ---------------------------------------------------------------- header + chunking

def _attach_rows(table: RawTable, records: Iterator[tuple[int, list]], chunksize: int, name: str,
                 cut_short: bool = False):
    """Find the header row, then chunk the data rows, padding/flagging ragged rows."""
    pending: list[tuple[int, list]] = []
    header_number, headers = None, None
    for number, values in records:
        if not any(str(value).strip() for value in values):
            pending.append((number, values))
            continue
        pending.append((number, values))
        if recognised_count(values) >= 2:
            header_number, headers = number, values
            break
        if len(pending) >= HEADER_SEARCH_ROWS:
            break
    if headers is None:
        first = next(((n, v) for n, v in pending if any(str(x).strip() for x in v)), None)
        if first is None:
            raise FileProblem(f"{name} has no rows")
        raise FileProblem(
            f"{name}: no header row found in the first {HEADER_SEARCH_ROWS} rows; the first row "
            f"({', '.join(str(x) for x in first[1][:6])}) names no intercept column such as date, "
            "latitude, longitude, persons, case_type or mode. Download the template to see them")
    if header_number > 1 and any(any(str(x).strip() for x in v) for n, v in pending if n < header_number):
        table.notes.append(f"header found on row {header_number}; rows above it skipped")
    while headers and not str(headers[-1]).strip():
        headers = headers[:-1]
    table.headers = [str(h).strip() for h in headers]
    width = len(table.headers)

    def chunks():
        chunk: list[tuple[int, list]] = []
        previous = None
        for record in records:
            if previous is not None:
                chunk.append(_shape(previous, width, last=False))
                if len(chunk) >= chunksize:
                    yield chunk
                    chunk = []
            previous = record
        if previous is not None:
            chunk.append(_shape(previous, width, last=cut_short))
        if chunk:
            yield chunk

    table.chunks = chunks()



def _shape(record: tuple[int, list], width: int, last: bool) -> tuple[int, list, str, list]:
    """Fit a row to the header width: ``(row number, values, problem, overflow values)``."""
    number, values = record
    values = list(values)
    filled = len(values)
    while filled > width and not str(values[filled - 1]).strip():
        filled -= 1
    if filled > width:
        message = (f"row has {filled} values but the header has {width} columns — an unquoted comma "
                   "(a decimal comma?) may have split a value; quote it or separate columns with ';'")
        return number, values[:width], message, values[width:filled]
    if last and len(values) < width:
        message = (f"row has only {len(values)} of {width} values — the file ends in the middle "
                   "of this row (cut short?)")
        return number, values + [""] * (width - len(values)), message, []
    return number, values[:width] + [""] * (width - len(values)), "", []


# ---------------------------------------------------------------- geo formats

def read_geo_table(source: Source, kind: str, chunksize: int) -> RawTable:
    import pyogrio

    suffix = {"geojson": ".geojson", "gpkg": ".gpkg", "shapefile": ".zip"}[kind]
    table = RawTable(kind, [], iter(()), [])
    geo_errors = (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError,
                  pyogrio.errors.FieldError, pyogrio.errors.GeometryError, pyogrio.errors.CRSError,
                  RuntimeError, ValueError)
    context = source.as_path(suffix)
    path = context.__enter__()
    target = f"/vsizip/{path}" if kind == "shapefile" else str(path)
    try:
        layers = pyogrio.list_layers(target)
        info = None
        for layer_name, geometry_type in layers:
            if geometry_type is None or "Point" in str(geometry_type) or info is None:
                candidate = pyogrio.read_info(target, layer=layer_name)
                if info is None or "Point" in str(geometry_type):
                    info, layer = candidate, layer_name
                if "Point" in str(geometry_type):
                    break
        if info is None:
            raise FileProblem(f"{source.name} has no layers")
    except geo_errors as error:
        context.__exit__(None, None, None)
        raise FileProblem(f"{source.name} cannot be read as {_KIND_LABEL[kind]} "
                          f"(damaged or cut short?): {error}") from error
    if len(layers) > 1:
        table.notes.append(f"read layer '{layer}' of {len(layers)}")
    total = int(info.get("features", 0) or 0)
    crs = info.get("crs")
    fields = [str(f) for f in info.get("fields", [])]
    table.headers = fields + [GEOMETRY_LON, GEOMETRY_LAT, GEOMETRY_PROBLEM]
    width = len(table.headers)
    if crs is None:
        table.notes.append("the file declares no coordinate system; coordinates taken as WGS 84 lon/lat")
    elif str(crs).upper() not in ("EPSG:4326", "OGC:CRS84"):
        table.notes.append(f"coordinates reprojected from {crs} to EPSG:4326")

    def chunks():
        try:
            start = 0
            while total == 0 or start < total:
                frame = pyogrio.read_dataframe(target, layer=layer, skip_features=start,
                                               max_features=chunksize)
                if len(frame) == 0:
                    break
                yield _geo_rows(frame, fields, start, width, crs)
                start += len(frame)
                if len(frame) < chunksize:
                    break
        except geo_errors as error:
            table.problems.append(f"{source.name}: reading stopped after feature {start}: {error}")
        finally:
            context.__exit__(None, None, None)

    table.chunks = chunks()
    return table


def _geo_rows(frame, fields, start, width, crs) -> list[tuple[int, list, str, list]]:
    if crs is not None and str(crs).upper() not in ("EPSG:4326", "OGC:CRS84"):
        frame = frame.to_crs("EPSG:4326")
    rows = []
    for offset, (_, record) in enumerate(frame.iterrows()):
        values = [_cell_text(record.get(name)) for name in fields]
        geometry = record.geometry
        lon = lat = problem = ""
        if geometry is None or geometry.is_empty:
            pass
        elif geometry.geom_type == "Point":
            lon, lat = repr(float(geometry.x)), repr(float(geometry.y))
        elif geometry.geom_type == "MultiPoint" and len(geometry.geoms) == 1:
            lon, lat = repr(float(geometry.geoms[0].x)), repr(float(geometry.geoms[0].y))
        else:
            problem = f"geometry is a {geometry.geom_type}; an intercept must be a single point"
        row = values + [lon, lat, problem]
        rows.append((start + offset + 1, row[:width], "", []))
    return rows


READERS: dict[str, Callable[..., RawTable]] = {"csv": read_csv_table, "xlsx": read_xlsx_table}


def open_table(source: Source, chunksize: int) -> RawTable:
    """Sniff and open ``source``; raises FileProblem when the file as a whole is unreadable."""
    kind = sniff_kind(source)
    note = extension_note(source, kind)
    if kind in READERS:
        table = READERS[kind](source, chunksize)
    else:
        table = read_geo_table(source, kind, chunksize)
    if note:
        table.notes.insert(0, note)
    return table
